"""Split a long text into a thread of posts that each fit a channel's counter.

Named ``split`` rather than ``threading`` so it never shadows the standard library.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import regex  # type: ignore[import-untyped]  # no stubs published

from channels.base import Limits

# A sentence with the punctuation and whitespace that end it; a run of newlines
# also ends one, so paragraphs and list items stay whole where they can.
_SENTENCE = re.compile(r".+?(?:[.!?…]+[\"'”’)\]]*(?:\s+|$)|\n+|$)", re.DOTALL)
_WORD = re.compile(r"\S+\s*")
_GRAPHEME = regex.compile(r"\X")


def _sentences(text: str) -> Iterator[str]:
    yield from (match.group(0) for match in _SENTENCE.finditer(text))


def _hard_cut(word: str, fits: Callable[[str], bool]) -> list[str]:
    """Cut a word too long for one post between graphemes (never inside an emoji)."""
    chunks: list[str] = []
    current = ""
    for grapheme in _GRAPHEME.findall(word):
        if current and not fits(current + grapheme):
            chunks.append(current)
            current = ""
        current += grapheme
    if current:
        chunks.append(current)
    return chunks


def _pack(text: str, fits: Callable[[str], bool]) -> list[str]:
    parts: list[str] = []
    current = ""

    def flush() -> None:
        nonlocal current
        if current.strip():
            parts.append(current.strip())
        current = ""

    def add(piece: str, finer: Callable[[str], Iterator[str]] | None) -> None:
        nonlocal current
        if fits((current + piece).strip()):
            current += piece
            return
        flush()
        if fits(piece.strip()):
            current = piece
        elif finer is not None:
            for smaller in finer(piece):
                add(smaller, None)
        else:
            *whole, rest = _hard_cut(piece.strip(), fits)
            parts.extend(whole)
            current = rest + piece[len(piece.rstrip()) :]

    def words(sentence: str) -> Iterator[str]:
        yield from (m.group(0) for m in _WORD.finditer(sentence))

    for sentence in _sentences(text):
        add(sentence, words)
    flush()
    return parts


def split_for_thread(text: str, limits: Limits, numbered: bool = False) -> list[str]:
    """Split ``text`` into posts at sentence, then word, then grapheme boundaries.

    Each returned part satisfies ``limits.fits``. With ``numbered``, parts end in
    `` 1/3``, `` 2/3``, ... (a text that fits in one post is returned unnumbered).
    Whitespace at the edges of each part is dropped; an empty text gives ``[]``.
    """
    text = text.strip()
    if not text:
        return []
    if limits.fits(text):
        return [text]
    if not numbered:
        return _pack(text, limits.fits)
    guess = 9
    while True:
        # Reserve room for the widest suffix at this many parts, e.g. " 10/10".
        reserve = f" {guess}/{guess}"

        def fits(part: str, reserve: str = reserve) -> bool:
            return limits.fits(part + reserve)

        parts = _pack(text, fits)
        if len(parts) <= guess:
            total = len(parts)
            return [f"{part} {index}/{total}" for index, part in enumerate(parts, 1)]
        guess = 10 ** len(str(len(parts))) - 1
