"""Ticket events are checked field by field, and ticket systems' status words are mapped."""

from __future__ import annotations

import pytest

from publisher.errors import InvalidInput
from publisher.sources.tickets import templates
from publisher.sources.tickets.events import map_status, parse_event, parse_status_map


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("open", "open"),
        ("In Progress", "investigating"),
        ("in_progress", "investigating"),
        ("Fix-Deployed", "monitoring"),
        ("CLOSED", "resolved"),
        ("identified", "identified"),
    ],
)
def test_status_words_map_to_the_five_statuses(word: str, status: str) -> None:
    assert map_status(word) == status


def test_custom_words_come_first_and_unknown_words_are_refused() -> None:
    custom = parse_status_map(["Waiting on vendor=identified", "closed=monitoring"])
    assert map_status("waiting on vendor", custom) == "identified"
    assert map_status("closed", custom) == "monitoring"
    with pytest.raises(InvalidInput, match=r"unknown status 'pondering'.*--map 'pondering=STATUS'"):
        map_status("pondering")


@pytest.mark.parametrize(
    ("pairs", "message"),
    [(["nostatus"], "not WORD=STATUS"), (["x=sleeping"], "not one of")],
)
def test_bad_status_map_is_refused(pairs: list[str], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_status_map(pairs)


def test_an_event_keeps_its_fields_and_ignores_unknown_ones() -> None:
    event = parse_event(
        {"id": "TT-1234", "status": "open", "title": " Link down ", "priority": "P1"}
    )
    assert event.ticket == "TT-1234"
    assert event.title == "Link down"
    assert event.text is None


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "must be a JSON object"),
        ({"status": "open"}, "missing field 'id'"),
        ({"id": "TT-1"}, "missing field 'status'"),
        ({"id": "TT 1", "status": "open"}, "ticket id 'TT 1'"),
        ({"id": "TT-1", "status": 3}, "field 'status' must be a string"),
        ({"id": "TT-1", "status": "open", "url": "javascript:alert(1)"}, "http(s) URL"),
        ({"id": "TT-1", "status": "open", "text": "x" * 5001}, "longer than 5000"),
    ],
)
def test_bad_events_are_refused_with_one_line(data: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")) as info:
        parse_event(data)
    assert "\n" not in str(info.value)


def test_templates_fill_fields_and_fit_the_shortest_network() -> None:
    values = {
        "id": "TT-1234",
        "impact": "Outage",
        "title": "Amsterdam–Hamburg link down",
        "status": "investigating",
        "url": "https://status.example.net/TT-1234",
    }
    assert templates.render(templates.FIRST, values) == (
        "[TT-1234] Outage: Amsterdam–Hamburg link down. Status: investigating. "
        "Updates: https://status.example.net/TT-1234"
    )
    long = templates.render(templates.UPDATE, {**values, "text": "word " * 200})
    assert len(long) <= templates.MAX_LENGTH
    assert long.endswith("…")
    assert templates.render(templates.UPDATE, {**values, "text": ""}) == (
        "[TT-1234] Update: investigating."
    )


@pytest.mark.parametrize(
    ("template", "message"),
    [
        ("{id.__class__}", "unknown placeholder"),
        ("{id!r}", "unknown placeholder"),
        ("{text:>300}", "unknown placeholder"),
        ("{secret}", "unknown placeholder"),
        ("{id", "malformed"),
        ("  ", "empty"),
    ],
)
def test_unsafe_or_unknown_placeholders_are_refused(template: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        templates.check_template(template)


def test_render_refuses_a_template_that_was_never_checked() -> None:
    with pytest.raises(InvalidInput, match="unknown placeholder"):
        templates.render("{id.__class__}", {"id": "TT-1"})


def test_a_text_too_long_for_the_post_is_cut_at_a_word_boundary() -> None:
    text = "Engineers are replacing the damaged fibre near Osnabrück today. " * 10
    post = templates.render(templates.UPDATE, {"id": "TT-1", "status": "identified", "text": text})
    assert len(post) <= templates.MAX_LENGTH
    assert post.endswith("…")
    last_word = post.removesuffix("…").split()[-1]
    assert last_word in text.replace(".", "").split()
