"""The report a manager reads: what went out, on time or not, what failed and why.

Plain frozen dataclasses, so the CLI (text, HTML, PNG) and the TUI draw the
same numbers, and :func:`charts` turns them into the same five bar charts.
Days are counted in the configured time zone. "On time" means sent within a
minute of its due time.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from publisher.context import Context, cron
from publisher.context.times import check_period, iso, zone
from queue_db import inbox as inbox_db
from queue_db import report as store
from queue_db import streams as stream_db
from queue_db import tips as tip_db
from queue_db.store import Tx

ON_TIME = timedelta(minutes=1)
#: Colours of the charts' bars, by channel in turn (colour-blind-safe "tab10" hues).
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


@dataclass(frozen=True)
class OnTime:
    """Deliveries with a due time that went out, and how many within a minute of it."""

    channel: str
    sent: int
    on_time: int

    @property
    def rate(self) -> float | None:
        return self.on_time / self.sent if self.sent else None


@dataclass(frozen=True)
class Reason:
    """Deliveries that ended unpublished for one reason, with one example message."""

    reason: str
    count: int
    example: str | None = None


@dataclass(frozen=True)
class Cadence:
    """Tips a cadence was due to post against tips it sent."""

    cadence: str
    #: Firings in range while the cadence was running (paused spells do not count).
    due: int
    sent: int
    #: Paused now.
    paused: bool = False


@dataclass(frozen=True)
class TicketPosts:
    """The posts made for one ticket (its first post and the updates under it)."""

    ticket: str
    posts: int
    published: int


@dataclass(frozen=True)
class Report:
    since: datetime | None
    until: datetime | None
    timezone: str
    #: (day, channel) → deliveries published that day on that channel.
    per_day: dict[tuple[date, str], int] = field(default_factory=dict)
    on_time: tuple[OnTime, ...] = ()
    failures: tuple[Reason, ...] = ()
    #: ``None`` when no cadence is configured.
    cadences: tuple[Cadence, ...] | None = None
    tickets: tuple[TicketPosts, ...] = ()
    #: Inbox items now, per stream and state: ``{"mentions": {"new": 3, "done": 9}}``.
    inbox: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def days(self) -> list[date]:
        return sorted({d for d, _ in self.per_day})

    @property
    def channels(self) -> list[str]:
        return sorted({c for _, c in self.per_day})

    @property
    def published(self) -> int:
        return sum(self.per_day.values())

    @property
    def on_time_total(self) -> OnTime:
        return OnTime(
            "all", sum(o.sent for o in self.on_time), sum(o.on_time for o in self.on_time)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "since": iso(self.since),
            "until": iso(self.until),
            "timezone": self.timezone,
            "posts_per_channel_per_day": [
                {"day": d.isoformat(), "channel": c, "count": n}
                for (d, c), n in sorted(self.per_day.items())
            ],
            "on_time": [
                {"channel": o.channel, "sent": o.sent, "on_time": o.on_time, "rate": o.rate}
                for o in (*self.on_time, self.on_time_total)
            ],
            "failures": [
                {"reason": r.reason, "count": r.count, "example": r.example} for r in self.failures
            ],
            "cadences": None
            if self.cadences is None
            else [
                {"cadence": c.cadence, "due": c.due, "sent": c.sent, "paused": c.paused}
                for c in self.cadences
            ],
            "tickets": [
                {"ticket": t.ticket, "posts": t.posts, "published": t.published}
                for t in self.tickets
            ],
            "inbox": self.inbox,
        }


def build_report(
    ctx: Context, since: datetime | None = None, until: datetime | None = None
) -> Report:
    """The report for deliveries and posts in [since, until) (either may be open)."""
    check_period(since, until)
    tz = zone(ctx.settings.timezone)
    per_day: Counter[tuple[date, str]] = Counter()
    sent: Counter[str] = Counter()
    punctual: Counter[str] = Counter()
    with ctx.tx() as tx:
        for channel, due, sent_at in store.stream_published(tx, since, until):
            per_day[(sent_at.astimezone(tz).date(), channel)] += 1
            if due is not None:
                sent[channel] += 1
                punctual[channel] += sent_at - due <= ON_TIME
        failures = _reasons(store.unpublished_counts(tx, since, until))
        tickets = _tickets(tx, since, until)
        cadences = _cadences(tx, since, until, ctx.clock())
        inbox = _inbox(tx)
    return Report(
        since=since,
        until=until,
        timezone=ctx.settings.timezone,
        per_day=dict(per_day),
        on_time=tuple(OnTime(c, sent[c], punctual[c]) for c in sorted(sent)),
        failures=failures,
        cadences=cadences,
        tickets=tickets,
        inbox=inbox,
    )


def _inbox(tx: Tx) -> dict[str, dict[str, int]]:
    names = stream_db.names_of(tx, [s.id for s in stream_db.every(tx)])
    out: dict[str, dict[str, int]] = {}
    for (stream_id, state), count in sorted(inbox_db.counts(tx).items()):
        out.setdefault(names.get(stream_id, str(stream_id)), {})[state] = count
    return out


def _reasons(rows: list[tuple[str, str | None, str | None, int]]) -> tuple[Reason, ...]:
    counts: Counter[str] = Counter()
    examples: dict[str, Counter[str]] = {}
    for state, kind, message, count in rows:
        reason = state if state != "failed" else (kind or "failed")
        counts[reason] += count
        if message:
            examples.setdefault(reason, Counter())[message] += count
    return tuple(
        Reason(r, n, examples[r].most_common(1)[0][0] if r in examples else None)
        for r, n in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    )


def _tickets(tx: Tx, since: datetime | None, until: datetime | None) -> tuple[TicketPosts, ...]:
    rows = store.ticket_posts(tx, since, until)
    return tuple(
        TicketPosts(f"{ticket} {title}".strip(), posts, published)
        for ticket, title, posts, published in sorted(rows, key=lambda r: (-r[2], r[0]))
    )


def _cadences(
    tx: Tx, since: datetime | None, until: datetime | None, now: datetime
) -> tuple[Cadence, ...] | None:
    """Each cadence's firings due in range against tips published.

    Skip dates and the spells it was paused (from the audit log) are not due.
    """
    rows = [cadence for cadence, _ in tip_db.cadences(tx)]
    if not rows:
        return None
    sent = store.cadence_tips_sent(tx, since, until)
    pauses = store.cadence_pauses(tx)
    end = min(until, now) if until is not None else now
    out = []
    for row in rows:
        start = max(since, row.created_at) if since is not None else row.created_at
        spells = paused_spells(pauses.get(row.name, []), row.paused, row.created_at, now)
        due = 0
        # upcoming() yields times strictly after its argument: step back to include ``start``.
        for moment in cron.upcoming(
            row.cron, zone(row.timezone), row.skip_dates, start - timedelta(microseconds=1)
        ):
            if moment >= end:
                break
            if not any(a <= moment < b for a, b in spells):
                due += 1
        assert row.id is not None
        out.append(Cadence(row.name, due, sent.get(row.id, 0), paused=row.paused))
    return tuple(out)


def paused_spells(
    changes: list[tuple[datetime, bool]], paused_now: bool, created: datetime, now: datetime
) -> list[tuple[datetime, datetime]]:
    """The [start, end) spells a cadence was paused, from its pauses and resumes in order.

    A cadence paused now with no pause on record (an older database) counts as
    paused since it was created: better to claim nothing was due than a miss.
    """
    spells: list[tuple[datetime, datetime]] = []
    since: datetime | None = None
    for at, paused in changes:
        if paused and since is None:
            since = at
        elif not paused and since is not None:
            spells.append((since, at))
            since = None
    if paused_now:
        spells.append((since if since is not None else created, now))
    return spells


# -- charts: what every interface draws ------------------------------------------------


@dataclass(frozen=True)
class Bar:
    """One labelled bar of a chart, with the figure to print beside it."""

    label: str
    #: (value, colour) segments, stacked left to right.
    segments: tuple[tuple[float, str], ...]
    note: str


@dataclass(frozen=True)
class Chart:
    """A titled list of horizontal (stacked) bars; ``empty`` is shown when there are none."""

    title: str
    bars: tuple[Bar, ...]
    #: The value a full-width bar stands for.
    scale: float
    legend: tuple[tuple[str, str], ...] = ()
    empty: str = "nothing in this period"


def charts(report: Report) -> list[Chart]:
    """The report's five charts."""
    colours = {c: PALETTE[i % len(PALETTE)] for i, c in enumerate(report.channels)}
    days = [
        Bar(
            day.isoformat(),
            tuple((report.per_day.get((day, c), 0), colours[c]) for c in report.channels),
            str(sum(report.per_day.get((day, c), 0) for c in report.channels)),
        )
        for day in report.days
    ]
    on_time = [
        Bar(o.channel, ((o.rate or 0.0, PALETTE[2]),), f"{o.rate or 0:.0%} ({o.on_time}/{o.sent})")
        for o in (*report.on_time, report.on_time_total)
        if o.sent
    ]
    failures = [Bar(r.reason, ((r.count, PALETTE[3]),), str(r.count)) for r in report.failures]
    cadences = [
        Bar(
            c.cadence,
            ((min(c.sent / c.due, 1.0) if c.due else 1.0, PALETTE[4]),),
            f"{c.sent}/{c.due}" + (" (paused)" if c.paused else ""),
        )
        for c in report.cadences or ()
    ]
    tickets = [
        Bar(t.ticket, ((t.posts, PALETTE[0]),), f"{t.posts} posts, {t.published} sent")
        for t in report.tickets
    ]
    return [
        Chart(
            "Posts per channel per day",
            tuple(days),
            max((sum(v for v, _ in b.segments) for b in days), default=1),
            tuple(colours.items()),
        ),
        Chart("On time (sent within a minute of due)", tuple(on_time), 1.0),
        Chart(
            "Failures by reason",
            tuple(failures),
            max((r.count for r in report.failures), default=1),
            empty="no failures",
        ),
        Chart(
            "Cadence adherence (tips sent / due)",
            tuple(cadences),
            1.0,
            empty="no cadences" if report.cadences is None else "no cadence was due",
        ),
        Chart(
            "Ticket posts per ticket",
            tuple(tickets),
            max((t.posts for t in report.tickets), default=1),
            empty="no ticket posts",
        ),
    ]


def period(report: Report) -> str:
    """One line saying what the report covers."""
    since = report.since.strftime("%Y-%m-%d %H:%M") if report.since else "the beginning"
    until = report.until.strftime("%Y-%m-%d %H:%M") if report.until else "now"
    return f"{since} to {until} UTC · days in {report.timezone} · {report.published} published"
