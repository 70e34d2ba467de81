"""The clock inside a worker process: an APScheduler 3 scheduler with an in-memory job store.

The job store is never shared and never persisted: APScheduler forbids sharing
one between processes, and the database is the truth. It is rebuilt at start
from what the database says:

* ``dispatch``: one date job at the next due time of the queue (moved every
  time the dispatcher looks at the queue), which wakes the dispatcher;
* ``heartbeat``: an interval job that proves the worker alive and renews its leases;
* ``producer:<id>``: one date job per producer at its next nominal fire time,
  re-armed after each firing from :func:`publisher.context.calendar.next_fire`
  (which keeps cron cadences right across daylight-saving changes).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.jobstores.memory import MemoryJobStore
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

log = logging.getLogger("oyez.engine")
#: The scheduler's own log. A heartbeat skipped because the last one still runs
#: is no news, so only errors (a job that raised) are shown.
scheduler_log = logging.getLogger("oyez.engine.clock")
scheduler_log.setLevel(logging.ERROR)


class Clock:
    """A thin owner of one :class:`BackgroundScheduler`; all times are UTC."""

    def __init__(self, *, threads: int = 4) -> None:
        self.scheduler = BackgroundScheduler(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=threads)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
            timezone=UTC,
            logger=scheduler_log,
        )

    def start(self) -> None:
        if not self.scheduler.running:
            self.scheduler.start()

    def shutdown(self) -> None:
        if self.scheduler.running:
            # Jobs in flight (a producer firing) finish; nothing new starts.
            self.scheduler.shutdown(wait=True)

    def at(self, job_id: str, when: datetime, func: Callable[..., Any], *args: Any) -> None:
        """Run ``func(*args)`` once at ``when`` (at once if it is past), replacing ``job_id``."""
        self.scheduler.add_job(
            func,
            DateTrigger(run_date=when.astimezone(UTC), timezone=UTC),
            args=args,
            id=job_id,
            name=job_id,
            replace_existing=True,
        )

    def every(self, job_id: str, seconds: float, func: Callable[[], Any]) -> None:
        self.scheduler.add_job(
            func,
            IntervalTrigger(seconds=seconds, timezone=UTC),
            id=job_id,
            name=job_id,
            replace_existing=True,
            next_run_time=datetime.now(UTC) + timedelta(seconds=seconds),
        )

    def cancel(self, job_id: str) -> None:
        with contextlib.suppress(JobLookupError):
            self.scheduler.remove_job(job_id)

    def jobs(self) -> dict[str, datetime | None]:
        """Job id → next run time: what this process is waiting for."""
        return {job.id: job.next_run_time for job in self.scheduler.get_jobs()}
