"""Reading an archive export (JSON or JSONL) back into a database: ``oyez import --from-export``.

All or nothing, like the CSV import: every record is checked first, every bad
one is reported by its number, and nothing is written unless all are good.
Posts keep their ids, states, authors and times; deliveries keep their final
text, remote id, URL and time sent; audit events keep who did what when. So an
export of the restored database equals the export it was restored from.
Channels the database lacks are created *paused* with empty settings: a
restored archive must never start publishing by itself. For the same reason a
channel the database already has is paused when the archive brings it
deliveries that have not gone out. A delivery that was being sent when the
export was made comes back ``unknown``: once resumed, the engine asks the
network whether it went out before any retry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from channels import registry
from publisher.context import Context
from publisher.context.times import parse_when
from publisher.errors import InvalidInput, os_reason
from publisher.service.archive import ARCHIVE_FORMAT, ARCHIVE_VERSION, Progress
from publisher.service.bulk_import import ImportResult, RowProblem
from publisher.service.channels import NAME
from publisher.service.pause import pause_in
from publisher.service.posts import SOURCES, STATES
from queue_db import channels as channel_db
from queue_db import events as audit
from queue_db import post_batches
from queue_db.channels import ChannelRecord
from queue_db.deliveries import plan as delivery_plan
from queue_db.types import utcnow

DELIVERY_STATES = (
    "pending",
    "held",
    "sending",
    "unknown",
    "sent",
    "failed",
    "needs_attention",
    "expired",
    "cancelled",
    "retracted",
)
PAUSED_REASON = (
    "restored from an archive without its settings: give them with "
    "`oyez channels set NAME --set KEY=VALUE`, then `oyez resume NAME`"
)
#: States of a delivery that has yet to go out (or may have): they would publish.
LIVE = ("pending", "sending", "unknown")
IN_FLIGHT = ("sending", "unknown")
IN_FLIGHT_ERROR = "restored from an archive mid-send: checking whether it went out before a retry"


def _waiting_reason(count: int) -> str:
    return (
        f"an archive restore brought {count} deliveries that had not gone out: "
        "check them with `oyez status`, then `oyez resume NAME`"
    )


# field → (type, required). "time" is ISO 8601 with an offset.
_POST_SPEC: dict[str, tuple[str, bool]] = {
    "post_state": ("str", True),
    "text": ("str", True),
    "variants": ("dict", True),
    "media": ("list", True),
    "author": ("str", True),
    "source": ("str", True),
    "source_key": ("str", False),
    "created_at": ("time", True),
    "scheduled_at": ("time", False),
    "approved_by": ("str", False),
    "override_reason": ("str", False),
    "thread_parent_id": ("int", False),
}
_DELIVERY_SPEC: dict[str, tuple[str, bool]] = {
    "post_id": ("int", True),
    "channel": ("str", True),
    "channel_kind": ("str", True),
    "state": ("str", True),
    "due_at": ("time", False),
    "sent_at": ("time", False),
    "remote_id": ("str", False),
    "remote_url": ("str", False),
    "final_text": ("str", False),
    "attempts": ("int", True),
    "error_kind": ("str", False),
    "last_error": ("str", False),
}
_EVENT_SPEC: dict[str, tuple[str, bool]] = {
    "at": ("time", True),
    "actor": ("str", True),
    "action": ("str", True),
    "post_id": ("int", False),
    "channel": ("str", False),
    "detail": ("dict", True),
}
_TYPES: dict[str, type | tuple[type, ...]] = {"str": str, "int": int, "dict": dict, "list": list}


def _read(path: Path) -> tuple[str, Iterator[tuple[int, Any]]]:
    """("line" or "record", numbered records) of a JSONL or JSON export."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(f"{path.name} is not UTF-8 text: not an oyez export") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {os_reason(exc)}") from None
    lines = text.splitlines()
    first = next((line for line in lines if line.strip()), None)
    if first is None:
        raise InvalidInput(f"{path.name} is empty: nothing to import")
    try:
        head = json.loads(first)
    except json.JSONDecodeError:
        head = None
    if isinstance(head, dict) and "record" in head:
        return "line", _jsonl(lines)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(
            f"{path.name} is not an oyez export (bad JSON at line {exc.lineno}: {exc.msg})"
        ) from None
    if not isinstance(document, dict) or document.get("format") != ARCHIVE_FORMAT:
        raise InvalidInput(f"{path.name} is not an oyez export (no format {ARCHIVE_FORMAT!r})")
    if document.get("version") != ARCHIVE_VERSION:
        raise InvalidInput(
            f"{path.name} is archive version {document.get('version')!r}, not {ARCHIVE_VERSION}"
        )
    records = document.get("records")
    if not isinstance(records, list):
        raise InvalidInput(f"{path.name} has no list of records")
    return "record", enumerate(records, start=1)


