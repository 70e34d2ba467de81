"""End to end on the LinkedIn double: a ticket's updates are comments on its first post."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.fakes.linkedin import LinkedInDouble
from tests.helpers import make_context, oyez
from tests.tickets.conftest import deliver_all, network_ticket_channel, started_with_env
from tests.tickets.test_x_thread import EVENTS, oyez_ok

PREFIX = "OYEZ_TEST_TICKETS_LI"


@pytest.fixture
def linkedin(monkeypatch: pytest.MonkeyPatch) -> Iterator[LinkedInDouble]:
    yield from started_with_env(LinkedInDouble(), PREFIX, monkeypatch)


@pytest.fixture
def db(db_url: str, linkedin: LinkedInDouble) -> str:
    network_ticket_channel(db_url, "noc-li", linkedin, PREFIX)
    return db_url


def test_a_ticket_on_linkedin_is_a_post_and_its_updates_comments_on_it_and_retract_deletes(
    db: str, linkedin: LinkedInDouble
) -> None:
    for args in EVENTS:
        oyez_ok(db, "tickets", "event", "--id", "TT-1234", *args)
    ctx = make_context(db, "oyez")
    try:
        deliver_all(ctx)
    finally:
        ctx.close()

    [first] = linkedin.posts
    assert first.text.startswith("[TT-1234] Outage: Amsterdam–Hamburg link down.")
    assert [c.reply_to for c in linkedin.comments] == [first.id] * 3
    assert linkedin.comment_texts() == [
        "[TT-1234] Update: investigating. Engineers are on their way.",
        "[TT-1234] Update: identified. A fibre was cut near Osnabrück.",
        "[TT-1234] Resolved: Amsterdam–Hamburg link down. The link is back.",
    ]

    for post in json.loads(oyez_ok(db, "post", "list", "--json")):
        code, _, err = oyez(db, "post", "retract", str(post["id"]), actor="olga")
        assert code == 0, err
    assert linkedin.texts() == []
    assert linkedin.comment_texts() == []
