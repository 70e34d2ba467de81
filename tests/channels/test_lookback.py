"""What a channel says its look-back is, it really reads: the engine relies on the figure."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fakes.fixtures import make_harness


@pytest.mark.parametrize("kind", ["outbox", "webhook", "facebook", "mastodon", "x", "bluesky"])
def test_channels_that_find_any_post_or_never_say_not_found_report_no_look_back(
    kind: str, tmp_path: Path
) -> None:
    harness = make_harness(kind, tmp_path)
    try:
        assert harness.channel.lookback is None
    finally:
        for step in harness.cleanup:
            step()
