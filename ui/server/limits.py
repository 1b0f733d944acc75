"""A server that lasts a class: open files raised, websockets bounded per address, resource errors quiet.

Tried at the common open-files limit of 1,024 (issue 53): 1,015 idle websockets from one script took
every descriptor, so no newcomer's page or ``/_stcore/health`` was answered, and asyncio logged
"socket.accept() out of system resource" with a traceback for every waiting connection: 48 MB of log in
10 s. Its accept loop (CPython 3.11 ``BaseSelectorEventLoop._accept_connection``) goes on trying the
``backlog`` (uvicorn: 2,048) after the first such error, logging each and scheduling a retry for each.
Three guards, each installed by ``python -m ui.server.serve`` before the server starts:

- ``raise_open_files_limit``: the soft limit up to the hard one (what the system allows), said in a line;
- ``bound_websockets``: at most ``HANDTEACH_WS_PER_ADDRESS`` (default ``WS_PER_ADDRESS``) websockets per
  client address; one over it is refused in the handshake (HTTP 403), before Streamlit makes a session;
- ``quiet_resource_errors``: the accept loop stops at the first resource error (its retry a second
  later is asyncio's own), and such errors are logged once a second at most, in one line, no traceback.

Behind a reverse proxy every client has the proxy's address unless the admin names the proxy in
``HANDTEACH_TRUSTED_PROXIES`` (``ui.server.forwarded``; no forwarded address is trusted otherwise): see docs/https.md.
"""

from __future__ import annotations

import errno
import logging
import os
import resource
import time
from collections import Counter
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

WS_PER_ADDRESS = 100  # a class of 30 behind one school address, a few tabs each, fits; one script cannot take all
RESOURCE_ERRNOS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)
_LOG = logging.getLogger("handteach.server")

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


def raise_open_files_limit() -> str:
    """Raise this process's open-files soft limit to its hard limit; returns the line saying so."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard
    if hard == resource.RLIM_INFINITY:  # Linux allows at most fs.nr_open descriptors to a process
        try:
            target = int(Path("/proc/sys/fs/nr_open").read_text())
        except (OSError, ValueError):
            target = 1 << 20
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
        except (ValueError, OSError) as exc:
            return f"Open files: {soft:,} at most (could not raise it to {target:,}: {exc})"
        return f"Open files: raised the limit from {soft:,} to {target:,}, the most this system allows"
    return f"Open files: {soft:,} at most, the most this system allows"


def ws_per_address() -> int:
    """``HANDTEACH_WS_PER_ADDRESS`` (0: no bound), else ``WS_PER_ADDRESS``."""
    try:
        return max(0, int(os.environ.get("HANDTEACH_WS_PER_ADDRESS", WS_PER_ADDRESS)))
    except ValueError:
        return WS_PER_ADDRESS


class OncePerSecond:
    """Lets a kind of message through once a second; counts the ones held back for the next line."""

    def __init__(self, every_s: float = 1.0) -> None:
        self.every_s, self.last, self.held = every_s, -1e9, 0

    def allow(self) -> bool:
        now = time.monotonic()
        if now - self.last < self.every_s:
            self.held += 1
            return False
        self.last = now
        return True

    def held_text(self) -> str:
        held, self.held = self.held, 0
        return f" ({held:,} more in the last second)" if held else ""


class WebsocketBound:
    """ASGI middleware: websockets per client address at most ``limit``; one over it is refused unopened."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]], limit: int) -> None:
        self.app, self.limit = app, limit
        self.open: Counter[str] = Counter()
        self._said = OncePerSecond()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "websocket" or not self.limit:
            await self.app(scope, receive, send)
            return
        address = (scope.get("client") or ("unknown", 0))[0]
        if self.open[address] >= self.limit:
            await receive()  # websocket.connect; closing before accepting answers the handshake with 403
            await send({"type": "websocket.close", "code": 1008})
            if self._said.allow():
                _LOG.warning("Refused a websocket from %s: %d open from that address (HANDTEACH_WS_PER_ADDRESS)%s",
                             address, self.open[address], self._said.held_text())  # fmt: skip
            return
        self.open[address] += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.open[address] -= 1
            if not self.open[address]:
                del self.open[address]


