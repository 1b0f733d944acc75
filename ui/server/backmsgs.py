"""What a tab sends over its websocket, read before Streamlit does: a class's server is open to anyone's script.

Tried as an outsider with no account would (issue 63), from the sign-in page: Streamlit's "clear cache" message
dropped the server's job runner, and each next signed-in page started another pool of workers (1 → 5 after four
rounds, about 0.5 GB each); ten sockets sent 24,971 reruns in 25 s and a signed-in student's page took 29.5 s; one
frame of bytes that are no ``BackMsg`` came back as an exception naming ``DecodeError`` and the server's install
path, and each such frame logged a traceback (1,000 frames: 434 kB of log). ``BackMsgGuard`` reads each frame of
``/_stcore/stream`` first:

- a frame that is no ``BackMsg`` (or a text frame, or one of no known kind) is dropped: nothing comes back;
- ``clear_cache`` is dropped: it empties every ``st.cache_resource`` of the server for everyone, which no one on a
  class's server needs (and which on a one-person server only restarts the job workers); the developer-only
  ``debug_*`` messages likewise;
- every other message takes a token from its socket's bucket and its address's (``Buckets``): a whole-page rerun
  from a stricter pair, since it costs a page's run. What finds a bucket empty is dropped, not queued, except the
  latest whole-page rerun of a socket, held (one a socket) and passed on once the buckets allow, unless a newer
  one passes first: a click dropped last left the page drawn as before it (ten clicks a second for five seconds
  beside Live's fragments: the last of 50 was dropped). A socket that keeps sending past its own bucket
  (``CLOSE_AFTER_DROPS`` in ``DROPS_WINDOW_S``) is closed.

Tabs where nobody is signed in on a class's server also share one budget, the whole site's (``ui.server.outsiders``:
reruns, sockets, uploads): a whole-page rerun that finds it empty waits its turn (``ui.server.turns``: a new tab's
first runs before older tabs'), and a socket past its count takes the place of an older one or is refused unopened
(``ui.server.door``).

The buckets are generous for a person: a fast clicker's whole-page reruns, and Live's five fragments rerunning
every 0.5 s (``run_every``) with label events between, fit. A heartbeat never takes from the address's bucket, so a
flood from a school's address leaves its other tabs connected. What is dropped is logged in one line a second at
most. ``python -m ui.server.serve`` installs it (``guard_backmsgs``), with ``plain_backmsg_errors``: a message
that fails inside Streamlit anyway gets one plain line back (no type, text or stack) and one log line a second.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from google.protobuf.message import DecodeError
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from ui.server.backmsg_errors import PLAIN_ERROR, plain_backmsg_errors
from ui.server.buckets import Buckets
from ui.server.door import Seat, yielder
from ui.server.limits import OncePerSecond, Receive, Scope, Send, wrap_streamlit_app
from ui.server.media_scope import account_of_cookie
from ui.server.outsiders import BURST_S, WHO, SiteBudget
from ui.server.turns import Ticket, Turns

STREAM = "/_stcore/stream"
REFUSED = frozenset({"clear_cache", "debug_disconnect_websocket", "debug_shutdown_runtime"})
# (tokens a second, burst): a socket's messages and whole-page reruns; an address's (a class behind one school
# address: thirty tabs on Live, five fragments each every 0.5 s, are 300 a second)
SOCKET_ALL, SOCKET_PAGES = (25.0, 100.0), (4.0, 20.0)
ADDRESS_ALL, ADDRESS_PAGES = (400.0, 1200.0), (40.0, 120.0)
CLOSE_AFTER_DROPS, DROPS_WINDOW_S = 200, 10.0  # a socket dropped this often in a window is a script: closed
FORGET_ADDRESS_S = 60.0  # an address's buckets outlive its sockets this long: reconnecting refills nothing
MIN_HOLD_S = 0.05  # a held page's rerun is tried again at most this often (the address's bucket may be the one empty)
_RATES = ("over the socket's rate", "over the address's rate", "over the budget of tabs without an account")
BUDGET_EVERY_S = 5.0  # the site's budget and this server's share of it are read again this often
SESSION_FROM_MESSAGES = 20  # a socket's session id is looked for in this many of the first messages sent to it
_LOG = logging.getLogger("handteach.server")
__all__ = ["PLAIN_ERROR", "BackMsgGuard", "Buckets", "guard_backmsgs", "kind_of", "plain_backmsg_errors", "session_of"]

App = Callable[[Scope, Receive, Send], Awaitable[None]]


def kind_of(data: bytes | None) -> str | None:
    """The ``BackMsg`` kind of a frame (``rerun_script``, ``clear_cache``, …), or None when it is no ``BackMsg``;
    ``"page"`` for a whole page's rerun (one that names no fragment)."""
    if data is None:
        return None
    message = BackMsg()
    try:
        message.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError):
        return None
    kind = message.WhichOneof("type")
    if kind == "rerun_script" and not message.rerun_script.fragment_id:
        return "page"
    return kind


