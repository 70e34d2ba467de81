"""Bluesky facets point at UTF-8 byte ranges, whatever precedes them."""

from __future__ import annotations

import pytest

from channels.bluesky_facets import Facet, find_facets


def _covered(text: str, facet: Facet) -> str:
    return text.encode("utf-8")[facet.byte_start : facet.byte_end].decode("utf-8")


def test_a_link_after_ascii_text_starts_at_its_character_index() -> None:
    text = "Read https://example.com/advisory now"

    (facet,) = find_facets(text)

    assert facet == Facet("link", "https://example.com/advisory", 5, 33)


@pytest.mark.parametrize(
    ("prefix", "extra_bytes"),
    [("Café ", 1), ("☕ ", 2), ("🎉 ", 3), ("日本語 ", 6), ("👩‍💻 ", 8)],
)
def test_non_ascii_before_a_link_shifts_it_by_its_extra_utf8_bytes(
    prefix: str, extra_bytes: int
) -> None:
    text = prefix + "https://example.com"

    (facet,) = find_facets(text)

    assert facet.byte_start == len(prefix) + extra_bytes
    assert _covered(text, facet) == "https://example.com"


def test_trailing_punctuation_is_not_part_of_a_link() -> None:
    text = "See (https://example.com/a_(b)) and https://example.org/x."

    links = [f.value for f in find_facets(text) if f.kind == "link"]

    assert links == ["https://example.com/a_(b)", "https://example.org/x"]


def test_hashtags_with_accents_and_cjk_cover_their_whole_tag() -> None:
    text = "Patch now! #Sécurité #日本語 #infosec."

    tags = find_facets(text)

    assert [(f.value, _covered(text, f)) for f in tags] == [
        ("Sécurité", "#Sécurité"),
        ("日本語", "#日本語"),
        ("infosec", "#infosec"),
    ]


def test_numbers_and_url_fragments_are_not_hashtags() -> None:
    text = "Issue #123 is at https://example.com/page#section"

    assert [f.kind for f in find_facets(text)] == ["link"]


def test_a_hashtag_longer_than_64_characters_is_ignored() -> None:
    assert find_facets("#" + "a" * 65) == []


def test_facets_come_back_in_text_order() -> None:
    text = "#first https://example.com #second"

    assert [f.kind for f in find_facets(text)] == ["tag", "link", "tag"]