def _jsonl(lines: list[str]) -> Iterator[tuple[int, Any]]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not JSON: {exc.msg}"


def _fields(
    record: dict[str, Any], spec: dict[str, tuple[str, bool]], problems: list[str]
) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, (kind, required) in spec.items():
        value = record.get(name)
        if value is None:
            if required:
                problems.append(f"{name} is missing")
            out[name] = None
        elif kind == "time":
            try:
                out[name] = parse_when(str(value))
            except InvalidInput as exc:
                problems.append(f"{name}: {exc}")
        elif not isinstance(value, _TYPES[kind]) or isinstance(value, bool):
            problems.append(f"{name} is not a {kind}")
        else:
            out[name] = value
    return out


class _Plan:
    def __init__(self) -> None:
        self.posts: dict[int, dict[str, Any]] = {}
        self.first_seen: dict[int, int] = {}
        self.deliveries: list[dict[str, Any]] = []
        self.events: list[dict[str, Any]] = []
        self.channels: dict[str, str] = {}
        self.channel_seen: dict[str, int] = {}
        self.kinds = set(registry.kinds())
        self.records = 0

    def add(self, number: int, record: Any) -> list[str]:
        self.records += 1
        if isinstance(record, str):
            return [record]
        if not isinstance(record, dict) or record.get("record") not in ("delivery", "event"):
            return ['not an archive record (needs "record": "delivery" or "event")']
        problems: list[str] = []
        if record["record"] == "event":
            self.events.append(_fields(record, _EVENT_SPEC, problems))
            return problems
        delivery = _fields(record, _DELIVERY_SPEC, problems)
        post = _fields(record, _POST_SPEC, problems)
        problems += _check_values(delivery, post, self.kinds)
        if problems:
            return problems
        post_id, name, kind = delivery["post_id"], delivery["channel"], delivery["channel_kind"]
        self.channel_seen.setdefault(name, number)
        if self.channels.setdefault(name, kind) != kind:
            problems.append(f"channel {name!r} is {kind} here but {self.channels[name]} before")
        known = self.posts.setdefault(post_id, post)
        self.first_seen.setdefault(post_id, number)
        if known != post:
            problems.append(f"post {post_id} differs from its earlier record")
        self.deliveries.append(delivery)
        return problems


def _check_values(delivery: dict[str, Any], post: dict[str, Any], kinds: set[str]) -> list[str]:
    problems = []
    if delivery["channel"] is not None and not NAME.match(delivery["channel"]):
        problems.append(f"channel name {delivery['channel']!r} is not valid")
    if delivery["channel_kind"] is not None and delivery["channel_kind"] not in kinds:
        problems.append(f"unknown channel kind {delivery['channel_kind']!r}")
    if delivery["state"] is not None and delivery["state"] not in DELIVERY_STATES:
        problems.append(f"unknown delivery state {delivery['state']!r}")
    if post["post_state"] is not None and post["post_state"] not in STATES:
        problems.append(f"unknown post state {post['post_state']!r}")
    if post["source"] is not None and post["source"] not in SOURCES:
        problems.append(f"unknown source {post['source']!r}")
    if post["text"] is not None and not post["text"].strip():
        problems.append("text is empty")
    return problems


def import_archive(
    ctx: Context, path: Path, *, dry_run: bool = False, progress: Progress | None = None
) -> ImportResult:
    """Restore an export into this database (ideally an empty one), all or nothing.

    Refused per record: malformed fields, a post id the database already has,
    a channel the database has with another kind.
    """
    unit, records = _read(path)
    plan = _Plan()
    problems: list[RowProblem] = []
    for number, record in records:
        found = plan.add(number, record)
        if found:
            problems.append(RowProblem(number, tuple(found), unit))
    if not plan.records:
        raise InvalidInput(f"{path.name} has no records: nothing to import")
    with ctx.tx() as tx:
        have = {c.name: c for c in channel_db.every(tx)}
        taken = post_batches.existing_ids(tx, sorted(plan.posts))
    for post_id in sorted(taken):
        problems.append(
            RowProblem(
                plan.first_seen[post_id],
                (f"post {post_id} already exists here (restore into an empty database)",),
                unit,
            )
        )
    for name, kind in plan.channels.items():
        if name in have and have[name].kind != kind:
            problems.append(
                RowProblem(
                    plan.channel_seen[name],
                    (f"channel {name!r} is {have[name].kind} here, {kind} in the export",),
                    unit,
                )
            )
    problems.sort(key=lambda p: p.line)
    if problems or dry_run:
        return ImportResult(plan.records, tuple(problems), dry_run=dry_run)
    states, paused = _write(ctx, plan, have, path.name)
    if progress is not None:
        progress(plan.records, plan.records)
    return ImportResult(
        plan.records, post_ids=tuple(sorted(plan.posts)), states=states, paused=paused
    )


