"""What tabs without an account may cost a class's site, all of them together: signed-in students are served first.

Tried as an outsider (issue 68): 50 sign-in pages, each at 4 reruns a second (under a socket's own limit,
``ui.server.backmsgs``), 10 from each of 5 addresses (under an address's): the server ran 200 sign-in pages a second
and a signed-in classmate's page did not load within 60 s. Per socket and per address, nothing bounded the sum.
``OutsiderBudget`` does, for the tabs of a class's server where nobody is signed in (``Who``: the sign-in gate says
who each session is on every run, ``ui.common.signin``; a socket that opened with a good session cookie counts as
signed in until its first run says):

- **reruns**: ``HANDTEACH_OUTSIDER_PAGES`` whole-page reruns a second (burst four times that) and
  ``HANDTEACH_OUTSIDER_MESSAGES`` messages a second of every kind, for all such tabs of the site together. What
  finds the budget empty waits as a socket's over-the-rate rerun does (``ui.server.backmsgs``: the latest held);
- **sockets**: ``HANDTEACH_OUTSIDER_SOCKETS`` open at once; one more without a good session cookie is refused in the
  handshake (HTTP 403), before Streamlit makes a session;
- **uploads**: none. A file id is issued only to a page showing an uploader (``ui.server.uploads``), and the sign-in
  form shows none.

The numbers are the site's (``docs/limits.md``): each app server takes its share, the budget divided by the app
servers whose heartbeat is fresh (``core.site.heartbeat.live_servers``; nginx spreads browsers without a route
cookie over them at random, and one with a cookie lands on one server, which holds it to that share). A counter in
the database would hold exactly, at a round trip for every message of every tab; the share errs only while a
server starts or stops (a heartbeat's ``GONE_S``). A server with no class (one person) has no budget.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field

OUTSIDER_PAGES = 10.0  # whole-page reruns a second, a site's tabs without an account together (a sign-in form's run)
OUTSIDER_MESSAGES = 60.0  # messages a second of every kind (heartbeats, widget changes), likewise
OUTSIDER_SOCKETS = 300  # open at once, likewise: ten classes arriving at the same minute
TABS_PER_STUDENT = 2  # a signed-in student's tabs open at once, for sizing a proxy in front (``proxy_connections``)
PROXY_SPARE = 256  # a proxy's connections beyond the websockets: page loads, refused handshakes on their way out
BURST_S = 4.0  # a bucket holds this many seconds of its rate (a class arriving together signs in without waiting)


def _env(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


@dataclass(frozen=True)
class SiteBudget:
    """The site's budget for tabs without an account (0: none, no bound)."""

    pages: float = OUTSIDER_PAGES
    messages: float = OUTSIDER_MESSAGES
    sockets: int = OUTSIDER_SOCKETS

    @classmethod
    def from_env(cls) -> SiteBudget:
        return cls(_env("HANDTEACH_OUTSIDER_PAGES", OUTSIDER_PAGES), _env("HANDTEACH_OUTSIDER_MESSAGES",
                   OUTSIDER_MESSAGES), int(_env("HANDTEACH_OUTSIDER_SOCKETS", OUTSIDER_SOCKETS)))  # fmt: skip

    def share(self, servers: int) -> SiteBudget:
        """One app server's share of the site's budget, ``servers`` serving (at least one socket, a tenth of a
        rerun a second: a server never refuses every newcomer)."""
        n = max(1, servers)
        return SiteBudget(max(0.1, self.pages / n) if self.pages else 0.0,
                          max(0.1, self.messages / n) if self.messages else 0.0,
                          max(1, self.sockets // n) if self.sockets else 0)  # fmt: skip


@dataclass
class Who:
    """Which Streamlit sessions are signed in, as each page run's gate says, and whether this server serves a class."""

    in_class: bool = False
    signed: dict[str, bool] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def note(self, session_id: str, signed_in: bool, in_class: bool) -> None:
        with self.lock:
            self.in_class = in_class
            self.signed[session_id] = signed_in

    def forget(self, session_id: str) -> None:
        with self.lock:
            self.signed.pop(session_id, None)

    def outsider(self, session_id: str | None, cookie_signed: bool) -> bool:
        """Whether a socket counts against the budget: on a class's server, its session's last run found nobody
        signed in (before its first run: it opened without a good session cookie)."""
        with self.lock:
            if not self.in_class:
                return False
            known = self.signed.get(session_id) if session_id else None
        return not (cookie_signed if known is None else known)


WHO = Who()  # this server's: ``ui.common.signin`` notes each run, ``ui.server.backmsgs`` asks


def proxy_connections(students: int, outsider_sockets: int = OUTSIDER_SOCKETS) -> int:
    """The connections a proxy in front of a site (nginx's ``worker_connections``) must hold for ``students`` signed in:
    each websocket through it holds two (the browser's and the app server's), the app servers hold at most
    ``TABS_PER_STUDENT`` a student and ``outsider_sockets`` without an account (a newcomer takes the place of one of
    those, ``ui.server.door``), and ``PROXY_SPARE`` more for page loads."""
    return 2 * (students * TABS_PER_STUDENT + outsider_sockets) + PROXY_SPARE


def note_session(session_id: str, signed_in: bool, in_class: bool) -> None:
    """Who session ``session_id`` is now (each page run's sign-in gate)."""
    WHO.note(session_id, signed_in, in_class)
