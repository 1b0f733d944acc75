"""core.outputs.osc: real UDP on loopback, received by python-osc's own server."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_message_builder import build_msg
from pythonosc.osc_server import BlockingOSCUDPServer

from core.gestures.pipeline import FrameResult
from core.outputs.messages import OSC_GESTURE, OSC_KEYPOINTS, OSC_NONE, frame_message
from core.outputs.osc import OscSender, keypoints_datagram, pack_message
from core.outputs.settings import OutputError
from core.types import Prediction
from tests.handmaker import make_hand


class Receiver:
    """A python-osc server on a free loopback port, keeping (address, args) in arrival order.

    The blocking server handles datagrams one by one on its thread, as they arrived; the threading one
    hands each to a new thread, which may reorder them before they are kept.
    """

    def __init__(self) -> None:
        self.messages: list[tuple[str, tuple]] = []
        self.arrived = threading.Condition()
        dispatcher = Dispatcher()
        dispatcher.set_default_handler(self._keep)
        self.server = BlockingOSCUDPServer(("127.0.0.1", 0), dispatcher)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    def _keep(self, address: str, *args: object) -> None:
        with self.arrived:
            self.messages.append((address, args))
            self.arrived.notify_all()

    def wait_for(self, n: int, timeout: float = 10.0) -> list[tuple[str, tuple]]:
        with self.arrived:
            self.arrived.wait_for(lambda: len(self.messages) >= n, timeout)
            return list(self.messages)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def _frame(index: int, label: str | None) -> FrameResult:
    if label is None:
        return FrameResult(hands=[], predictions=[], frame_index=index)
    return FrameResult(hands=[make_hand()], predictions=[Prediction(label, 0.75)], frame_index=index)


def test_messages_arrive_in_order_with_their_fields(receiver: Receiver) -> None:
    sender = OscSender("localhost", receiver.port)
    assert sender.address == "127.0.0.1"  # resolved once
    labels = ["fist", "ok", None, "thumbs_up"]
    for i, label in enumerate(labels):
        sender.put(frame_message(_frame(i, label), i / 25, keypoints=i == 3))
    got = receiver.wait_for(5)
    sender.close()
    assert [address for address, _ in got] == [OSC_GESTURE, OSC_GESTURE, OSC_NONE, OSC_GESTURE, OSC_KEYPOINTS]
    assert got[0][1] == (0, "Right", "fist", 0.75, 0, 0.0)
    assert got[1][1][2] == "ok" and got[1][1][4] == 1
    assert got[2][1] == (2, pytest.approx(0.08))
    assert got[4][1][0] == 0 and len(got[4][1]) == 64  # hand 0, then 21 × (x, y, z)
    stats = sender.stats()
    assert (stats.sent, stats.dropped, stats.last_error) == (4, 0, None)


def test_nothing_listening_costs_the_producer_nothing() -> None:
    """UDP to a port nobody listens on: every put returns, and sent + dropped accounts for each frame."""
    free = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # the port is now closed: nothing listens there
    sender = OscSender("127.0.0.1", port)
    message = frame_message(_frame(0, "fist"), 0.0, keypoints=True)
    results = [sender.put(message) for _ in range(2000)]
    sender.close()
    stats = sender.stats()
    assert len(results) == 2000
    assert stats.sent + stats.dropped == 2000
    assert results.count(False) <= stats.dropped  # every refused put was counted


def test_a_host_that_does_not_resolve_is_one_clear_error() -> None:
    with pytest.raises(OutputError, match=r"OSC host 'no-such-host\.invalid': cannot be resolved"):
        OscSender("no-such-host.invalid", 9000)
    with pytest.raises(OutputError, match="OSC port 0"):
        OscSender("127.0.0.1", 0)


def test_osc_starts_no_thread_and_close_closes_the_socket(receiver: Receiver) -> None:
    """Datagrams leave on the caller's thread from a non-blocking socket: no thread to wake a frame or to join."""
    sender = OscSender("127.0.0.1", receiver.port)
    assert sender.put(frame_message(_frame(0, "fist"), 0.0))
    assert not [t.name for t in threading.enumerate() if t.name.startswith("handteach-out")]
    assert receiver.wait_for(1)[0][0] == OSC_GESTURE
    sender.close()
    assert not sender.put(frame_message(_frame(1, "fist"), 0.0))  # closed: refused, not raised
    assert sender.stats().sent == 1


def test_the_packed_keypoints_message_is_the_bytes_python_osc_builds() -> None:
    hand = make_hand()
    args = [1, *hand.normalised.astype(float).ravel().tolist()]
    assert keypoints_datagram(args).dgram == build_msg(OSC_KEYPOINTS, args).dgram


@pytest.mark.parametrize(
    "address_args",
    [("/handteach/gesture", [0, "Right", "thumbs_up", 0.93, 123, 4.56]), ("/handteach/gesture", [1, "Left", "", 0.0, 0, 0.0]),
     ("/handteach/none", [7, 0.25]), ("/handteach/motion", ["swipe_left ✋", 0.8, 1.5, 2.25])],
)  # fmt: skip
def test_every_packed_message_is_the_bytes_python_osc_builds(address_args: tuple[str, list]) -> None:
    address, args = address_args
    assert pack_message(address, args).dgram == build_msg(address, args).dgram
