"""The webcam's server answers the frame's newest WebRTC offer, never an older one (issue 55).

streamlit-webrtc's frame (0.79.0) can start two or three times within milliseconds when it is asked to start by
itself (``desired_playing_state``) and redrawn meanwhile: each start makes its own RTCPeerConnection and offer,
and the frame keeps only the newest. The server makes its worker from whichever offer the first rerun reads, and
the answer then went to the newest connection, whose checks carried other ICE credentials and went unanswered
(over 100 checks, 0 replies, in the frame's own statistics) until the browser gave up after 15 s and offered again:
a student moved to the server path waited 17.8 and 49.8 s for a label in 2 of 11 probe runs (2.6-5.2 s in the
others). Before the answer goes out, a worker made for another offer than the frame's current one is stopped, and
this run makes one for the current offer.

Where the older offer's answer had already gone out, the frame took it for its newest connection, which then cannot
connect: a tab moved to the server path by a graph that stopped mid-stream waited 31-96 s for a label in 6 of 8
probe runs and 4 of 4 test runs, the frame offering again each time its connection failed (about 30 s) and starting
twice again. Such a frame is asked to stop (``desired_playing_state=False``) and, once it has, to start again by
itself: 1.5-4.7 s in 14 of 14 fallback tests since.
"""

from __future__ import annotations

import re
from typing import Any

_UFRAG = re.compile(r"^a=ice-ufrag:(\S+)", re.MULTILINE)


def ice_ufrag(sdp: str) -> str | None:
    """An SDP's ICE user fragment: what names one peer connection's offer (the first, with BUNDLE all are one)."""
    found = _UFRAG.search(sdp or "")
    return found.group(1) if found else None


def answered_another_offer(answered_sdp: str | None, offer: Any) -> bool:
    """Whether the worker's offer (``answered_sdp``, its remote description) is not the frame's current ``offer``
    (the component's ``sdpOffer``: ``{"sdp": ..., "type": ...}``); False while either is not there yet."""
    if not answered_sdp or not isinstance(offer, dict) or not isinstance(offer.get("sdp"), str):
        return False
    ours, theirs = ice_ufrag(answered_sdp), ice_ufrag(offer["sdp"])
    return ours is not None and theirs is not None and ours != theirs


_RESTART = "handteach_webcam_restart:{}"


def drop_a_worker_of_an_older_offer(session_state: Any, key: str) -> bool:
    """Stop ``key``'s worker when it answers an offer the webcam's frame no longer holds, so that the
    ``webrtc_streamer`` call that follows makes one for the frame's current offer; True when it did. Where that
    worker's answer had already gone to the frame, the frame is marked to start again (``desired_playing_state``)."""
    from streamlit_webrtc.component import _reset_context, compile_state, generate_frontend_component_key

    context = session_state.get(key)
    value = session_state.get(generate_frontend_component_key(key))
    if context is None or not isinstance(value, dict) or value.get("playing"):
        return False
    worker = context._get_worker()
    description = getattr(getattr(worker, "pc", None), "remoteDescription", None)
    if not answered_another_offer(getattr(description, "sdp", None), value.get("sdpOffer")):
        return False
    if context._is_sdp_answer_sent:  # the frame's newest connection took it: it cannot connect
        session_state[_RESTART.format(key)] = True
    _reset_context(context)
    context._set_state(compile_state(value))  # still signalling: else the next run stops the new worker as idle
    return True


def desired_playing_state(session_state: Any, key: str, start_asked: bool) -> bool | None:
    """What ``key``'s frame is asked to do: stop (False) while it holds a connection marked to start again, then
    start by itself (True) once it has stopped, as where ``start_asked`` (the page asked it to start by itself);
    else None (the person's own Start and Stop)."""
    from streamlit_webrtc.component import generate_frontend_component_key

    if session_state.get(_RESTART.format(key)):
        value = session_state.get(generate_frontend_component_key(key))
        if isinstance(value, dict) and (value.get("playing") or value.get("sdpOffer")):
            return False
        del session_state[_RESTART.format(key)]
        return True
    return True if start_asked else None


def restart_marked(session_state: Any, key: str) -> bool:
    """Whether ``key``'s frame is being stopped to start again (the page keeps asking it to start until it plays)."""
    return bool(session_state.get(_RESTART.format(key)))