def _live_counts(plan: _Plan) -> dict[str, int]:
    """Per channel, how many restored deliveries would publish if it ran."""
    counts: dict[str, int] = {}
    for d in plan.deliveries:
        if d["state"] in IN_FLIGHT or (d["state"] == "pending" and d["due_at"] is not None):
            counts[d["channel"]] = counts.get(d["channel"], 0) + 1
    return counts


def _write(
    ctx: Context, plan: _Plan, have: dict[str, ChannelRecord], filename: str
) -> tuple[dict[str, int], tuple[str, ...]]:
    now = utcnow()
    states: dict[str, int] = {}
    paused: list[str] = []
    with ctx.tx() as tx:
        ids: dict[str, int | None] = {name: c.id for name, c in have.items()}
        for name, kind in plan.channels.items():
            if name not in ids:
                row = channel_db.add(tx, name, kind, {}, "UTC")
                channel_db.pause(tx, row.id, PAUSED_REASON)
                tx.log(ctx.actor, "channel_added", channel_id=row.id, name=name, kind=kind)
                ids[name] = row.id
        for name, count in sorted(_live_counts(plan).items()):
            channel = have.get(name)
            if channel is None or channel.paused:
                continue
            pause_in(tx, ctx.actor, channel, _waiting_reason(count))
            paused.append(name)
        known = set(plan.posts) | post_batches.existing_ids(
            tx,
            sorted({p["thread_parent_id"] for p in plan.posts.values() if p["thread_parent_id"]}),
        )
        rows = []
        for post_id in sorted(plan.posts):
            p = plan.posts[post_id]
            states[p["post_state"]] = states.get(p["post_state"], 0) + 1
            rows.append(_post_row(post_id, p, known, now))
        post_batches.insert_many(tx, rows)
        post_batches.catch_up_ids(tx)
        delivery_plan.insert_many(tx, [_delivery(d, ids, now) for d in plan.deliveries])
        events = [
            audit.row(e["at"], e["actor"], e["action"], e["post_id"], ids.get(e["channel"] or ""))
            | {"detail": e["detail"]}
            for e in plan.events
        ]
        audit.append_many(tx, events)
        tx.log(
            ctx.actor, "archive_imported", file=filename, posts=len(plan.posts), events=len(events)
        )
    return states, tuple(paused)


def _post_row(post_id: int, p: dict[str, Any], known: set[int], now: Any) -> dict[str, Any]:
    parent = p["thread_parent_id"]
    return {
        "id": post_id,
        "text": p["text"],
        "variants": p["variants"],
        "media": p["media"],
        "author": p["author"],
        "source": p["source"],
        "source_key": p["source_key"],
        "state": p["post_state"],
        "scheduled_at": p["scheduled_at"],
        "expires_at": None,
        "priority": 0,
        "urgent": False,
        "findings": [],
        "override_reason": p["override_reason"],
        "approved_by": p["approved_by"],
        "review_comment": None,
        "thread_parent_id": parent if parent in known else None,
        "created_at": p["created_at"],
        "updated_at": now,
    }


def _delivery(d: dict[str, Any], ids: dict[str, int | None], now: Any) -> dict[str, Any]:
    in_flight = d["state"] in IN_FLIGHT
    if in_flight:
        # No lease survives a restore: without this a "sending" row would wait forever.
        state, next_at, kind, error = "unknown", now, "unknown", IN_FLIGHT_ERROR
    else:
        state, kind, error = d["state"], d["error_kind"], d["last_error"]
        next_at = d["due_at"] if state == "pending" else None
    return delivery_plan.row(
        d["post_id"],
        ids[d["channel"]],
        d["due_at"],
        now,
        state=state,
        next_attempt_at=next_at,
        attempts=d["attempts"],
        last_error=error,
        error_kind=kind,
        final_text=d["final_text"],
        remote_id=d["remote_id"],
        remote_url=d["remote_url"],
        sent_at=d["sent_at"],
    )
