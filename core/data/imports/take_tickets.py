"""The ticket a page issues for a browser take, and the ledger that redeems it once, only in its time.

A page asks its tab for a take with a ``TakeTicket`` (``ui.browser.takes``); the tab counts down, captures for the
ticket's length and sends the take whole (``core.data.imports.browser_take`` checks and stores it). The ledger lives in one
Streamlit session's state, so a ticket is bound to the session that asked for it and, through its ``project``, to
the project it was asked for (the store's viewer checks that project is the asker's own). What the ledger enforces
(issue 54: a script with no browser stored 105 takes in 30 s by answering each ticket at once):

- one open ticket a ledger: issuing a new one closes the one before (a take started, then started again);
- a take arrives no sooner than the ticket's countdown and length after it was issued (the tab starts counting only
  once it has the ticket, so a real take is always later), and no later than ``GRACE_S`` after that;
- each frame's time (``t``, seconds since the tab started the take) lies after the countdown and within its length;
- a ticket is redeemed once, stored or refused: a replay is refused.
Times are ``time.monotonic()`` seconds on the server, passed in by tests as ``now``.
"""

from __future__ import annotations

import math
import re
import threading
import time
from dataclasses import dataclass, field

from core.data.imports.extract import ExtractConfig
from core.gestures.catalog import shown_name

GRACE_S = 20.0  # seconds a take may arrive after its end: the tab may still be loading its hand model at the start
EARLY_S = 0.25  # the server's and the tab's clocks: a real take never comes sooner, this absorbs rounding only
FRAME_SLACK_S = 0.1  # a frame's ``t`` is rounded to ms and taken on the frame after the moment it was due
MAX_RATE, MAX_DURATION, MAX_COUNTDOWN = 30.0, 60.0, 10  # the pages offer 15 a second, 15 s and 3-2-1
_TAKE_ID = re.compile(r"[A-Za-z0-9_-]{8,64}")


class TakeError(ValueError):
    """A browser take refused: the message names the field and what is wrong; nothing was stored."""


@dataclass(frozen=True)
class TakeTicket:
    """What the page asked the browser to record: the only project, gesture and sizes a take may carry."""

    take_id: str
    project: str
    class_name: str
    rate: float  # samples per second
    duration: float  # seconds of capture
    countdown: int = 3  # seconds before the capture starts
    extract: ExtractConfig = field(default_factory=ExtractConfig)
    # the project's identity when the ticket was issued (``Store.project_identity``; never sent to the tab): the take
    # is stored into that project or nowhere, so a student deleted mid-take, and a new one given their project's
    # name, never get it (None: the project of that name when the take arrives)
    project_identity: str | None = None

    def __post_init__(self) -> None:
        if not (
            0 < self.rate <= MAX_RATE and 0 < self.duration <= MAX_DURATION and 0 <= self.countdown <= MAX_COUNTDOWN
        ):
            raise TakeError(f"a take of {self.rate!r} a second for {self.duration!r} s after {self.countdown!r} s "
                            f"is not offered: up to {MAX_RATE:g} a second, {MAX_DURATION:g} s, {MAX_COUNTDOWN} s")  # fmt: skip

    @property
    def max_frames(self) -> int:
        return math.ceil(self.duration * self.rate) + 1  # frontend/src/take.js's maxFrames

    @property
    def length(self) -> float:
        """Seconds from the tab starting the take to its sending it: the countdown, then the capture."""
        return self.countdown + self.duration

    def as_args(self) -> dict[str, object]:
        """The component's ``take`` argument (``shown``: the gesture's name as the pages show it, for the video's
        badge; the take carries ``class_name``)."""
        return {"take_id": self.take_id, "project": self.project, "class_name": self.class_name,
                "shown": shown_name(self.class_name), "rate": self.rate, "duration": self.duration,
                "countdown": self.countdown}  # fmt: skip

    def check_frame_time(self, t: object, where: str) -> float:
        """A frame's ``t`` as a number inside the capture (after the countdown, before its end); ``TakeError``."""
        ok = type(t) in (int, float) and math.isfinite(t)  # type: ignore[arg-type]
        if not ok or not self.countdown - FRAME_SLACK_S <= t <= self.length + FRAME_SLACK_S:  # type: ignore[operator]
            raise TakeError(f"{where}: expected seconds from {self.countdown:g} (after the countdown) to "
                            f"{self.length:g} (the take's end), got {short(t)}; nothing stored")  # fmt: skip
        return float(t)  # type: ignore[arg-type]


class TakeLedger:
    """The ticket issued to one page of one session and not yet redeemed; a redeemed id is never taken again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._open: dict[str, tuple[TakeTicket, float]] = {}  # take id -> (ticket, monotonic time issued)
        self._closed: set[str] = set()

    def issue(self, ticket: TakeTicket, now: float | None = None) -> TakeTicket:
        """Open ``ticket`` (issued at ``now``), closing any ticket opened before it: one take at a time."""
        with self._lock:
            self._closed.update(self._open)
            self._open = {ticket.take_id: (ticket, time.monotonic() if now is None else now)}
        return ticket

    def redeem(self, take_id: object, now: float | None = None) -> TakeTicket:
        """The ticket of ``take_id``, closed for good, if its take arrives in its time (at ``now``); ``TakeError``
        for a replay, an id never issued or closed by a newer ticket, a take too soon or too late."""
        if not isinstance(take_id, str) or not _TAKE_ID.fullmatch(take_id):
            raise TakeError(f"take_id: expected 8-64 letters, digits, '-' or '_', got {short(take_id)}")
        with self._lock:
            if take_id in self._closed:
                raise TakeError(f"take_id: take {take_id} was already received or replaced by a newer take; "
                                "nothing stored")  # fmt: skip
            ticket, issued = self._open.pop(take_id, (None, 0.0))
            if ticket is None:
                raise TakeError(f"take_id: take {take_id} was never started on this page; nothing stored")
            self._closed.add(take_id)
        waited = (time.monotonic() if now is None else now) - issued
        if waited < ticket.length - EARLY_S:
            raise TakeError(f"take {take_id} arrived {waited:.1f} s after it was started, before its "
                            f"{ticket.countdown} s countdown and {ticket.duration:g} s could pass; nothing stored")  # fmt: skip
        if waited > ticket.length + GRACE_S:
            raise TakeError(f"take {take_id} arrived {waited:.0f} s after it was started, too late for a "
                            f"{ticket.length:g} s take; nothing stored")  # fmt: skip
        return ticket


def short(value: object) -> str:
    """``repr(value)`` cut to 60 characters, for messages naming what was sent."""
    text = repr(value)
    return text if len(text) <= 60 else f"{text[:57]}..."
