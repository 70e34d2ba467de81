"""Media a channel would refuse is caught at submit, not at delivery (issue #18, defect 6)."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from publisher.service import compose


def _png(path: Path, padding: int = 0) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "white").save(buffer, "PNG")
    path.write_bytes(buffer.getvalue() + b"\0" * padding)
    return path


def test_an_image_over_bluesky_s_2000000_bytes_is_refused_for_bluesky_only(
    tmp_path: Path,
) -> None:
    big = [{"path": str(_png(tmp_path / "big.png", padding=2_000_000))}]

    refused = compose.media_refused(big, [("news", "outbox"), ("council-bsky", "bluesky")])

    assert refused is not None
    assert "big.png" in refused
    assert "2,000,000" in refused
    assert "council-bsky" in refused
    assert compose.media_refused(big, [("news", "outbox")]) is None


def test_a_file_whose_bytes_are_no_image_is_refused_for_bluesky(tmp_path: Path) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("not an image")

    refused = compose.media_refused([{"path": str(notes)}], [("council-bsky", "bluesky")])

    assert refused is not None
    assert "not an image" in refused


def test_an_image_bluesky_takes_passes(tmp_path: Path) -> None:
    small = [{"path": str(_png(tmp_path / "chart.jpg"))}]  # a PNG named .jpg

    assert compose.media_refused(small, [("council-bsky", "bluesky")]) is None
