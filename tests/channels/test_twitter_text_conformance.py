"""X's weighted length agrees with the official twitter-text conformance data.

The data lives in ``shared/conformance/twitter-text/`` beside the checkout; a copy
(Apache-2.0, with its LICENSE) is kept in ``tests/data/twitter-text/`` for
checkouts without it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from twitter_text import parse_tweet

from channels.length import x_length, x_valid

_SHARED = Path(__file__).resolve().parents[3] / "shared/conformance/twitter-text"
_COPY = Path(__file__).resolve().parents[1] / "data/twitter-text"
DATA = _SHARED if (_SHARED / "validate.yml").exists() else _COPY

#: Each conformance group and the configuration file it is defined against.
GROUPS = {
    "WeightedTweetsCounterTest": "v2.json",
    "WeightedTweetsWithDiscountedEmojiCounterTest": "v3.json",
    "UnicodeDirectionalMarkerCounterTest": "v3.json",
}


@cache
def _options(name: str) -> dict[str, Any]:
    raw = json.loads((DATA / name).read_text(encoding="utf-8"))
    return {
        "version": raw["version"],
        "max_weighted_tweet_length": raw["maxWeightedTweetLength"],
        "scale": raw["scale"],
        "default_weight": raw["defaultWeight"],
        "emoji_parsing_enabled": raw.get("emojiParsingEnabled", False),
        "transformed_url_length": raw["transformedURLLength"],
        "ranges": raw["ranges"],
    }


def _cases() -> list[Any]:
    tests = yaml.safe_load((DATA / "validate.yml").read_text(encoding="utf-8"))["tests"]
    return [
        pytest.param(group, case, id=f"{group}:{case['description']}")
        for group in GROUPS
        for case in tests[group]
    ]


@pytest.mark.parametrize(("group", "case"), _cases())
def test_weighted_length_and_validity_match_twitter_text(group: str, case: dict[str, Any]) -> None:
    parsed = parse_tweet(case["text"], _options(GROUPS[group]))

    assert parsed.weightedLength == case["expected"]["weightedLength"]
    assert parsed.valid == case["expected"]["valid"]


@pytest.mark.parametrize(
    "case",
    [
        c
        for c in yaml.safe_load((DATA / "validate.yml").read_text(encoding="utf-8"))["tests"][
            "WeightedTweetsWithDiscountedEmojiCounterTest"
        ]
    ],
    ids=lambda c: c["description"],
)
def test_the_x_channel_counts_with_the_v3_configuration(case: dict[str, Any]) -> None:
    assert x_length(case["text"]) == case["expected"]["weightedLength"]
    assert x_valid(case["text"]) == case["expected"]["valid"]


def test_the_conformance_data_is_found() -> None:
    assert (DATA / "validate.yml").exists()
    assert (DATA / "LICENSE").exists()
