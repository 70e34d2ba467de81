"""Rotation: every tip once per round, a fresh order each round, distance kept across rounds."""

from __future__ import annotations

from itertools import pairwise

import pytest

from publisher.sources.tips.rotation import Rotation, spacing


def run(rotation: Rotation, eligible: list[int], posts: int) -> list[int]:
    out = []
    for _ in range(posts):
        choice = rotation.choose(eligible)
        assert choice is not None
        rotation.record(*choice)
        out.append(choice[0])
    return out


@pytest.mark.parametrize("size", [2, 3, 5, 8, 13, 30])
def test_each_round_serves_every_tip_once(size: int) -> None:
    tips = list(range(1, size + 1))
    seq = run(Rotation(pool_id=7), tips, size * 5)
    for start in range(0, len(seq), size):
        assert sorted(seq[start : start + size]) == tips


def test_pool_of_five_never_repeats_within_any_five_consecutive_posts() -> None:
    seq = run(Rotation(pool_id=3), [11, 12, 13, 14, 15], 60)
    assert all(len(set(seq[i : i + 5])) == 5 for i in range(len(seq) - 4))


@pytest.mark.parametrize("size", range(2, 40))
def test_no_tip_goes_out_twice_in_a_row_across_round_boundaries(size: int) -> None:
    seq = run(Rotation(pool_id=size), list(range(size)), size * 6)
    assert all(a != b for a, b in pairwise(seq))
    gap = spacing(size)
    assert all(len(set(seq[i : i + gap])) == gap for i in range(len(seq) - gap + 1))


def test_larger_pools_start_each_round_in_a_fresh_order() -> None:
    size = 30
    seq = run(Rotation(pool_id=1), list(range(size)), size * 4)
    rounds = [tuple(seq[i : i + size]) for i in range(0, len(seq), size)]
    assert len(set(rounds)) == 4


def test_a_new_tip_joins_the_current_round() -> None:
    rotation = Rotation(pool_id=1)
    first = run(rotation, [1, 2, 3, 4], 2)
    rest = run(rotation, [1, 2, 3, 4, 5], 3)
    assert sorted(first + rest) == [1, 2, 3, 4, 5]
    assert rotation.round == 1


def test_only_eligible_tips_are_chosen_and_none_when_none_is() -> None:
    rotation = Rotation(pool_id=1)
    assert set(run(rotation, [2, 4], 6)) == {2, 4}
    assert rotation.choose([]) is None


def test_a_pool_of_one_repeats_its_only_tip() -> None:
    assert run(Rotation(pool_id=1), [9], 3) == [9, 9, 9]


def test_when_the_pool_shrinks_the_tip_used_longest_ago_goes_first() -> None:
    rotation = Rotation(pool_id=1)
    seq = run(rotation, [1, 2, 3, 4, 5, 6], 6)
    # Only the two most recent tips remain active: the older of them goes next.
    left = seq[-2:]
    nxt = rotation.choose(left)
    assert nxt is not None
    assert nxt[0] == left[0]
