"""Who keeps a socket when the tabs without an account fill a class's server: a newcomer is never the one refused.

Tried as an outsider (issue 74): 300 idle websockets from 3 addresses filled the site's count of tabs without an
account (``ui.server.outsiders``), and 40 of 40 fresh students were refused in the handshake: first come, first
served, the door was held by whoever came first. Now, when the count is full, a newcomer takes the place of an open
tab without an account (``yielder``), which is closed:

- the oldest socket of the address holding the most such sockets, when that address holds at least two more than
  the newcomer's would: the door is shared between addresses, fairly, so a few addresses cannot hold it, and an
  outsider reopening what was taken from it is refused (its address is no poorer than the others) instead of
  taking a place in turn, which would close sockets round and round;
- else, for a newcomer from an address with no such socket open, the oldest socket open longer than ``GRACE_S``:
  a tab is given that long to sign in, so outsiders from as many addresses as there are places cannot hold the door
  either (each newcomer has ``GRACE_S`` before anyone may take its place);
- else nobody: the newcomer is refused (an address already holding its fair part, everyone within their grace).

A signed-in tab is never closed for anyone; a tab closed here is one without an account, whose page reconnects
(Streamlit's frontend does) and finds the form again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

GRACE_S = 20.0  # a new tab's time to sign in before an outsider's newcomer may take its place


@dataclass(frozen=True)
class Seat:
    """One open socket without an account: where it comes from and when it opened (``time.monotonic``)."""

    address: str
    opened_at: float


def yielder(seats: Sequence[Seat], newcomer: str, now: float) -> int | None:
    """The index in ``seats`` (all open sockets without an account, the count full) of the one that gives its place
    to a newcomer from address ``newcomer`` at ``now``; None when the newcomer is refused (see the module docstring)."""
    if not seats:
        return None
    counts = Counter(seat.address for seat in seats)
    mine = counts[newcomer]
    crowded = min(range(len(seats)), key=lambda i: (-counts[seats[i].address], seats[i].opened_at))
    if counts[seats[crowded].address] >= mine + 2:
        return crowded
    if mine == 0:
        oldest = min(range(len(seats)), key=lambda i: seats[i].opened_at)
        if now - seats[oldest].opened_at > GRACE_S:
            return oldest
    return None
