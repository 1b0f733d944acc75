"""Which runtime runs the hand and pose networks: mediapipe 0.10.21's graphs, or the same models on onnxruntime.

``HANDTEACH_KEYPOINT_RUNTIME`` chooses for the whole process (``mediapipe``, the default, or ``onnx``); a tracker's config
may name one itself (``TrackerConfig.runtime``, ``PoseConfig.runtime``: the benchmark runs both side by side). Both
give the same keypoints with the same meaning (``bench/keypoints/compare.py``; docs/keypoints.md), so a project does
not record which one made its samples.
"""

from __future__ import annotations

import os

RUNTIMES = ("mediapipe", "onnx")
DEFAULT_RUNTIME = "mediapipe"
RUNTIME_ENV = "HANDTEACH_KEYPOINT_RUNTIME"


class UnknownRuntimeError(ValueError):
    """A runtime name that is not one of ``RUNTIMES``."""


def keypoint_runtime(name: str | None = None) -> str:
    """``name``, else ``HANDTEACH_KEYPOINT_RUNTIME``, else the default; ``UnknownRuntimeError`` for any other word."""
    chosen = name or os.environ.get(RUNTIME_ENV, "").strip().lower() or DEFAULT_RUNTIME
    if chosen not in RUNTIMES:
        where = "" if name else f" ({RUNTIME_ENV})"
        raise UnknownRuntimeError(f"unknown keypoint runtime {chosen!r}{where}: choose one of {', '.join(RUNTIMES)}")
    return chosen


def models_problem() -> str | None:
    """None when the chosen runtime can start; else the one line saying which model file is missing, truncated or
    not an ONNX model and the make step that makes it (a server or command says it and exits 2 before anything)."""
    if keypoint_runtime() != "onnx":
        return None
    from core.keypoints.models import KeypointModelError, check_all

    try:
        check_all()
    except KeypointModelError as exc:
        return str(exc)
    return None
