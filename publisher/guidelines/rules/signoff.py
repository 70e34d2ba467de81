"""A sign-off or signature that must end the post, per channel."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from pydantic import Field, field_validator

from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions, Settings, check_regex


class SignoffOptions(RuleOptions):
    kind: Literal["signoff"] = "signoff"
    #: A regular expression the end of the post must match, e.g. ``\^[A-Z]{2}$``.
    pattern: str = Field(min_length=1)
    #: Text to offer as the fix (appended), e.g. ``" ^CB"``; no fix when absent.
    suggest: str | None = None

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, pattern: str) -> str:
        check_regex(pattern)
        return pattern


class SignoffRule(Rule[SignoffOptions]):
    kind = "signoff"
    options_model = SignoffOptions

    def __init__(self, options: SignoffOptions, settings: Settings) -> None:
        super().__init__(options, settings)
        # Trailing whitespace after the sign-off does not count against it.
        self._end = re.compile(rf"(?:{options.pattern})\s*\Z", re.MULTILINE)

    def check(self, post: Post) -> Iterator[Hit]:
        if self._end.search(post.text):
            return
        names = ", ".join(dict.fromkeys(t.name for t in post.targets_for(self.options.channels)))
        end = len(post.text.rstrip())
        # Point at the last word: that is where the sign-off belongs.
        start = max(post.text.rfind(" ", 0, end), post.text.rfind("\n", 0, end)) + 1
        where = f" on {names}" if names else ""
        suggest = self.options.suggest
        fix = None if suggest is None else post.text[start:end] + suggest
        yield Hit(start, end, f"Posts{where} must end with a sign-off", fix)
