"""core.outputs.hub: ``Outputs`` opens what the settings ask for, filters "on change", and closes cleanly."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator

import numpy as np
import pytest
from websockets.sync.client import connect

from core.gestures.pipeline import FrameResult
from core.motion.spotting import SpotEvent
from core.outputs.hub import Outputs
from core.outputs.messages import OSC_GESTURE, OSC_KEYPOINTS, OSC_MOTION, OSC_NONE
from core.outputs.settings import OutputError, OutputSettings
from core.types import Prediction
from tests.handmaker import make_hand
from tests.test_outputs_osc import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.close()


def _result(index: int, label: str | None) -> FrameResult:
    if label is None:
        return FrameResult(hands=[], predictions=[], frame_index=index)
    return FrameResult(hands=[make_hand()], predictions=[Prediction(label, 0.8)], frame_index=index)


LABELS = ["fist", "fist", "fist", "ok", "ok", None, None, "ok"]


def _our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(("handteach-ws", "handteach-out"))]


def test_on_change_sends_only_changes_and_every_frame_sends_all(receiver: Receiver) -> None:
    with Outputs(OutputSettings(osc=("127.0.0.1", receiver.port))) as outputs:
        for i, label in enumerate(LABELS):
            outputs.publish(_result(i, label), i / 30)
        got = receiver.wait_for(4)
    assert [(a, args[-2] if a == OSC_GESTURE else args[0]) for a, args in got] == [
        (OSC_GESTURE, 0), (OSC_GESTURE, 3), (OSC_NONE, 5), (OSC_GESTURE, 7)]  # fmt: skip
    assert outputs.stats().sent == 4
    receiver.messages.clear()
    with Outputs(OutputSettings(osc=("127.0.0.1", receiver.port), every_frame=True, keypoints=True)) as outputs:
        for i, label in enumerate(LABELS):
            outputs.publish(_result(i, label), i / 30)
        got = receiver.wait_for(14)
    assert [a for a, _ in got].count(OSC_GESTURE) == 6 and [a for a, _ in got].count(OSC_KEYPOINTS) == 6
    assert [a for a, _ in got].count(OSC_NONE) == 2


def test_motion_events_go_to_both_outputs(receiver: Receiver) -> None:
    event = SpotEvent("swipe_left", 0.9, 1.0, 1.5, np.zeros((3, 2), np.float32), Prediction("swipe_left", 0.9))
    with Outputs(OutputSettings(osc=("127.0.0.1", receiver.port), ws_port=0)) as outputs:
        client = connect(f"ws://127.0.0.1:{outputs.ws_port}")
        while outputs.stats().clients < 1:
            threading.Event().wait(0.01)
        outputs.publish_motion(event)
        assert json.loads(client.recv(timeout=10))["label"] == "swipe_left"
        assert receiver.wait_for(1)[0] == (OSC_MOTION, ("swipe_left", pytest.approx(0.9), 1.0, 1.5))
        client.close()
    stats = outputs.stats()
    assert (stats.sent, stats.dropped, stats.peak_clients, stats.last_error) == (2, 0, 1, None)
    assert stats.line() == "sent 2 · dropped 0 · clients 0"


def test_update_changes_what_is_sent_without_reopening(receiver: Receiver) -> None:
    settings = OutputSettings(osc=("127.0.0.1", receiver.port), ws_port=0)
    with Outputs(settings) as outputs:
        port = outputs.ws_port
        assert outputs.update(OutputSettings(osc=settings.osc, ws_port=0, every_frame=True))
        assert outputs.ws_port == port and outputs.settings.every_frame
        assert not outputs.update(OutputSettings(osc=("127.0.0.1", receiver.port + 1), ws_port=0))
        for i in range(3):
            outputs.publish(_result(i, "fist"), 0.0)
        assert len(receiver.wait_for(3)) == 3


def test_a_websocket_port_in_use_closes_the_osc_output_it_opened_first(receiver: Receiver) -> None:
    taken = socket.socket()
    taken.bind(("127.0.0.1", 0))
    taken.listen()
    try:
        with pytest.raises(OutputError, match="already in use"):
            Outputs(OutputSettings(osc=("127.0.0.1", receiver.port), ws_port=taken.getsockname()[1]))
    finally:
        taken.close()
    assert _our_threads() == []
