"""Whether a network would take a media file: its size and the type its bytes show.

Used at submit (publisher.service.posts), so a post whose image a channel would
refuse is stopped before sign-off, not at delivery.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from channels.base import Limits

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}


def sniffed_image_type(content: bytes) -> str | None:
    """The MIME type an image's bytes show (PNG, JPEG, GIF, WebP), or None."""
    import io

    from PIL import Image, UnidentifiedImageError  # deferred: only media needs Pillow

    try:
        with Image.open(io.BytesIO(content)) as opened:
            return IMAGE_TYPES.get(opened.format or "")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None


def media_refusal(path: Path, limits: Limits) -> str | None:
    """Why a network with ``limits`` would refuse the file at ``path``, or None."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        return f"{path.name} cannot be read ({exc.strerror or exc})"
    if limits.max_media_bytes is not None and size > limits.max_media_bytes:
        return f"{path.name} is {size:,} bytes, over the {limits.max_media_bytes:,}-byte limit"
    if path.suffix.lower() in (".mp4", ".mov", ".webm"):
        return None  # videos: the channel checks them at upload
    # What the bytes show; a header Pillow cannot read goes by the file's name,
    # as the PDS then keeps the type it is sent.
    mime = sniffed_image_type(path.read_bytes()) or mimetypes.guess_type(path.name)[0]
    if mime is None or mime not in limits.media_types:
        return f"{path.name} is not an image of a type it takes ({', '.join(limits.media_types)})"
    return None
