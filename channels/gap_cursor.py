"""A stream's cursor for networks with ordered numeric ids (X, Mastodon).

A round reads newest first, back to the cursor. When its page budget runs out
first, the cursor also remembers the gap still to read, ``NEWEST:FLOOR:BELOW``:
ids above ``FLOOR`` (0: back to the stream's start time) and below ``BELOW``
(the oldest id the round reached). The next round reads that gap before
anything newer, so a busy stream loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class GapCursor:
    """Where a stream stands: the newest id seen, and a gap still to read, if any."""

    newest: int
    #: Ids above this are wanted (None: back to the stream's start time).
    floor: int | None = None
    #: The gap's upper end: the oldest id the last round reached (None: no gap).
    below: int | None = None

    @classmethod
    def parse(cls, cursor: str | None) -> GapCursor:
        parts = (cursor or "").split(":")
        if not all(p.isdigit() for p in parts):
            return cls(0)
        if len(parts) == 3:
            return cls(int(parts[0]), int(parts[1]) or None, int(parts[2]))
        return cls(int(parts[0]), int(parts[0]))

    def __str__(self) -> str:
        if self.below is None:
            return str(self.newest)
        return f"{self.newest}:{self.floor or 0}:{self.below}"
