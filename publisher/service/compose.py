"""What composing needs beyond the lifecycle: guideline targets and the thread preview."""

from __future__ import annotations

from collections.abc import Sequence
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
