"""Bulk import of a spreadsheet: every row checked first, all queued or none."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from publisher.context import Context
from publisher.errors import InvalidInput
from publisher.service import bulk_import, posts
from publisher.service.archive import ArchiveQuery, export_archive
from publisher.service.bulk_import import import_csv
from publisher.service.import_file import parse_map
from queue_db import archive
from queue_db import posts as post_db
from queue_db.deliveries import plan as delivery_plan
from tests.archive.conftest import assert_one_line_error, oyez

FUTURE = datetime(2031, 3, 2, 9, 0, tzinfo=UTC)
BAD = {
    57: ("Bins on Saturday", "news,nowhere", "2031-03-02T09:00:00Z"),
    230: ("Email jo.bloggs@example.com to book", "news", "2031-03-02T09:00:00Z"),
    444: ("Roadworks update", "tips", "2031-03-02 09:00"),
}


def write_csv(
    path: Path, rows: Sequence[tuple[str, ...]], header: str = "text,channels,at"
) -> Path:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header.split(","))
    writer.writerows(rows)
    path.write_text(buffer.getvalue(), encoding="utf-8")
    return path


def good_row(n: int) -> tuple[str, str, str]:
    at = (FUTURE + timedelta(minutes=n)).isoformat()
    return (f"Safety tip {n}: lock your screen when you leave your desk.", "news tips", at)


def five_hundred(path: Path, *, bad: bool) -> Path:
    rows = [good_row(n) for n in range(500)]
    if bad:
        for line, row in BAD.items():
            rows[line - 2] = row  # line 1 is the header
    return write_csv(path, rows)


def post_count(ctx: Context) -> int:
    with ctx.tx() as tx:
        return sum(post_db.count_by_state(tx).values())


def test_three_bad_rows_among_500_are_reported_by_line_and_nothing_is_queued(
    ctx: Context, tmp_path: Path
) -> None:
    result = import_csv(ctx, five_hundred(tmp_path / "plan.csv", bad=True))
    assert result.rows == 500
    assert [p.line for p in result.problems] == sorted(BAD)
    messages = {p.line: " ".join(p.messages) for p in result.problems}
    assert "unknown channel(s) nowhere" in messages[57]
    assert "guideline error personal-data" in messages[230]
    assert "no time zone" in messages[444]
    assert result.post_ids == ()
    assert post_count(ctx) == 0


def test_with_the_rows_fixed_all_500_are_queued_for_review(ctx: Context, tmp_path: Path) -> None:
    result = import_csv(ctx, five_hundred(tmp_path / "plan.csv", bad=False))
    assert result.ok
    assert len(result.post_ids) == 500
    assert result.states == {"in_review": 500}
    queued = posts.list_posts(ctx, states=["in_review"], limit=1000)
    assert len(queued) == 500
    assert {v.source for v in queued} == {"import"}
    assert all(sorted(v.channels) == ["news", "tips"] for v in queued)
    history = posts.post_history(ctx, result.post_ids[0])
    assert [e["action"] for e in history] == ["created", "submitted"]
    assert history[0]["detail"]["line"] == 2


def test_imports_are_scheduled_when_configuration_skips_sign_off(
    ctx: Context, tmp_path: Path
) -> None:
    ctx.settings.approval.auto_sources = ["import"]
    result = import_csv(ctx, five_hundred(tmp_path / "plan.csv", bad=False))
    assert result.states == {"scheduled": 500}
    first = posts.get_post(ctx, result.post_ids[0])
    assert first.scheduled_at == FUTURE
    assert {d.due_at for d in first.deliveries} == {FUTURE}
    assert [e["action"] for e in posts.post_history(ctx, first.id)] == [
        "created",
        "submitted",
        "approved",
        "scheduled",
    ]


def test_dry_run_checks_everything_and_queues_nothing(ctx: Context, tmp_path: Path) -> None:
    result = import_csv(ctx, five_hundred(tmp_path / "plan.csv", bad=False), dry_run=True)
    assert result.ok
    assert result.dry_run
    assert post_count(ctx) == 0


def test_a_failure_while_queuing_leaves_nothing_behind(
    ctx: Context, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(post_db, "CHUNK", 100)
    real = delivery_plan.insert_many
    calls = {"n": 0}

    def failing(tx: Any, rows: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        real(tx, rows)

    monkeypatch.setattr(delivery_plan, "insert_many", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        import_csv(ctx, five_hundred(tmp_path / "plan.csv", bad=False))
    assert post_count(ctx) == 0


def test_formula_text_is_imported_literally_and_escaped_on_csv_export(
    ctx: Context, tmp_path: Path
) -> None:
    formula = '=HYPERLINK("http://evil.example","Click me")'
    result = import_csv(
        ctx, write_csv(tmp_path / "f.csv", [(formula, "news", ""), ("+44 fun", "news", "")])
    )
    assert result.ok
    assert posts.get_post(ctx, result.post_ids[0]).text == formula
    out = io.StringIO()
    export_archive(ctx, out, ArchiveQuery(), "csv")
    texts = [row["text"] for row in csv.DictReader(io.StringIO(out.getvalue()))]
    assert texts == ["'" + formula, "'+44 fun"]


def test_naive_times_need_a_zone_and_past_times_are_refused(ctx: Context, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "t.csv",
        [("Hello", "news", "2031-07-01 09:00"), ("Old", "news", "2020-01-01T09:00Z")],
    )
    refused = import_csv(ctx, path)
    assert [p.line for p in refused.problems] == [2, 3]
    assert "in the past" in refused.problems[1].messages[0]
    path.write_text("text,channels,at\nHello,news,2031-07-01 09:00\n")
    result = import_csv(ctx, path, tz="Europe/London")
    assert posts.get_post(ctx, result.post_ids[0]).scheduled_at == datetime(
        2031, 7, 1, 8, 0, tzinfo=UTC
    )


def test_length_is_checked_per_channel(ctx: Context, tmp_path: Path) -> None:
    result = import_csv(ctx, write_csv(tmp_path / "l.csv", [("x" * 5001, "news", "")]))
    assert "too long for news (5001/5000)" in result.problems[0].messages


def test_media_must_exist_and_carry_alt_text(ctx: Context, tmp_path: Path) -> None:
    (tmp_path / "cat.png").write_bytes(b"\x89PNG")
    path = write_csv(
        tmp_path / "m.csv",
        [
            ("With a cat", "news", "", "cat.png", "A ginger cat asleep"),
            ("No alt", "news", "", "cat.png", ""),
            ("Missing", "news", "", "dog.png", "A dog"),
        ],
        header="text,channels,at,media,alt",
    )
    result = import_csv(ctx, path)
    assert [(p.line, p.messages) for p in result.problems] == [
        (3, ("media file 'cat.png' has no alt text",)),
        (4, ("media file 'dog.png' does not exist",)),
    ]
    path.write_text("text,channels,media,alt\nWith a cat,news,cat.png,A ginger cat asleep\n")
    ok = import_csv(ctx, path)
    media = posts.get_post(ctx, ok.post_ids[0]).media
    assert media == ({"path": str((tmp_path / "cat.png").resolve()), "alt": "A ginger cat asleep"},)


def test_map_renames_spreadsheet_columns_and_drops_others(ctx: Context, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "s.csv", [("Hello", "news", "a note")], header="Message,Networks,Notes"
    )
    with pytest.raises(InvalidInput, match="unknown column"):
        import_csv(ctx, path)
    result = import_csv(ctx, path, mapping=parse_map(["Message=text,Networks=channels", "Notes="]))
    assert posts.get_post(ctx, result.post_ids[0]).text == "Hello"


def test_semicolon_separated_files_from_european_spreadsheets_work(
    ctx: Context, tmp_path: Path
) -> None:
    path = tmp_path / "eu.csv"
    path.write_text("text;channels\nBonjour, tout le monde;news\n", encoding="utf-8")
    result = import_csv(ctx, path)
    assert posts.get_post(ctx, result.post_ids[0]).text == "Bonjour, tout le monde"


def test_a_bom_from_excel_is_ignored(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes("\ufefftext,channels\nHello,news\n".encode())
    assert import_csv(ctx, path).ok


def test_a_file_that_is_not_utf8_names_the_line(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,channels\nHello,news\nCafé crème,news\n".encode("latin-1"))
    with pytest.raises(InvalidInput, match=r"not UTF-8 text \(line 3\)"):
        import_csv(ctx, path)
    assert post_count(ctx) == 0


def test_an_empty_file_is_refused(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_bytes(b"")
    with pytest.raises(InvalidInput, match="is empty"):
        import_csv(ctx, path)


def test_a_header_only_file_is_refused(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "header.csv"
    path.write_text("text,channels,at,media,alt\n")
    with pytest.raises(InvalidInput, match="header but no rows"):
        import_csv(ctx, path)


@pytest.mark.slow
def test_a_hundred_thousand_rows_are_queued_in_one_go(ctx: Context, tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "channels", "at"])
        for n in range(100_000):
            at = (FUTURE + timedelta(minutes=n)).isoformat()
            writer.writerow([f"Reminder {n}: report phishing to the service desk.", "news", at])
    seen: list[int] = []
    result = import_csv(ctx, path, progress=lambda done, total: seen.append(done))
    assert result.ok
    assert len(result.post_ids) == 100_000
    assert post_count(ctx) == 100_000
    assert len(seen) > 10
    assert seen == sorted(seen)
    with ctx.tx() as tx:
        assert archive.count_deliveries(tx, archive.Filter()) == 100_000


@pytest.mark.parametrize(
    ("setup", "args", "needle"),
    [
        (b"", [], "is empty"),
        (b"text,channels\n", [], "header but no rows"),
        (b"text,channels\nCaf\xe9,news\n", [], "not UTF-8"),
        (b"text,chanels\nHi,news\n", [], "unknown column"),
        (b"text,channels\nHi,news\n", ["--map", "Nope=text"], "does not have"),
        (b"text,channels\nHi,news\n", ["--map", "text"], "is not FILE_COLUMN=COLUMN"),
        (b"text,channels,at\nHi,news,2031-01-01 09:00\n", ["--tz", "Mars/Olympus"], "time zone"),
        (None, [], "cannot read"),
        (b"{}", ["--from-export", "--tz", "UTC"], "not for --from-export"),
    ],
    ids=[
        "empty",
        "header-only",
        "encoding",
        "column",
        "map-source",
        "map-syntax",
        "tz",
        "missing",
        "export-with-tz",
    ],
)
def test_bad_import_files_are_one_clear_line(
    ctx: Context, db_url: str, tmp_path: Path, setup: bytes | None, args: list[str], needle: str
) -> None:
    path = tmp_path / "in.csv"
    if setup is not None:
        path.write_bytes(setup)
    code, out, err = oyez(db_url, "import", str(path), *args)
    assert_one_line_error(code, out, err)
    assert needle in err


def test_a_folder_given_as_the_file_is_refused_as_a_folder(
    ctx: Context, db_url: str, tmp_path: Path
) -> None:
    code, out, err = oyez(db_url, "import", str(tmp_path))
    assert_one_line_error(code, out, err)
    assert "Is a directory" in err


def test_bad_rows_through_the_cli_exit_non_zero_with_every_line(
    ctx: Context, db_url: str, tmp_path: Path
) -> None:
    path = five_hundred(tmp_path / "plan.csv", bad=True)
    code, out, err = oyez(db_url, "import", str(path))
    assert code == 2
    assert [line.split(":")[0] for line in err.splitlines()[:3]] == [
        "line 57",
        "line 230",
        "line 444",
    ]
    assert "3 of 500 rows are bad: nothing was queued" in err
    five_hundred(path, bad=False)
    code, out, err = oyez(db_url, "import", str(path), "--dry-run")
    assert (code, out.strip()) == (0, "all 500 rows are good (dry run: nothing queued)")
    code, out, err = oyez(db_url, "import", str(path))
    assert code == 0, err
    assert out.strip() == "queued 500 posts: 500 in_review"
    assert bulk_import.SOURCE == "import"


def test_line_numbers_count_blank_lines_and_repeated_rows_are_flagged(
    ctx: Context, tmp_path: Path
) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text(
        "\ntext,channels,at\nHello,news,2031-01-01T09:00Z\n\nHello,news,2031-01-01T09:00Z\n"
        "Hi,nowhere,\n"
    )
    result = import_csv(ctx, path)
    assert [(p.line, p.messages) for p in result.problems] == [
        (5, ("repeats line 3 (same text, channels and time)",)),
        (6, ("unknown channel(s) nowhere",)),
    ]
