"""Which tip goes out next: rounds without repeats, a fresh order each round.

Pure functions over the ledger's recent history, so a firing and a preview
make the same choice.

- A round serves every active tip once; the unique (pool, round, tip) row in
  the ledger makes a repeat within a round impossible.
- Each round has its own order (a hash of pool, round and tip), so a tip is not
  stuck to one weekday and hour.
- Across a round boundary a tip keeps its distance: no tip repeats within the
  last ``spacing(n)`` posts of a pool of ``n`` active tips. For pools of up to
  five tips that is the whole pool (any ``n`` consecutive posts differ, so those
  rounds keep one order); larger pools give up a fifth of the distance so their
  order can change (at most ``(n - 1) // 5`` places per round).
- A tip added mid-round joins the current round; a tip outside its active
  window or retired is simply not a candidate.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field


def spacing(active: int) -> int:
    """The fewest posts between two posts of one tip, for a pool of ``active`` tips."""
    return max(1, active - (active - 1) // 5)


def _order(pool_id: int, round_: int, tip_id: int) -> bytes:
    return hashlib.sha256(f"{pool_id}:{round_}:{tip_id}".encode()).digest()


@dataclass
class Rotation:
    """The state of one pool's rotation: its round, what that round served, recent history."""

    pool_id: int
    #: The current round (1 before anything was served).
    round: int = 1
    #: Tips served in the current round.
    served: set[int] = field(default_factory=set)
    #: Recently served tip ids, oldest first (the ledger's tail).
    history: list[int] = field(default_factory=list)

    def choose(self, eligible: Iterable[int]) -> tuple[int, int] | None:
        """The next tip and the round it belongs to, or None if no tip is eligible."""
        candidates = sorted(set(eligible))
        if not candidates:
            return None
        round_ = self.round
        remaining = [t for t in candidates if t not in self.served]
        if not remaining:
            round_ += 1
            remaining = candidates
        remaining.sort(key=lambda t: _order(self.pool_id, round_, t))
        recent = self._last_use(spacing(len(candidates)) - 1)
        for tip in remaining:
            if tip not in recent:
                return tip, round_
        # Pool changes can leave only recent tips: take the one used longest ago.
        return min(remaining, key=lambda t: recent.get(t, -1)), round_

    def record(self, tip_id: int, round_: int) -> None:
        """Note that ``tip_id`` went out in ``round_``."""
        if round_ != self.round:
            self.round = round_
            self.served = set()
        self.served.add(tip_id)
        self.history.append(tip_id)

    def _last_use(self, window: int) -> dict[int, int]:
        """Tips used in the last ``window`` posts, by how recently (higher = more recent)."""
        if window <= 0:
            return {}
        tail = self.history[-window:]
        return {tip: index for index, tip in enumerate(tail)}


def from_ledger(
    pool_id: int, current_round: int, served: Sequence[int], history: Sequence[int]
) -> Rotation:
    """Rebuild a rotation from the ledger: the last round, its tips, the recent tail."""
    return Rotation(
        pool_id=pool_id,
        round=max(1, current_round),
        served=set(served),
        history=list(history),
    )
