"""core.outputs.ws: a real WebSocket server on loopback, read by real ``websockets`` clients."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from websockets.exceptions import ConnectionClosed
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
