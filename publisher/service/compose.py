"""What composing needs beyond the lifecycle: guideline targets and the thread preview."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publisher.guidelines import Target


def targets(channel_kinds: Sequence[tuple[str, str]]) -> list[Target]:
    """Guideline targets for (channel name, kind) pairs."""
    from publisher.guidelines import Target

    return [Target(name, kind) for name, kind in channel_kinds]


def thread_preview(text: str, kind: str) -> list[str]:
    """The posts ``text`` becomes on a channel of ``kind``: one, or a numbered thread."""
    from channels.length import default_limits
    from channels.split import split_for_thread

    limits = default_limits(kind)
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
