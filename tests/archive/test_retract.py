"""Retract: the post is deleted on each network, the archive keeps what was published."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest

from publisher.context import Context
from publisher.errors import IllegalTransition, NotFoundError
from publisher.service import channels, posts
from publisher.service.archive import ArchiveQuery, export_archive
from publisher.service.retract import retract_post
from tests.archive.conftest import assert_one_line_error, oyez, publish
from tests.fakes.server import FakeAPI


def archive_rows(ctx: Context) -> list[dict[str, str]]:
    out = io.StringIO()
    export_archive(ctx, out, ArchiveQuery(), "csv")
    return list(csv.DictReader(io.StringIO(out.getvalue())))


def connect(ctx: Context, double: FakeAPI) -> str:
    """Add a channel named after the double's kind, talking to the double."""
    ctx.environ = double.environ()
    settings = {k: str(v) for k, v in double.channel_settings().items()}
    channels.add_channel(ctx, double.kind, double.kind, settings)
    return double.kind


@pytest.mark.parametrize("kind", ["x", "facebook"])
def test_retract_deletes_the_remote_post_and_leaves_the_archive_row(
    ctx: Context, request: pytest.FixtureRequest, kind: str
) -> None:
    double: FakeAPI = request.getfixturevalue(f"{kind}_double")
    name = connect(ctx, double)
    post_id = publish(ctx, "Water main burst on Station Road: avoid the area.", [name])
    assert double.texts() == ["Water main burst on Station Road: avoid the area."]
    before = archive_rows(ctx)[0]
    assert before["state"] == "sent"

    outcomes = retract_post(ctx, post_id)

    assert [(o.channel, o.retracted, o.remote_id) for o in outcomes] == [
        (name, True, before["remote_id"])
    ]
    assert double.texts() == []
    assert [p.deleted for p in double.all_posts] == [True]
    after = archive_rows(ctx)[0]
    assert after["state"] == "retracted"
    for kept in ("final_text", "remote_id", "remote_url", "sent_at", "channel"):
        assert after[kept] == before[kept]
    actions = [(e["actor"], e["action"]) for e in posts.post_history(ctx, post_id)]
    assert actions[-1] == ("alex", "retracted")


def test_a_network_that_refuses_leaves_the_delivery_sent_and_says_so(
    ctx: Context, db_url: str, x_double: FakeAPI
) -> None:
    name = connect(ctx, x_double)
    post_id = publish(ctx, "Library closed today.", [name])
    x_double.faults.push("401")
    code, out, _ = oyez(db_url, "post", "retract", str(post_id))
    assert code == 1
    assert out.startswith("x: NOT retracted")
    assert x_double.texts() == ["Library closed today."]
    assert archive_rows(ctx)[0]["state"] == "sent"
    assert posts.post_history(ctx, post_id)[-1]["action"] == "retract_failed"


def test_retract_one_channel_keeps_the_others(ctx: Context, tmp_path: Path) -> None:
    post_id = publish(ctx, "Both channels", ["news", "tips"])
    assert len(list((tmp_path / "tips").glob("*.json"))) == 1
    retract_post(ctx, post_id, "tips")
    assert list((tmp_path / "tips").glob("*.json")) == []
    assert len(list((tmp_path / "news").glob("*.json"))) == 1
    states = {r["channel"]: r["state"] for r in archive_rows(ctx)}
    assert states == {"news": "sent", "tips": "retracted"}
    assert posts.get_post(ctx, post_id).state == "sent"


def test_nothing_published_cannot_be_retracted(ctx: Context) -> None:
    draft = posts.create_post(ctx, "Not yet", ["news"])
    with pytest.raises(IllegalTransition, match="nothing published"):
        retract_post(ctx, draft.id)
    post_id = publish(ctx, "Sent", ["news"])
    retract_post(ctx, post_id)
    with pytest.raises(IllegalTransition, match="retracted, not sent"):
        retract_post(ctx, post_id, "news")
    with pytest.raises(NotFoundError, match="no delivery to channel 'tips'"):
        retract_post(ctx, post_id, "tips")


def test_retract_through_the_cli_prints_each_channel(ctx: Context, db_url: str) -> None:
    post_id = publish(ctx, "Both", ["news", "tips"])
    code, out, err = oyez(db_url, "post", "retract", str(post_id))
    assert code == 0, err
    assert out.splitlines() == ["news: retracted", "tips: retracted"]


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["post", "retract", "999"], "no post with id 999"),
        (["post", "retract", "1", "--channel", "nope"], "no delivery to channel"),
        (["post", "retract", "1"], "nothing published"),
    ],
    ids=["no-post", "no-channel", "not-sent"],
)
def test_bad_retract_input_is_one_clear_line(
    ctx: Context, db_url: str, args: list[str], needle: str
) -> None:
    posts.create_post(ctx, "Draft", ["news"])
    code, out, err = oyez(db_url, *args)
    assert_one_line_error(code, out, err)
    assert needle in err
