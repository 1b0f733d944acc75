"""A WebSocket server (the ``websockets`` package) broadcasting each message as JSON to every client.

The server runs an asyncio loop on a thread of its own; messages reach it through a ``Channel``, whose
thread encodes the JSON and hands it to the loop (``call_soon_threadsafe``: the video thread's ``put`` only
appends to a queue). A client that does not read (its socket's buffers full) is skipped for that message,
and the skip is counted as dropped: one slow browser tab never holds up the others, the loop, or the video.

Who may connect is ``core.outputs.origins``' policy: a web page from elsewhere gets HTTP 403. Each refused
connection (such a page, garbage, a port scan, a plain HTTP request) is one line on the ``handteach.outputs``
logger, not the library's traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import http
import logging
import socket
import threading
from collections.abc import Sequence

from websockets.asyncio.server import ServerConnection, broadcast, serve
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidMessage, InvalidUpgrade, SecurityError
from websockets.http11 import Request, Response

from core.outputs.channel import Channel, ChannelStats
from core.outputs.messages import Message, to_json
from core.outputs.origins import OriginPolicy, printable
from core.outputs.settings import LOCALHOST, OutputError, check_port

CLIENT_BUFFER = 64 * 1024  # bytes a client may have waiting in the server before it is skipped
KERNEL_BUFFER = 64 * 1024  # each client socket's send buffer: bounds what the system holds for a slow client too
STOP_TIMEOUT = 5.0
LOG = logging.getLogger("handteach.outputs")


def peer(address: object) -> str:
    """``host:port`` of a socket's peer address (``[::1]:port`` for IPv6), ``?`` when there is none."""
    if not isinstance(address, tuple) or len(address) < 2:
        return "?"
    host, port = address[0], address[1]
    return f"[{host}]:{port}" if ":" in str(host) else f"{host}:{port}"


def handshake_problem(exc: BaseException | None) -> str:
    """What was wrong with a connection whose opening handshake failed, in a few words (no client bytes)."""
    if isinstance(exc, InvalidUpgrade):
        return "not a WebSocket request (a plain HTTP request: use a WebSocket client)"
    if isinstance(exc, InvalidMessage):
        closed = isinstance(exc.__cause__, EOFError)
        return "closed before sending a whole HTTP request" if closed else "invalid HTTP request"
    if isinstance(exc, SecurityError):  # a line or header over the library's bounds (16 said it InvalidMessage)
        return "invalid HTTP request"
    if isinstance(exc, InvalidHandshake):
        return f"invalid WebSocket handshake ({printable(str(exc))})"
    return f"{type(exc).__name__} during the handshake"


class _SaysRefusals(ServerConnection):
    """A connection whose opening handshake failed is refused in one warning line naming the peer and what was
    wrong, never a traceback. websockets 16 raised the failure here and logged it with a 25-line traceback; 17
    keeps it in ``handshake_exc`` and logs nothing. Either way it is said here once, and the library, finding the
    connection not open, closes it as it does for a refused origin."""

    async def handshake(self, *args: object, **kwargs: object) -> None:
        with contextlib.suppress(Exception):  # the failure stays in handshake_exc (websockets sets it before raising)
            await super().handshake(*args, **kwargs)  # type: ignore[arg-type]
        failure = self.protocol.handshake_exc
        if failure is not None:
            LOG.warning(refusal_line(peer(self.remote_address), handshake_problem(failure)))


def refusal_line(who: str, why: str) -> str:
    return f"outputs: refused a WebSocket connection from {who}: {why}"


def bind_problem(host: str, port: int, exc: OSError) -> str:
    """A sentence for a server that could not bind: the address and what to do."""
    where = f"WebSocket port {port} on {host}"
    if isinstance(exc, socket.gaierror):
        return f"WebSocket host {host!r}: cannot be resolved ({exc.strerror or exc}); give an address, e.g. 127.0.0.1"
    if exc.errno == errno.EADDRINUSE:
        return f"{where}: already in use (another program, or another Live tab, serves it); choose another port"
    if exc.errno == errno.EACCES:
        return f"{where}: permission denied (ports under 1024 need administrator rights); choose one from 1024"
    if exc.errno == errno.EADDRNOTAVAIL:
        return f"{where}: {host} is not an address of this machine; use 127.0.0.1 or 0.0.0.0"
    return f"{where}: cannot listen ({exc.strerror or exc})"


