"""Once each, forever: deciding which entries of a parsed feed are new, and recording them.

An entry is the same as one in the ledger when its key matches; or, if its
GUID changed, when its normalised link matches; or its normalised title
matches with a publication date within two days; or it was published at
exactly the same second with a similar title (an edited title that changed
the slug, the GUID and the link at once). A recognised entry gets an alias
row pointing at the original, so the next poll matches it by key alone.

On the first successful poll of a subscription every entry is recorded as
``seen`` and nothing is posted, except the newest ``backfill`` entries that
pass the filters. After that, new entries are ``queued`` for a post, oldest
first, unless they are older than ``max_age_days`` or the retention window
(``too_old``), or fail the include/exclude patterns (``filtered``). Entries
dated in the future are not recorded at all: they are considered again once
their date has come.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from publisher.sources.feeds import keys
from publisher.sources.feeds.parse import ParsedEntry
from publisher.sources.templating import shorten
from queue_db import feeds as feed_db
from queue_db.feeds import FeedRecord, LedgerRow
from queue_db.store import Tx

#: Clock skew tolerated before an entry counts as dated in the future.
FUTURE_SLACK = timedelta(minutes=10)
#: Same normalised title within this many days: the same entry.
TITLE_WINDOW = timedelta(days=2)
#: Ledger rows of entries gone from the feed this long are forgotten; entries
#: published before it are never taken for new.
RETENTION = timedelta(days=400)
#: Same publication second and at least this title similarity: the same entry.
SIMILAR_TITLE = 0.6
MAX_TITLE = 300
MAX_SUMMARY = 10_000
MAX_TAGS = 30


@dataclass
class Recorded:
    """What recording one parsed document did."""

    new: int = 0
    queued: int = 0
    recognised: int = 0
    seen: int = 0
    too_old: int = 0
    filtered: int = 0
    future: int = 0
    matched_ids: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class _Candidate:
    order: int
    entry: ParsedEntry
    key: str
    link_key: str | None
    title_key: str | None


def chronological(entries: Sequence[ParsedEntry]) -> list[ParsedEntry]:
    """Oldest first: by date; undated entries by document order, newest-at-top assumed."""
    in_order = list(reversed(entries))
    dated = [e.published.timestamp() for e in in_order if e.published is not None]
    newest = max(dated, default=0.0)
    # An undated entry sorts after every dated one, keeping its place among the undated.
    return sorted(
        in_order,
        key=lambda e: e.published.timestamp() if e.published is not None else newest + 1,
    )


def record(tx: Tx, feed: FeedRecord, entries: Sequence[ParsedEntry], now: datetime) -> Recorded:
    """Add the new entries of ``entries`` to ``feed``'s ledger; return what happened."""
    assert feed.id is not None
    out = Recorded()
    candidates: list[_Candidate] = []
    seen_keys: set[str] = set()
    for order, entry in enumerate(chronological(entries)):
        key = keys.entry_key(entry.guid, entry.link, entry.title, entry.published)
        if key in seen_keys:
            continue  # the same entry twice in one document
        seen_keys.add(key)
        candidates.append(
            _Candidate(order, entry, key, keys.link_key(entry.link), keys.title_key(entry.title))
        )
    # A new subscription has an empty ledger: nothing to look up.
    empty = not feed.baselined and not feed_db.has_entries(tx, feed.id)
    known = {} if empty else feed_db.by_keys(tx, feed.id, (c.key for c in candidates))
    out.matched_ids.extend(r.id for r in known.values())
    fresh = [c for c in candidates if c.key not in known]
    originals = {} if empty else _recognise(tx, feed.id, fresh, seen_keys)

    rows: list[dict[str, Any]] = []
    new: list[_Candidate] = []
    new_links: set[str] = set()
    for c in fresh:
        original = originals.get(c.key)
        if original is not None:
            out.recognised += 1
            out.matched_ids.append(original.id)
            rows.append(_row(feed.id, c, now, "duplicate", original=original))
        elif c.link_key is not None and c.link_key in new_links:
            continue  # two GUIDs for one link in one document: matched by link next time
        elif c.entry.published is not None and c.entry.published > now + FUTURE_SLACK:
            out.future += 1
        else:
            if c.link_key is not None:
                new_links.add(c.link_key)
            new.append(c)
    out.new = len(new)
    rows.extend(_classify(feed, new, now, out))
    # Rows go in oldest first, so ledger ids are in publication order.
    rows.sort(key=lambda r: r["_order"])
    for r in rows:
        del r["_order"]
    feed_db.insert_entries(tx, rows)
    feed_db.touch_seen(tx, out.matched_ids, now)
    return out


