"""How many hashtags, mentions, exclamation marks and links a post has; campaign tag prefixes."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Literal

from pydantic import Field, field_validator, model_validator

from publisher.guidelines.post import Post, Span
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions, Settings

Countable = Literal["hashtags", "mentions", "exclamation_marks", "links"]

_NOUNS: dict[str, tuple[str, str]] = {
    "hashtags": ("hashtag", "hashtags"),
    "mentions": ("mention", "mentions"),
    "exclamation_marks": ("exclamation mark", "exclamation marks"),
    "links": ("link", "links"),
}
_BANG = re.compile(r"[!¡‼❗❕]")


class CountOptions(RuleOptions):
    kind: Literal["count"] = "count"
    what: Countable
    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _has_a_bound(self) -> CountOptions:
        if self.min is None and self.max is None:
            raise ValueError("give 'min', 'max' or both")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("'min' is greater than 'max'")
        return self


class CountRule(Rule[CountOptions]):
    kind = "count"
    options_model = CountOptions

    def _items(self, post: Post) -> list[Span]:
        what = self.options.what
        if what == "hashtags":
            return post.hashtags
        if what == "mentions":
            return post.mentions
        if what == "links":
            return post.urls
        if "!" not in post.text and post.text.isascii():
            return []
        return [Span(m.start(), m.end(), m.group()) for m in _BANG.finditer(post.prose)]

    def check(self, post: Post) -> Iterator[Hit]:
        items = self._items(post)
        one, many = _NOUNS[self.options.what]
        n = len(items)
        high, low = self.options.max, self.options.min
        if high is not None and n > high:
            # Point at the ones past the limit: those are what to cut.
            extra = items[high:]
            yield Hit(
                extra[0].start, extra[-1].end, f"{n} {many if n != 1 else one}; at most {high}"
            )
        if low is not None and n < low:
            end = len(post.text)
            yield Hit(end, end, f"{n} {many if n != 1 else one}; at least {low}")


class HashtagPrefixOptions(RuleOptions):
    kind: Literal["hashtag_prefix"] = "hashtag_prefix"
    #: Every hashtag must start with this, e.g. ``#CC``.
    prefix: str = Field(min_length=1)
    case_sensitive: bool = True
    #: Hashtags allowed as they are, e.g. ``["#StaySafe"]``.
    exempt: tuple[str, ...] = ()

    @field_validator("prefix")
    @classmethod
    def _hash_first(cls, prefix: str) -> str:
        prefix = prefix.strip()
        if not prefix.lstrip("#"):
            raise ValueError("the prefix needs more than '#'")
        return prefix if prefix.startswith("#") else "#" + prefix


class HashtagPrefixRule(Rule[HashtagPrefixOptions]):
    kind = "hashtag_prefix"
    options_model = HashtagPrefixOptions

    def __init__(self, options: HashtagPrefixOptions, settings: Settings) -> None:
        super().__init__(options, settings)
        self._fold: Callable[[str], str] = str if options.case_sensitive else str.casefold
        self._prefix = self._fold(options.prefix)
        self._exempt = {self._fold(t if t.startswith("#") else "#" + t) for t in options.exempt}

    def check(self, post: Post) -> Iterator[Hit]:
        prefix = self.options.prefix
        for tag in post.hashtags:
            folded = self._fold(tag.text)
            if folded.startswith(self._prefix) or folded in self._exempt:
                continue
            body = tag.text[1:]
            fix = prefix + body[:1].upper() + body[1:]
            yield Hit(tag.start, tag.end, f"Campaign hashtags start with {prefix}", fix)
