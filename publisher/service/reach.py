"""The reach section of the report: how far posts went, per channel, source, week and hour.

Figures are the latest collected for each published delivery (see
:mod:`publisher.service.metrics`). Each is labelled with its network's own
name (Facebook "reactions", Mastodon "favourites"…). A figure a network does
not report stays ``None``: a sum or median over nothing is ``None``, never 0,
and impressions are summed only over deliveries whose network reported them.
"Engagement" is likes + reposts + replies + quotes, as each network counts them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from statistics import median

from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.context.times import check_period, zone
from queue_db import channels as channel_db
from queue_db import metrics as metric_db
from queue_db.metrics import FIGURES, Reached, Sample

#: Each network's own name for each figure; a figure it has no name for it does not report.
LABELS: dict[str, dict[str, str]] = {
    "x": {
        "likes": "likes",
        "reposts": "reposts",
        "replies": "replies",
        "quotes": "quotes",
        "impressions": "impressions",
    },
    "bluesky": {"likes": "likes", "reposts": "reposts", "replies": "replies", "quotes": "quotes"},
    "mastodon": {"likes": "favourites", "reposts": "boosts", "replies": "replies"},
    "facebook": {"likes": "reactions", "reposts": "shares", "replies": "comments"},
    "linkedin": {"likes": "likes", "replies": "comments"},
}
#: What the figures are called where channels of several networks are added up.
GENERIC = {f: f for f in FIGURES}
ENGAGEMENT = ("likes", "reposts", "replies", "quotes")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TOP_POSTS = 5


@dataclass(frozen=True)
class Figure(JSONView):
    name: str
    #: The network's own name for it (or the generic name across networks).
    label: str
    total: int | None
    median: float | None
    #: Deliveries that reported this figure.
    reported: int


@dataclass(frozen=True)
class Group(JSONView):
    """One channel's or one source's reach."""

    name: str
    #: The channel's kind (network), or None for a source.
    kind: str | None
    posts_sent: int
    measured: int
    figures: tuple[Figure, ...]
    engagement: int | None


@dataclass(frozen=True)
class Point(JSONView):
    """One collection's engagement of a delivery (None where its network gave no figure)."""

    collected_at: datetime
    engagement: int | None


@dataclass(frozen=True)
class TopPost(JSONView):
    post_id: int
    channel: str
    kind: str
    sent_at: datetime
    text: str
    url: str | None
    engagement: int
    figures: dict[str, int | None]
    labels: dict[str, str]
    #: Its engagement at each collection, oldest first (the sparkline of the HTML report).
    engagement_history: tuple[Point, ...] = ()


@dataclass(frozen=True)
class Week(JSONView):
    #: The Monday the week starts on (in the report's time zone).
    week: date
    posts: int
    engagement: int


@dataclass(frozen=True)
class Timing(JSONView):
    """One channel's engagement per post by hour of day and weekday (in its time zone)."""

    channel: str
    timezone: str
    #: 24 entries: (posts measured, mean engagement per post or None).
    by_hour: tuple[tuple[int, float | None], ...]
    #: 7 entries, Monday first.
    by_weekday: tuple[tuple[int, float | None], ...]


@dataclass(frozen=True)
class Reach(JSONView):
    channels: tuple[Group, ...]
    sources: tuple[Group, ...]
    top: tuple[TopPost, ...]
    weeks: tuple[Week, ...]
    timing: tuple[Timing, ...]

    @property
    def measured(self) -> int:
        return sum(g.measured for g in self.channels)


def engagement(row: Reached | Sample) -> int | None:
    values = [getattr(row, f) for f in ENGAGEMENT if getattr(row, f) is not None]
    return sum(values) if row.collected_at is not None and values else None


def _figures(rows: Sequence[Reached], labels: dict[str, str]) -> tuple[Figure, ...]:
    out = []
    for name in FIGURES:
        values = [getattr(r, name) for r in rows if getattr(r, name) is not None]
        out.append(
            Figure(
                name,
                labels.get(name, name),
                sum(values) if values else None,
                float(median(values)) if values else None,
                len(values),
            )
        )
    return tuple(out)


def _group(name: str, kind: str | None, rows: Sequence[Reached]) -> Group:
    measured = [r for r in rows if r.collected_at is not None]
    labels = LABELS.get(kind or "", GENERIC) if kind else GENERIC
    engaged = [e for e in map(engagement, measured) if e is not None]
    return Group(
        name,
        kind,
        len(rows),
        len(measured),
        _figures(measured, labels),
        sum(engaged) if engaged else None,
    )


def _by(rows: Iterable[Reached], key: str) -> dict[str, list[Reached]]:
    out: dict[str, list[Reached]] = defaultdict(list)
    for row in rows:
        out[getattr(row, key)].append(row)
    return dict(sorted(out.items()))


