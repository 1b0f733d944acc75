"""The Scratch editor as a Streamlit component: ``ui/scratch/editor_build`` (``make scratch``) served from the app's
own origin, as the browser path's component is.

The page hands it the project's gestures (their names as characters, never markup), its model as ONNX (the bytes
the browser path runs, ``ui.browser.model``), Live's unknown settings and, once, a checked ``.sb3`` to open. The
editor's tab finds the hands and decides the gestures itself; it sends the server nothing per frame.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

import streamlit.components.v1 as components

from core.gestures.catalog import GestureClass, shown_name

BUILD_DIR = Path(__file__).parent / "editor_build"
ASSETS = ("index.html", "start.js", "host.js", "scratch-gui.js", "react.production.min.js",
          "react-dom.production.min.js", "ort.wasm.min.js", "vision_wasm_internal.wasm", "hand_landmarker.task",
          "SOURCE.txt")  # fmt: skip
BUILD_COMMAND = "make scratch"
POSE_MODEL = (
    "pose_landmarker.task"  # body-pose games only; made where mediapipe is installed (scratch/make_pose_task.py)
)
HEIGHT = 760  # px: scratch-gui needs 1024×640 at least; its menu bar and the stage's controls above that


def missing_assets(build_dir: Path = BUILD_DIR) -> list[str]:
    """The built files the editor needs and ``build_dir`` lacks (empty: it can run)."""
    return [name for name in ASSETS if not (build_dir / name).is_file()]


@functools.cache
def _declared() -> Any:
    return components.declare_component("handteach_scratch", path=str(BUILD_DIR))


def gesture_args(gestures: list[GestureClass]) -> list[dict[str, str]]:
    """The blocks' menu: each gesture's stored name (the value a project keeps), emoji and shown name."""
    return [{"name": g.name, "emoji": g.emoji, "shown": shown_name(g.name)} for g in gestures]


def editor(key: str, gestures: list[GestureClass], starter: bool, **args: Any) -> Any:
    """Render the editor; returns its last answer to a ``save_request`` (``ui.scratch.saving``), or None. ``args``
    pass on: ``model`` (ONNX bytes), ``model_version``, ``tolerance``, ``threshold``, ``steady``, ``project_id`` and
    ``project_data`` (an .sb3 to open once), ``project_key`` and ``save_request``."""
    return _declared()(key=key, default=None, height=HEIGHT, gestures=gesture_args(gestures), starter=starter, **args)
