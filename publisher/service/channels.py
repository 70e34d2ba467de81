"""Configuring channels. Settings are stored; credentials never are."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from channels import registry
from channels.base import Channel as ChannelImpl
from channels.errors import ChannelError, ConfigError
from publisher.context import Context
from publisher.context.serialise import JSONView
from publisher.context.times import zone
from publisher.errors import ChannelProblem, InvalidInput, PermissionDenied
from queue_db import channels as channel_db
from queue_db import settings as settings_db
from queue_db.channels import ChannelRecord
from queue_db.deliveries import read

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
#: Setting keys that must never hold a secret themselves.
SECRET_LOOKING = re.compile(r"(token|secret|password|passwd|key)$", re.IGNORECASE)


@dataclass(frozen=True)
class ChannelView(JSONView):
    """A channel as every interface shows it: its configuration and how it is doing.

    The health fields (``waiting``, ``counts``, ``last_error``) are filled by
    the functions that read them (:func:`channel_health`, ``status``); plain
    listings leave them empty.
    """

    name: str
    kind: str
    settings: dict[str, Any]
    timezone: str
    slots: dict[str, Any]
    paused: bool
    paused_reason: str | None
    #: Set while the network's rate limit holds the channel.
    rate_limited_until: datetime | None = None
    #: Deliveries waiting on this channel (pending or being checked).
    waiting: int = 0
    #: Deliveries by state, e.g. ``{"pending": 3, "sent": 120}``.
    counts: dict[str, int] = field(default_factory=dict)
    last_error: str | None = None

    @classmethod
    def of(
        cls,
        row: ChannelRecord,
        *,
        now: datetime | None = None,
        counts: dict[str, int] | None = None,
        last_error: str | None = None,
    ) -> ChannelView:
        limited = row.rate_limited_until
        if now is not None and limited is not None and limited <= now:
            limited = None
        counts = dict(counts or {})
        return cls(
            row.name,
            row.kind,
            dict(row.settings),
            row.timezone,
            dict(row.slots),
            row.paused,
            row.paused_reason,
            rate_limited_until=limited,
            waiting=counts.get("pending", 0) + counts.get("unknown", 0),
            counts=counts,
            last_error=last_error,
        )


@dataclass(frozen=True)
class KindView(JSONView):
    """A channel kind and the settings it takes: ``[{"name", "default", "meaning"}]``."""

    kind: str
    settings: list[dict[str, str]]


def channel_kinds(kind: str | None = None) -> list[KindView]:
    """Every registered kind (or just ``kind``) with its settings, defaults and meanings."""
    from channels.settings_doc import settings_doc

    known = registry.kinds()
    if kind is not None and kind not in known:
        raise InvalidInput(f"unknown channel kind {kind!r} (one of {', '.join(known)})")
    return [
        KindView(
            name,
            [
                {"name": d.name, "default": d.default, "meaning": d.meaning}
                for d in settings_doc(registry.channel_class(name).settings_model)
            ],
        )
        for name in known
        if kind is None or name == kind
    ]


def parse_settings(pairs: list[str]) -> dict[str, str]:
    """``["key=value", …]`` → dict; one clear error for a malformed pair."""
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"setting {pair!r} is not key=value")
        out[key.strip()] = value.strip()
    return out


def add_channel(
    ctx: Context, name: str, kind: str, settings: Mapping[str, str], *, timezone: str = "UTC"
) -> ChannelView:
    if not NAME.match(name):
        raise InvalidInput(
            f"channel name {name!r} must be lower-case letters, digits, '-' or '_' (max 64)"
        )
    if kind not in registry.kinds():
        raise InvalidInput(f"unknown channel kind {kind!r} (one of {', '.join(registry.kinds())})")
    zone(timezone)
    stored = _checked_settings(kind, _absolute_paths(kind, settings))
    with ctx.tx() as tx:
        row = channel_db.add(tx, name, kind, stored, timezone)
        tx.log(ctx.actor, "channel_added", channel_id=row.id, name=name, kind=kind)
        return ChannelView.of(row)


#: Settings that name a local folder, by kind: stored absolute, so the daemon
#: finds the same folder whatever directory it starts in.
PATH_SETTINGS: dict[str, tuple[str, ...]] = {"outbox": ("path",)}


def _absolute_paths(kind: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(settings)
    for key in PATH_SETTINGS.get(kind, ()):
        value = out.get(key)
        if isinstance(value, str) and value.strip():
            out[key] = str(Path(value.strip()).expanduser().resolve())
    return out


def _checked_settings(kind: str, settings: Mapping[str, Any]) -> dict[str, Any]:
    """Settings as the channel kind's model reads them (defaults left out), or one clear error."""
    for key in settings:
        if SECRET_LOOKING.search(key) and key != "credentials":
            raise InvalidInput(
                f"setting {key!r} looks like a secret: secrets are never stored; "
                "use credentials=env:PREFIX and set PREFIX_… in the environment"
            )
    try:
        parsed = registry.parse_settings(kind, settings)
    except ConfigError as exc:
        raise InvalidInput(str(exc)) from None
    return parsed.model_dump(exclude_defaults=True)


