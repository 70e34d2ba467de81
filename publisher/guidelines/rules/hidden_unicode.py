"""Hidden Unicode: bidi controls anywhere, and zero-width characters inside words.

Both can make a post read differently from what was reviewed, or break
search and hashtags. A zero-width joiner between emoji is left alone: it
builds the emoji.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from typing import Literal

from publisher.guidelines.model import Severity
from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions

_BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+")
_ZERO_WIDTH = re.compile("(?<=\\w)[\u00ad\u200b-\u200d\u2060\ufeff]+(?=\\w)")


def _names(chars: str) -> str:
    return ", ".join(
        f"U+{ord(c):04X} {unicodedata.name(c, 'unnamed')}" for c in dict.fromkeys(chars)
    )


class HiddenUnicodeOptions(RuleOptions):
    kind: Literal["hidden_unicode"] = "hidden_unicode"
    severity: Severity = Severity.ERROR
    bidi: bool = True
    zero_width: bool = True


class HiddenUnicodeRule(Rule[HiddenUnicodeOptions]):
    kind = "hidden_unicode"
    options_model = HiddenUnicodeOptions

    def check(self, post: Post) -> Iterator[Hit]:
        text = post.text
        if text.isascii():
            return
        if self.options.bidi:
            for m in _BIDI.finditer(text):
                yield Hit(m.start(), m.end(), f"Hidden bidi control {_names(m.group())}", "")
        if self.options.zero_width:
            for m in _ZERO_WIDTH.finditer(text):
                yield Hit(
                    m.start(),
                    m.end(),
                    f"Invisible character inside a word: {_names(m.group())}",
                    "",
                )
