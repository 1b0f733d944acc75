"""Token buckets: what a socket, an address or the site's tabs without an account may send, a second and at once.

``ui.server.backmsgs`` takes from them for each frame a tab sends; ``ui.server.turns`` hands the site's out in turn.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Bucket:
    """A token bucket: ``rate`` tokens a second up to ``burst``; ``take`` is False when empty."""

    rate: float
    burst: float
    tokens: float = -1.0  # full at the first take
    at: float = 0.0

    def can(self, now: float) -> bool:
        """Whether a ``take`` now would find a token (nothing taken)."""
        if self.tokens < 0:
            self.tokens, self.at = self.burst, now
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = now
        return self.tokens >= 1

    def take(self, now: float) -> bool:
        if not self.can(now):
            return False
        self.tokens -= 1
        return True

    def wait_s(self, now: float) -> float:
        """Seconds until a ``take`` at ``now`` or later finds a token (0 when one is there)."""
        tokens = self.burst if self.tokens < 0 else min(self.burst, self.tokens + max(0.0, now - self.at) * self.rate)
        return max(0.0, (1 - tokens) / self.rate)


@dataclass
class Buckets:
    """All messages and whole-page reruns, of one socket or of one address."""

    every: Bucket
    pages: Bucket

    @classmethod
    def of(cls, every: tuple[float, float], pages: tuple[float, float]) -> Buckets:
        return cls(Bucket(*every), Bucket(*pages))

    def take(self, now: float, page: bool) -> bool:
        if page and not self.pages.take(now):
            return False
        return self.every.take(now)

    def can(self, now: float, page: bool) -> bool:
        return (not page or self.pages.can(now)) and self.every.can(now)

    def wait_s(self, now: float) -> float:
        """Seconds until a whole-page rerun may pass (0 when it may now)."""
        return max(self.pages.wait_s(now), self.every.wait_s(now))
