"""What composing needs beyond the lifecycle: guideline targets and the thread preview."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from publisher.context import Context
from queue_db import channels as channel_db
from queue_db import settings as settings_db
from queue_db.channels import ChannelRecord
from queue_db.store import Tx

if TYPE_CHECKING:
    from channels.base import Limits
    from publisher.guidelines import Target


def targets(channel_kinds: Sequence[tuple[str, str]]) -> list[Target]:
    """Guideline targets for (channel name, kind) pairs, with each kind's default limits."""
    from publisher.guidelines import Target

    return [Target(name, kind) for name, kind in channel_kinds]


def limits_of(row: ChannelRecord, fetched: Mapping[str, int]) -> Limits:
    """The limits ``row`` enforces at delivery: its own setting, its network's, or the default."""
    from channels.length import configured_limits

    return configured_limits(row.kind, row.settings, fetched.get(row.name))


def targets_of_rows(tx: Tx, rows: Sequence[ChannelRecord]) -> list[Target]:
    """Guideline targets for configured channels, each with the limits delivery will enforce."""
    from publisher.guidelines import Target

    fetched = settings_db.fetched_limits(tx)
    return [Target(row.name, row.kind, limits_of(row, fetched)) for row in rows]


def channel_targets(ctx: Context, names: Sequence[str]) -> list[Target]:
    """Targets for configured channels by name (unknown names raise NotFound)."""
    with ctx.tx() as tx:
        return targets_of_rows(tx, [channel_db.by_name(tx, name) for name in names])


def thread_preview(text: str, kind: str, limits: Limits | None = None) -> list[str]:
    """The posts ``text`` becomes on a channel of ``kind``: one, or a numbered thread."""
    from channels.length import default_limits
    from channels.split import split_for_thread

    limits = limits or default_limits(kind)
    if limits.fits(text.strip()) or not limits.threads:
        return [text.strip()] if text.strip() else []
    return split_for_thread(text, limits, numbered=True)


def media_refused(
    media: Sequence[Mapping[str, str]], channel_kinds: Sequence[tuple[str, str]]
) -> str | None:
    """Why a target channel would refuse one of ``media`` at delivery (size, image type), or None."""
    from channels.length import default_limits
    from channels.media_check import media_refusal

    for item in media:
        for name, kind in channel_kinds:
            limits = default_limits(kind)
            if limits.max_media_bytes is None:
                continue  # a kind without media limits of its own checks at upload
            reason = media_refusal(Path(item["path"]), limits)
            if reason:
                return f"{reason} for {name} ({kind})"
    return None
