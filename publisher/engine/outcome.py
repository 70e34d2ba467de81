"""What a round of delivery did: counts a caller may show or add up."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    """Deliveries sent, retried, failed, needing attention, deferred and expired."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    attention: int = 0
    deferred: int = 0
    expired: int = 0
    posts: set[int] = field(default_factory=set)

    def add(self, other: Outcome) -> None:
        self.sent += other.sent
        self.retried += other.retried
        self.failed += other.failed
        self.attention += other.attention
        self.deferred += other.deferred
        self.expired += other.expired
        self.posts |= other.posts

    @property
    def busy(self) -> bool:
        """Whether anything was claimed or changed."""
        return any(
            (self.sent, self.retried, self.failed, self.attention, self.deferred, self.expired)
        )
