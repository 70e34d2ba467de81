"""The API doubles themselves: faults on demand, random faults by seed, clean stops,
and use from another process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.fakes.server import Faults
from tests.fakes.webhook import WebhookDouble
from tests.fakes.x import XDouble

REPO = Path(__file__).resolve().parents[2]


def test_a_pushed_fault_hits_only_matching_requests_and_only_as_often_as_asked() -> None:
    faults = Faults()
    faults.push("500", times=2, path="/2/tweets")

    taken = [
        faults.take("GET", "/2/users/me"),
        *(faults.take("POST", "/2/tweets") for _ in range(3)),
    ]

    assert taken == [None, "500", "500", None]


def test_random_faults_are_reproducible_from_their_seed() -> None:
    def draw(seed: int) -> list[str | None]:
        faults = Faults()
        faults.randomly(0.3, seed=seed)
        return [faults.take("POST", "/x") for _ in range(200)]

    first = draw(5)

    assert first == draw(5)
    assert first != draw(6)
    assert 30 < sum(kind is not None for kind in first) < 90


def test_an_unknown_fault_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown fault"):
        Faults().push("teapot")


def test_a_stopped_double_refuses_connections() -> None:
    double = XDouble().start()
    url = double.url
    double.stop()

    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/2/users/me", timeout=1)


def test_a_channel_in_another_process_posts_to_a_double_in_this_one() -> None:
    with WebhookDouble(style="json") as double:
        script = (
            "import json, sys\n"
            "from channels.registry import build\n"
            "from channels.base import Rendered\n"
            "channel = build('webhook', json.loads(sys.argv[1]))\n"
            "print(channel.publish(Rendered('sub-1', 'From a subprocess.')).remote_id)\n"
        )
        env = {**os.environ, **double.environ("OYEZ_SUB"), "PYTHONPATH": str(REPO)}
        settings = json.dumps(double.channel_settings(prefix="OYEZ_SUB"))
        result = subprocess.run(
            [sys.executable, "-c", script, settings],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

        assert result.returncode == 0, result.stderr
        assert double.texts() == ["From a subprocess."]
        assert result.stdout.strip() == double.posts[0].id
