"""The webcam's server answers the frame's newest offer (ui/webcam/offers.py): streamlit-webrtc's own context and
state objects, and SDP as Chromium writes it."""

from __future__ import annotations

from aiortc import RTCSessionDescription
from streamlit_webrtc.component import WebRtcStreamerContext, WebRtcStreamerState, generate_frontend_component_key

from ui.webcam.offers import (
    answered_another_offer,
    desired_playing_state,
    drop_a_worker_of_an_older_offer,
    ice_ufrag,
    restart_marked,
)

KEY = "live-webcam"


def _sdp(ufrag: str) -> str:
    return (f"v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n"
            f"a=ice-ufrag:{ufrag}\r\na=ice-pwd:abcdefghijklmnopqrstuvwx\r\na=mid:0\r\n")  # fmt: skip


class _Worker:  # streamlit-webrtc holds its worker by a weak reference; a WebRtcWorker's pc and stop are what is read
    def __init__(self, ufrag: str) -> None:
        self.pc = type("PC", (), {"remoteDescription": RTCSessionDescription(_sdp(ufrag), "offer")})()
        self.stopped = False

    def stop(self) -> None:
        self.stopped = True


def _session(worker: _Worker | None, offer_ufrag: str | None, playing: bool = False) -> dict:
    context = WebRtcStreamerContext(worker=worker, state=WebRtcStreamerState(playing=playing, signalling=True))
    value = {"playing": playing, "sdpOffer": {"sdp": _sdp(offer_ufrag), "type": "offer"} if offer_ufrag else None}
    return {KEY: context, generate_frontend_component_key(KEY): value}


def test_the_ufrag_names_the_offer() -> None:
    assert ice_ufrag(_sdp("YGxO")) == "YGxO" and ice_ufrag("v=0\r\n") is None and ice_ufrag("") is None
    assert answered_another_offer(_sdp("aaaa"), {"sdp": _sdp("bbbb"), "type": "offer"})
    assert not answered_another_offer(_sdp("aaaa"), {"sdp": _sdp("aaaa"), "type": "offer"})
    for offer in (None, {}, {"sdp": 5}, {"sdp": "v=0\r\n"}, "v=0"):  # nothing to compare: left alone
        assert not answered_another_offer(_sdp("aaaa"), offer)
    assert not answered_another_offer(None, {"sdp": _sdp("bbbb")})


def test_a_worker_made_for_an_older_offer_is_stopped_and_the_stream_stays_signalling() -> None:
    worker = _Worker("first")
    state = _session(worker, "third")
    assert drop_a_worker_of_an_older_offer(state, KEY)
    context = state[KEY]
    assert worker.stopped and context._get_worker() is None and context._sdp_answer_json is None
    # still signalling, so that streamlit-webrtc makes the new worker now and does not stop it next run as idle
    assert context.state.signalling and not context.state.playing


def test_the_worker_of_the_current_offer_a_playing_stream_and_no_worker_are_left_alone() -> None:
    for worker, ufrag, playing in ((_Worker("same"), "same", False), (_Worker("old"), "new", True), (None, "new", False),
                                   (_Worker("old"), None, False)):  # fmt: skip
        state = _session(worker, ufrag, playing)
        assert not drop_a_worker_of_an_older_offer(state, KEY)
        assert worker is None or (not worker.stopped and state[KEY]._get_worker() is worker)
    assert not drop_a_worker_of_an_older_offer({}, KEY)  # a page that never drew the webcam


def test_a_frame_that_took_an_older_offer_s_answer_stops_then_starts_again_by_itself() -> None:
    worker = _Worker("first")  # held here: the context keeps a weak reference
    state = _session(worker, "third")
    state[KEY]._is_sdp_answer_sent = True  # a run drew the first offer's answer: the frame's newest connection took it
    assert drop_a_worker_of_an_older_offer(state, KEY) and restart_marked(state, KEY)
    assert desired_playing_state(state, KEY, start_asked=True) is False  # still signalling: asked to stop
    state[generate_frontend_component_key(KEY)] = {"playing": False, "sdpOffer": ""}  # it stopped
    assert desired_playing_state(state, KEY, start_asked=True) is True and not restart_marked(state, KEY)


def test_an_answer_not_yet_sent_needs_no_restart_and_the_page_s_own_ask_is_kept() -> None:
    worker = _Worker("first")
    state = _session(worker, "third")
    assert drop_a_worker_of_an_older_offer(state, KEY) and not restart_marked(state, KEY)
    assert desired_playing_state(state, KEY, start_asked=True) is True
    assert desired_playing_state(state, KEY, start_asked=False) is None  # the person's own Start and Stop
