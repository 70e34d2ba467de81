"""Readability: a maximum reading grade, measured by textstat on the prose of a post."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from pydantic import Field

from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions

#: Grade formulas that need no pronunciation dictionary. (Flesch-Kincaid asks
#: NLTK for CMUdict, which it would try to download.)
Metric = Literal["automated_readability_index", "coleman_liau_index"]

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


def grade(text: str, metric: Metric) -> float:
    import textstat  # imports NLTK: deferred until a post is long enough to grade

    formula = getattr(textstat, metric)
    return float(formula(text))


class ReadabilityOptions(RuleOptions):
    kind: Literal["readability"] = "readability"
    #: Highest acceptable US school grade.
    max_grade: float = Field(default=12.0, gt=0)
    metric: Metric = "automated_readability_index"
    #: Posts with fewer words are not graded: the formulas mean little on a line or two.
    min_words: int = Field(default=20, ge=1)


class ReadabilityRule(Rule[ReadabilityOptions]):
    kind = "readability"
    options_model = ReadabilityOptions

    def check(self, post: Post) -> Iterator[Hit]:
        prose = post.prose
        # Cheap count first: a post is usually too short to grade at all.
        if prose.count(" ") + 1 < self.options.min_words:
            return
        if len(_WORD.findall(prose)) < self.options.min_words:
            return
        score = grade(" ".join(prose.split()), self.options.metric)
        if score > self.options.max_grade:
            yield Hit(
                0,
                len(post.text),
                f"Hard to read: grade {score:.1f}, aim for {self.options.max_grade:g} or below",
            )