def _timing(channel: str, tz_name: str, rows: Sequence[Reached]) -> Timing:
    tz = zone(tz_name)
    hours: list[list[int]] = [[] for _ in range(24)]
    days: list[list[int]] = [[] for _ in range(7)]
    for row in rows:
        value = engagement(row)
        if value is None:
            continue
        local = row.sent_at.astimezone(tz)
        hours[local.hour].append(value)
        days[local.weekday()].append(value)

    def cell(values: list[int]) -> tuple[int, float | None]:
        return len(values), (sum(values) / len(values) if values else None)

    return Timing(channel, tz_name, tuple(map(cell, hours)), tuple(map(cell, days)))


def build_reach(
    ctx: Context,
    since: datetime | None = None,
    until: datetime | None = None,
    *,
    timezones: dict[str, str] | None = None,
) -> Reach:
    """Reach of the deliveries published in [since, until)."""
    check_period(since, until)
    tz = zone(ctx.settings.timezone)
    with ctx.tx() as tx:
        rows = list(metric_db.stream_reached(tx, since, until))
        if timezones is None:
            timezones = {c.name: c.timezone for c in channel_db.every(tx)}
    per_channel = _by(rows, "channel")
    channels = tuple(_group(name, group[0].kind, group) for name, group in per_channel.items())
    sources = tuple(_group(name, None, group) for name, group in _by(rows, "source").items())
    ranked = sorted(
        (r for r in rows if engagement(r) is not None),
        key=lambda r: (-(engagement(r) or 0), r.sent_at),
    )
    with ctx.tx() as tx:
        history = metric_db.series(tx, [r.delivery_id for r in ranked[:TOP_POSTS]])
    top = tuple(
        TopPost(
            r.post_id,
            r.channel,
            r.kind,
            r.sent_at,
            r.text[:120],
            r.remote_url,
            engagement(r) or 0,
            {f: getattr(r, f) for f in FIGURES},
            LABELS.get(r.kind, GENERIC),
            tuple(Point(p.collected_at, engagement(p)) for p in history.get(r.delivery_id, ())),
        )
        for r in ranked[:TOP_POSTS]
    )
    weeks: dict[date, list[int]] = {}
    for r in rows:
        day = r.sent_at.astimezone(tz).date()
        slot = weeks.setdefault(day - timedelta(days=day.weekday()), [0, 0])
        slot[0] += 1
        slot[1] += engagement(r) or 0
    if weeks:  # every week in between, so a gap (a holiday) shows as a gap
        week = min(weeks)
        while week < max(weeks):
            week += timedelta(days=7)
            weeks.setdefault(week, [0, 0])
    timing = tuple(
        _timing(name, timezones.get(name, "UTC"), group) for name, group in per_channel.items()
    )
    return Reach(
        channels=channels,
        sources=sources,
        top=top,
        weeks=tuple(Week(w, p, e) for w, (p, e) in sorted(weeks.items())),
        timing=timing,
    )


@dataclass(frozen=True)
class SlotSuggestion(JSONView):
    """Posting slots for a channel from when its posts drew most engagement."""

    channel: str
    timezone: str
    #: Posts whose engagement is known, in the period looked at.
    measured: int
    #: Best hours first: ("HH:00", mean engagement per post, posts).
    times: tuple[tuple[str, float, int], ...]
    #: Best weekdays first: (day, mean engagement per post, posts).
    weekdays: tuple[tuple[str, float, int], ...]


def suggest_slots(ctx: Context, channel: str, *, days: int = 90, count: int = 3) -> SlotSuggestion:
    """Suggest ``count`` posting times and the best weekdays for ``channel`` from its reach
    over the last ``days`` days (ranked by mean engagement per post)."""
    with ctx.tx() as tx:
        row = channel_db.by_name(tx, channel)
    now = ctx.clock()
    reach = build_reach(ctx, now - timedelta(days=days), None, timezones={row.name: row.timezone})
    timing = next((t for t in reach.timing if t.channel == row.name), None)
    if timing is None:
        return SlotSuggestion(row.name, row.timezone, 0, (), ())

    def ranked(
        cells: Sequence[tuple[int, float | None]], names: Sequence[str]
    ) -> list[tuple[str, float, int]]:
        scored = [(names[i], mean, n) for i, (n, mean) in enumerate(cells) if mean is not None]
        return sorted(scored, key=lambda t: (-t[1], -t[2], t[0]))

    hours = ranked(timing.by_hour, [f"{h:02d}:00" for h in range(24)])
    measured = sum(n for n, _ in timing.by_hour)
    return SlotSuggestion(
        row.name,
        row.timezone,
        measured,
        tuple(hours[:count]),
        tuple(ranked(timing.by_weekday, WEEKDAYS)),
    )
