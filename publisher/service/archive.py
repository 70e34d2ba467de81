"""The archive: what was published, where and when, and who did what to each post.

Nothing in normal use deletes from it: a sent delivery keeps its final text,
channel, remote id, URL and time sent, retracted ones included, and the audit
log is append-only. :func:`prune_drafts` is the one explicit way to remove
rows, and it only removes drafts that never went anywhere.

An export is a stream of records, one per delivery (``record: "delivery"``),
then with ``include_audit`` one per audit event of those posts
(``record: "event"``). The same records are written as CSV, JSON or JSONL;
:func:`publisher.service.archive_restore.import_archive` reads JSON and JSONL back.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, TextIO

from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.context.times import check_period, parse_when, zone
from publisher.errors import InvalidInput
from queue_db import archive as store
from queue_db import channels as channel_db
from queue_db import post_batches
from queue_db.archive import DELIVERY_FIELDS, EVENT_FIELDS, TIME_FIELDS
from queue_db.types import as_utc

FORMATS = ("csv", "json", "jsonl")
#: Written first in a JSON export; :func:`import_archive` checks it.
ARCHIVE_FORMAT = "oyez-archive"
ARCHIVE_VERSION = 1
#: Every CSV column: the delivery fields, then the event fields not already among them.
CSV_COLUMNS: tuple[str, ...] = (
    "record",
    *DELIVERY_FIELDS,
    *(f for f in EVENT_FIELDS if f not in DELIVERY_FIELDS),
)
#: Cells starting with one of these are formulas to a spreadsheet: the ASCII
#: starts, the tab and line breaks, and every character that compatibility
#: normalisation (NFKC) folds into a formula start (fullwidth ``＝``, small and
#: superscript forms), which some spreadsheets fold the same way.
FORMULA_STARTS = (
    *("=", "+", "-", "@", "\t", "\r", "\n"),
    *("\uff1d", "\uff0b", "\uff0d", "\uff20", "\ufe66", "\ufe62", "\ufe63", "\ufe6b"),
    *("\u207a", "\u207c", "\u208a", "\u208c", "\u2a75", "\u2a76", "\ufb29"),
)
_FORMULA = frozenset(FORMULA_STARTS)
#: Spreadsheets skip leading white space before they look for a formula.
_SPACES = frozenset(chr(c) for c in range(0x3001) if chr(c).isspace())
#: A cell starting with one of these needs a closer look (the hot path's test).
_SUSPECT = _FORMULA | _SPACES

#: Called with (records done, records in all or None) as an export or import goes.
Progress = Callable[[int, int | None], None]


@dataclass(frozen=True)
class ArchiveQuery(JSONView):
    """What to export. Times are aware; ``until`` is exclusive."""

    since: datetime | None = None
    until: datetime | None = None
    channel: str | None = None
    include_audit: bool = False
    #: JSON only: add every inbox item (other people's words) after the records.
    include_inbox: bool = False


def parse_bound(ctx: Context, text: str, *, end: bool = False) -> datetime:
    """``--since``/``--until``: a day (in the configured time zone) or an ISO time with offset.

    A day given as ``end`` means the end of that day, so ``--until 2026-03-31``
    includes the 31st.
    """
    raw = text.strip()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return parse_when(raw)
    start = datetime.combine(
        day + timedelta(days=1 if end else 0), time(), zone(ctx.settings.timezone)
    )
    return parse_when(start.isoformat())


def _filter(ctx: Context, query: ArchiveQuery) -> store.Filter:
    check_period(query.since, query.until)
    channel_id = None
    if query.channel:
        with ctx.tx() as tx:
            channel_id = channel_db.by_name(tx, query.channel).id
    return store.Filter(since=query.since, until=query.until, channel_id=channel_id)


def _records(
    kind: str, fields: tuple[str, ...], rows: Iterator[Sequence[Any]]
) -> Iterator[dict[str, Any]]:
    times = [i for i, name in enumerate(fields) if name in TIME_FIELDS]
    for row in rows:
        values = list(row)
        for i in times:
            if values[i] is not None:
                values[i] = values[i].isoformat()
        record: dict[str, Any] = {"record": kind}
        record.update(zip(fields, values, strict=True))
        yield record


def iter_records(
    ctx: Context, query: ArchiveQuery, *, batch: int = 2000
) -> Iterator[dict[str, Any]]:
    """The archive as plain records, streamed in one read transaction (a consistent snapshot)."""
    where = _filter(ctx, query)
    with ctx.tx() as tx:
        yield from _records("delivery", DELIVERY_FIELDS, store.stream_deliveries(tx, where, batch))
        if query.include_audit:
            yield from _records("event", EVENT_FIELDS, store.stream_events(tx, where, batch))


def _csv_rows(ctx: Context, query: ArchiveQuery, batch: int) -> Iterator[list[Any]]:
    """The archive as CSV cells: deliveries read raw and turned into cells in bulk
    (decoding each into a record cost more than the rest of the export), then the
    audit records, as :func:`iter_records` does, in one read transaction."""
    where = _filter(ctx, query)
    with ctx.tx() as tx:
        for row in store.stream_raw_deliveries(tx, where, batch):
            yield _delivery_cells(row)
        if query.include_audit:
            events = _records("event", EVENT_FIELDS, store.stream_events(tx, where, batch))
            for record in events:
                yield [_cell(value) for value in map(record.get, CSV_COLUMNS)]


def count_records(ctx: Context, query: ArchiveQuery) -> int:
    """How many records :func:`iter_records` will yield (for a progress bar)."""
    where = _filter(ctx, query)
    with ctx.tx() as tx:
        total = store.count_deliveries(tx, where)
        if query.include_audit:
            total += store.count_events(tx, where)
        return total


def neutralise(cell: str) -> str:
    """A cell a spreadsheet shows as text, never runs: formula starts get a leading ``'``.

    A formula start counts after leading white space too (`` =1+1``).
    """
    first = cell[:1]
    if first not in _SUSPECT:
        return cell
    if first in _FORMULA or cell.lstrip()[:1] in _FORMULA:
        return "'" + cell
    return cell


def _cell(value: Any) -> str:
    kind = type(value)
    if kind is str:
        text: str = value
        return neutralise(text) if text[:1] in _SUSPECT else text  # the common case inlined: hot
    if value is None:
        return ""
    if kind is int:
        return str(value)
    if kind is bool:
        return "true" if value else "false"
    if kind is dict or kind is list:
        return neutralise(json.dumps(value, ensure_ascii=False))
    return neutralise(str(value))


class _Writer:
    def __init__(self, out: TextIO) -> None:
        self.out = out

    def start(self, query: ArchiveQuery) -> None:
        return None

    def write(self, record: Any) -> None:
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")

    def finish(self) -> None:
        return None


class _CsvWriter(_Writer):
    def __init__(self, out: TextIO) -> None:
        super().__init__(out)
        self.csv = csv.writer(out, lineterminator="\r\n")

    def start(self, query: ArchiveQuery) -> None:
        self.csv.writerow(CSV_COLUMNS)

    def write(self, record: list[Any]) -> None:
        """One row of cells (:func:`_csv_rows` makes them)."""
        self.csv.writerow(record)


def _iso(value: Any) -> str:
    """A raw time as the JSON export writes it (``datetime.isoformat`` of aware UTC)."""
    if type(value) is str:
        if len(value) == 26 and value[10] == " ":  # SQLite's own text, UTC: cut, not parsed
            fraction = value[19:]
            return f"{value[:10]}T{value[11:19]}{'' if fraction == '.000000' else fraction}+00:00"
        value = datetime.fromisoformat(value)
    return as_utc(value).isoformat()


def _json_text(value: Any) -> str:
    """A raw JSON value as a cell: as stored, unless it holds escapes to spell out."""
    if type(value) is str:
        text = value if "\\u" not in value else json.dumps(json.loads(value), ensure_ascii=False)
    else:
        text = json.dumps(value, ensure_ascii=False)
    return neutralise(text)


_TIMES = [i for i, kind in enumerate(store.RAW_KINDS) if kind == "time"]
_JSONS = [i for i, kind in enumerate(store.RAW_KINDS) if kind == "json"]
_PLAIN = [i for i, kind in enumerate(store.RAW_KINDS) if kind == "plain"]
#: The CSV columns a delivery leaves empty (the audit event's own).
_EVENT_ONLY = [""] * (len(CSV_COLUMNS) - 1 - len(DELIVERY_FIELDS))


def _delivery_cells(row: Sequence[Any]) -> list[Any]:
    """A raw delivery row as CSV cells, the same as :func:`_cell` of its record gives.

    ``None`` and ints are left to the CSV writer, which writes them the same way.
    """
    cells = list(row)
    for i in _TIMES:
        if cells[i] is not None:
            cells[i] = _iso(cells[i])
    for i in _JSONS:
        if cells[i] is not None:
            cells[i] = _json_text(cells[i])
    for i in _PLAIN:
        value = cells[i]
        kind = type(value)
        if kind is str:
            if value[:1] in _SUSPECT:
                cells[i] = neutralise(value)
        elif value is not None and kind is not int:
            cells[i] = _cell(value)
    return ["delivery", *cells, *_EVENT_ONLY]


class _JsonWriter(_Writer):
    """One JSON document, one record per line, so it can be read (and diffed) as text."""

    first = True

    def start(self, query: ArchiveQuery) -> None:
        head = {"format": ARCHIVE_FORMAT, "version": ARCHIVE_VERSION, "query": query.to_dict()}
        self.out.write(json.dumps(head, ensure_ascii=False)[:-1] + ', "records": [\n')

    def write(self, record: dict[str, Any]) -> None:
        self.out.write(("" if self.first else ",\n") + json.dumps(record, ensure_ascii=False))
        self.first = False

    def finish(self) -> None:
        self.out.write("\n]}\n")


def export_archive(
    ctx: Context,
    out: TextIO,
    query: ArchiveQuery | None = None,
    fmt: str = "csv",
    *,
    bom: bool = False,
    progress: Progress | None = None,
    batch: int = 2000,
) -> int:
    """Write the archive to ``out`` as ``fmt``; return how many records were written.

    CSV is UTF-8 (with a byte order mark when ``bom``, for spreadsheets that
    need one) and every cell a spreadsheet would run as a formula is escaped.
    Memory stays flat whatever the size: rows are fetched ``batch`` at a time.
    """
    if fmt not in FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r} (one of {', '.join(FORMATS)})")
    query = query or ArchiveQuery()
    if query.include_inbox and fmt != "json":
        raise InvalidInput("--include-inbox needs --format json")
    _filter(ctx, query)  # refuse a bad period or channel before a byte is written
    total = count_records(ctx, query) if progress is not None else None
    writer = {"csv": _CsvWriter, "json": _JsonWriter, "jsonl": _Writer}[fmt](out)
    if bom:
        out.write("\ufeff")
    writer.start(query)
    written = 0
    rows = _csv_rows(ctx, query, batch) if fmt == "csv" else iter_records(ctx, query, batch=batch)
    for record in rows:
        writer.write(record)
        written += 1
        if progress is not None and written % batch == 0:
            progress(written, total)
    if query.include_inbox:
        out.write('\n], "inbox": [\n')
        out.write(",\n".join(json.dumps(i, ensure_ascii=False) for i in inbox_records(ctx)))
        out.write("\n]}\n")
    else:
        writer.finish()
    if progress is not None:
        progress(written, total)
    return written


def inbox_records(ctx: Context) -> list[dict[str, Any]]:
    """Every inbox item as the export writes it, oldest first."""
    from publisher.service.inbox import all_items

    return [item.to_dict() for item in all_items(ctx)]


# -- pruning -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PruneResult:
    post_ids: tuple[int, ...]
    before: datetime
    dry_run: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "pruned": list(self.post_ids),
            "before": self.before.isoformat(),
            "dry_run": self.dry_run,
        }


def prune_drafts(
    ctx: Context, older_than_days: int | None = None, *, dry_run: bool = False
) -> PruneResult:
    """Delete drafts untouched for ``older_than_days`` (default: the retention setting).

    Only drafts go: nothing sent, scheduled, in review or cancelled, and no
    post another one threads under. Each pruned draft leaves a ``pruned``
    event in the audit log, whose earlier events stay too.
    """
    days = ctx.settings.archive.draft_retention_days if older_than_days is None else older_than_days
    if days < 1:
        raise InvalidInput("--older-than must be at least 1 day")
    before = ctx.clock() - timedelta(days=days)
    with ctx.tx() as tx:
        ids = post_batches.prunable_drafts(tx, before)
        if not dry_run:
            post_batches.delete_many(tx, ids)
            for post_id in ids:
                tx.log(ctx.actor, "pruned", post_id=post_id, older_than_days=days)
    return PruneResult(post_ids=tuple(ids), before=before, dry_run=dry_run)
