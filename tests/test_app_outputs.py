"""Live's Outputs expander under ``AppTest``: real sockets on loopback, opened and closed by the page.

AppTest runs no WebRTC, so the frames come from the page's own ``StreamSession`` fed by a fake tracker
(the path the WebRTC callback takes); the outputs it publishes to are the page's.
"""

from __future__ import annotations

import json
import socket
import threading
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest
from test_app_pages import app, texts
from test_app_stream import FakeTracker
from test_outputs_osc import Receiver
from websockets.sync.client import connect

from core.outputs.hub import Outputs
from core.outputs.messages import OSC_MOTION
from core.outputs.settings import OutputSettings
from core.skeletons import HAND_21
from core.types import Prediction
from tests.handmaker import make_hand
from ui.live.spotting import SpotFeed
from ui.webcam.stream import StreamSession


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _serve_ws(at: AppTest, port: int, origins: str | None = None) -> AppTest:
    at.toggle(key="live_ws_on").set_value(True)
    at.run()  # the port and the origins are greyed out until the switch is on, as for a person
    at.number_input(key="live_ws_port").set_value(port)
    if origins is not None:
        at.text_input(key="live_ws_origins").input(origins)
    return at.run()


def shown(at: AppTest) -> str:
    """The page's text as a reader sees it (``ui.common.text.plain`` keeps "ws://" from becoming a link with a joiner)."""
    return texts(at).replace("\u2060", "")


def _our_threads() -> list[str]:
    return [t.name for t in threading.enumerate() if t.name.startswith(("handteach-ws", "handteach-out"))]


def test_the_expander_serves_a_websocket_that_gets_the_frames_and_closes_it_when_off(data_dir: Path) -> None:
    at = app("live", more=True)
    assert any(e.label.startswith("📡 Outputs") for e in at.expander)
    port = _free_port()
    _serve_ws(at, port)
    assert not at.exception and not at.error
    assert f"WebSocket ws://127.0.0.1:{port} · on change" in shown(at)
    assert "sent 0 · dropped 0 · clients 0" in shown(at)  # the status line of the results fragment

    session: StreamSession = at.session_state["handteach_stream_live"]
    session.tracker_factory = FakeTracker
    client = connect(f"ws://127.0.0.1:{port}")
    while session.outputs is None or session.outputs.stats().clients < 1:
        threading.Event().wait(0.01)
    session.process(np.zeros((480, 640, 3), np.uint8))  # what the WebRTC callback does with a frame
    message = json.loads(client.recv(timeout=10))
    assert message["v"] == 1 and message["hands"][0]["handedness"] == "Right"
    assert message["hands"][0]["label"] in {*session.snapshot().hands[0][1].probabilities, "unknown"}

    at.segmented_control(key="live_out_mode").set_value("Every frame")
    at.run()  # what is sent changes; the server and its client stay
    assert session.outputs is not None and session.outputs.settings.every_frame and session.outputs.ws_port == port
    assert session.outputs.stats().clients == 1

    at.toggle(key="live_ws_on").set_value(False)
    at.run()
    assert session.outputs is None and _our_threads() == []
    client.close()
    _serve_ws(at, port)  # the port is free again at once: turning it back on works
    assert not at.error and session.outputs is not None and session.outputs.ws_port == port
    at.toggle(key="live_ws_on").set_value(False)
    at.run()
    assert _our_threads() == []


def test_a_port_in_use_is_one_message_and_live_goes_on(data_dir: Path) -> None:
    at = app("live", more=True)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        _serve_ws(at, port)
        assert not at.exception
        errors = [e.value for e in at.error]
        assert errors == [f"Outputs off: WebSocket port {port} on 127.0.0.1: already in use (another program, or "
                          "another Live tab, serves it); choose another port"]  # fmt: skip
        assert "Labels:" in texts(at)  # the rest of Live is there
        assert at.session_state["handteach_stream_live"].outputs is None


def test_an_osc_host_that_does_not_resolve_is_one_message(data_dir: Path) -> None:
    at = app("live", more=True)
    at.toggle(key="live_osc_on").set_value(True)
    at.run()  # the host is greyed out until the switch is on
    at.text_input(key="live_osc_host").input("no-such-host.invalid")
    at.run()
    assert not at.exception
    assert [e.value for e in at.error][0].startswith("Outputs off: OSC host 'no-such-host.invalid': cannot be resolved")
    at.text_input(key="live_osc_host").input("127.0.0.1")
    at.run()
    assert not at.error and "OSC → 127.0.0.1:12000" in shown(at)
    at.toggle(key="live_osc_on").set_value(False)
    at.run()
    assert _our_threads() == []


def test_the_expander_lets_named_web_pages_connect_and_refuses_others(data_dir: Path) -> None:
    from websockets.exceptions import InvalidStatus

    at = app("live", more=True)
    port = _free_port()
    _serve_ws(at, port, origins="https://sketch.example.org/ , not an origin")
    error = [e.value for e in at.error][0].replace("\u2060", "")  # ui.common.text.plain keeps URLs from becoming links
    assert error.startswith("Outputs off: WebSocket origin 'not': expected SCHEME://HOST")
    at.text_input(key="live_ws_origins").input("https://sketch.example.org/")
    at.run()
    assert not at.error and "also pages of https://sketch.example.org" in shown(at)
    session: StreamSession = at.session_state["handteach_stream_live"]
    assert session.outputs is not None and session.outputs.settings.ws_origins == ("https://sketch.example.org",)
    connect(f"ws://127.0.0.1:{port}", origin="https://sketch.example.org").close()  # type: ignore[arg-type]
    try:
        connect(f"ws://127.0.0.1:{port}", origin="https://evil.example.org")  # type: ignore[arg-type]
        raise AssertionError("a page from elsewhere connected")
    except InvalidStatus as refused:
        assert refused.response.status_code == 403
    at.toggle(key="live_ws_on").set_value(False)
    at.run()
    assert _our_threads() == []


class SaysSwipeLeft:
    """A clip classifier that names every motion it is shown swipe_left: the spotter decides when one ends."""

    skeleton = HAND_21
    classes = ["swipe_left", "swipe_right"]

    def predict_clip(self, clip: object) -> Prediction:
        return Prediction("swipe_left", 0.9, {"swipe_left": 0.9, "swipe_right": 0.1})


def test_a_motion_projects_events_go_out_as_they_end() -> None:
    """Live's motion feed hands each event to the outputs (``feed.on_event``), on its worker thread."""
    receiver = Receiver()
    outputs = Outputs(OutputSettings(osc=("127.0.0.1", receiver.port)))
    feed = SpotFeed(SaysSwipeLeft())  # type: ignore[arg-type]
    feed.on_event = outputs.publish_motion
    xs = np.r_[np.full(20, 0.25), np.linspace(0.25, 0.75, 12), np.full(25, 0.75)]  # still, a swipe, still
    for i, x in enumerate(xs):
        feed.on_frame([make_hand(offset=(640 * x, 300.0))], i / 25, np.zeros((480, 640, 3), np.uint8))
    feed.flush()
    got = receiver.wait_for(1)
    outputs.close()
    receiver.close()
    assert [e.label for e in feed.events()] == ["swipe_left"]
    assert [(address, args[0]) for address, args in got] == [(OSC_MOTION, "swipe_left")]
