"""core.outputs.ws: a real WebSocket server on loopback, read by real ``websockets`` clients."""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection, connect

from core.gestures.pipeline import FrameResult
from core.outputs.messages import FORMAT_VERSION, frame_message
from core.outputs.settings import OutputError
from core.outputs.ws import WsServer
from core.types import Prediction
from tests.handmaker import make_hand


def _message(index: int, label: str = "fist", keypoints: bool = False):  # noqa: ANN202 - a FrameMessage
    result = FrameResult(hands=[make_hand()], predictions=[Prediction(label, 0.5)], frame_index=index)
    return frame_message(result, index / 30, keypoints)


def _wait(condition, what: str, timeout: float = 10.0) -> None:  # noqa: ANN001 - a predicate
    """Poll until ``condition()`` (a state, never a duration, is what the tests check)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.01)


class Reader:
    """A client reading every message on a thread of its own."""

    def __init__(self, uri: str) -> None:
        self.client = connect(uri)
        self.frames: list[dict] = []
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self) -> None:
        try:
            for text in self.client:
                self.frames.append(json.loads(text))
        except ConnectionClosed:
            pass


@pytest.fixture
def server() -> Iterator[WsServer]:
    running = WsServer(0)
    yield running
    running.close()


def test_every_client_gets_the_messages_in_order_with_their_fields(server: WsServer) -> None:
    readers = [Reader(f"ws://127.0.0.1:{server.port}") for _ in range(2)]
    _wait(lambda: server.clients == 2, "two clients")
    for i in range(50):
        server.put(_message(i, "ok" if i % 2 else "fist", keypoints=i == 49))
    _wait(lambda: all(len(r.frames) == 50 for r in readers), "50 messages at each client")
    for reader in readers:
        assert [f["frame"] for f in reader.frames] == list(range(50))
        first = reader.frames[0]
        assert (first["v"], first["type"], first["t"]) == (FORMAT_VERSION, "frame", 0.0)
        assert first["hands"] == [{"index": 0, "handedness": "Right", "skeleton": "hand", "label": "fist",
                                   "confidence": 0.5}]  # fmt: skip
        assert len(reader.frames[49]["hands"][0]["keypoints"]) == 21
        reader.client.close()
    _wait(lambda: server.clients == 0, "the clients to leave")
    assert server.stats().sent == 50 and server.stats().dropped == 0


def test_a_client_that_never_reads_is_skipped_not_waited_for(server: WsServer) -> None:
    """The slow client's buffers fill; it is skipped (counted as dropped) while a reading client gets every
    message, and every put returns at once."""
    tiny = socket.create_connection(("127.0.0.1", server.port))
    tiny.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    slow: ClientConnection = connect(f"ws://127.0.0.1:{server.port}", sock=tiny, max_queue=1)  # never reads
    fast = Reader(f"ws://127.0.0.1:{server.port}")
    _wait(lambda: server.clients == 2, "two clients")
    sent = 0
    while server.skipped == 0:  # until the slow client has been skipped at least once
        assert sent < 20_000, "the slow client was never skipped"
        for _ in range(32):  # half the queue: the channel itself drops nothing
            assert server.put(_message(sent, keypoints=True))
            sent += 1
        _wait(lambda n=sent: len(fast.frames) == n, "the reading client to keep up")
    server.put(_message(sent, "last"))
    _wait(lambda: fast.frames and fast.frames[-1]["frame"] == sent, "the reading client to get the last message")
    assert [f["frame"] for f in fast.frames] == list(range(sent + 1))  # the reading client missed nothing
    stats = server.stats()
    assert stats.sent == sent + 1 and stats.dropped == server.skipped
    slow.close_socket()
    fast.client.close()


def test_a_port_in_use_is_one_clear_error() -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    port = taken.getsockname()[1]
    try:
        with pytest.raises(OutputError, match=rf"WebSocket port {port} on 127\.0\.0\.1: already in use"):
            WsServer(port)
    finally:
        taken.close()
    assert not [t for t in threading.enumerate() if t.name == f"handteach-ws-{port}"]


def test_a_host_that_does_not_resolve_is_one_clear_error() -> None:
    with pytest.raises(OutputError, match=r"WebSocket host 'no-such-host\.invalid': cannot be resolved"):
        WsServer(0, host="no-such-host.invalid")


def test_close_frees_the_port_and_ends_the_threads() -> None:
    server = WsServer(0)
    port = server.port
    client = connect(f"ws://127.0.0.1:{port}")
    _wait(lambda: server.clients == 1, "the client")
    server.close()
    with pytest.raises(ConnectionClosed) as closed:
        client.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 1001  # going away
    assert not [t.name for t in threading.enumerate() if t.name.startswith(("handteach-ws", "handteach-out"))]
    again = WsServer(port)  # the port is free at once
    assert again.port == port
    again.close()


def _records_about(caplog: pytest.LogCaptureFixture, what: str, count: int = 1) -> list[logging.LogRecord]:
    """Wait for ``count`` log records mentioning ``what``, then return every record mentioning it."""
    _wait(lambda: sum(what in r.getMessage() for r in caplog.records) >= count, f"a log line about {what}")
    time.sleep(0.2)  # a second record or a late traceback would land by now
    return [r for r in caplog.records if what in r.getMessage() or r.exc_info]


INVALID, CUT_SHORT = "invalid HTTP request", "closed before sending a whole HTTP request"


@pytest.mark.slow
@pytest.mark.parametrize(
    ("garbage", "reason"),
    [
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\r\n\r\n", INVALID),  # TLS-like binary
        (b"HELLO\r\n\r\n", INVALID),
        (b"A" * 20_000, INVALID),  # a request line longer than the library reads
        (b"\x00\xff\x00\xfe garbage", CUT_SHORT),
        (b"", CUT_SHORT),  # a port scan: connect, close
    ],
)
def test_garbage_on_the_port_is_one_log_line_without_a_traceback(
    server: WsServer, caplog: pytest.LogCaptureFixture, garbage: bytes, reason: str
) -> None:
    """Bytes that are not a WebSocket handshake are refused in one line naming the peer, not a traceback."""
    caplog.set_level(logging.INFO)
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(garbage)
        raw.shutdown(socket.SHUT_WR)
        port = raw.getsockname()[1]
        with contextlib.suppress(ConnectionResetError):
            raw.recv(1024)  # whatever the server answers before closing
    records = _records_about(caplog, "refused a WebSocket connection")
    assert "Traceback" not in caplog.text
    assert [r.getMessage() for r in records] == [
        f"outputs: refused a WebSocket connection from 127.0.0.1:{port}: {reason}"
    ]
    assert records[0].levelno == logging.WARNING and records[0].exc_info is None
    reader = Reader(f"ws://127.0.0.1:{server.port}")  # the server goes on serving
    _wait(lambda: server.clients == 1, "a client after the garbage")
    reader.client.close()


def test_a_plain_http_request_is_one_log_line(server: WsServer, caplog: pytest.LogCaptureFixture) -> None:
    """A browser opening http://127.0.0.1:PORT gets a 426 and the log one line saying what it was."""
    caplog.set_level(logging.INFO)
    with socket.create_connection(("127.0.0.1", server.port)) as raw:
        raw.sendall(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.1 426")
    records = _records_about(caplog, "refused a WebSocket connection")
    assert "Traceback" not in caplog.text and len(records) == 1
    assert records[0].getMessage().endswith("not a WebSocket request (a plain HTTP request: use a WebSocket client)")


# ---- who may connect: the browser's Origin header ------------------------------------------------


def _connects(port: int, origin: str | None) -> bool:
    """True when a client sending ``origin`` (None: no header, as programs do) is let in; False on HTTP 403."""
    try:
        client = connect(f"ws://127.0.0.1:{port}", origin=origin, open_timeout=5)  # type: ignore[arg-type]
    except InvalidStatus as refused:
        assert refused.response.status_code == 403, refused
        return False
    client.close()
    return True


@pytest.mark.parametrize(
    "origin",
    [None, "null", "http://localhost:8501", "https://localhost", "http://127.0.0.1:3000", "http://[::1]:8080",
     "HTTP://LOCALHOST:8501"],
)  # fmt: skip
def test_programs_files_and_pages_of_this_machine_may_connect(server: WsServer, origin: str | None) -> None:
    assert _connects(server.port, origin)


@pytest.mark.slow
@pytest.mark.parametrize(
    "origin",
    ["https://evil.example.org", "http://localhost.evil.example.org", "http://127.0.0.1.nip.io:8501",
     "http://192.168.1.20:8000", "https://localhost:8501@evil.example.org"],
)  # fmt: skip
def test_a_page_from_elsewhere_is_refused_with_403_and_one_line_naming_the_setting(
    server: WsServer, caplog: pytest.LogCaptureFixture, origin: str
) -> None:
    caplog.set_level(logging.INFO)
    assert not _connects(server.port, origin)
    records = _records_about(caplog, "refused a WebSocket connection")
    assert len(records) == 1 and "Traceback" not in caplog.text
    line = records[0].getMessage()
    assert line.startswith("outputs: refused a WebSocket connection from 127.0.0.1:")
    assert f"a web page from {origin} is not allowed" in line and f"live --ws-origin {origin}" in line
    assert "Also allow web pages from" in line
    assert server.clients == 0


def test_named_origins_and_star_let_pages_from_elsewhere_in() -> None:
    named = WsServer(0, origins=["https://Sketch.example.org/"])  # as people type it: case and a slash forgiven
    try:
        assert _connects(named.port, "https://sketch.example.org")
        assert _connects(named.port, "http://localhost:8501")  # the defaults stay
        assert not _connects(named.port, "http://sketch.example.org")  # another scheme is another origin
        assert not _connects(named.port, "https://sketch.example.org:8443")
    finally:
        named.close()
    anyone = WsServer(0, origins=["*"])
    try:
        assert _connects(anyone.port, "https://evil.example.org")
    finally:
        anyone.close()
