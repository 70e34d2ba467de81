"""split_for_thread: long texts become threads whose parts each fit the channel."""

from __future__ import annotations

import pytest

from channels.base import Limits
from channels.length import default_limits
from channels.split import split_for_thread

SENTENCES = " ".join(f"Sentence number {i} explains one more safety habit." for i in range(40))


@pytest.mark.parametrize("kind", ["x", "mastodon", "bluesky"])
@pytest.mark.parametrize("numbered", [False, True])
def test_every_part_fits_the_channel_counter(kind: str, numbered: bool) -> None:
    limits = default_limits(kind)

    parts = split_for_thread(SENTENCES, limits, numbered)

    assert len(parts) > 1
    assert all(limits.fits(part) for part in parts)


def test_a_text_that_fits_is_one_unnumbered_part() -> None:
    assert split_for_thread("  Short and sweet.  ", default_limits("x"), True) == [
        "Short and sweet."
    ]


def test_an_empty_text_gives_no_parts() -> None:
    assert split_for_thread("   ", default_limits("x")) == []


def test_parts_break_at_sentence_ends_when_they_can() -> None:
    parts = split_for_thread(SENTENCES, default_limits("x"))

    assert all(part.endswith(".") for part in parts)


def test_numbered_parts_end_with_their_position() -> None:
    parts = split_for_thread(SENTENCES, default_limits("x"), numbered=True)

    total = len(parts)
    assert [p.rsplit(" ", 1)[1] for p in parts] == [f"{i}/{total}" for i in range(1, total + 1)]


def test_numbering_past_nine_parts_still_fits() -> None:
    limits = Limits(max_length=40, count=len)
    text = " ".join(["word"] * 200)

    parts = split_for_thread(text, limits, numbered=True)

    assert len(parts) >= 10
    assert all(len(p) <= 40 for p in parts)
    assert parts[-1].endswith(f" {len(parts)}/{len(parts)}")


def test_a_sentence_too_long_for_one_post_breaks_between_words() -> None:
    limits = Limits(max_length=30, count=len)
    text = "one two three four five six seven eight nine ten eleven twelve"

    parts = split_for_thread(text, limits)

    assert " ".join(parts) == text
    assert all(len(p) <= 30 for p in parts)


def test_a_word_too_long_for_one_post_is_cut_between_graphemes() -> None:
    limits = Limits(max_length=5, count=len)

    parts = split_for_thread("👩‍💻" * 4 + "abcdefgh", limits)

    assert "".join(parts) == "👩‍💻" * 4 + "abcdefgh"
    assert all(len(p) <= 5 for p in parts)
    assert "👩‍💻" in parts[0]  # the cluster was kept whole


def test_x_splits_by_weighted_length_not_characters() -> None:
    limits = default_limits("x")
    text = "。".join(["日本語の文章です"] * 40) + "。"

    parts = split_for_thread(text, limits)

    assert all(limits.count(p) <= 280 for p in parts)
    assert max(len(p) for p in parts) <= 140