class WsServer:
    """Serves ``ws://host:port``; ``port`` 0 lets the system pick one (``self.port`` says which).

    Starting raises ``OutputError`` (port in use, host unknown, an origin not written as one) with nothing
    left running. ``origins``: web pages from elsewhere that may connect (``OriginPolicy``).
    """

    def __init__(self, port: int, host: str = LOCALHOST, capacity: int = 64, origins: Sequence[str] = ()) -> None:
        check_port(port, "WebSocket", allow_any=True)
        self.origins = OriginPolicy.of(origins)
        self.host, self.port = host, port
        self.channel_capacity = capacity
        self._clients: set[ServerConnection] = set()
        self.peak_clients = 0
        self.skipped = 0  # messages not sent to a client too slow for them (also in ``stats().dropped``)
        self._loop = asyncio.new_event_loop()
        self._stop: asyncio.Event | None = None
        self._started = threading.Event()
        self._failure: OSError | None = None
        self._thread = threading.Thread(target=self._run, name=f"handteach-ws-{port}", daemon=True)
        self._thread.start()
        self._started.wait()
        if self._failure is not None:
            self._thread.join()
            raise OutputError(bind_problem(host, port, self._failure))
        self._slots = threading.Semaphore(capacity)  # messages handed to the loop and not yet broadcast
        self.channel: Channel[Message] = Channel(f"ws-{self.port}", self._send, capacity)

    @property
    def clients(self) -> int:
        return len(self._clients)

    def put(self, message: Message) -> bool:
        return self.channel.put(message)

    def stats(self) -> ChannelStats:
        return self.channel.stats()

    def close(self) -> None:
        """Send what waits, close every client and the listening socket, join the threads: the port is free."""
        self.channel.close()
        if self._thread.is_alive() and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)  # after the broadcasts already handed over
        self._thread.join(STOP_TIMEOUT)

    # -- the channel's thread ----------------------------------------------------------------

    def _send(self, message: Message) -> None:
        if not self._slots.acquire(blocking=False):  # the loop is that far behind: it gets no more to hold
            raise OverflowError(f"the WebSocket server's loop is {self.channel_capacity} messages behind")
        self._loop.call_soon_threadsafe(self._broadcast, to_json(message))

    # -- the loop's thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            self._loop.run_until_complete(self._serve())
        finally:
            self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            # no compression: small messages, and deflate would cost CPU per frame and per client
            server = await serve(self._handler, self.host, self.port, compression=None, close_timeout=1.0,
                                 ping_interval=5.0, ping_timeout=10.0, process_request=self._check_origin,
                                 create_connection=_SaysRefusals, logger=LOG)  # fmt: skip
        except OSError as exc:
            self._failure = exc
            self._started.set()
            return
        self.port = server.sockets[0].getsockname()[1]
        self._started.set()
        async with server:  # on leaving: the listening socket closed, every client closed (1001 going away)
            await self._stop.wait()

    def _check_origin(self, connection: ServerConnection, request: Request) -> Response | None:
        """None (go on) when the page's ``Origin`` may connect; else HTTP 403 and one log line saying how to allow it."""
        origins = request.headers.get_all("Origin")
        if len(origins) <= 1 and self.origins.allows(origins[0] if origins else None):
            return None
        why = self.origins.refusal(origins[0]) if len(origins) == 1 else "more than one Origin header"
        LOG.warning(refusal_line(peer(connection.remote_address), why))
        return connection.respond(http.HTTPStatus.FORBIDDEN, f"Refused: {why}.\n")

    async def _handler(self, connection: ServerConnection) -> None:
        sock = connection.transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, KERNEL_BUFFER)
        self._clients.add(connection)
        self.peak_clients = max(self.peak_clients, len(self._clients))
        try:
            async for _ in connection:  # what clients send is ignored; reading keeps pings and closing working
                pass
        except ConnectionClosed:
            pass
        finally:
            self._clients.discard(connection)

    def _broadcast(self, text: str) -> None:
        try:
            ready = [c for c in self._clients if c.transport.get_write_buffer_size() <= CLIENT_BUFFER]
            if len(ready) < len(self._clients):
                self.skipped += len(self._clients) - len(ready)
                self.channel.count_dropped(len(self._clients) - len(ready))
            broadcast(ready, text)
        finally:
            self._slots.release()
