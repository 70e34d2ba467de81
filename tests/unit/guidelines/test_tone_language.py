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
