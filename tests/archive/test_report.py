"""The report: posts per channel per day, on-time rate, failures, cadences, ticket threads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image

from publisher.service import posts
from publisher.service.context import Context
from publisher.service.report import OnTime, Reason, build_report
from queue_db import archive_store
from queue_db.models import Delivery, Post
from tests.archive.conftest import assert_one_line_error, oyez

DAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def seed(ctx: Context) -> dict[str, int]:
    """Deliveries on two channels over two days, two failures, and a ticket thread."""
    with ctx.tx() as tx:
        ids = {c.name: c.id for c in tx.channels()}
    now = DAY

    def post(
        text: str, source: str = "manual", parent: int | None = None, key: str | None = None
    ) -> dict[str, object]:
        row = Post(
            text=text,
            author="alex",
            source=source,
            state="sent",
            source_key=key,
            thread_parent_id=parent,
            created_at=now,
            updated_at=now,
        ).model_dump()
        row.pop("id")
        return row

    with ctx.tx() as tx:
        a, b, c, ticket = archive_store.insert_posts(
            tx, [post("a"), post("b"), post("c"), post("t1", "ticket", key="ticket:TT-1:1")]
        )
        (update,) = archive_store.insert_posts(
            tx, [post("t2", "ticket", parent=ticket, key="ticket:TT-1:2")]
        )
        (late_update,) = archive_store.insert_posts(
            tx, [post("t3", "ticket", parent=update, key="ticket:TT-1:3")]
        )

        def sent(post_id: int, channel: str, due: datetime, delay: timedelta) -> dict[str, object]:
            return archive_store.delivery_row(
                post_id,
                ids[channel],
                due,
                now,
                state="sent",
                sent_at=due + delay,
                final_text="x",
                remote_id=f"{post_id}-{channel}",
            )

        archive_store.insert_rows(
            tx,
            Delivery,
            [
                sent(a, "news", DAY, timedelta(seconds=20)),
                sent(a, "tips", DAY, timedelta(minutes=5)),
                sent(b, "news", DAY + timedelta(days=1), timedelta(seconds=59)),
                archive_store.delivery_row(
                    b,
                    ids["tips"],
                    DAY,
                    now,
                    state="failed",
                    error_kind="permanent",
                    last_error="403 duplicate content",
                ),
                archive_store.delivery_row(
                    c,
                    ids["news"],
                    DAY,
                    now,
                    state="needs_attention",
                    error_kind="unknown",
                    last_error="cannot tell",
                ),
                sent(ticket, "news", DAY, timedelta(0)),
                sent(update, "news", DAY, timedelta(0)),
                sent(late_update, "news", DAY, timedelta(0)),
            ],
        )
    return {"ticket": ticket}


def test_report_counts_what_went_out_when_and_what_did_not(ctx: Context) -> None:
    seed(ctx)
    report = build_report(ctx)
    assert report.per_day == {
        (date(2026, 3, 2), "news"): 4,
        (date(2026, 3, 2), "tips"): 1,
        (date(2026, 3, 3), "news"): 1,
    }
    assert report.on_time == (OnTime("news", 5, 5), OnTime("tips", 1, 0))
    assert report.on_time_total.rate == pytest.approx(5 / 6)
    reasons = {r.reason: r for r in report.failures}
    assert reasons["permanent"] == Reason("permanent", 1, "403 duplicate content")
    assert reasons["needs_attention"].count == 1
    assert report.cadences is None
    assert [(t.ticket, t.posts, t.published) for t in report.tickets] == [("ticket:TT-1:1", 3, 3)]


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
        "ticket:TT-1:1",
    ):
        assert title in out
    page = tmp_path / "report.html"
    code, _, err = oyez(db_url, "report", "--format", "html", "-o", str(page))
    assert code == 0, err
    html = page.read_text(encoding="utf-8")
    assert html.startswith("<!doctype html>")
    assert html.count("<svg") == 5
    assert "<script" not in html
    assert "http" not in html.replace("http://www.w3.org/2000/svg", "")
    picture = tmp_path / "report.png"
    code, _, err = oyez(db_url, "report", "--format", "png", "-o", str(picture))
    assert code == 0, err
    with Image.open(picture) as image:
        assert image.format == "PNG"
        assert image.width >= 800
        assert image.height > 400


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
        (["report", "--format", "png"], "needs --output"),
        (["report", "--since", "soon"], "ISO 8601"),
        (["report", "--format", "html", "-o", "/nonexistent-folder/r.html"], "cannot write"),
    ],
    ids=["format", "png-without-file", "since", "output"],
)
def test_bad_report_input_is_one_clear_line(
    ctx: Context, db_url: str, args: list[str], needle: str
) -> None:
    code, out, err = oyez(db_url, *args)
    assert_one_line_error(code, out, err)
    assert needle in err