def session_of(data: bytes | None) -> str | None:
    """The Streamlit session id a ``ForwardMsg`` frame names (its ``new_session``), else None."""
    if not data:
        return None
    message = ForwardMsg()
    try:
        message.ParseFromString(data)
    except (DecodeError, ValueError, RuntimeError):
        return None
    if message.WhichOneof("type") != "new_session":
        return None
    return message.new_session.initialize.session_id or None


@dataclass(eq=False)
class _Socket:
    buckets: Buckets
    address: str = "unknown"
    opened_at: float = field(default_factory=time.monotonic)
    leaving: asyncio.Future | None = None  # done: it gave its place to a newcomer (``ui.server.door``), to be closed
    page_runs: int = 0  # whole-page runs it had from the site's budget for tabs without an account
    drops: int = 0
    window_at: float = field(default_factory=time.monotonic)
    session_id: str | None = None  # its Streamlit session, once the server named it (``session_of``)
    cookie_signed: bool = False  # it opened with a good session cookie (``ui.server.media_scope``)
    looked: int = 0  # messages sent to it read for its session id

    def outsider(self) -> bool:
        return WHO.outsider(self.session_id, self.cookie_signed)

    def leave(self) -> None:
        if self.leaving is not None and not self.leaving.done():
            self.leaving.set_result(None)

    def left(self) -> bool:
        return self.leaving is not None and self.leaving.done()

    def dropped(self, now: float) -> bool:
        """Count a drop of this socket's own doing; True when the socket should be closed."""
        if now - self.window_at > DROPS_WINDOW_S:
            self.drops, self.window_at = 0, now
        self.drops += 1
        return self.drops > CLOSE_AFTER_DROPS


