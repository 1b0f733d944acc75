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

from ui.server.limits import OncePerSecond, Receive, Scope, Send, wrap_streamlit_app

STREAM = "/_stcore/stream"
REFUSED = frozenset({"clear_cache", "debug_disconnect_websocket", "debug_shutdown_runtime"})
# (tokens a second, burst): a socket's messages and whole-page reruns; an address's (a class behind one school
# address: thirty tabs on Live, five fragments each every 0.5 s, are 300 a second)
SOCKET_ALL, SOCKET_PAGES = (25.0, 100.0), (4.0, 20.0)
ADDRESS_ALL, ADDRESS_PAGES = (400.0, 1200.0), (40.0, 120.0)
CLOSE_AFTER_DROPS, DROPS_WINDOW_S = 200, 10.0  # a socket dropped this often in a window is a script: closed
FORGET_ADDRESS_S = 60.0  # an address's buckets outlive its sockets this long: reconnecting refills nothing
MIN_HOLD_S = 0.05  # a held page's rerun is tried again at most this often (the address's bucket may be the one empty)
_RATES = ("over the socket's rate", "over the address's rate")
_LOG = logging.getLogger("handteach.server")

App = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Bucket:
    """A token bucket: ``rate`` tokens a second up to ``burst``; ``take`` is False when empty."""

    rate: float
    burst: float
    tokens: float = -1.0  # full at the first take
    at: float = 0.0

    def take(self, now: float) -> bool:
        if self.tokens < 0:
            self.tokens, self.at = self.burst, now
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = now
        if self.tokens < 1:
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


@dataclass
class _Socket:
    buckets: Buckets
    drops: int = 0
    window_at: float = field(default_factory=time.monotonic)

    def dropped(self, now: float) -> bool:
        """Count a drop of this socket's own doing; True when the socket should be closed."""
        if now - self.window_at > DROPS_WINDOW_S:
            self.drops, self.window_at = 0, now
        self.drops += 1
        return self.drops > CLOSE_AFTER_DROPS


