"""The report: posts per channel per day, on-time rate, failures, cadences, ticket threads."""

from __future__ import annotations

import errno
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select, update
from sqlmodel import col

from publisher.cli import report_cmd
from publisher.context import Context
from publisher.service import posts
from publisher.service.report import OnTime, Reason, build_report, charts
from publisher.sources.tips.cadences import add_cadence, pause_cadence, resume_cadence
from publisher.sources.tips.firing import fire_cadence
from publisher.sources.tips.pools import add_tip
from queue_db import channels as channel_db
from queue_db import post_batches
from queue_db.deliveries import plan as delivery_plan
from queue_db.tables import Cadence, Delivery, Event, Post, Ticket, TicketPost
from tests.archive.conftest import assert_one_line_error, oyez

DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def seed(ctx: Context) -> None:
    """Deliveries on two channels over two days, two failures, and a ticket thread."""
    with ctx.tx() as tx:
        ids = {c.name: c.id for c in channel_db.every(tx)}
    now = DAY

    def post(text: str, source: str = "manual", key: str | None = None) -> dict[str, object]:
        row = Post(
            text=text,
            author="alex",
            source=source,
            state="sent",
            source_key=key,
            created_at=now,
            updated_at=now,
        ).model_dump()
        row.pop("id")
        return row

    with ctx.tx() as tx:
        a, b, c, first, update, closing = post_batches.insert_many(
            tx,
            [post("a"), post("b"), post("c")]
            + [post(f"t{n}", "ticket", key=f"ticket:TT-1:{n}") for n in (1, 2, 3)],
        )
        ticket = tx.add(Ticket(external_id="TT-1", title="Email outage", status="resolved"))
        assert ticket.id is not None
        for seq, post_id in enumerate((first, update, closing), start=1):
            tx.add(
                TicketPost(
                    ticket_id=ticket.id,
                    seq=seq,
                    source_key=f"ticket:TT-1:{seq}",
                    kind="first" if seq == 1 else "update",
                    status="open",
                    post_id=post_id,
                    state="released",
                )
            )

        def sent(post_id: int, channel: str, due: datetime, delay: timedelta) -> dict[str, object]:
            return delivery_plan.row(
                post_id,
                ids[channel],
                due,
                now,
                state="sent",
                sent_at=due + delay,
                final_text="x",
                remote_id=f"{post_id}-{channel}",
            )

        delivery_plan.insert_many(
            tx,
            [
                sent(a, "news", DAY, timedelta(seconds=20)),
                sent(a, "tips", DAY, timedelta(minutes=5)),
                sent(b, "news", DAY + timedelta(days=1), timedelta(seconds=59)),
                delivery_plan.row(
                    b,
                    ids["tips"],
                    DAY,
                    now,
                    state="failed",
                    error_kind="permanent",
                    last_error="403 duplicate content",
                ),
                delivery_plan.row(
                    c,
                    ids["news"],
                    DAY,
                    now,
                    state="needs_attention",
                    error_kind="unknown",
                    last_error="cannot tell",
                ),
                sent(first, "news", DAY, timedelta(0)),
                sent(first, "tips", DAY, timedelta(0)),
                sent(update, "news", DAY, timedelta(0)),
            ],
        )


def test_report_counts_what_went_out_when_and_what_did_not(ctx: Context) -> None:
    seed(ctx)
    report = build_report(ctx)
    assert report.per_day == {
        (date(2026, 3, 2), "news"): 3,
        (date(2026, 3, 2), "tips"): 2,
        (date(2026, 3, 3), "news"): 1,
    }
    assert report.on_time == (OnTime("news", 4, 4), OnTime("tips", 2, 1))
    assert report.on_time_total.rate == pytest.approx(5 / 6)
    reasons = {r.reason: r for r in report.failures}
    assert reasons["permanent"] == Reason("permanent", 1, "403 duplicate content")
    assert reasons["needs_attention"].count == 1
    assert report.cadences is None
    assert [(t.ticket, t.posts, t.published) for t in report.tickets] == [
        ("TT-1 Email outage", 3, 3)
    ]