def change_channel(
    ctx: Context,
    name: str,
    settings: Mapping[str, str],
    *,
    unset: Sequence[str] = (),
    timezone: str | None = None,
) -> ChannelView:
    """Change some of a channel's settings (``unset`` returns them to their defaults).

    The new settings are checked whole, as ``add`` checks them; the daemon's
    client for the channel is rebuilt on its next delivery.
    """
    if not settings and not unset and timezone is None:
        raise InvalidInput("nothing to change: give --set KEY=VALUE, --unset KEY or --tz ZONE")
    if timezone is not None:
        zone(timezone)
    if "approvals" in {*settings, *unset} and ctx.enforced and ctx.role != "admin":
        raise PermissionDenied(
            f"only an admin may change how many sign-offs channel {name!r} needs"
        )
    with ctx.tx() as tx:
        row = channel_db.by_name(tx, name)
        merged: dict[str, Any] = dict(row.settings)
        for key in unset:
            if key not in merged:
                raise InvalidInput(f"channel {name!r} has no setting {key!r} to unset")
            del merged[key]
        merged.update(_absolute_paths(row.kind, settings))
        stored = _checked_settings(row.kind, merged)
        values: dict[str, Any] = {"settings": stored}
        if timezone is not None:
            values["timezone"] = timezone
        channel_db.change(tx, row.id, **values)
        changed = sorted({*settings, *unset} | ({"timezone"} if timezone is not None else set()))
        tx.log(ctx.actor, "channel_changed", channel_id=row.id, name=name, changed=changed)
    return get_channel(ctx, name)


def list_channels(ctx: Context) -> list[ChannelView]:
    with ctx.tx() as tx:
        return [ChannelView.of(c) for c in channel_db.every(tx)]


def get_channel(ctx: Context, name: str) -> ChannelView:
    with ctx.tx() as tx:
        return ChannelView.of(channel_db.by_name(tx, name))


def remove_channel(ctx: Context, name: str) -> None:
    with ctx.tx() as tx:
        row = channel_db.by_name(tx, name)
        channel_db.remove(tx, row)
        tx.log(ctx.actor, "channel_removed", name=name, kind=row.kind)


def build_channel(ctx: Context, row: ChannelRecord | ChannelView) -> ChannelImpl:
    """A live channel for ``row``, credentials read from the environment."""
    try:
        return registry.build(row.kind, row.settings, ctx.environ)
    except ChannelError as exc:
        raise ChannelProblem(f"channel {row.name!r}: {exc}") from None


def check_channel(ctx: Context, name: str) -> str:
    """Verify a channel's credentials against its API. Returns the account it speaks as.

    A limit the network reports for itself (a Mastodon instance's) is recorded,
    so checks and counters use it without asking the network each time.
    """
    view = get_channel(ctx, name)
    channel = build_channel(ctx, view)
    try:
        who = channel.check_credentials()
        _record_live_limit(ctx, view, channel)
        return who
    except ChannelError as exc:
        raise ChannelProblem(f"channel {name!r}: {exc}") from None
    finally:
        channel.close()


def _record_live_limit(ctx: Context, view: ChannelView, channel: ChannelImpl) -> None:
    from channels.length import configured_limits

    live = channel.limits.max_length
    if live != configured_limits(view.kind, view.settings).max_length:
        with ctx.tx() as tx:
            settings_db.record_fetched_limit(tx, view.name, live)


def channel_health(ctx: Context) -> list[ChannelView]:
    """Every channel with its pause and rate-limit state and its delivery counts."""
    with ctx.tx() as tx:
        rows = channel_db.every(tx)
        counts = read.counts_by_channel(tx)
        errors = read.last_errors(tx)
    now = ctx.clock()
    return [
        ChannelView.of(c, now=now, counts=counts.get(c.id), last_error=errors.get(c.id))
        for c in rows
    ]