def wrap_streamlit_app(marker: str, wrap: Callable[[Any], Any]) -> bool:
    """Wrap every ASGI app Streamlit's Starlette server makes in ``wrap(app)``, once: ``marker`` names the wrapping
    (kept through later ones). True when in place; False on another Streamlit server, not guarded. The one owner
    of the wrapping for the websocket bound, the private routes (ui/server/private.py) and the session cookie."""
    try:
        from streamlit.web.server.starlette import starlette_server
    except ImportError:
        return False
    original = starlette_server.create_starlette_app
    if getattr(original, marker, False):
        return True

    def create_starlette_app(*args: Any, **kwargs: Any) -> Any:
        return wrap(original(*args, **kwargs))

    create_starlette_app.__dict__.update(original.__dict__)  # the markers of the wrappings already in place
    setattr(create_starlette_app, marker, True)
    starlette_server.create_starlette_app = create_starlette_app  # type: ignore[assignment]
    return True


def bound_websockets() -> bool:
    """Wrap the app Streamlit's uvicorn server serves in ``WebsocketBound``; True when in place."""
    return wrap_streamlit_app("bounds_websockets", lambda app: WebsocketBound(app, ws_per_address()))


class _ResourceErrorsOncePerSecond(logging.Filter):
    """asyncio's "out of system resource" records: one line a second at most, the error without its traceback."""

    def __init__(self) -> None:
        super().__init__()
        self._said = OncePerSecond()

    def filter(self, record: logging.LogRecord) -> bool:
        if "out of system resource" not in str(record.msg):
            return True
        if not self._said.allow():
            return False
        error = record.exc_info[1] if record.exc_info else None
        record.msg, record.args = f"{str(record.msg).splitlines()[0]}: {error}{self._said.held_text()}", None
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        return True


def quiet_resource_errors() -> bool:
    """Install the once-a-second filter on asyncio's logger and the accept loop's stop; True when both are in."""
    logger = logging.getLogger("asyncio")
    if not any(isinstance(f, _ResourceErrorsOncePerSecond) for f in logger.filters):
        logger.addFilter(_ResourceErrorsOncePerSecond())
    return _stop_accepting_at_resource_errors()


def _stop_accepting_at_resource_errors() -> bool:
    """CPython's accept loop (3.11's ``_accept_connection``), ended at the first resource error: asyncio has then
    taken the socket off its watch and scheduled one retry a second later, which is all it needs."""
    from asyncio import constants, selector_events, trsock

    loop_class = selector_events.BaseSelectorEventLoop
    original = loop_class._accept_connection
    if getattr(original, "stops_at_resource_errors", False):
        return True
    if "socket.accept() out of system resource" not in original.__code__.co_consts:
        return False  # not the loop this was written for: left alone

    def _accept_connection(self, protocol_factory, sock, sslcontext=None, server=None, backlog=100,  # noqa: ANN001, ANN202
                           ssl_handshake_timeout=constants.SSL_HANDSHAKE_TIMEOUT,
                           ssl_shutdown_timeout=constants.SSL_SHUTDOWN_TIMEOUT):  # fmt: skip
        for _ in range(backlog):
            try:
                conn, addr = sock.accept()
                conn.setblocking(False)
            except (BlockingIOError, InterruptedError, ConnectionAbortedError):
                return
            except OSError as exc:
                if exc.errno not in RESOURCE_ERRNOS:
                    raise
                self.call_exception_handler({"message": "socket.accept() out of system resource", "exception": exc,
                                             "socket": trsock.TransportSocket(sock)})  # fmt: skip
                self._remove_reader(sock.fileno())
                self.call_later(constants.ACCEPT_RETRY_DELAY, self._start_serving, protocol_factory, sock,
                                sslcontext, server, backlog, ssl_handshake_timeout, ssl_shutdown_timeout)  # fmt: skip
                return  # the one change: asyncio went on, logging and scheduling a retry per connection waiting
            accept = self._accept_connection2(protocol_factory, conn, {"peername": addr}, sslcontext, server,
                                              ssl_handshake_timeout, ssl_shutdown_timeout)  # fmt: skip
            self.create_task(accept)

    _accept_connection.stops_at_resource_errors = True  # type: ignore[attr-defined]
    loop_class._accept_connection = _accept_connection  # type: ignore[method-assign]
    return True
