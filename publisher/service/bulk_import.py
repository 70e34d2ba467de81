"""Bulk import of posts from a spreadsheet (CSV), all or nothing.

Every row is checked first: its time (with a zone), its channels, its length
on each channel, its media and alt text, and the guideline pack. If any row
is bad, every bad row is reported with its line number and nothing is
queued. Otherwise all rows are created in one transaction, as the lifecycle
would leave them after ``create_post`` + ``submit_post``: in review, or,
when configuration says imports need no sign-off, approved and scheduled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from channels.length import default_limits
from publisher.context import Context
from publisher.context.controls import strip_controls
from publisher.context.times import parse_when, zone
from publisher.errors import InvalidInput
from publisher.guidelines import Checker, RecentIndex, Target
from publisher.service import checks
from publisher.service.archive import Progress
from publisher.service.import_file import open_file, records
from publisher.service.posts import MAX_TEXT
from queue_db import channels as channel_db
from queue_db import events as audit
from queue_db import post_batches
from queue_db import posts as post_db
from queue_db.channels import ChannelRecord
from queue_db.deliveries import plan as delivery_plan
from queue_db.types import utcnow

SOURCE = "import"
_CHANNEL_SPLIT = re.compile(r"[\s,;|]+")


@dataclass(frozen=True)
class RowProblem:
    """Why one row (by its line in the file; an archive record by its number) was refused."""

    line: int
    messages: tuple[str, ...]
    #: What ``line`` counts: lines of the file, or records of a JSON document.
    unit: str = "line"

    def __str__(self) -> str:
        return f"{self.unit} {self.line}: " + "; ".join(self.messages)


@dataclass(frozen=True)
class ImportResult:
    rows: int
    problems: tuple[RowProblem, ...] = ()
    post_ids: tuple[int, ...] = ()
    states: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False
    #: Channels paused because the restore brought them deliveries yet to go out.
    paused: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "ok": self.ok,
            "dry_run": self.dry_run,
            "queued": len(self.post_ids),
            "states": self.states,
            "post_ids": list(self.post_ids),
            "paused": list(self.paused),
            "problems": [{p.unit: p.line, "messages": list(p.messages)} for p in self.problems],
        }


@dataclass
class _Row:
    line: int
    text: str
    channels: list[ChannelRecord]
    at: datetime | None
    media: list[dict[str, str]]
    findings: list[dict[str, Any]]


class _Validator:
    def __init__(self, ctx: Context, folder: Path, tz: str | None) -> None:
        self.ctx = ctx
        self.folder = folder
        self.zone = zone(tz) if tz else None
        self.now = ctx.clock()
        with ctx.tx() as tx:
            self.channels = {c.name: c for c in channel_db.every(tx)}
        self.checker: Checker = checks.checker_for(ctx)
        self.recent: RecentIndex = self.checker.index_recent(checks.recent_texts(ctx, self.checker))
        self.length_rules = {r.id for r in self.checker.rules if r.options.kind == "length"}
        self.seen: dict[tuple[str, tuple[str, ...], datetime | None], int] = {}

    def row(self, line: int, cells: dict[str, str]) -> _Row | RowProblem:
        problems: list[str] = []
        nul = sorted(column for column, value in cells.items() if "\x00" in (value or ""))
        if nul:
            # PostgreSQL cannot store NUL: a dry run must refuse what the import would.
            return RowProblem(line, tuple(f"column {c!r} holds a NUL byte" for c in nul))
        text = strip_controls(cells.get("text", ""))
        if not text.strip():
            problems.append("text is empty")
        elif len(text) > MAX_TEXT:
            problems.append(f"text is longer than {MAX_TEXT} characters")
        targets = self._channels(cells.get("channels", ""), problems)
        at = self._when(cells.get("at", "").strip(), problems)
        media = self._media(cells.get("media", ""), cells.get("alt", ""), targets, problems)
        findings: list[dict[str, Any]] = []
        if text.strip() and targets:
            findings = self._check(text, targets, problems)
        key = (text, tuple(c.name for c in targets), at)
        first = self.seen.setdefault(key, line)
        if first != line:
            problems.append(f"repeats line {first} (same text, channels and time)")
        if problems:
            return RowProblem(line, tuple(problems))
        return _Row(line, text, targets, at, media, findings)

    def _channels(self, value: str, problems: list[str]) -> list[ChannelRecord]:
        names = list(dict.fromkeys(n for n in _CHANNEL_SPLIT.split(value.strip().lower()) if n))
        if not names:
            problems.append("no channels")
        unknown = [n for n in names if n not in self.channels]
        if unknown:
            problems.append(f"unknown channel(s) {', '.join(unknown)}")
        return [self.channels[n] for n in names if n in self.channels]

    def _when(self, value: str, problems: list[str]) -> datetime | None:
        if not value:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("z", "Z"))
        except ValueError:
            problems.append(f"at {value!r} is not an ISO 8601 time (e.g. 2026-12-01T09:00+01:00)")
            return None
        if parsed.tzinfo is None:
            if self.zone is None:
                problems.append(f"at {value!r} has no time zone: add an offset or pass --tz ZONE")
                return None
            parsed = parsed.replace(tzinfo=self.zone)
        when = parse_when(parsed.isoformat())
        if when <= self.now:
            problems.append(f"at {value!r} is in the past")
        return when

    def _media(
        self, paths: str, alts: str, targets: list[ChannelRecord], problems: list[str]
    ) -> list[dict[str, str]]:
        files = [p.strip() for p in paths.split("|") if p.strip()]
        texts = [a.strip() for a in alts.split("|")] if alts.strip() else []
        if len(texts) > len(files):
            problems.append(f"{len(texts)} alt texts for {len(files)} media files")
        media = []
        for index, name in enumerate(files):
            file = (self.folder / Path(name).expanduser()).resolve()
            alt = texts[index] if index < len(texts) else ""
            if not file.is_file():
                problems.append(f"media file {name!r} does not exist")
            if not alt:
                problems.append(f"media file {name!r} has no alt text")
            media.append({"path": str(file), "alt": alt})
        for channel in targets:
            limit = default_limits(channel.kind).max_media
            if len(files) > limit:
                problems.append(f"{len(files)} media files, {channel.name} takes at most {limit}")
        return media

    def _check(
        self, text: str, targets: list[ChannelRecord], problems: list[str]
    ) -> list[dict[str, Any]]:
        aims = [Target(c.name, c.kind) for c in targets]
        for name, info in self.checker.lengths(text, aims).items():
            if not info.valid:
                problems.append(f"too long for {name} ({info.length}/{info.limit})")
        found = self.checker.check(text, targets=aims, source="manual", recent=self.recent)
        for f in found:
            if f.severity == "error" and f.rule not in self.length_rules:
                problems.append(f"guideline error {f.rule}: {f.message}")
        return [f.to_dict() for f in found]


def _estimate_rows(path: Path) -> int:
    with open_file(path) as handle:
        return max(0, sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b"")))


def import_csv(
    ctx: Context,
    path: Path,
    *,
    mapping: dict[str, str] | None = None,
    tz: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportResult:
    """Check every row of ``path``; if all are good (and not ``dry_run``), queue them all.

    Naive times are refused unless ``tz`` names the zone they are in. Media
    paths are relative to the file's folder. Raises :class:`InvalidInput` for a
    file that cannot be read as a whole (not UTF-8, empty, no rows, bad header).
    """
    open_file(path).close()  # refuse a missing file or a folder before loading the guidelines
    total = 2 * _estimate_rows(path) if progress is not None else None
    validator = _Validator(ctx, path.parent, tz)
    planned: list[_Row] = []
    problems: list[RowProblem] = []
    for count, (line, cells) in enumerate(records(path, mapping or {}), start=1):
        if isinstance(cells, str):
            problems.append(RowProblem(line, (cells,)))
        else:
            checked = validator.row(line, cells)
            (problems if isinstance(checked, RowProblem) else planned).append(checked)  # type: ignore[arg-type]
        if progress is not None and count % 500 == 0:
            progress(count, total)
    rows = len(planned) + len(problems)
    if not rows:
        raise InvalidInput(f"{path.name} has a header but no rows: nothing to import")
    if problems or dry_run:
        return ImportResult(rows, tuple(problems), dry_run=dry_run)
    ids, states = _queue(ctx, planned, path.name, progress, total)
    return ImportResult(rows, post_ids=tuple(ids), states=states)


def _queue(
    ctx: Context, planned: list[_Row], filename: str, progress: Progress | None, total: int | None
) -> tuple[list[int], dict[str, int]]:
    """Create every planned post in one transaction: all of them, or (on any error) none."""
    approval = ctx.settings.approval
    grace = ctx.settings.delivery.grace_minutes.get(SOURCE)
    now = utcnow()
    ids: list[int] = []
    states: dict[str, int] = {}
    with ctx.tx() as tx:
        for start in range(0, len(planned), post_db.CHUNK):
            chunk = planned[start : start + post_db.CHUNK]
            posts = [_post_row(ctx, r, approval, grace, now) for r in chunk]
            chunk_ids = post_batches.insert_many(tx, posts)
            deliveries: list[dict[str, Any]] = []
            events: list[dict[str, Any]] = []
            for post_id, r, post in zip(chunk_ids, chunk, posts, strict=True):
                due = r.at if post["state"] == "scheduled" else None
                deliveries += [delivery_plan.row(post_id, c.id, due, now) for c in r.channels]
                events += _events(ctx.actor, post_id, r, post, filename, now)
                states[post["state"]] = states.get(post["state"], 0) + 1
            delivery_plan.insert_many(tx, deliveries)
            audit.append_many(tx, events)
            ids += chunk_ids
            if progress is not None and total is not None:
                progress(total // 2 + len(ids), total)
    return ids, states


def _post_row(
    ctx: Context, r: _Row, approval: Any, grace: int | None, now: datetime
) -> dict[str, Any]:
    # The same outcome as submit_post: sign-off unless the source or every channel skips it.
    auto = SOURCE in approval.auto_sources or all(
        c.name in approval.auto_channels for c in r.channels
    )
    state = ("scheduled" if r.at else "approved") if auto else "in_review"
    expires = r.at + timedelta(minutes=grace) if auto and r.at and grace is not None else None
    return {
        "text": r.text,
        "variants": {},
        "media": r.media,
        "author": ctx.actor,
        "source": SOURCE,
        "source_key": None,
        "state": state,
        "scheduled_at": r.at,
        "expires_at": expires,
        "priority": 0,
        "urgent": False,
        "findings": r.findings,
        "override_reason": None,
        "approved_by": "oyez" if auto else None,
        "review_comment": None,
        "thread_parent_id": None,
        "created_at": now,
        "updated_at": now,
    }


def _events(
    actor: str, post_id: int, r: _Row, post: dict[str, Any], filename: str, now: datetime
) -> list[dict[str, Any]]:
    names = [c.name for c in r.channels]
    out = [
        audit.row(
            now,
            actor,
            "created",
            post_id,
            source=SOURCE,
            channels=names,
            file=filename,
            line=r.line,
        ),
        audit.row(now, actor, "submitted", post_id, findings=len(r.findings)),
    ]
    if post["approved_by"]:
        out.append(audit.row(now, "oyez", "approved", post_id, override_reason=None))
    if post["state"] == "scheduled" and r.at is not None:
        out.append(audit.row(now, "oyez", "scheduled", post_id, at=r.at.isoformat()))
    return out
