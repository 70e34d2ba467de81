"""Length is counted the way each network counts it."""

from __future__ import annotations

from channels.length import grapheme_length, mastodon_length


def test_mastodon_counts_every_link_as_23_characters() -> None:
    link = "https://example.com/" + "a" * 100

    assert mastodon_length(f"Read {link} today") == len("Read  today") + 23


def test_mastodon_counts_a_remote_mention_by_its_local_part() -> None:
    assert mastodon_length("hi @alice@example.social") == len("hi @alice")


def test_mastodon_counts_code_points() -> None:
    assert mastodon_length("Café ☕") == 6


def test_bluesky_counts_grapheme_clusters() -> None:
    assert grapheme_length("👩‍💻🇫🇷e\u0301") == 3
