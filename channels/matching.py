"""Decide whether a post a network shows us is the one a delivery would have made.

Networks hand text back changed: X wraps links in t.co and escapes ``&``;
Mastodon returns HTML; some trim whitespace. Reconciliation compares what
survives all of that: the words, with every link reduced to a marker.
"""

from __future__ import annotations

import html
import re
import unicodedata
from html.parser import HTMLParser

_URL = re.compile(r"https?://\S+", re.IGNORECASE)
_SPACE = re.compile(r"\s+")


def comparable(text: str) -> str:
    """``text`` reduced to what survives a round trip through any network."""
    text = unicodedata.normalize("NFC", html.unescape(text))
    text = _URL.sub("\x00link", text)
    return _SPACE.sub(" ", text).strip()


def same_text(published: str, wanted: str) -> bool:
    """Whether a post showing ``published`` is the one that ``wanted`` would have made."""
    return comparable(published) == comparable(wanted)


class _TextOfHTML(HTMLParser):
    # Mastodon splits a long link over "invisible" and "ellipsis" spans; their
    # text together is the whole link, so every piece of text is kept.
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """Plain text of a status's HTML (paragraphs and line breaks become newlines)."""
    parser = _TextOfHTML()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts)
