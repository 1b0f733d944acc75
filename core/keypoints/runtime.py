"""Which runtime runs the hand and pose networks: mediapipe 0.10.21's graphs, or the same models on onnxruntime.

``HANDTEACH_KEYPOINT_RUNTIME`` chooses for the whole process (``onnx``, the default, or ``mediapipe`` where mediapipe
0.10.21 is installed: the reference the tests and ``bench/keypoints/compare.py`` hold onnx to); a tracker's config
may name one itself (``TrackerConfig.runtime``, ``PoseConfig.runtime``: the benchmark runs both side by side). Both
give the same keypoints with the same meaning (``bench/keypoints/compare.py``; docs/keypoints.md), so a project does
not record which one made its samples.
"""

from __future__ import annotations

import os

RUNTIMES = ("mediapipe", "onnx")
DEFAULT_RUNTIME = "onnx"
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
    not an ONNX model and the make step that makes it, or that the mediapipe runtime was asked for where mediapipe
    is not installed (a server or command says it and exits 2 before anything)."""
    if keypoint_runtime() == "mediapipe":
        import importlib.util

        if importlib.util.find_spec("mediapipe") is None:
            return (f"{RUNTIME_ENV}=mediapipe, but mediapipe is not installed (0.10.21 installs on CPython 3.11-3.12, "
                    f"not on ARM Linux): unset {RUNTIME_ENV} to find hands on onnxruntime")  # fmt: skip
        return None
    from core.keypoints.models import KeypointModelError, check_all

    try:
        check_all()
    except KeypointModelError as exc:
        return str(exc)
    return None
