"""Tone reads English only: a post in another language is named and skipped, not misjudged."""

from __future__ import annotations

import pytest

from publisher.guidelines import Severity
from tests.unit.guidelines.conftest import only

PACK = '[[rule]]\nid = "t"\nkind = "tone"\nbounds = { manual = { min = -0.2, max = 0.2 } }\n'


@pytest.mark.parametrize(
    ("text", "language"),
    [
        (
            "Knjižnica na Tržaški cesti bo v ponedeljek spet odprta. Veselimo se vašega obiska!",
            "Slovenian (sl)",
        ),
        ("Biblioteket på Torvet åbner igen på mandag. Vi glæder os til at se dig!", "Danish (da)"),
        (
            "De bibliotheek aan de Markt is vanaf maandag weer open. Welkom bij The Library Cafe!",
            "Dutch (nl)",
        ),
        ("Die Bibliothek am Markt ist ab Montag wieder geöffnet. Wir freuen uns!", "German (de)"),
        ("La bibliothèque de la place du marché rouvre lundi. À bientôt !", "French (fr)"),
        ("Mae'r llyfrgell ar Stryd y Farchnad yn ailagor ddydd Llun. Croeso i bawb!", "Welsh (cy)"),
        ("Biblioteket på torget öppnar igen på måndag. Välkommen till oss!", "Swedish (sv)"),
    ],
)
def test_a_post_in_another_language_gets_no_tone_finding_and_the_rule_says_it_skipped(
    text: str, language: str
) -> None:
    (finding,) = only(PACK).check(text)
    assert finding.rule == "t"
    assert finding.severity is Severity.SUGGESTION
    assert finding.message == (
        f"Tone not checked: the text reads as {language}, and the tone check reads English only"
    )


def test_english_posts_are_still_checked_and_short_ones_are_taken_as_english() -> None:
    (finding,) = only(PACK).check("Great news!!! We are absolutely thrilled and delighted today!")
    assert finding.message.startswith("Reads too upbeat")
    (short,) = only(PACK).check("Wonderful, amazing!")  # too few words to name a language
    assert short.message.startswith("Reads too upbeat")


def test_generated_english_posts_are_never_taken_for_another_language() -> None:
    from bench.bench_guidelines import make_posts
    from publisher.guidelines.rules.tone import other_language

    posts = make_posts(500)
    assert [p for p in posts if other_language(p) is not None] == []


@pytest.mark.parametrize(
    "text",
    [
        "THE LIBRARY ON MARKET STREET IS OPEN AGAIN FROM MONDAY. WE LOOK FORWARD TO SEEING YOU!",
        "URGENT: THE WATER SUPPLY IN THE EAST DISTRICT IS OFF UNTIL 6PM TODAY, sorry",
    ],
)
def test_an_english_post_in_capitals_is_still_read_as_english(text: str) -> None:
    from publisher.guidelines.rules.tone import other_language

    assert other_language(text) is None


def test_a_post_in_another_language_in_capitals_is_still_named() -> None:
    from publisher.guidelines.rules.tone import other_language

    shouted = "DIE BIBLIOTHEK AM MARKT IST AB MONTAG WIEDER GEÖFFNET. WIR FREUEN UNS AUF SIE!"
    assert other_language(shouted) == "German (de)"
