"""The browser path's Streamlit component: the built frontend (``frontend/``, ``make frontend``) declared once.

The iframe opens the camera, runs MediaPipe's HandLandmarker and the project's ONNX itself, and sends the
server events only (``frontend/src``): ``status`` (ready, or a camera problem), ``model`` (the model it now
runs), ``labels`` (Live: each hand's label when it changes) and ``take`` (Record: a whole take at its end,
``core.data.imports.browser_take``). Every value carries the iframe's random ``tab`` id and a ``seq`` number, so an
event is handled once although Streamlit returns the component's last value on every rerun.

A component has one value, and a value set before the server read the one before replaces it unseen: each run
acknowledges the event it reads (the ``ack`` argument), and the tab sends a take, a status or a model event only
once the one before it is acknowledged (``frontend/src/outbox.js``); label events, the newest only, wait behind.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from core.keypoints.smoothing import SmoothingConfig

BUILD_DIR = Path(__file__).parent / "frontend_build"
ASSETS = ("index.html", "app.js", "handworker.js", "vision_wasm_internal.js", "vision_wasm_internal.wasm", "ort.wasm.min.js",
          "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm", "hand_landmarker.task",
          "hand_landmarker_lite.task")  # fmt: skip
BUILD_COMMAND = "make frontend"
HEIGHT = 520  # px: a 640×480 preview and a line of text; the iframe sets its own height once it runs


def missing_assets(build_dir: Path = BUILD_DIR) -> list[str]:
    """The built files the component needs and ``build_dir`` lacks (empty: the browser path can run)."""
    return [name for name in ASSETS if not (build_dir / name).is_file()]


@functools.cache
def _declared() -> Any:
    return components.declare_component("handteach_camera", path=str(BUILD_DIR))


def camera(key: str, mode: str, num_hands: int, **args: Any) -> dict | None:
    """Render the component (``mode``: "record" or "live") and return its latest event if it is new, else None.

    ``args`` pass on as they are: ``model`` (ONNX bytes), ``model_version``, ``tolerance``, ``threshold``,
    ``take`` (a ``TakeTicket.as_args()``), ``steady`` (``steady_args``), ``debug_frames`` (the browser tests read
    that many frames' results).
    """
    ack = acknowledgement(st.session_state.get(key))  # the value this run reads, known before the call renders
    value = _declared()(key=key, default=None, mode=mode, num_hands=int(num_hands), ack=ack, **args)
    return fresh_event(st.session_state, f"{key}_seen", value)


def steady_args(config: SmoothingConfig) -> dict[str, float] | None:
    """The ``steady`` argument: the One Euro filter's settings as ``frontend/src/smoothing.js`` names them, or None
    (keypoints as the hand model gives them) when the filter is off."""
    if not config.enabled:
        return None
    return {"minCutoff": config.min_cutoff, "beta": config.beta, "dCutoff": config.d_cutoff, "maxJump": config.max_jump}


def acknowledgement(value: object) -> dict | None:
    """The ``ack`` argument for the component's current ``value``: its tab id and number, or None."""
    if not isinstance(value, dict) or not isinstance(value.get("seq"), int) or not isinstance(value.get("tab"), str):
        return None
    return {"tab": value["tab"][:64], "seq": value["seq"]}


def fresh_event(memory: Any, slot: str, value: object) -> dict | None:
    """``value`` when it is an event not seen before in ``memory[slot]`` (by its iframe's tab id and number)."""
    stamp = acknowledgement(value)
    if stamp is None:
        return None
    tab, seq = stamp["tab"], stamp["seq"]
    seen = memory.get(slot)
    if seen is not None and seen[0] == tab and seq <= seen[1]:
        return None
    memory[slot] = (tab, seq)
    return value
