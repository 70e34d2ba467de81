"""Known secret values, and :func:`redact` to take them out of any text.

Every credential a channel reads becomes a :class:`~channels.credentials.Secret`,
and every ``Secret`` made is remembered here. A receiver that echoes the
request back (the hook URL, an app password, an OAuth header) then cannot put
it into a delivery's error, the audit log, an export or a printed line:
:class:`~channels.errors.ChannelError` messages and :func:`~channels.transport.shorten`
both pass through :func:`redact`.

The forms a secret takes on the wire are covered too: percent-encoded (OAuth
headers, query strings), ``+`` for spaces, JSON's escaped ``\\/``, and a URL's
path and query without its scheme and host (where a hook's token lives).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from urllib.parse import quote, quote_plus, urlsplit

#: What a secret is replaced with.
MASK = "***"
#: Shorter values are not secrets worth the damage of replacing them everywhere.
MIN_LENGTH = 6

_lock = threading.Lock()
#: Longest first, so a value is replaced before any shorter form inside it.
_known: tuple[str, ...] = ()


def _forms(value: str) -> set[str]:
    forms = {
        value,
        quote(value, safe=""),
        quote(value),
        quote_plus(value),
        value.replace("/", "\\/"),
    }
    try:
        parts = urlsplit(value)
    except ValueError:
        parts = None
    if parts is not None and parts.scheme in ("http", "https") and parts.netloc:
        tail = value.split(parts.netloc, 1)[1]
        forms |= {tail, tail.replace("/", "\\/")}
    return {f for f in forms if len(f) >= MIN_LENGTH}


def remember(values: Iterable[str]) -> None:
    """Treat each of ``values`` (and its wire forms) as a secret from now on."""
    global _known
    new: set[str] = set()
    for value in values:
        new |= _forms(str.__str__(value))
    if not new:
        return
    with _lock:
        merged = new | set(_known)
        if len(merged) != len(_known):
            _known = tuple(sorted(merged, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every known secret replaced by ``***``."""
    for secret in _known:  # a tuple replaced whole, never changed in place
        if secret in text:
            text = text.replace(secret, MASK)
    return text
