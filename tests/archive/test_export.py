"""Export: the archive streamed as CSV, JSON or JSONL, safe for spreadsheets, with filters."""

from __future__ import annotations

import csv
import io
import json
import sys
import tracemalloc
import unicodedata
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.errors import InvalidInput, NotFoundError
from publisher.service import archive, posts
from publisher.service.archive import ArchiveQuery, export_archive, neutralise
from queue_db import channels as channel_db
from queue_db import post_batches
from queue_db.deliveries import plan as delivery_plan
from queue_db.tables import Post
from tests.archive.conftest import assert_one_line_error, oyez, publish


def export(ctx: Context, fmt: str = "csv", **query: object) -> str:
    out = io.StringIO()
    export_archive(ctx, out, ArchiveQuery(**query), fmt)  # type: ignore[arg-type]
    return out.getvalue()


def csv_rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


@pytest.mark.parametrize(
    "start", ["=", "+", "-", "@", "\t", "\r", "\n", " =", "  +", "\u00a0=", "\u3000@", "\uff1d"]
)
def test_formula_starts_get_a_leading_quote(start: str) -> None:
    assert neutralise(f'{start}HYPERLINK("http://evil")') == f'\'{start}HYPERLINK("http://evil")'


def test_every_character_that_normalises_to_a_formula_start_is_neutralised() -> None:
    lookalikes = [
        chr(c)
        for c in range(sys.maxunicode + 1)
        if unicodedata.normalize("NFKC", chr(c))[:1] in "=+-@"
    ]
    assert len(lookalikes) > 4
    for start in lookalikes:
        assert neutralise(start + "1+1") == "'" + start + "1+1", hex(ord(start))
        assert neutralise(" " + start + "1+1").startswith("'"), hex(ord(start))


def test_plain_cells_are_left_alone() -> None:
    assert neutralise("Bins on Saturday = fun") == "Bins on Saturday = fun"
    assert neutralise(" indented, no formula") == " indented, no formula"
    assert neutralise("") == ""


def test_csv_neutralises_a_formula_after_a_space_or_a_line_feed(ctx: Context) -> None:
    publish(ctx, ' =HYPERLINK("http://evil.example")', ["news"])
    publish(ctx, "\uff1dHYPERLINK(1)", ["news"])
    rows = csv_rows(export(ctx))
    assert [r["text"][:1] for r in rows] == ["'", "'"]


def test_sent_delivery_keeps_final_text_channel_remote_id_url_and_time(ctx: Context) -> None:
    post_id = publish(ctx, "Roadworks on High Street", ["news", "tips"])
    rows = csv_rows(export(ctx))
    assert [(r["post_id"], r["channel"], r["state"]) for r in rows] == [
        (str(post_id), "news", "sent"),
        (str(post_id), "tips", "sent"),
    ]
    for row in rows:
        assert row["final_text"] == "Roadworks on High Street"
        assert row["remote_id"]
        assert row["remote_url"].startswith("file://")
        assert datetime.fromisoformat(row["sent_at"]).tzinfo is not None


def test_csv_neutralises_formula_injection_in_every_text_cell(ctx: Context) -> None:
    publish(ctx, '=HYPERLINK("http://evil.example","click")', ["news"])
    publish(ctx, "@everyone -5 degrees tonight", ["news"])
    rows = csv_rows(export(ctx))
    assert rows[0]["text"].startswith("'=HYPERLINK")
    assert rows[0]["final_text"].startswith("'=HYPERLINK")
    assert rows[1]["text"] == "'@everyone -5 degrees tonight"
    raw = export(ctx)
    for line in raw.splitlines()[1:]:
        assert not any(cell.startswith(("=", "+", "-", "@")) for cell in next(csv.reader([line])))


def test_json_keeps_the_text_exactly_as_published(ctx: Context) -> None:
    publish(ctx, "=1+1 is two", ["news"])
    document = json.loads(export(ctx, "json"))
    assert document["records"][0]["final_text"] == "=1+1 is two"


def test_bom_option_starts_the_file_with_a_byte_order_mark(ctx: Context) -> None:
    publish(ctx, "Hello", ["news"])
    out = io.StringIO()
    export_archive(ctx, out, ArchiveQuery(), "csv", bom=True)
    assert out.getvalue().startswith("\ufeffrecord,post_id,")
    assert not export(ctx).startswith("\ufeff")


def test_audit_log_comes_after_the_deliveries_when_asked(ctx: Context) -> None:
    post_id = publish(ctx, "Hello", ["news"])
    lines = [json.loads(line) for line in export(ctx, "jsonl", include_audit=True).splitlines()]
    assert [r["record"] for r in lines][:1] == ["delivery"]
    events = [r for r in lines if r["record"] == "event"]
    assert [e["action"] for e in events] == [
        "created",
        "submitted",
        "approved",
        "scheduled",
        "sent",
    ]
    assert all(e["post_id"] == post_id for e in events)
    assert events[-1]["channel"] == "news"
    without = export(ctx, "jsonl").splitlines()
    assert len(without) == 1


def test_channel_filter_keeps_only_that_channel(ctx: Context) -> None:
    publish(ctx, "Both", ["news", "tips"])
    rows = csv_rows(export(ctx, channel="tips"))
    assert [r["channel"] for r in rows] == ["tips"]


def test_unknown_channel_filter_is_refused(ctx: Context) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        export(ctx, channel="nope")


