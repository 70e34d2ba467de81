"""Long posts on Bluesky (issue #18, defect 5): split by graphemes into a numbered
thread, each part a reply to the one before, every part made exactly once."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image

from channels.base import Channel, Media, Rendered
from channels.errors import OutcomeUnknown, Retryable
from tests.channels.test_end_to_end import add_channel
from tests.fakes.bluesky import BlueskyDouble
from tests.fakes.fixtures import impatient
from tests.helpers import oyez

CREATE = "com.atproto.repo.createRecord"
#: About 700 graphemes in sentences: three parts of at most 300.
LONG = " ".join(f"Sentence number {n} of the notice." for n in range(22))


def _records(double: BlueskyDouble) -> list[dict[str, object]]:
    return [p.extra["record"] for p in double.posts]


def _chain_is_threaded(double: BlueskyDouble, root: str | None = None) -> None:
    posts = double.posts
    first = root or posts[0].id
    for before, part in itertools.pairwise(posts):
        reply = part.extra["record"]["reply"]
        assert (reply["parent"]["uri"], reply["parent"]["cid"]) == (before.id, before.extra["cid"])
        assert reply["root"]["uri"] == first


def test_a_long_post_becomes_a_numbered_thread_under_its_first_part(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel, tmp_path: Path
) -> None:
    image = tmp_path / "map.png"
    Image.new("RGB", (20, 10), "white").save(image)

    receipt = bluesky_channel.publish(Rendered("k", LONG, media=(Media(image, "Map"),)))

    texts = bluesky_double.texts()
    assert [t.rsplit(" ", 1)[1] for t in texts] == ["1/3", "2/3", "3/3"]
    assert all(bluesky_channel.limits.fits(t) for t in texts)
    assert receipt.remote_id == bluesky_double.posts[0].id
    assert "reply" not in _records(bluesky_double)[0]
    _chain_is_threaded(bluesky_double)
    assert [("embed" in r) for r in _records(bluesky_double)] == [True, False, False]


def test_a_long_reply_threads_its_parts_under_the_same_root(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    parent = bluesky_channel.publish(Rendered("p", "Ticket 7 opened."))

    bluesky_channel.publish(Rendered("k", LONG, reply_to=parent.remote_id))

    _chain_is_threaded(bluesky_double, root=parent.remote_id)
    assert len(bluesky_double.posts) == 4


@pytest.mark.parametrize("fault", ["503", "hang_after"])
def test_a_thread_cut_short_resumes_without_making_any_part_twice(
    bluesky_double: BlueskyDouble, fault: str
) -> None:
    since = datetime.now(UTC)
    rendered = Rendered("k", LONG)
    bluesky_double.faults.push(fault, path=CREATE, after=1)  # the second part fails

    with impatient(bluesky_double) as channel:
        with pytest.raises(Retryable) as raised:
            channel.publish(rendered)
        assert isinstance(raised.value, OutcomeUnknown) == (fault == "hang_after")
        made = len(bluesky_double.posts)
        assert made == (2 if fault == "hang_after" else 1)
        # Reconciliation sees a thread with parts missing: not published (yet).
        assert channel.find_existing(rendered, since) is None

        receipt = channel.publish(rendered)

        assert channel.find_existing(rendered, since) == receipt
    texts = bluesky_double.texts()
    assert [t.rsplit(" ", 1)[1] for t in texts] == ["1/3", "2/3", "3/3"]
    _chain_is_threaded(bluesky_double)


def test_retracting_a_thread_deletes_every_part(
    bluesky_double: BlueskyDouble, bluesky_channel: Channel
) -> None:
    bluesky_channel.publish(Rendered("other", "Stays."))
    receipt = bluesky_channel.publish(Rendered("k", LONG))

    bluesky_channel.delete(receipt)

    assert bluesky_double.texts() == ["Stays."]


def test_oyez_run_delivers_a_long_post_as_one_thread(
    db_url: str, bluesky_double: BlueskyDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_channel(db_url, bluesky_double, monkeypatch)
    code, out, err = oyez(
        db_url, "post", "new", LONG, "--to", "net", "--at", "2020-01-01T00:00:00Z"
    )
    assert code == 0, err
    pid = out.strip()
    oyez(db_url, "post", "submit", pid)
    approved = oyez(db_url, "post", "approve", pid, "--override", "threads on Bluesky", actor="sam")
    assert approved[0] == 0, approved[2]

    code, _, err = oyez(db_url, "run", "--once")

    assert code == 0, err
    shown = json.loads(oyez(db_url, "post", "show", pid, "--json")[1])
    assert shown["state"] == "sent", shown["deliveries"]
    assert shown["deliveries"][0]["remote_id"] == bluesky_double.posts[0].id
    assert [t.rsplit(" ", 1)[1] for t in bluesky_double.texts()] == ["1/3", "2/3", "3/3"]
    _chain_is_threaded(bluesky_double)
