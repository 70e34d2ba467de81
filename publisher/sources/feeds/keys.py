"""How an entry is recognised: its key, its normalised link and its title fingerprint.

The key is the guid, else the link, else a hash of title and date. A guid
or link that is a URL is normalised first, so ``http://`` → ``https://``,
``www.``, a trailing slash or tracking parameters do not make an entry new.
All three values are SHA-256 hex digests (64 characters): the ledger stores
digests, never the hostile strings themselves, in its indexed columns.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from datetime import datetime
from functools import lru_cache
from urllib.parse import parse_qsl, urlencode, urlsplit

#: Query parameters that only track where a click came from.
TRACKING = re.compile(
    r"^(utm_[a-z]+|fbclid|gclid|dclid|msclkid|mc_cid|mc_eid|_hsenc|_hsmi|ref|source)$",
    re.IGNORECASE,
)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)


def digest(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}\x00{value}".encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=16384)  # a guid is often the link: each entry asks twice
def normalise_url(url: str) -> str | None:
    """``url`` without what does not change the page it names; None if it is not http(s)."""
    raw = url.strip()
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower().removeprefix("www.")
    if port is not None and port not in (80, 443):
        host = f"{host}:{port}"
    path = re.sub(r"/{2,}", "/", parts.path).rstrip("/") or "/"
    query = sorted(
        (k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not TRACKING.match(k)
    )
    return f"{host}{path}" + (f"?{urlencode(query)}" if query else "")


def normalise_title(title: str) -> str:
    """Case, accents' composition, punctuation and spacing folded away."""
    folded = unicodedata.normalize("NFKC", title).casefold()
    return _NON_WORD.sub(" ", folded).strip()


def entry_key(guid: str, link: str, title: str, published: datetime | None) -> str:
    """The entry's identity: guid, else link, else title and date."""
    guid = guid.strip()
    if guid:
        url = normalise_url(guid)
        return digest("url", url) if url else digest("guid", guid)
    url = normalise_url(link) if link.strip() else None
    if url:
        return digest("url", url)
    if link.strip():
        return digest("link", link.strip())
    when = published.isoformat() if published else ""
    return digest("title", f"{normalise_title(title)}\x00{when}")


def link_key(link: str) -> str | None:
    url = normalise_url(link) if link else None
    return digest("url", url) if url else None


def title_key(title: str) -> str | None:
    folded = normalise_title(title)
    return digest("title", folded) if folded else None
