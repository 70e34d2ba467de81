"""The Mastodon double's read endpoints page as Mastodon documents, seen through Mastodon.py."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from mastodon import Mastodon
from mastodon.errors import MastodonNotFoundError

from tests.fakes.fixtures import TEST_TIMEOUT
from tests.fakes.mastodon import MastodonDouble

BASE = 1_750_000_000.0  # a fixed second, so times and ids are exact


@pytest.fixture
def client(mastodon_double: MastodonDouble) -> Iterator[Any]:
    made = Mastodon(
        access_token=mastodon_double.token,
        api_base_url=mastodon_double.url,
        ratelimit_method="throw",
        request_timeout=TEST_TIMEOUT,
        version_check_mode="none",
    )
    yield made
    made.session.close()


def _ids(page: Any) -> list[str]:
    return [str(s["id"]) for s in page]


def test_account_statuses_are_newest_first_and_follow_the_link_header(
    mastodon_double: MastodonDouble, client: Any
) -> None:
    made = [mastodon_double.post_as_account(f"post {n}", created_at=BASE + n).id for n in range(12)]
    me = mastodon_double.account_id

    first = client.account_statuses(me, limit=5)
    second = client.fetch_next(first)
    last = client.fetch_next(second)

    assert _ids(first) + _ids(second) + _ids(last) == made[::-1]
    assert len(_ids(last)) == 2


def test_min_id_gives_the_page_just_above_it_and_since_id_the_newest(
    mastodon_double: MastodonDouble, client: Any
) -> None:
    made = [mastodon_double.post_as_account(f"post {n}", created_at=BASE + n).id for n in range(10)]
    me = mastodon_double.account_id

    above = client.account_statuses(me, min_id=made[2], limit=3)
    newest = client.account_statuses(me, since_id=made[2], limit=3)

    assert _ids(above) == [made[5], made[4], made[3]]
    assert _ids(newest) == [made[9], made[8], made[7]]


def test_ids_sort_by_time_so_a_datetime_bound_works(
    mastodon_double: MastodonDouble, client: Any
) -> None:
    made = [mastodon_double.post_as_account(f"post {n}", created_at=BASE + n).id for n in range(6)]

    after = client.account_statuses(
        mastodon_double.account_id, since_id=datetime.fromtimestamp(BASE + 3, UTC)
    )

    assert _ids(after) == [made[5], made[4], made[3]]


def test_notifications_filter_by_type_and_carry_their_status(
    mastodon_double: MastodonDouble, client: Any
) -> None:
    ours = mastodon_double.post_as_account("Library opens at 9.")
    reply = mastodon_double.status_as("alice", "Thanks!", reply_to=ours.id)
    mastodon_double.notify("favourite", "bob", status_id=ours.id)

    mentions = client.notifications(types=["mention"])
    everything = client.notifications()

    assert [(n["type"], str(n["status"]["id"])) for n in mentions] == [("mention", reply.id)]
    assert [n["type"] for n in everything] == ["favourite", "mention"]
    assert str(mentions[0]["status"]["in_reply_to_account_id"]) == mastodon_double.account_id


def test_the_multi_status_lookup_skips_missing_ids_and_is_a_404_before_4_3(
    mastodon_double: MastodonDouble, client: Any
) -> None:
    kept = mastodon_double.post_as_account("Still here.")
    mastodon_double.set_counts(kept.id, reblogs_count=2)

    (found,) = client.statuses([kept.id, "1"])
    mastodon_double.multi_get = False

    assert found["reblogs_count"] == 2
    with pytest.raises(MastodonNotFoundError):
        client.statuses([kept.id])
