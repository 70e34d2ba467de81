"""Round trip: export, restore into an empty database with --from-export, export again: equal."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.engine.delivery import Deliverer
from publisher.errors import InvalidInput
from publisher.service import archive_restore, channels, posts
from publisher.service.pause import resume_channel
from publisher.service.retract import retract_post
from queue_db import archive
from queue_db import channels as channel_db
from queue_db.database import make_engine
from queue_db.deliveries import read
from queue_db.migrate import upgrade
from queue_db.tables import Delivery
from tests.archive.conftest import PAST, assert_one_line_error, oyez, publish
from tests.conftest import new_pg_database
from tests.helpers import add_outbox, make_context


@pytest.fixture
def empty_db(db_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    """A second, empty, migrated database of the same kind as ``db_url``."""
    if db_url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'restored.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        return url
    return new_pg_database(request.getfixturevalue("pg_server"))


def fill(ctx: Context) -> None:
    """An archive with every kind of record: sent, retracted, failed, in review, threaded."""
    first = publish(ctx, "Road closed on Mill Lane, café open 😀", ["news", "tips"])
    publish(ctx, "=SUM(A1:A9) is not a formula here", ["news"])
    retract_post(ctx, first, "tips")
    review = posts.create_post(ctx, "Waiting for sign-off", ["tips"])
    posts.submit_post(ctx, review.id)
    reply = posts.create_post(ctx, "Update: reopened", ["news"], thread_parent_id=first)
    posts.submit_post(ctx, reply.id)
    with ctx.tx() as tx:
        tx.session.execute(
            Delivery.__table__.update()  # type: ignore[attr-defined]
            .where(Delivery.post_id == reply.id)
            .values(state="failed", error_kind="permanent", last_error="403 duplicate")
        )


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
def test_export_restore_export_gives_the_same_archive(
    ctx: Context, db_url: str, empty_db: str, tmp_path: Path, fmt: str
) -> None:
    fill(ctx)
    first, second = tmp_path / f"first.{fmt}", tmp_path / f"second.{fmt}"
    code, _, err = oyez(db_url, "export", "-f", fmt, "--include-audit", "-o", str(first))
    assert code == 0, err
    code, out, err = oyez(empty_db, "import", "--from-export", str(first))
    assert code == 0, err
    assert "restored 4 posts" in out
    code, _, err = oyez(empty_db, "export", "-f", fmt, "--include-audit", "-o", str(second))
    assert code == 0, err
    assert first.read_text(encoding="utf-8") == second.read_text(encoding="utf-8")
    restored = make_context(empty_db)
    try:
        news = channels.get_channel(restored, "news")
        assert news.paused
        assert "archive" in (news.paused_reason or "")
        # The restored ids continue: a new post does not collide with a restored one.
        view = posts.create_post(restored, "After the restore", ["news"])
        assert view.id > 4
    finally:
        restored.close()


def _approve(ctx: Context, text: str, channel: str) -> int:
    view = posts.create_post(ctx, text, [channel], at=PAST)
    posts.submit_post(ctx, view.id)
    posts.approve_post(ctx, view.id)
    return view.id


def run_once(ctx: Context) -> None:
    deliverer = Deliverer(ctx, "restore-worker")
    try:
        deliverer.run_once()
    finally:
        deliverer.close()


def _outbox_texts(folder: Path) -> list[str]:
    return [json.loads(p.read_text(encoding="utf-8"))["text"] for p in folder.glob("*.json")]


def test_a_restore_never_publishes_by_itself_and_a_mid_send_delivery_is_checked_first(
    ctx: Context, db_url: str, empty_db: str, tmp_path: Path
) -> None:
    _approve(ctx, "Due, not yet sent", "news")
    mid_send = _approve(ctx, "Was going out when exported", "tips")
    with ctx.tx() as tx:
        tx.session.execute(
            Delivery.__table__.update()  # type: ignore[attr-defined]
            .where(Delivery.post_id == mid_send)
            .values(state="sending", lease_owner="gone-worker", lease_expires_at=PAST)
        )
    dump = tmp_path / "a.jsonl"
    assert oyez(db_url, "export", "-f", "jsonl", "-o", str(dump))[0] == 0
    restored = make_context(empty_db)
    try:
        add_outbox(restored, "news", tmp_path / "new-news")  # exists and runs before the restore
        code, out, err = oyez(empty_db, "import", "--from-export", str(dump))
        assert code == 0, err
        assert "paused news" in out

        run_once(restored)
        assert _outbox_texts(tmp_path / "new-news") == []
        news = channels.get_channel(restored, "news")
        assert news.paused
        assert "oyez resume" in (news.paused_reason or "")
        with restored.tx() as tx:
            ((unknown, _),) = read.of_post(tx, mid_send)
            assert (unknown.state, unknown.lease_owner) == ("unknown", None)
            assert "went out" in (unknown.last_error or "")

        channels.change_channel(restored, "tips", {"path": str(tmp_path / "new-tips")})
        resume_channel(restored, "news")
        resume_channel(restored, "tips")
        run_once(restored)
        assert _outbox_texts(tmp_path / "new-news") == ["Due, not yet sent"]
        assert _outbox_texts(tmp_path / "new-tips") == ["Was going out when exported"]
    finally:
        restored.close()


def test_restore_into_a_database_that_has_the_posts_is_refused_record_by_record(
    ctx: Context, db_url: str, tmp_path: Path
) -> None:
    publish(ctx, "One", ["news"])
    publish(ctx, "Two", ["news"])
    dump = tmp_path / "a.json"
    assert oyez(db_url, "export", "-f", "json", "-o", str(dump))[0] == 0
    result = archive_restore.import_archive(ctx, dump)
    assert [(p.unit, p.line) for p in result.problems] == [("record", 1), ("record", 2)]
    assert "already exists" in result.problems[0].messages[0]
    with ctx.tx() as tx:
        assert archive.count_deliveries(tx, archive.Filter()) == 2


def test_bad_records_are_each_reported_and_nothing_is_restored(
    ctx: Context, db_url: str, empty_db: str, tmp_path: Path
) -> None:
    publish(ctx, "Good", ["news"])
    dump = tmp_path / "a.jsonl"
    assert oyez(db_url, "export", "-f", "jsonl", "-o", str(dump))[0] == 0
    good = json.loads(dump.read_text())
    bad_state = {**good, "post_id": 7, "state": "exploded"}
    bad_time = {**good, "post_id": 8, "sent_at": "2026-01-01 09:00"}
    missing = {k: v for k, v in good.items() if k != "text"} | {"post_id": 9}
    lines = [good, bad_state, bad_time, missing]
    dump.write_text("\n".join(json.dumps(r) for r in lines) + "\nnot json\n")
    code, _out, err = oyez(empty_db, "import", "--from-export", str(dump))
    assert code == 2
    assert "line 2: unknown delivery state 'exploded'" in err
    assert "line 3: sent_at:" in err
    assert "offset" in err
    assert "line 4: text is missing" in err
    assert "line 5: not JSON" in err
    assert "nothing was queued" in err
    restored = make_context(empty_db)
    try:
        with restored.tx() as tx:
            assert archive.count_deliveries(tx, archive.Filter()) == 0
            assert channel_db.every(tx) == []
    finally:
        restored.close()


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"", "empty"),
        (b'{"hello": "world"}', "not an oyez export"),
        (b'{"format": "oyez-archive", "version": 9, "records": []}', "version 9"),
        (b"\xff\xfe garbage", "not UTF-8"),
        (b"[1, 2", "bad JSON"),
    ],
    ids=["empty", "foreign", "version", "encoding", "broken"],
)
def test_a_file_that_is_no_export_is_one_clear_line(
    ctx: Context, db_url: str, tmp_path: Path, content: bytes, needle: str
) -> None:
    dump = tmp_path / "x.json"
    dump.write_bytes(content)
    code, out, err = oyez(db_url, "import", "--from-export", str(dump))
    assert_one_line_error(code, out, err)
    assert needle in err
    with pytest.raises(InvalidInput):
        archive_restore.import_archive(ctx, dump)
