"""Whose whole-page run the site's budget for tabs without an account serves next: a new tab's first, never last.

Tried as an outsider (issue 74): 250 sign-in tabs from 5 addresses, each rerunning just under its socket's rate,
kept the site's budget (``ui.server.outsiders``) empty, and each held rerun took the next token it found: a fresh
student waited a median 9.1 s to sign in, behind every flooding tab. ``Turns`` hands the budget's runs out one at a
time to the waiting tab that needs one most (``Ticket.rank``):

1. a tab that has had fewer than ``FRESH_RUNS`` runs from the budget (its first page, its sign-in press, one more
   for a mistyped password) before any that has had more;
2. then the tab whose address has had the fewest runs lately (a count halved every ``USAGE_HALF_LIFE_S``): a school
   behind one address and each outsider's address take turns, however many tabs each opens;
3. then the one waiting longest.

An outsider opening new tabs to be "fresh" again pays their sockets (``ui.server.door``) and is still ranked by its
address's use. What waits is the latest whole-page rerun of each tab (``ui.server.backmsgs`` holds one a socket).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

FRESH_RUNS = 3  # runs a new tab gets before those of older tabs: its first page, its sign-in press, one more
USAGE_HALF_LIFE_S = 10.0
FORGET_USAGE = 4096  # addresses remembered at most; past it those whose use has faded are forgotten


class Budget(Protocol):
    """The site's bucket of whole-page runs (``ui.server.buckets.Buckets``)."""

    def take(self, now: float, page: bool) -> bool: ...

    def wait_s(self, now: float) -> float: ...


@dataclass
class Usage:
    """Runs an address had lately: each counts one, halved every ``USAGE_HALF_LIFE_S``."""

    value: float = 0.0
    at: float = 0.0

    def now(self, t: float) -> float:
        return self.value * 0.5 ** (max(0.0, t - self.at) / USAGE_HALF_LIFE_S)

    def add(self, t: float) -> None:
        self.value, self.at = self.now(t) + 1.0, t


@dataclass(eq=False)
class Ticket:
    """One tab's wait for a run: ``granted`` is done once the run is its."""

    address: str
    runs: int  # runs this tab had from the budget before
    asked_at: float
    granted: asyncio.Future = field(default_factory=lambda: asyncio.get_running_loop().create_future())

    def rank(self, usage: dict[str, Usage], now: float) -> tuple[bool, float, float]:
        used = usage.get(self.address)
        return self.runs >= FRESH_RUNS, used.now(now) if used else 0.0, self.asked_at


class Turns:
    """The waiting tabs of one server, served from ``budget()`` (read each time: the budget changes with the servers)."""

    def __init__(self, budget: Callable[[], Budget]) -> None:
        self.budget = budget
        self.waiting: set[Ticket] = set()
        self.usage: dict[str, Usage] = {}
        self._pump: asyncio.Task | None = None

    def ran(self, address: str, now: float) -> None:
        """A run from the budget went to a tab of ``address`` (without waiting, or by a ticket)."""
        if len(self.usage) >= FORGET_USAGE and address not in self.usage:
            self.usage = {a: u for a, u in self.usage.items() if u.now(now) >= 0.01}
        self.usage.setdefault(address, Usage()).add(now)

    def ask(self, address: str, runs: int) -> Ticket:
        """Wait for a run (see the module docstring); the ticket's ``granted`` says when."""
        ticket = Ticket(address, runs, time.monotonic())
        self.waiting.add(ticket)
        if self._pump is None or self._pump.done():
            self._pump = asyncio.get_running_loop().create_task(self._serve())
        return ticket

    def cancel(self, ticket: Ticket) -> None:
        self.waiting.discard(ticket)
        ticket.granted.cancel()

    async def _serve(self) -> None:
        while self.waiting:
            now = time.monotonic()
            wait = self.budget().wait_s(now)
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            first = min(self.waiting, key=lambda ticket: ticket.rank(self.usage, now))
            self.waiting.discard(first)
            if first.granted.done():  # cancelled meanwhile
                continue
            self.budget().take(now, True)
            self.ran(first.address, now)
            first.granted.set_result(None)