class BackMsgGuard:
    """ASGI middleware on Streamlit's websocket: each incoming frame read first (see the module docstring)."""

    def __init__(self, app: App, servers: Callable[[], int] = lambda: 1) -> None:
        """``servers``: how many app servers share the site's budget for tabs without an account (``outsiders``)."""
        self.app, self.servers = app, servers
        self.addresses: dict[str, Buckets] = {}
        self.open: Counter[str] = Counter()
        self.held: Counter[str] = Counter()  # what was dropped since the last log line, by reason
        self.sockets: set[_Socket] = set()
        self.budget, self.outsiders, self._budget_at = SiteBudget(0, 0, 0), Buckets.of((1, 1), (1, 1)), -1e9
        self.turns = Turns(lambda: self.outsiders)
        self._said = OncePerSecond()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not str(scope.get("path", "")).endswith(STREAM):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown", 0))[0]
        mine = _Socket(
            Buckets.of(SOCKET_ALL, SOCKET_PAGES), address, leaving=asyncio.get_running_loop().create_future()
        )
        if WHO.in_class and not await self._admit(scope, mine, address):
            await receive()  # websocket.connect; closing before accepting answers the handshake with 403
            await send({"type": "websocket.close", "code": 1008})
            return
        self.open[address] += 1
        self.sockets.add(mine)
        self._forget_idle_addresses(time.monotonic())
        shared = self.addresses.setdefault(address, Buckets.of(ADDRESS_ALL, ADDRESS_PAGES))
        closed = False
        held: dict | None = None  # the latest whole-page rerun dropped for a rate: passed on once the buckets allow
        coming: asyncio.Future | None = None  # the tab's next message, awaited while one is held
        ticket: Ticket | None = None  # the held rerun's wait for its turn of the site's budget (``ui.server.turns``)

        async def guarded_receive() -> dict:
            nonlocal closed, held, coming, ticket
            while True:
                if coming is None:
                    coming = asyncio.ensure_future(receive())
                assert mine.leaving is not None
                waits = {coming, mine.leaving} | ({ticket.granted} if ticket is not None else set())
                wait = None  # a held rerun with no ticket waits for its socket's or address's bucket
                if held is not None and ticket is None:
                    wait = max(mine.buckets.pages.wait_s(time.monotonic()), MIN_HOLD_S)
                await asyncio.wait(waits, timeout=wait, return_when=asyncio.FIRST_COMPLETED)
                if mine.left():
                    self._note("closed: gave its place to a newcomer", address)
                    closed, held = True, None
                    await send({"type": "websocket.close", "code": 1013})  # try again later
                    return {"type": "websocket.disconnect", "code": 1013}
                if ticket is not None and ticket.granted.done():
                    ticket = None
                    if held is not None:
                        message, held = held, None
                        self._granted(mine, shared)
                        return message
                if not coming.done():
                    if held is not None and ticket is None:  # the held rerun's buckets may allow it now
                        reason = self._verdict("page", mine, shared)[0]
                        if reason is None:
                            message, held = held, None
                            return message
                        ticket = self._ticket(reason, mine)
                    continue
                message, coming = coming.result(), None
                if message.get("type") != "websocket.receive":
                    return dict(message)
                kind = kind_of(message.get("bytes"))
                reason, own = self._verdict(kind, mine, shared)
                if reason is None:
                    if kind == "page":  # a newer page's rerun carries every widget's value
                        held = None
                        if ticket is not None:
                            self.turns.cancel(ticket)
                            ticket = None
                    return dict(message)
                self._note(reason, address)
                if kind == "page" and reason in _RATES:
                    held = dict(message)
                    ticket = ticket or self._ticket(reason, mine)
                if own and mine.dropped(time.monotonic()):
                    self._note("closed", address)
                    closed, held = True, None
                    await send({"type": "websocket.close", "code": 1008})
                    return {"type": "websocket.disconnect", "code": 1008}

        async def guarded_send(message: dict) -> None:
            if mine.session_id is None and mine.looked < SESSION_FROM_MESSAGES and message.get("bytes"):
                mine.looked += 1  # the first run's first message names the session: who it is, the gate says
                mine.session_id = session_of(message["bytes"])
            if not closed:  # after this guard closed the socket, Streamlit's last messages go nowhere
                await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        finally:
            if coming is not None:
                coming.cancel()
            if ticket is not None:
                self.turns.cancel(ticket)
            self.sockets.discard(mine)
            if mine.session_id is not None:
                WHO.forget(mine.session_id)
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]

    async def _admit(self, scope: Scope, mine: _Socket, address: str) -> bool:
        """On a class's server: whether a new socket may open (a good session cookie always may; one without, while
        fewer than this server's share of ``OUTSIDER_SOCKETS`` tabs without an account are open, or in the place of
        one of them, ``ui.server.door``)."""
        now = time.monotonic()
        budget = self._budget_now(now)
        cookies = any(k.lower() == b"cookie" and b"handteach_session=" in v for k, v in scope.get("headers") or ())
        if cookies:
            mine.cookie_signed = await asyncio.to_thread(account_of_cookie, scope) is not None
        if mine.cookie_signed or not budget.sockets:
            return True
        open_ = [s for s in list(self.sockets) if not s.left() and s.outsider()]
        if len(open_) < budget.sockets:
            return True
        place = yielder([Seat(s.address, s.opened_at) for s in open_], address, now)
        if place is not None:
            open_[place].leave()
            return True
        self._note("refused: too many tabs without an account open", address)
        return False

    def _ticket(self, reason: str, socket: _Socket) -> Ticket | None:
        """A held rerun's turn of the site's budget, asked when the budget is what holds it."""
        return self.turns.ask(socket.address, socket.page_runs) if reason == _RATES[2] else None

    def _granted(self, socket: _Socket, shared: Buckets) -> None:
        """Its turn came (the site's tokens taken by ``Turns``): the socket's and address's tokens too."""
        now = time.monotonic()
        socket.buckets.take(now, True)
        shared.take(now, True)
        socket.page_runs += 1

    def _budget_now(self, now: float) -> SiteBudget:
        """This server's share of the site's budget, read again every ``BUDGET_EVERY_S`` (the servers come and go)."""
        if now - self._budget_at >= BUDGET_EVERY_S:
            self._budget_at = now
            budget = SiteBudget.from_env().share(self.servers())
            if budget != self.budget:
                self.budget = budget
                self.outsiders = Buckets.of((budget.messages or 1.0, max(1.0, budget.messages * BURST_S)),
                                            (budget.pages or 1.0, max(1.0, budget.pages * BURST_S)))  # fmt: skip
        return self.budget

    def _forget_idle_addresses(self, now: float) -> None:
        """Forget the buckets of addresses with no socket open and none used for ``FORGET_ADDRESS_S`` (by then
        they are full again anyway)."""
        if len(self.addresses) < 256:
            return
        for address in [
            a for a, b in self.addresses.items() if a not in self.open and now - b.every.at > FORGET_ADDRESS_S
        ]:
            del self.addresses[address]

    def _verdict(self, kind: str | None, socket: _Socket, shared: Buckets) -> tuple[str | None, bool]:
        """(why the frame is dropped, or None to pass it; whether it was the socket's own doing). A frame takes from
        every bucket it passes, or from none: one held back by the address or the site costs its socket nothing."""
        if kind is None:
            return "unreadable", True
        if kind in REFUSED:
            return kind, True
        now, page, mine = time.monotonic(), kind == "page", socket.buckets
        if not mine.can(now, page):
            mine.take(now, page)
            return _RATES[0], True
        if kind == "app_heartbeat":  # a tab's sign of life costs neither the address nor the site
            mine.take(now, page)
            return None, False
        if not shared.can(now, page):
            return _RATES[1], False
        outsider = WHO.in_class and self._budget_now(now).pages > 0 and socket.outsider()
        if outsider and (not self.outsiders.can(now, page) or (page and self.turns.waiting)):  # others wait first
            return _RATES[2], False
        mine.take(now, page)
        shared.take(now, page)
        if outsider:
            self.outsiders.take(now, page)
            if page:
                socket.page_runs += 1
                self.turns.ran(socket.address, now)
        return None, False

    def _note(self, reason: str, address: str) -> None:
        self.held[reason] += 1
        if not self._said.allow():
            return
        self._said.held = 0
        said = ", ".join(f"{n:,} {why}" for why, n in self.held.most_common())
        self.held.clear()
        _LOG.warning("Dropped websocket messages since the last such line (the latest from %s): %s", address, said)


def guard_backmsgs() -> bool:
    """Wrap Streamlit's Starlette app in ``BackMsgGuard`` and keep its own answers to bad messages plain; True when
    in place. The site's budget for tabs without an account is shared by the app servers the heartbeats count."""
    from ui.server.heartbeat import live_servers

    plain_backmsg_errors()
    return wrap_streamlit_app("guards_backmsgs", lambda app: BackMsgGuard(app, live_servers))