def test_report_period_and_days_follow_the_configured_zone(ctx: Context) -> None:
    seed(ctx)
    ctx.settings.timezone = "Pacific/Honolulu"  # UTC-10: 09:00 UTC is 23:00 the day before
    report = build_report(ctx, DAY + timedelta(hours=12), None)
    assert report.per_day == {(date(2026, 3, 2), "news"): 1}


def test_report_text_html_and_png_through_the_cli(
    ctx: Context, db_url: str, tmp_path: Path
) -> None:
    seed(ctx)
    code, out, err = oyez(db_url, "report")
    assert code == 0, err
    for title in (
        "Posts per channel per day",
        "On time",
        "Failures by reason",
        "no cadences",
        "TT-1 Email outage",
    ):
        assert title in out
    page = tmp_path / "report.html"
    code, _, err = oyez(db_url, "report", "--format", "html", "-o", str(page))
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert html.count("<svg") == 5 + 1  # the five charts and the reach section's weekly chart
    assert "<script" not in html
    outside = html.replace("http://www.w3.org/2000/svg", "").replace("http-equiv", "")
    assert "http" not in outside
    picture = tmp_path / "report.png"
    code, _, err = oyez(db_url, "report", "--format", "png", "-o", str(picture))
    assert code == 0, err
    with Image.open(picture) as image:
        assert image.format == "PNG"
        assert image.width >= 800
        assert image.height > 400


def test_report_text_and_json_go_to_the_output_file_when_one_is_given(
    ctx: Context, db_url: str, tmp_path: Path
) -> None:
    seed(ctx)
    text, numbers = tmp_path / "report.txt", tmp_path / "report.json"

    code, out, err = oyez(db_url, "report", "-o", str(text))
    assert code == 0, err
    code, out_json, err = oyez(db_url, "report", "--json", "-o", str(numbers))
    assert code == 0, err

    written = text.read_text(encoding="utf-8")
    assert "Posts per channel per day" in written
    assert "\x1b[" not in written
    assert "Posts per channel per day" not in out
    assert json.loads(numbers.read_text(encoding="utf-8")) == json.loads(
        oyez(db_url, "report", "--json")[1]
    )
    assert "wrote the report" in out_json


def test_an_empty_archive_still_gives_a_report(ctx: Context, db_url: str) -> None:
    code, out, err = oyez(db_url, "report", "--since", "2026-01-01", "--until", "2026-01-31")
    assert code == 0, err
    assert "0 published" in out
    assert "nothing in this period" in out
    posts.create_post(ctx, "draft", ["news"])
    assert build_report(ctx).per_day == {}


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["report", "--format", "pdf"], "unknown format"),
        (["report", "--json", "--format", "html"], "pick one"),
        (["report", "--format", "png"], "needs --output"),
        (["report", "--since", "soon"], "ISO 8601"),
        (["report", "--format", "html", "-o", "/nonexistent-folder/r.html"], "cannot write"),
        (["report", "--since", "2026-02-01", "--until", "2026-01-01"], "before --until"),
    ],
    ids=["format", "json-and-html", "png-without-file", "since", "output", "backwards"],
)
def test_bad_report_input_is_one_clear_line(
    ctx: Context, db_url: str, args: list[str], needle: str
) -> None:
    code, out, err = oyez(db_url, *args)
    assert_one_line_error(code, out, err)
    assert needle in err


