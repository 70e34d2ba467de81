"""Near-duplicates of recently sent posts: word-shingle Jaccard over an inverted index."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Literal

from pydantic import Field

from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions

_TOKEN = re.compile(r"\w+")
# Tracking parameters and fragments vary between reposts; the page does not.
_URL_NOISE = re.compile(r"(https?://[^\s?#]+)[?#]\S*", re.IGNORECASE)


def shingles(text: str, size: int) -> frozenset[tuple[str, ...]]:
    """The set of ``size``-word windows of ``text``, case and punctuation ignored."""
    words = _TOKEN.findall(_URL_NOISE.sub(r"\1", text).lower())
    if len(words) <= size:
        return frozenset([tuple(words)]) if words else frozenset()
    return frozenset(tuple(words[i : i + size]) for i in range(len(words) - size + 1))


class RecentIndex:
    """Recently sent posts, indexed once so each check costs one pass over its own shingles."""

    def __init__(self, texts: Iterable[str], size: int = 2) -> None:
        self.size = size
        self.texts: list[str] = []
        self._sizes: list[int] = []
        self._postings: dict[tuple[str, ...], list[int]] = {}
        for text in texts:
            grams = shingles(text, size)
            if not grams:
                continue
            index = len(self.texts)
            self.texts.append(text)
            self._sizes.append(len(grams))
            for gram in grams:
                self._postings.setdefault(gram, []).append(index)

    def __len__(self) -> int:
        return len(self.texts)

    def most_similar(self, text: str) -> tuple[float, str] | None:
        """The highest Jaccard similarity to an indexed post, and that post."""
        grams = shingles(text, self.size)
        if not grams or not self.texts:
            return None
        shared: dict[int, int] = {}
        for gram in grams:
            for index in self._postings.get(gram, ()):
                shared[index] = shared.get(index, 0) + 1
        if not shared:
            return None
        best = max(shared, key=lambda i: shared[i] / (len(grams) + self._sizes[i] - shared[i]))
        n = shared[best]
        return n / (len(grams) + self._sizes[best] - n), self.texts[best]


class NearDuplicateOptions(RuleOptions):
    kind: Literal["near_duplicate"] = "near_duplicate"
    #: Jaccard similarity of word pairs at or above which a post is a near-duplicate.
    threshold: float = Field(default=0.75, gt=0.0, le=1.0)
    #: How far back callers should look for sent posts (see ``Checker.recent_days``).
    days: int = Field(default=14, ge=1)
    #: Words per shingle.
    shingle: int = Field(default=2, ge=1, le=5)


class NearDuplicateRule(Rule[NearDuplicateOptions]):
    kind = "near_duplicate"
    options_model = NearDuplicateOptions

    def applies(self, post: Post) -> bool:
        return post.recent is not None and len(post.recent) > 0 and super().applies(post)

    def check(self, post: Post) -> Iterator[Hit]:
        assert post.recent is not None
        index = post.recent
        if index.size != self.options.shingle:
            index = RecentIndex(index.texts, self.options.shingle)
        best = index.most_similar(post.text)
        if best is None or best[0] < self.options.threshold:
            return
        score, other = best
        yield Hit(
            0,
            len(post.text),
            f"{score:.0%} like a post sent in the last {self.options.days} days: “{_clip(other)}”",
        )


def _clip(text: str, width: int = 50) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= width else flat[: width - 1] + "…"
