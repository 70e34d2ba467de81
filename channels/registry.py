"""Find channel kinds by entry point (group ``oyez.channels``) and load one on demand.

Listing kinds imports nothing; building a channel imports exactly its module.
The built-ins are registered the same way as any third-party network.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from importlib.metadata import entry_points
from typing import Any, cast

from pydantic import ValidationError

from channels.base import Channel, ChannelSettings
from channels.errors import ConfigError

GROUP = "oyez.channels"


def kinds() -> list[str]:
    """The names of every registered channel kind, sorted, without importing them."""
    return sorted({ep.name for ep in entry_points(group=GROUP)})


@cache
def channel_class(kind: str) -> type[Channel]:
    for ep in entry_points(group=GROUP):
        if ep.name == kind:
            return cast("type[Channel]", ep.load())
    raise ConfigError(f"unknown channel kind {kind!r} (known: {', '.join(kinds())})")


def parse_settings(kind: str, settings: Mapping[str, Any]) -> ChannelSettings:
    """Validate raw ``key=value`` settings against the kind's typed settings model."""
    model = channel_class(kind).settings_model
    try:
        return model.model_validate(dict(settings))
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or kind
            message = str(err["msg"]).removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                message = "unknown setting (known: " + ", ".join(sorted(model.model_fields)) + ")"
            problems.append(f"{where}: {message}")
        raise ConfigError(f"bad settings for {kind} channel: " + "; ".join(problems)) from None


def build(
    kind: str,
    settings: Mapping[str, Any],
    environ: Mapping[str, str] | None = None,
) -> Channel:
    """Make a ready-to-use channel of ``kind``; credentials are read from ``environ``."""
    cls = channel_class(kind)
    parsed = parse_settings(kind, settings)
    factory = cast("Any", cls)
    return cast("Channel", factory(parsed, os.environ if environ is None else environ))