def _recognise(
    tx: Tx, feed_id: int, fresh: list[_Candidate], present: set[str]
) -> dict[str, LedgerRow]:
    """For entries with an unknown key, the ledger row each one is the same entry as.

    A title or time match only counts against a row whose own key has left the
    feed: while the old entry is still there, a look-alike is another entry.
    """
    if not fresh:
        return {}
    by_link = feed_db.by_link_keys(tx, feed_id, (c.link_key for c in fresh if c.link_key))
    by_title = feed_db.by_title_keys(tx, feed_id, (c.title_key for c in fresh if c.title_key))
    by_time = feed_db.by_published(
        tx, feed_id, (c.entry.published for c in fresh if c.entry.published is not None)
    )
    found: dict[str, LedgerRow] = {}
    for c in fresh:
        match = by_link.get(c.link_key) if c.link_key else None
        if match is None and c.title_key:
            match = next(
                (
                    r
                    for r in by_title.get(c.title_key, [])
                    if r.key not in present and _close_in_time(r, c.entry)
                ),
                None,
            )
        when = c.entry.published
        if match is None and when is not None and _has_time_of_day(when):
            match = next(
                (
                    r
                    for r in by_time.get(when, [])
                    if r.key not in present and _similar(r.title, c.entry)
                ),
                None,
            )
        if match is not None:
            found[c.key] = match
    return found


def _has_time_of_day(when: datetime) -> bool:
    # Feeds with dates only put every entry of a day at midnight: no evidence there.
    return (when.hour, when.minute, when.second) != (0, 0, 0)


def _close_in_time(row: LedgerRow, entry: ParsedEntry) -> bool:
    if row.published_at is None or entry.published is None:
        return True
    return abs(row.published_at - entry.published) <= TITLE_WINDOW


def _similar(title: str, entry: ParsedEntry) -> bool:
    a, b = keys.normalise_title(title), keys.normalise_title(entry.title)
    return bool(a and b) and difflib.SequenceMatcher(None, a, b).ratio() >= SIMILAR_TITLE


def _classify(
    feed: FeedRecord, new: list[_Candidate], now: datetime, out: Recorded
) -> list[dict[str, Any]]:
    include = re.compile(feed.include, re.IGNORECASE) if feed.include else None
    exclude = re.compile(feed.exclude, re.IGNORECASE) if feed.exclude else None
    # Past the retention window the ledger may have forgotten an entry, so an
    # entry that old is never new, whatever --max-age says.
    oldest = now - RETENTION
    if feed.max_age_days:
        oldest = max(oldest, now - timedelta(days=feed.max_age_days))
    rows: list[dict[str, Any]] = []
    eligible: list[_Candidate] = []
    for c in new:
        if c.entry.published is not None and c.entry.published < oldest:
            out.too_old += 1
            days = (now - oldest).days
            rows.append(_row(feed.id, c, now, "too_old", reason=f"older than {days} days"))
        elif (include or exclude) and not _passes(c.entry, include, exclude):
            out.filtered += 1
            rows.append(_row(feed.id, c, now, "filtered", reason="include/exclude pattern"))
        else:
            eligible.append(c)
    if feed.baselined:
        to_post, to_skip = eligible, []
    else:
        cut = len(eligible) - max(0, feed.backfill)
        to_skip, to_post = eligible[: max(0, cut)], eligible[max(0, cut) :]
    for c in to_skip:
        out.seen += 1
        rows.append(_row(feed.id, c, now, "seen", reason="present when subscribed"))
    for c in to_post:
        out.queued += 1
        rows.append(_row(feed.id, c, now, "queued", payload=_payload(c.entry)))
    return rows


def _passes(
    entry: ParsedEntry, include: re.Pattern[str] | None, exclude: re.Pattern[str] | None
) -> bool:
    haystack = "\n".join((entry.title, " ".join(entry.tags), entry.summary))
    if include is not None and not include.search(haystack):
        return False
    return not (exclude is not None and exclude.search(haystack))


def _payload(entry: ParsedEntry) -> dict[str, Any]:
    # Bounded: a post never needs a whole article, and the row lives until posted.
    return {
        "summary": entry.summary[:MAX_SUMMARY],
        "author": entry.author[:MAX_TITLE],
        "tags": [t[:MAX_TITLE] for t in entry.tags[:MAX_TAGS]],
    }


def _row(
    feed_id: int | None,
    c: _Candidate,
    now: datetime,
    status: str,
    *,
    reason: str | None = None,
    original: LedgerRow | None = None,
    payload: dict[str, Any] | None = None,
) -> dict[str, Any]:
    if original is not None:
        root = original.alias_of or original.id
        reason = f"the same entry as ledger row {root} (its GUID changed)"
    return {
        "_order": c.order,
        "feed_id": feed_id,
        "key": c.key,
        "link_key": c.link_key,
        "title_key": c.title_key,
        "title": shorten(c.entry.title, MAX_TITLE),
        "link": c.entry.link or None,
        "published_at": c.entry.published,
        "status": status,
        "payload": payload or {},
        "reason": reason,
        "post_id": original.post_id if original is not None else None,
        "alias_of": (original.alias_of or original.id) if original is not None else None,
        "first_seen_at": now,
        "last_seen_at": now,
        "posted_at": None,
    }
