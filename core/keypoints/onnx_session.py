"""onnxruntime sessions of the keypoint models (``core.keypoints.models``), one per model and thread count per process.

A session is read-only once made and onnxruntime lets several threads run it at once, so every tracker of a
process shares it: a server with many webcam streams holds each model once (MediaPipe's graphs held one copy per
tracker). Each run uses ``threads`` threads (1 by default: the least CPU a frame, as MediaPipe's XNNPACK setting).

onnxruntime 1.29 and later carry Microsoft's telemetry client (its library holds the 1DS collector's address and the
``ORT_DISABLE_TELEMETRY`` switch; Windows builds always had one). Nothing here may leave the machine, so both the
switch and ``disable_telemetry_events`` are set before the first session. (Watched with strace, 1.31.1 opened no
socket here either way; the switch costs nothing.)
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from core.keypoints.models import KeypointModelError, model_dir, model_path

_SESSIONS: dict[tuple[Path, int], Any] = {}
_LOCK = threading.Lock()


def session(name: str, threads: int = 1) -> Any:
    """The shared onnxruntime session of model ``name``; ``KeypointModelError`` (one line, the file and the make step)
    when its file is missing, truncated or not an ONNX model."""
    os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")  # before onnxruntime's environment exists
    import onnxruntime as ort

    ort.disable_telemetry_events()

    path = model_dir() / f"{name}.onnx"
    with _LOCK:
        key = (path, threads)
        if key not in _SESSIONS:
            checked = model_path(name)
            options = ort.SessionOptions()
            options.intra_op_num_threads = threads
            options.inter_op_num_threads = 1
            options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
            options.log_severity_level = 3
            try:
                _SESSIONS[key] = ort.InferenceSession(str(checked), options, providers=["CPUExecutionProvider"])
            except Exception as exc:  # onnxruntime raises its own Fail / InvalidProtobuf types
                raise KeypointModelError(f"the keypoint model {checked} could not be loaded ({type(exc).__name__}): "
                                     "make it again with `make keypoint-models`") from None  # fmt: skip
        return _SESSIONS[key]


def run(model: Any, tensor: npt.NDArray[np.float32]) -> list[npt.NDArray[np.float32]]:
    """The model's outputs, in its output order, for one (1, H, W, 3) float tensor."""
    return model.run(None, {model.get_inputs()[0].name: tensor})


def forget_sessions() -> None:
    """Drops every shared session (tests that swap the model folder)."""
    with _LOCK:
        _SESSIONS.clear()