def test_since_and_until_select_by_time_sent(ctx: Context) -> None:
    publish(ctx, "Sent now", ["news"])
    now = ctx.clock()
    assert len(csv_rows(export(ctx, since=now - timedelta(hours=1)))) == 1
    assert csv_rows(export(ctx, since=now + timedelta(hours=1))) == []
    assert csv_rows(export(ctx, until=now - timedelta(hours=1))) == []


def test_unsent_posts_are_archived_by_their_due_time(ctx: Context) -> None:
    future = datetime(2031, 5, 1, 9, 0, tzinfo=UTC)
    view = posts.create_post(ctx, "Later", ["news"], at=future)
    posts.submit_post(ctx, view.id)
    posts.approve_post(ctx, view.id)
    day = datetime(2031, 5, 1, tzinfo=UTC)
    rows = csv_rows(export(ctx, since=day, until=day + timedelta(days=1)))
    assert [(r["state"], r["due_at"]) for r in rows] == [("pending", future.isoformat())]


def test_a_day_bound_is_a_whole_day_in_the_configured_zone(ctx: Context) -> None:
    ctx.settings.timezone = "Europe/London"
    assert archive.parse_bound(ctx, "2026-07-01") == datetime(2026, 6, 30, 23, 0, tzinfo=UTC)
    assert archive.parse_bound(ctx, "2026-07-01", end=True) == datetime(
        2026, 7, 1, 23, 0, tzinfo=UTC
    )
    with pytest.raises(InvalidInput, match="offset"):
        archive.parse_bound(ctx, "2026-07-01T09:00")


def test_progress_is_reported_up_to_the_total(ctx: Context) -> None:
    for n in range(3):
        publish(ctx, f"Post {n}", ["news", "tips"])
    seen: list[tuple[int, int | None]] = []
    export_archive(
        ctx,
        io.StringIO(),
        ArchiveQuery(include_audit=True),
        "csv",
        progress=lambda d, t: seen.append((d, t)),
        batch=2,
    )
    assert seen[-1][0] == seen[-1][1]
    assert seen[-1][1] == 6 + 3 * 6
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_export_through_the_cli_writes_the_file(ctx: Context, db_url: str, tmp_path: Path) -> None:
    publish(ctx, "Hello", ["news"])
    target = tmp_path / "archive.csv"
    code, _, err = oyez(db_url, "export", "--bom", "-o", str(target))
    assert code == 0, err
    assert "exported 1 records" in err
    assert target.read_bytes().startswith(b"\xef\xbb\xbfrecord,")
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["export", "--format", "xlsx"], "unknown format"),
        (["export", "--since", "last tuesday"], "ISO 8601"),
        (["export", "--since", "2026-02-01", "--until", "2026-01-01"], "before"),
        (["export", "--channel", "nope"], "nope"),
        (["export", "-o", "/nonexistent-folder/x.csv"], "cannot write"),
        (["prune-drafts", "--older-than", "0"], "at least 1 day"),
    ],
    ids=["format", "since", "order", "channel", "output", "prune"],
)
def test_bad_export_input_is_one_clear_line(
    ctx: Context, db_url: str, args: list[str], needle: str
) -> None:
    code, out, err = oyez(db_url, *args)
    assert_one_line_error(code, out, err)
    assert needle in err
    assert out == ""  # not even a CSV header before the refusal


class CountingSink(io.StringIO):
    """Counts what is written and keeps none of it."""

    size = 0

    def write(self, text: str) -> int:
        self.size += len(text)
        return len(text)


def test_memory_stays_flat_while_streaming_a_large_archive(ctx: Context) -> None:
    rows = 10_000
    text = "Flood warning for the river Wey. " * 60  # ~2 KB, twice per row
    now = ctx.clock()
    with ctx.tx() as tx:
        channel_id = channel_db.by_name(tx, "news").id
        template = Post(text=text, author="alex", state="sent", created_at=now, updated_at=now)
        post = template.model_dump(exclude={"id"})
        ids = post_batches.insert_many(tx, [post] * rows)
        delivery_plan.insert_many(
            tx,
            [
                delivery_plan.row(
                    i, channel_id, now, now, state="sent", sent_at=now, final_text=text
                )
                for i in ids
            ],
        )
    sink = CountingSink()
    tracemalloc.start()
    try:
        written = export_archive(ctx, sink, ArchiveQuery(), "csv", batch=500)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert written == rows
    assert sink.size > 40_000_000  # what went out: far more than was ever held
    assert peak < 10_000_000, peak


def test_csv_cells_are_exactly_what_the_records_give_on_tricky_rows(ctx: Context) -> None:
    """The CSV path reads times and JSON raw; each cell must equal the record's own."""
    publish(ctx, "Café on Main — ünïcode", ["news", "tips"])
    publish(ctx, "=SUM(A1) \\u00e9 is not an escape", ["news"], at=datetime(2026, 1, 2, tzinfo=UTC))
    view = posts.create_post(
        ctx,
        "Draft with variants",
        ["news"],
        at=datetime(2026, 3, 4, 5, 6, 7, 89, tzinfo=UTC),
        variants={"news": "Für die Nachrichten: +49", "tips": "=1+1"},
    )
    posts.submit_post(ctx, view.id)
    records = list(archive.iter_records(ctx, ArchiveQuery(include_audit=True)))
    expected = [archive.CSV_COLUMNS] + [
        [archive._cell(value) for value in map(record.get, archive.CSV_COLUMNS)]
        for record in records
    ]

    got = list(csv.reader(io.StringIO(export(ctx, include_audit=True))))

    assert got == [list(row) for row in expected]
    assert any("Für die" in cell for row in got for cell in row)  # spelled out, not \u escaped
