"""Images for Bluesky: the type their bytes show, their size limit and aspect ratio.

The PDS stores the type an image's bytes show, whatever the file is named, and
refuses a record whose image is over 2,000,000 bytes or not an image: both are
checked here before anything is uploaded.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from channels.base import Media
from channels.errors import PermanentError
from channels.length import BLUESKY_IMAGE_BYTES
from channels.media_check import IMAGE_TYPES
from channels.transport import read_media


@dataclass(frozen=True)
class Image:
    content: bytes
    mime: str
    #: Pixel size, or None when the header could not be read (then no aspectRatio is sent).
    width: int | None
    height: int | None


def read_image(media: Media) -> Image:
    """The image in ``media``, or PermanentError if Bluesky would refuse it."""
    content, guessed = read_media(media)
    name = media.path.name
    if len(content) > BLUESKY_IMAGE_BYTES:
        raise PermanentError(
            f"image {name} is {len(content):,} bytes; Bluesky takes at most {BLUESKY_IMAGE_BYTES:,}"
        )
    from PIL import Image as PILImage  # deferred: only posts with images need Pillow

    try:
        with PILImage.open(io.BytesIO(content)) as opened:
            kind, (width, height) = opened.format, opened.size
    except (OSError, ValueError, PILImage.DecompressionBombError):
        if guessed in IMAGE_TYPES.values():
            # A header Pillow cannot read: send it as named, without an aspect ratio.
            return Image(content, guessed, None, None)
        raise PermanentError(f"{name} is not an image Bluesky takes") from None
    mime = IMAGE_TYPES.get(kind or "")
    if mime is None:
        raise PermanentError(f"{name} is a {kind} image; Bluesky takes PNG, JPEG, GIF or WebP")
    return Image(content, mime, width, height)
