"""Links: https only, allowed and denied domains, required tracking parameters."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, field_validator

from publisher.guidelines.post import Post, Span
from publisher.guidelines.rules.base import Hit, Rule, RuleOptions, Settings


def _domain(value: str) -> str:
    return value.strip().lower().lstrip("*.").rstrip(".")


def host_in(host: str, domains: tuple[str, ...]) -> bool:
    """Whether ``host`` is one of ``domains`` or a subdomain of one."""
    return any(host == d or host.endswith("." + d) for d in domains)


class LinksOptions(RuleOptions):
    kind: Literal["links"] = "links"
    #: Plain ``http://`` links are flagged, with the ``https://`` form as the fix.
    https_only: bool = True
    #: When set, links must point at one of these domains (or their subdomains).
    allow_domains: tuple[str, ...] = ()
    #: Links to these domains (or their subdomains) are flagged.
    deny_domains: tuple[str, ...] = ()
    #: Query parameters every link must carry, e.g. ``["utm_source", "utm_campaign"]``.
    require_params: tuple[str, ...] = ()
    #: Values offered in the fix for missing parameters, e.g. ``{ utm_source = "social" }``.
    param_values: dict[str, str] = Field(default_factory=dict)
    #: Only links to these domains need the parameters (all links when empty).
    params_domains: tuple[str, ...] = ()

    @field_validator("allow_domains", "deny_domains", "params_domains")
    @classmethod
    def _normalise(cls, domains: tuple[str, ...]) -> tuple[str, ...]:
        out = tuple(_domain(d) for d in domains)
        if any(not d or "/" in d for d in out):
            raise ValueError("give bare domain names, e.g. 'example.org'")
        return out


class LinksRule(Rule[LinksOptions]):
    kind = "links"
    options_model = LinksOptions

    def __init__(self, options: LinksOptions, settings: Settings) -> None:
        super().__init__(options, settings)
        self._require = tuple(options.require_params)

    def check(self, post: Post) -> Iterator[Hit]:
        for url in post.urls:
            yield from self._check_one(url)

    def _check_one(self, url: Span) -> Iterator[Hit]:
        o = self.options
        raw = url.text
        full = raw if "://" in raw else "https://" + raw
        try:
            parts = urlsplit(full)
            host = (parts.hostname or "").lower()
        except ValueError:
            yield Hit(url.start, url.end, "Malformed link")
            return
        if o.https_only and parts.scheme.lower() == "http":
            yield Hit(url.start, url.end, "Use an https link", "https" + raw[4:])
        if o.deny_domains and host_in(host, o.deny_domains):
            yield Hit(url.start, url.end, f"Links to {host} are not allowed")
        elif o.allow_domains and not host_in(host, o.allow_domains):
            yield Hit(url.start, url.end, f"Link to {host}, which is not an allowed domain")
        if self._require and (not o.params_domains or host_in(host, o.params_domains)):
            present = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
            missing = [p for p in self._require if p not in present]
            if missing:
                yield Hit(
                    url.start,
                    url.end,
                    f"Link lacks tracking parameter{'s' if len(missing) > 1 else ''} "
                    + ", ".join(missing),
                    self._fix(raw, parts.query, missing),
                )

    def _fix(self, raw: str, query: str, missing: list[str]) -> str | None:
        values = self.options.param_values
        if any(p not in values for p in missing):
            return None
        added = urlencode([(p, values[p]) for p in missing])
        parts = urlsplit(raw if "://" in raw else "//" + raw)
        fixed = urlunsplit(parts._replace(query=f"{query}&{added}" if query else added))
        return fixed if "://" in raw else fixed.removeprefix("//")
