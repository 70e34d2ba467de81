"""Credentials that warn before they stop working: check, record, warn, re-check daily.

A check asks the channel what it can learn (:class:`~channels.base.InspectsCredentials`
where the channel implements it, else just the account from ``check_credentials``)
and records the answer as a ``credentials_checked`` event. ``oyez status`` and the
TUI read the latest check of each channel, so showing warnings costs no network
call; the daemon re-checks each channel once a day (:class:`DailyRecheck`).

Warnings: a token that expires within :data:`EXPIRY_WARNING` (or has expired), and
a pinned API version older than :data:`VERSION_AGE_MONTHS` months (networks such
as LinkedIn and Facebook retire versions after about a year).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from channels.base import CredentialReport, InspectsCredentials
from channels.errors import ChannelError
from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.errors import ChannelProblem
from publisher.service.background import Periodic
from publisher.service.channels import build_channel
from queue_db import channels as channel_db
from queue_db import events

log = logging.getLogger("oyez.credentials")

ACTION = "credentials_checked"
#: Warn this long before a known expiry.
EXPIRY_WARNING = timedelta(days=14)
#: Warn when the pinned API version is older than this many months.
VERSION_AGE_MONTHS = 10
#: The daemon checks each channel this often (not per post).
RECHECK_EVERY = timedelta(days=1)


@dataclass(frozen=True)
class CredentialCheck(JSONView):
    """One check of a channel's credentials, and what a person should know."""

    channel: str
    kind: str
    checked_at: datetime
    ok: bool
    account: str | None = None
    expires_at: datetime | None = None
    data_access_expires_at: datetime | None = None
    api_version: str | None = None
    api_version_date: date | None = None
    #: Why the check failed (one line, never a secret).
    error: str | None = None
    #: What the channel itself said (e.g. how to learn the expiry).
    notes: tuple[str, ...] = ()
    #: Everything to warn about as of ``checked_at`` (see :meth:`as_of`).
    warnings: tuple[str, ...] = ()

    def as_of(self, now: datetime) -> CredentialCheck:
        """The same check with its warnings worked out again for ``now``."""
        return replace(self, warnings=warnings_for(self, now))


def _days(delta: timedelta) -> str:
    days = delta.days
    return "today" if days <= 0 else ("in 1 day" if days == 1 else f"in {days} days")


def months_between(earlier: date, later: date) -> int:
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def warnings_for(check: CredentialCheck, now: datetime) -> tuple[str, ...]:
    found: list[str] = []
    if not check.ok:
        found.append(f"credentials do not work: {check.error}")
    for what, when in (
        ("the token", check.expires_at),
        ("data access", check.data_access_expires_at),
    ):
        if when is None:
            continue
        if when <= now:
            found.append(f"{what} expired on {when:%Y-%m-%d}: renew it")
        elif when - now <= EXPIRY_WARNING:
            found.append(f"{what} expires on {when:%Y-%m-%d} ({_days(when - now)}): renew it")
    if check.api_version_date is not None:
        age = months_between(check.api_version_date, now.date())
        if age > VERSION_AGE_MONTHS:
            found.append(
                f"API version {check.api_version} is {age} months old and may soon be retired: "
                f"set a newer one (oyez channels set {check.channel} --set version=...)"
            )
    found.extend(check.notes)
    return tuple(found)


def report_of(channel: Any) -> CredentialReport:
    """What ``channel`` can tell about its credentials (any channel, inspecting or not)."""
    if isinstance(channel, InspectsCredentials):
        return channel.inspect_credentials()
    return CredentialReport(account=channel.check_credentials())


def _record(ctx: Context, channel_id: int, check: CredentialCheck) -> None:
    with ctx.tx() as tx:
        tx.log(ctx.actor, ACTION, channel_id=channel_id, **check.to_dict())


def check(ctx: Context, name: str) -> CredentialCheck:
    """Check one channel's credentials now and record it; a failure is a check too."""
    with ctx.tx() as tx:
        view = channel_db.by_name(tx, name)
    now = ctx.clock()
    try:
        channel = build_channel(ctx, view)
    except ChannelProblem as exc:
        error = str(exc).removeprefix(f"channel {name!r}: ")
        result = CredentialCheck(name, view.kind, now, ok=False, error=error)
    else:
        try:
            report = report_of(channel)
        except ChannelError as exc:
            result = CredentialCheck(name, view.kind, now, ok=False, error=str(exc))
        else:
            result = CredentialCheck(
                name,
                view.kind,
                now,
                ok=True,
                account=report.account,
                expires_at=report.expires_at,
                data_access_expires_at=report.data_access_expires_at,
                api_version=report.api_version,
                api_version_date=report.api_version_date,
                notes=report.warnings,
            )
        finally:
            channel.close()
    result = result.as_of(now)
    _record(ctx, view.id, result)
    return result


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _of_event(detail: dict[str, Any]) -> CredentialCheck:
    version_day = detail.get("api_version_date")
    return CredentialCheck(
        channel=str(detail.get("channel") or ""),
        kind=str(detail.get("kind") or ""),
        checked_at=_when(detail.get("checked_at")) or datetime.min.replace(tzinfo=UTC),
        ok=bool(detail.get("ok")),
        account=detail.get("account"),
        expires_at=_when(detail.get("expires_at")),
        data_access_expires_at=_when(detail.get("data_access_expires_at")),
        api_version=detail.get("api_version"),
        api_version_date=date.fromisoformat(version_day) if version_day else None,
        error=detail.get("error"),
        notes=tuple(detail.get("notes") or ()),
    )


def latest(ctx: Context) -> dict[str, CredentialCheck]:
    """The newest recorded check of each existing channel, warnings as of now."""
    now = ctx.clock()
    with ctx.tx() as tx:
        names = {c.id: c.name for c in channel_db.every(tx)}
        found = {
            names[channel_id]: replace(_of_event(event.detail), channel=names[channel_id])
            for channel_id, event in events.latest_by_channel(tx, ACTION).items()
            if channel_id in names
        }
    return {name: check.as_of(now) for name, check in found.items()}


def warnings(ctx: Context) -> dict[str, tuple[str, ...]]:
    """Each channel's credential warnings from its latest check (no network call)."""
    return {name: c.warnings for name, c in latest(ctx).items() if c.warnings}


def recheck_due(ctx: Context) -> list[CredentialCheck]:
    """Check every channel whose latest check is a day old or more (or that has none)."""
    now = ctx.clock()
    last = latest(ctx)
    with ctx.tx() as tx:
        names = [c.name for c in channel_db.every(tx)]
    done = []
    for name in names:
        previous = last.get(name)
        if previous is None or now - previous.checked_at >= RECHECK_EVERY:
            done.append(check(ctx, name))
    return done


class DailyRecheck(Periodic):
    """A background thread of the daemon: re-checks credentials once a day per channel.

    It looks every ``every`` seconds for channels due a check, the first time
    ``first_after`` seconds after it starts (a daemon started for a moment
    calls no network for this).
    """

    name = "oyez-credentials"

    def __init__(self, ctx: Context, *, every: float = 3600.0, first_after: float = 60.0) -> None:
        super().__init__(every=every, first_after=first_after)
        self.ctx = ctx

    def look(self) -> None:
        for result in recheck_due(self.ctx):
            for warning in result.warnings:
                log.warning("channel %s: %s", result.channel, warning)
