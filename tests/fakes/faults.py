"""Faults a double injects on demand: planned ones, and random ones drawn from a seed."""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable
from dataclasses import dataclass

FAULT_KINDS = (
    "429",
    "429_daily",
    "500",
    "503",
    "401",
    "426",
    "duplicate",
    "hang_before",
    "hang_after",
    "reset_before",
    "reset_after",
    "no_content_type",
    "html_502",
    "echo",
)
#: What :meth:`Faults.randomly` draws from unless told otherwise: the transient
#: failures a healthy account meets (no 401, no duplicate refusal).
TRANSIENT_FAULTS = (
    "429",
    "500",
    "503",
    "hang_before",
    "hang_after",
    "reset_before",
    "reset_after",
)


@dataclass
class _Planned:
    kind: str
    times: int
    path: str | None
    method: str | None
    #: Matching requests still to let through before the fault strikes.
    after: int = 0

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or self.path in path
        )


class Faults:
    """Faults waiting for the requests they match; thread-safe."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._planned: list[_Planned] = []
        self._rate = 0.0
        self._rng = random.Random(0)
        self._kinds: tuple[str, ...] = TRANSIENT_FAULTS
        self._random_path: str | None = None
        self._random_method: str | None = None
        #: Every fault injected so far: (kind, method, path).
        self.injected: list[tuple[str, str, str]] = []

    def push(
        self,
        kind: str,
        times: int = 1,
        *,
        path: str | None = None,
        method: str | None = None,
        after: int = 0,
    ) -> None:
        """Fail the next ``times`` requests whose path contains ``path`` (any if None),
        once ``after`` of them have gone through (a fault in the middle of paging)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault {kind!r}; known: {', '.join(FAULT_KINDS)}")
        with self._lock:
            self._planned.append(_Planned(kind, times, path, method, after))

    def randomly(
        self,
        rate: float,
        *,
        seed: int = 0,
        kinds: Iterable[str] = TRANSIENT_FAULTS,
        path: str | None = None,
        method: str | None = None,
    ) -> None:
        """Fail each matching request with probability ``rate``, kind drawn from ``kinds``."""
        chosen = tuple(kinds)
        unknown = [k for k in chosen if k not in FAULT_KINDS]
        if unknown or not 0.0 <= rate <= 1.0:
            raise ValueError(f"bad random faults: rate={rate}, unknown kinds {unknown}")
        with self._lock:
            self._rate, self._rng, self._kinds = rate, random.Random(seed), chosen
            self._random_path, self._random_method = path, method

    def clear(self) -> None:
        with self._lock:
            self._planned.clear()
            self._rate = 0.0

    def take(self, method: str, path: str) -> str | None:
        """The fault for this request, if any (used by the server)."""
        with self._lock:
            kind: str | None = None
            for planned in self._planned:
                if planned.matches(method, path):
                    if planned.after > 0:
                        planned.after -= 1
                        continue
                    kind = planned.kind
                    planned.times -= 1
                    if planned.times <= 0:
                        self._planned.remove(planned)
                    break
            if (
                kind is None
                and self._rate > 0
                and (self._random_method in (None, method))
                and (self._random_path is None or self._random_path in path)
                and self._rng.random() < self._rate
            ):
                kind = self._rng.choice(self._kinds)
            if kind is not None:
                self.injected.append((kind, method, path))
            return kind