class BackMsgGuard:
    """ASGI middleware on Streamlit's websocket: each incoming frame read first (see the module docstring)."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.addresses: dict[str, Buckets] = {}
        self.open: Counter[str] = Counter()
        self.held: Counter[str] = Counter()  # what was dropped since the last log line, by reason
        self._said = OncePerSecond()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not str(scope.get("path", "")).endswith(STREAM):
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown", 0))[0]
        self.open[address] += 1
        self._forget_idle_addresses(time.monotonic())
        shared = self.addresses.setdefault(address, Buckets.of(ADDRESS_ALL, ADDRESS_PAGES))
        mine = _Socket(Buckets.of(SOCKET_ALL, SOCKET_PAGES))
        closed = False
        held: dict | None = None  # the latest whole-page rerun dropped for a rate: passed on once the buckets allow
        coming: asyncio.Future | None = None  # the tab's next message, awaited while one is held

        async def guarded_receive() -> dict:
            nonlocal closed, held, coming
            while True:
                if coming is None:
                    coming = asyncio.ensure_future(receive())
                if held is not None:
                    wait = max(mine.buckets.pages.wait_s(time.monotonic()), MIN_HOLD_S)
                    if not (await asyncio.wait({coming}, timeout=wait))[0]:  # nothing newer came meanwhile
                        if self._verdict("page", mine.buckets, shared)[0] is None:
                            message, held = held, None
                            return message
                        continue
                message, coming = await coming, None
                if message.get("type") != "websocket.receive":
                    return dict(message)
                kind = kind_of(message.get("bytes"))
                reason, own = self._verdict(kind, mine.buckets, shared)
                if reason is None:
                    held = None if kind == "page" else held  # a newer page's rerun carries every widget's value
                    return dict(message)
                self._note(reason, address)
                if kind == "page" and reason in _RATES:
                    held = dict(message)
                if own and mine.dropped(time.monotonic()):
                    self._note("closed", address)
                    closed, held = True, None
                    await send({"type": "websocket.close", "code": 1008})
                    return {"type": "websocket.disconnect", "code": 1008}

        async def guarded_send(message: dict) -> None:
            if not closed:  # after this guard closed the socket, Streamlit's last messages go nowhere
                await send(message)

        try:
            await self.app(scope, guarded_receive, guarded_send)
        finally:
            if coming is not None:
                coming.cancel()
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]

    def _forget_idle_addresses(self, now: float) -> None:
        """Forget the buckets of addresses with no socket open and none used for ``FORGET_ADDRESS_S`` (by then
        they are full again anyway)."""
        if len(self.addresses) < 256:
            return
        for address in [
            a for a, b in self.addresses.items() if a not in self.open and now - b.every.at > FORGET_ADDRESS_S
        ]:
            del self.addresses[address]

    @staticmethod
    def _verdict(kind: str | None, mine: Buckets, shared: Buckets) -> tuple[str | None, bool]:
        """(why the frame is dropped, or None to pass it; whether it was the socket's own doing)."""
        if kind is None:
            return "unreadable", True
        if kind in REFUSED:
            return kind, True
        now, page = time.monotonic(), kind == "page"
        if not mine.take(now, page):
            return _RATES[0], True
        if kind != "app_heartbeat" and not shared.take(now, page):
            return _RATES[1], False
        return None, False

    def _note(self, reason: str, address: str) -> None:
        self.held[reason] += 1
        if not self._said.allow():
            return
        self._said.held = 0
        said = ", ".join(f"{n:,} {why}" for why, n in self.held.most_common())
        self.held.clear()
        _LOG.warning("Dropped websocket messages since the last such line (the latest from %s): %s", address, said)


PLAIN_ERROR = "The server could not handle a message from this page: reload the page."
_BACKMSG_ERRORS = ("Error processing back message", "Error deserializing back message")


class _BackMsgErrorsOncePerSecond(logging.Filter):
    """Streamlit's "Error processing back message" records: one line a second at most, without the traceback."""

    def __init__(self) -> None:
        super().__init__()
        self._said = OncePerSecond()

    def filter(self, record: logging.LogRecord) -> bool:
        if str(record.msg) not in _BACKMSG_ERRORS:
            return True
        if not self._said.allow():
            return False
        error = record.exc_info[1] if record.exc_info else None
        shown = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}" if error else ""
        record.msg, record.args = f"{record.msg}: {shown[:200]}{self._said.held_text()}", None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def plain_backmsg_errors() -> bool:
    """What Streamlit sends a page whose message failed (``AppSession.handle_backmsg_exception``: the exception's
    type, text and stack, paths included) becomes ``PLAIN_ERROR``; its log line comes once a second at most."""
    from streamlit.runtime.app_session import AppSession

    for name in ("streamlit.runtime.app_session", "streamlit.web.server.starlette.starlette_websocket"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _BackMsgErrorsOncePerSecond) for f in logger.filters):
            logger.addFilter(_BackMsgErrorsOncePerSecond())
    original = AppSession._create_exception_message
    if getattr(original, "plain", False):
        return True

    def _create_exception_message(self: AppSession, e: BaseException) -> object:  # noqa: ARG001 - e stays unsaid
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        message = ForwardMsg()
        message.delta.new_element.exception.type = "Error"
        message.delta.new_element.exception.message = PLAIN_ERROR
        return message

    _create_exception_message.plain = True  # type: ignore[attr-defined]
    AppSession._create_exception_message = _create_exception_message  # type: ignore[method-assign]
    return True


def guard_backmsgs() -> bool:
    """Wrap Streamlit's Starlette app in ``BackMsgGuard`` and keep its own answers to bad messages plain; True when
    in place."""
    plain_backmsg_errors()
    return wrap_streamlit_app("guards_backmsgs", BackMsgGuard)
