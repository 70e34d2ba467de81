"""Feed content is hostile input: HTML becomes plain text with nothing executable left.

:func:`html_to_text` keeps only text: every tag and attribute goes (so event
handlers and ``javascript:`` URLs go with them), the contents of script,
style and similar elements are dropped, and character references are
decoded exactly once. :func:`defang` then removes markup-like text that a
double-escaped source would still carry (``&amp;lt;script&amp;gt;`` decodes
once to the text ``<script>``), so a post never contains any of it.
Hidden Unicode (bidi overrides, zero-width characters) is left in place for
the guideline checks to flag; only control characters are removed.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

from publisher.context.controls import strip_controls

#: Elements whose content is never text a reader sees.
_DROPPED = frozenset(
    {"script", "style", "template", "noscript", "iframe", "object", "embed", "svg", "math", "head"}
)
#: Elements after which a reader sees a break.
_BLOCK = frozenset(
    {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "td",
        "th", "blockquote", "pre", "section", "article", "header", "footer", "figure",
        "figcaption", "hr", "dd", "dt", "table",
    }
)  # fmt: skip
_TAG = re.compile(r"</?[a-zA-Z!?][^<>]*>")
_DROPPED_TEXT = re.compile(r"<\s*(script|style)\b.*?(<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL)
_SCRIPT_URL = re.compile(r"\b(java|vb|live)\s*script\s*:", re.IGNORECASE)
_DATA_URL = re.compile(r"\bdata\s*:\s*[a-z]+/[a-z0-9.+-]+[;,]\S*", re.IGNORECASE)
_HANDLER = re.compile(r"\bon[a-z]{3,}\s*=\s*(\"[^\"]*\"?|'[^']*'?|[^\s>]*)", re.IGNORECASE)
_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROPPED:
            self.skipping += 1
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in _BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The text a reader of ``html`` would see, one line per paragraph, defanged."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    return defang("".join(collector.parts))


def plain_text(text: str) -> str:
    """Text that is already plain (entities decoded by the feed parser): defang only."""
    return defang(text)


def defang(text: str) -> str:
    """Remove markup, script URLs and event handlers that survive as literal text."""
    text = strip_controls(unicodedata.normalize("NFC", text))
    text = _DROPPED_TEXT.sub(" ", text)
    # Repeat: removing one piece can join the halves of another (``<scr<b>ipt>``).
    for _ in range(5):
        cleaned = _HANDLER.sub(" ", _SCRIPT_URL.sub("", _DATA_URL.sub("", _TAG.sub(" ", text))))
        if cleaned == text:
            break
        text = cleaned
    return tidy(text)


def tidy(text: str) -> str:
    """Spaces collapsed, lines trimmed, at most one blank line in a row."""
    lines = [_SPACE.sub(" ", line).strip() for line in text.split("\n")]
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


def one_line(text: str) -> str:
    return " ".join(text.split())


def hashtag(term: str) -> str | None:
    """``open source`` → ``#OpenSource``; None when nothing usable is left."""
    words = re.findall(r"\w+", unicodedata.normalize("NFKC", term))
    if not words:
        return None
    # Several words become one CamelCase tag, readable and read out well by screen readers.
    tag = words[0] if len(words) == 1 else "".join(w[:1].upper() + w[1:] for w in words)
    tag = tag.replace("_", "")
    if not tag or tag.isdigit() or len(tag) > 60:
        return None
    return f"#{tag}"


def hashtags(terms: list[str]) -> list[str]:
    """Distinct hashtags (case-insensitively) for a feed entry's categories, in order."""
    seen: set[str] = set()
    out: list[str] = []
    for term in terms:
        tag = hashtag(defang(term))
        if tag and tag.casefold() not in seen:
            seen.add(tag.casefold())
            out.append(tag)
    return out
