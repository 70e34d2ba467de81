"""Sanitising feed text, the safe template language and entry identity (no database)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from publisher.errors import InvalidInput
from publisher.sources.feeds import keys
from publisher.sources.feeds.template import EntryText, Template
from publisher.sources.feeds.text import hashtags, html_to_text, plain_text
from publisher.sources.templating import shorten

# -- HTML to text ---------------------------------------------------------------------


def test_html_becomes_text_with_scripts_styles_and_attributes_gone() -> None:
    html = (
        '<p onclick="x()">Hello <b>world</b></p><script>evil()</script>'
        '<style>p{}</style><a href="javascript:alert(1)">link</a>'
    )
    assert html_to_text(html) == "Hello world\nlink"


def test_entities_are_decoded_exactly_once() -> None:
    assert html_to_text("AT&amp;amp;T &lt;3") == "AT&amp;T <3"


def test_double_escaped_markup_is_removed_after_the_single_decode() -> None:
    text = html_to_text("&lt;script&gt;alert(1)&lt;/script&gt;Safe &lt;img src=x onerror=y&gt;")
    assert text == "Safe"


def test_plain_text_keeps_ampersands_and_comparisons() -> None:
    assert plain_text("Fish & chips: 3 < 5") == "Fish & chips: 3 < 5"


def test_script_urls_and_inline_handlers_in_plain_text_are_defanged() -> None:
    text = plain_text("Try javascript:alert(1) or onload=steal() now")
    assert "javascript:" not in text.lower()
    assert "onload" not in text
    assert text.startswith("Try")


def test_control_characters_go_but_hidden_unicode_is_left_for_the_guideline_checks() -> None:
    assert plain_text("a\x00b\x1bc\u202ed\u200be") == "abc\u202ed\u200be"


def test_categories_become_distinct_camel_case_hashtags() -> None:
    terms = ["open source", "Python", "python", "2024", "<b>x</b>", "c#"]
    assert hashtags(terms) == ["#OpenSource", "#Python", "#x", "#c"]


# -- templates ------------------------------------------------------------------------

ENTRY = EntryText(
    title="Bins on Saturday",
    link="https://council.example/bins",
    summary="Collections move to Saturday this week because of the bank holiday on Monday.",
    author="Waste team",
    tags=("#bins", "#BankHoliday"),
)


def test_template_fills_fields_and_shortens_the_summary_at_a_word() -> None:
    text = Template.parse("{title}: {summary:.40} {link} by {author} {tags}").render(ENTRY)
    assert text == (
        "Bins on Saturday: Collections move to Saturday this week… "
        "https://council.example/bins by Waste team #bins #BankHoliday"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{title.__class__}",
        "{link[0]}",
        "{title.upper}",
        "{__import__}",
        "{title!r}",
        "{summary:>40}",
        "{summary:.{n}}",
        "{}",
        "{0}",
        "{title",
        "just text",
    ],
)
def test_template_refuses_anything_but_plain_fields_and_lengths(source: str) -> None:
    with pytest.raises(InvalidInput):
        Template.parse(source)


def test_template_never_formats_feed_values_as_templates() -> None:
    entry = EntryText("{link.__class__} {0}", "https://e.example", "", "")
    assert Template.parse("{title}").render(entry) == "{link.__class__} {0}"


def test_braces_can_be_written_doubled() -> None:
    assert Template.parse("{{new}} {title}").render(ENTRY) == "{new} Bins on Saturday"


def test_fit_drops_the_longest_tag_first_then_shortens_the_summary() -> None:
    template = Template.parse("{title} {summary} {tags}")
    tags_dropped = template.fit(ENTRY, lambda t: len(t) <= 110)
    assert tags_dropped.endswith("Monday. #bins")
    shortened = template.fit(ENTRY, lambda t: len(t) <= 50)
    assert len(shortened) <= 50
    assert shortened.startswith("Bins on Saturday Collections")
    assert shortened.endswith("…")
    assert "#" not in shortened


def test_shorten_counts_the_ellipsis_within_the_limit() -> None:
    assert len(shorten("word " * 50, 20)) <= 20
    assert shorten("short", 20) == "short"


# -- entry identity -------------------------------------------------------------------


def test_urls_normalise_scheme_host_slash_and_tracking_parameters() -> None:
    a = keys.normalise_url("http://www.Blog.example.org/posts/1/?utm_source=x&b=2&a=1#top")
    b = keys.normalise_url("https://blog.example.org/posts/1?a=1&b=2")
    assert a == b == "blog.example.org/posts/1?a=1&b=2"


def test_non_http_urls_are_not_normalised() -> None:
    assert keys.normalise_url("javascript:alert(1)") is None
    assert keys.normalise_url("urn:uuid:1234") is None


def test_entry_key_prefers_guid_then_link_then_title_and_date() -> None:
    when = datetime(2026, 1, 1, tzinfo=UTC)
    by_guid = keys.entry_key("urn:1", "https://b.example/1", "T", when)
    assert by_guid == keys.entry_key("urn:1", "https://b.example/other", "Other", None)
    by_link = keys.entry_key("", "https://b.example/1", "T", when)
    assert by_link == keys.entry_key("", "http://www.b.example/1/", "Changed", None)
    by_title = keys.entry_key("", "", "Hello, World", when)
    assert by_title == keys.entry_key("", "", "hello world", when)
    assert by_title != keys.entry_key("", "", "hello world", None)


def test_a_guid_that_is_a_url_survives_the_move_to_https() -> None:
    assert keys.entry_key("http://b.example/p/1", "", "", None) == keys.entry_key(
        "https://b.example/p/1", "", "", None
    )
