"""A person settles a delivery that needs attention: published after all, or not."""

from __future__ import annotations

import json

import pytest

from channels.errors import OutcomeUnknown
from publisher.errors import IllegalTransition, InvalidInput, NotFoundError
from publisher.service import pause, posts
from publisher.service.deliveries import resolve_delivery
from publisher.service.status import status
from tests.helpers import oyez
from tests.integration.engine.conftest import Engine
from tests.integration.engine.scripted import ScriptedNetwork


def needing_attention(engine: Engine, text: str) -> tuple[ScriptedNetwork, int]:
    """A post whose delivery to ``net`` nobody could check: it needs attention."""
    net = engine.scripted("net")
    net.fail(OutcomeUnknown("timeout"), after_publishing=True)
    net.find_steps.append(OutcomeUnknown("this network cannot look posts up"))
    view = engine.post(text, ["net"])
    engine.deliverer().run_once()
    engine.clock.advance(minutes=1)
    engine.deliverer().run_once()
    assert [a.post_id for a in status(engine.ctx).attention] == [view.id]
    return net, view.id


def test_published_after_all_is_recorded_sent_with_its_address_and_never_sent_again(
    engine: Engine,
) -> None:
    net, post_id = needing_attention(engine, "Went out, the network just never said")
    engine.ctx.actor = "sam"

    done = resolve_delivery(
        engine.ctx,
        post_id,
        "net",
        published=True,
        remote_id="1",
        remote_url="https://scripted.test/1",
    )
    engine.clock.advance(hours=1)
    engine.deliverer().run_once()

    assert (done.state, done.post_state) == ("sent", "sent")
    (delivery,) = posts.get_post(engine.ctx, post_id).deliveries
    assert (delivery.state, delivery.remote_id, delivery.remote_url) == (
        "sent",
        "1",
        "https://scripted.test/1",
    )
    assert net.texts() == ["Went out, the network just never said"]
    assert status(engine.ctx).attention == ()
    events = [e for e in posts.post_history(engine.ctx, post_id) if e["action"] == "resolved"]
    assert [(e["actor"], e["detail"]["published"]) for e in events] == [("sam", True)]


def test_not_published_goes_back_on_the_queue_and_out_once(engine: Engine) -> None:
    net = engine.scripted("net")
    net.fail(OutcomeUnknown("timeout"))  # nothing was published
    net.find_steps.append(OutcomeUnknown("this network cannot look posts up"))
    view = engine.post("Never arrived", ["net"])
    engine.deliverer().run_once()
    engine.clock.advance(minutes=1)
    engine.deliverer().run_once()

    done = resolve_delivery(engine.ctx, view.id, "net", published=False)
    engine.deliverer().run_once()

    assert (done.state, done.post_state) == ("pending", "scheduled")
    assert net.texts() == ["Never arrived"]
    assert posts.get_post(engine.ctx, view.id).state == "sent"


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"published": True}, InvalidInput),
        ({"published": True, "remote_url": "https://scripted.test/1"}, InvalidInput),
        ({"published": False, "remote_id": "123"}, InvalidInput),
        ({"published": False, "channel": "elsewhere"}, NotFoundError),
    ],
    ids=[
        "published-without-id",
        "published-with-only-a-url",
        "not-published-with-id",
        "no-such-channel",
    ],
)
def test_bad_resolutions_are_refused_and_change_nothing(
    engine: Engine, kwargs: dict[str, object], error: type[Exception]
) -> None:
    _, post_id = needing_attention(engine, "Still needs a person")
    kwargs = dict(kwargs)  # the parameters are shared by every database's run
    channel = str(kwargs.pop("channel", "net"))
    with pytest.raises(error):
        resolve_delivery(engine.ctx, post_id, channel, **kwargs)  # type: ignore[arg-type]
    assert [a.post_id for a in status(engine.ctx).attention] == [post_id]


def test_only_a_delivery_that_needs_attention_is_settled_by_hand(engine: Engine) -> None:
    view = engine.post("Sent normally", ["news"])
    engine.deliverer().run_once()
    with pytest.raises(IllegalTransition, match="only a delivery that needs attention"):
        resolve_delivery(engine.ctx, view.id, "news", published=False)


def test_resolve_from_the_command_line(engine: Engine, db_url: str) -> None:
    _, post_id = needing_attention(engine, "Checked by hand")

    code, out, err = oyez(db_url, "post", "resolve", str(post_id), "--channel", "net")
    assert code == 2
    assert "--published" in err
    assert len(err.strip().splitlines()) == 1

    code, out, err = oyez(
        db_url, "post", "resolve", str(post_id), "--channel", "net", "--published",
        "--id", "1", "--json",
    )  # fmt: skip
    assert code == 0, err
    assert json.loads(out) == {
        "post_id": post_id,
        "channel": "net",
        "state": "sent",
        "post_state": "sent",
    }


def test_a_post_edited_since_is_not_sent_again_until_it_is_signed_off(engine: Engine) -> None:
    pause.pause_channel(engine.ctx, "news", "quiet for now")  # keeps the post scheduled
    net = engine.scripted("net")
    net.fail(OutcomeUnknown("timeout"))
    net.find_steps.append(OutcomeUnknown("this network cannot look posts up"))
    view = engine.post("Before the edit", ["net", "news"])
    engine.deliverer().run_once()
    engine.clock.advance(minutes=1)
    engine.deliverer().run_once()
    posts.edit_post(engine.ctx, view.id, "After the edit: nobody has approved this")

    with pytest.raises(IllegalTransition, match="once it is approved"):
        resolve_delivery(engine.ctx, view.id, "net", published=False)
    engine.deliverer().run_once()

    assert [a.post_id for a in status(engine.ctx).attention] == [view.id]
    assert posts.get_post(engine.ctx, view.id).state == "in_review"
    assert net.texts() == []
