"""The X double's read endpoints page and filter as X documents, seen through tweepy itself."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import tweepy

from channels.x_api import RebasedSession
from tests.fakes.fixtures import TEST_TIMEOUT
from tests.fakes.x import XDouble

BASE = 1_750_000_000.0  # a fixed second, so times and ids are exact


@pytest.fixture
def client(x_double: XDouble) -> Iterator[Any]:
    keys = x_double.credentials()
    made = tweepy.Client(
        consumer_key=keys["CONSUMER_KEY"],
        consumer_secret=keys["CONSUMER_SECRET"],
        access_token=keys["ACCESS_TOKEN"],
        access_token_secret=keys["ACCESS_TOKEN_SECRET"],
        return_type=dict,
    )
    made.session = RebasedSession(x_double.url, TEST_TIMEOUT)
    yield made
    made.session.close()


def _at(seconds: float) -> datetime:
    return datetime.fromtimestamp(BASE + seconds, UTC)


def _ids(body: dict[str, Any]) -> list[str]:
    return [t["id"] for t in body.get("data") or []]


def test_the_timeline_is_newest_first_and_pages_with_a_next_token(
    x_double: XDouble, client: Any
) -> None:
    made = [x_double.post_as_account(f"post {n}", created_at=BASE + n).id for n in range(12)]
    me = x_double.user_id

    first = client.get_users_tweets(me, max_results=5, user_auth=True)
    second = client.get_users_tweets(
        me, max_results=5, pagination_token=first["meta"]["next_token"], user_auth=True
    )
    last = client.get_users_tweets(
        me, max_results=5, pagination_token=second["meta"]["next_token"], user_auth=True
    )

    assert _ids(first) + _ids(second) + _ids(last) == made[::-1]
    assert first["meta"] == {
        "result_count": 5,
        "newest_id": made[11],
        "oldest_id": made[7],
        "next_token": first["meta"]["next_token"],
    }
    assert "next_token" not in last["meta"]
    assert last["meta"]["result_count"] == 2


def test_since_id_and_until_id_are_exclusive(x_double: XDouble, client: Any) -> None:
    made = [x_double.post_as_account(f"post {n}", created_at=BASE + n).id for n in range(6)]

    body = client.get_users_tweets(
        x_double.user_id, since_id=made[1], until_id=made[4], max_results=5, user_auth=True
    )

    assert _ids(body) == [made[3], made[2]]


def test_timeline_times_are_inclusive_at_both_ends(x_double: XDouble, client: Any) -> None:
    made = [x_double.post_as_account(f"post {n}", created_at=BASE + n).id for n in range(6)]

    body = client.get_users_tweets(
        x_double.user_id, start_time=_at(1), end_time=_at(3), max_results=5, user_auth=True
    )

    assert _ids(body) == [made[3], made[2], made[1]]


def test_search_ends_before_end_time_and_since_id_overrides_start_time(
    x_double: XDouble, client: Any
) -> None:
    now = time.time() - 600
    made = [x_double.tweet_as("alice", f"library {n}", created_at=now + n).id for n in range(6)]
    start = datetime.fromtimestamp(int(now) + 1, UTC)
    end = datetime.fromtimestamp(int(now) + 4, UTC)

    windowed = client.search_recent_tweets(
        "library", start_time=start, end_time=end, max_results=10, user_auth=True
    )
    by_id = client.search_recent_tweets(
        "library", since_id=made[3], start_time=start, max_results=10, user_auth=True
    )

    assert _ids(windowed) == [made[3], made[2], made[1]]
    assert _ids(by_id) == [made[5], made[4]]


def test_search_refuses_a_start_older_than_seven_days(client: Any) -> None:
    with pytest.raises(tweepy.BadRequest, match="start_time"):
        client.search_recent_tweets(
            "library", start_time=datetime.fromtimestamp(BASE, UTC), user_auth=True
        )


@pytest.mark.parametrize("size", [4, 101])
def test_max_results_outside_the_bounds_is_a_400(x_double: XDouble, client: Any, size: int) -> None:
    with pytest.raises(tweepy.BadRequest, match="max_results"):
        client.get_users_mentions(x_double.user_id, max_results=size, user_auth=True)


def test_expansions_bring_the_authors_and_the_tweets_answered(
    x_double: XDouble, client: Any
) -> None:
    ours = x_double.post_as_account("Library opens at 9.")
    reply = x_double.tweet_as("alice", "Thanks!", reply_to=ours.id)

    body = client.get_users_mentions(
        x_double.user_id,
        expansions=["author_id", "referenced_tweets.id"],
        tweet_fields=["author_id", "referenced_tweets", "conversation_id"],
        user_fields=["username", "name"],
        user_auth=True,
    )

    (tweet,) = body["data"]
    assert tweet["referenced_tweets"] == [{"type": "replied_to", "id": ours.id}]
    assert tweet["conversation_id"] == ours.id
    assert tweet["id"] == reply.id
    assert body["includes"]["users"] == [
        {"id": tweet["author_id"], "name": "Alice", "username": "alice"}
    ]
    assert [t["id"] for t in body["includes"]["tweets"]] == [ours.id]


def test_a_lookup_names_missing_tweets_under_errors(x_double: XDouble, client: Any) -> None:
    kept = x_double.post_as_account("Still here.")

    body = client.get_tweets([kept.id, "1"], tweet_fields=["public_metrics"], user_auth=True)

    assert _ids(body) == [kept.id]
    assert body["data"][0]["public_metrics"]["impression_count"] == 0
    assert [e["resource_id"] for e in body["errors"]] == ["1"]
    assert body["errors"][0]["title"] == "Not Found Error"