def test_a_failed_report_write_leaves_the_file_that_was_there(
    ctx: Context, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    picture = tmp_path / "report.png"
    picture.write_bytes(b"last week's report")

    def disk_fills_up(report: object, path: Path) -> None:
        path.write_bytes(b"\x89PNG half")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(report_cmd, "to_png", disk_fills_up)
    code, out, err = oyez(db_url, "report", "--format", "png", "-o", str(picture))
    assert_one_line_error(code, out, err)
    assert "cannot write" in err
    assert picture.read_bytes() == b"last week's report"
    assert not list(tmp_path.glob("*.partial"))


def test_cadence_adherence_counts_tips_due_against_tips_published(ctx: Context) -> None:
    add_tip(ctx, "security", "Lock your screen when you step away.")
    add_tip(ctx, "security", "Report phishing to the service desk.")
    add_cadence(
        ctx,
        "morning",
        pool="security",
        cron="0 9 * * *",
        timezone="Europe/London",
        channels=["news"],
        skip_dates=["2026-03-03"],
    )
    with ctx.tx() as tx:
        cadence = tx.session.scalars(select(Cadence)).one()
        cadence.created_at = datetime(2026, 3, 1, tzinfo=UTC)
        tx.add(cadence)
    ctx.clock = lambda: datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    assert cadence.id is not None
    for day in (1, 2):
        assert fire_cadence(ctx, cadence.id, datetime(2026, 3, day, 9, 0, tzinfo=UTC)) == 1
    with ctx.tx() as tx:  # the first firing went out; the second is still waiting
        tx.session.execute(
            update(Delivery)
            .where(col(Delivery.post_id) == 1)
            .values(state="sent", sent_at=datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
        )
    report = build_report(ctx)
    # Due on the 1st, 2nd, 4th and 5th (the 3rd is a skip date); one tip published.
    assert report.cadences is not None
    assert [(c.cadence, c.due, c.sent) for c in report.cadences] == [("morning", 4, 1)]
    march_2 = build_report(ctx, datetime(2026, 3, 2, tzinfo=UTC), datetime(2026, 3, 3, tzinfo=UTC))
    assert march_2.cadences is not None
    assert [(c.due, c.sent) for c in march_2.cadences] == [(1, 0)]


def test_a_cadence_owes_nothing_for_the_spells_it_was_paused(ctx: Context) -> None:
    add_tip(ctx, "security", "Lock your screen when you step away.")
    add_cadence(
        ctx, "morning", pool="security", cron="0 9 * * *", timezone="UTC", channels=["news"]
    )
    pause_cadence(ctx, "morning")
    resume_cadence(ctx, "morning")
    pause_cadence(ctx, "morning")
    spells = [(2, 0), (3, 12), (4, 20)]  # paused, resumed, paused again (March, hour)
    with ctx.tx() as tx:
        tx.session.execute(update(Cadence).values(created_at=datetime(2026, 3, 1, tzinfo=UTC)))
        ids = tx.session.scalars(
            select(Event.id).where(col(Event.action).like("cadence_%")).order_by(col(Event.id))
        ).all()
        for event_id, (day, hour) in zip(ids[-3:], spells, strict=True):
            tx.session.execute(
                update(Event)
                .where(col(Event.id) == event_id)
                .values(at=datetime(2026, 3, day, hour, tzinfo=UTC))
            )
    ctx.clock = lambda: datetime(2026, 3, 5, 12, 0, tzinfo=UTC)

    report = build_report(ctx)

    # Running at 09:00 on the 1st and the 4th only; paused now.
    assert report.cadences is not None
    assert [(c.due, c.paused) for c in report.cadences] == [(2, True)]
    assert charts(report)[3].bars[0].note == "0/2 (paused)"


def test_every_interface_gets_the_same_five_charts(ctx: Context) -> None:
    seed(ctx)
    drawn = charts(build_report(ctx))
    assert [c.title for c in drawn] == [
        "Posts per channel per day",
        "On time (sent within a minute of due)",
        "Failures by reason",
        "Cadence adherence (tips sent / due)",
        "Ticket posts per ticket",
    ]
    per_day = drawn[0]
    assert [b.label for b in per_day.bars] == ["2026-03-02", "2026-03-03"]
    assert [b.note for b in per_day.bars] == ["5", "1"]
    assert [name for name, _ in per_day.legend] == ["news", "tips"]
    assert per_day.scale == 5
    assert drawn[3].bars == ()
    assert drawn[3].empty == "no cadences"
