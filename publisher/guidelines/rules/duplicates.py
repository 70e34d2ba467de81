"""Near-duplicates of recently sent posts: word-shingle Jaccard over an inverted index."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Iterator
from itertools import pairwise
from typing import Literal

from pydantic import Field

from publisher.guidelines.post import Post
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions

_TOKEN = re.compile(r"\w+")
# Tracking parameters and fragments vary between reposts; the page does not.
_URL_NOISE = re.compile(r"(https?://[^\s?#]+)[?#]\S*", re.IGNORECASE)


def shingles(text: str, size: int) -> frozenset[str]:
    """The set of ``size``-word windows of ``text``, case and punctuation ignored."""
    words = _TOKEN.findall(_URL_NOISE.sub(r"\1", text).lower())
    if len(words) <= size:
        return frozenset([" ".join(words)]) if words else frozenset()
    if size == 2:
        return frozenset(map(" ".join, pairwise(words)))
    return frozenset(" ".join(words[i : i + size]) for i in range(len(words) - size + 1))


class RecentIndex:
    """Recently sent posts, indexed once so a check only looks at plausible matches."""

    def __init__(self, texts: Iterable[str], size: int = 2) -> None:
        self.size = size
        self.texts: list[str] = []
        self._grams: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = {}
        for text in texts:
            grams = shingles(text, size)
            if not grams:
                continue
            self._postings_add(grams, len(self.texts))
            self.texts.append(text)
            self._grams.append(grams)

    def _postings_add(self, grams: frozenset[str], index: int) -> None:
        for gram in grams:
            self._postings.setdefault(gram, []).append(index)

    def __len__(self) -> int:
        return len(self.texts)

    def most_similar(self, text: str, threshold: float) -> tuple[float, str] | None:
        """The indexed post most like ``text`` if its Jaccard similarity reaches ``threshold``.

        Prefix filtering keeps this exact and cheap: a post sharing at least
        ``threshold`` of the shingles must share one of the rarest
        ``n - ceil(threshold * n) + 1``, so only posts holding one of those are compared.
        """
        grams = shingles(text, self.size)
        if not grams or not self.texts:
            return None
        n = len(grams)
        postings = self._postings
        prefix = n - math.ceil(threshold * n) + 1
        known = [g for g in grams if g in postings]
        # Shingles no sent post has are the rarest of all: enough of them rule out every match.
        prefix -= n - len(known)
        if prefix <= 0:
            return None
        known.sort(key=lambda g: len(postings[g]))
        candidates = {i for gram in known[:prefix] for i in postings[gram]}
        smallest, largest = threshold * n, n / threshold
        best: tuple[float, int] | None = None
        for i in candidates:
            other = self._grams[i]
            if not smallest <= len(other) <= largest:
                continue  # Jaccard is at most the ratio of the two sizes
            shared = len(grams & other)
            score = shared / (n + len(other) - shared)
            if score >= threshold and (best is None or score > best[0]):
                best = (score, i)
        return None if best is None else (best[0], self.texts[best[1]])


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
        best = index.most_similar(post.text, self.options.threshold)
        if best is None:
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
