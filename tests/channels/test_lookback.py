"""What a channel says its look-back is, it really reads: the engine relies on the figure."""

from __future__ import annotations

from pathlib import Path

import pytest

from channels.base import Rendered
from tests.fakes.fixtures import build_channel, make_harness, start_double

#: The query parameter each network's "recent posts" call takes its count in.
COUNT_PARAM = {"bluesky": "limit"}
#: The most one such call returns on each network.
CAP = {"x": 100, "facebook": 100, "mastodon": 40, "bluesky": 100}


@pytest.mark.parametrize("kind", sorted(COUNT_PARAM))
@pytest.mark.parametrize("asked", [7, 500])
def test_the_look_back_a_channel_reports_is_the_count_it_asks_the_network_for(
    kind: str, asked: int
) -> None:
    double = start_double(kind)
    channel = build_channel(double, lookback=asked)
    try:
        assert channel.find_existing(Rendered("k-1", "Never posted")) is None
        (count,) = [
            r.arg(COUNT_PARAM[kind])
            for r in double.requests
            if r.method == "GET" and r.arg(COUNT_PARAM[kind]) is not None
        ]
        assert channel.lookback == min(asked, CAP[kind]) == int(count or 0)
    finally:
        channel.close()
        double.stop()


@pytest.mark.parametrize("kind", ["outbox", "webhook", "facebook", "mastodon"])
def test_channels_that_find_any_post_or_never_say_not_found_report_no_look_back(
    kind: str, tmp_path: Path
) -> None:
    harness = make_harness(kind, tmp_path)
    try:
        assert harness.channel.lookback is None
    finally:
        for step in harness.cleanup:
            step()
