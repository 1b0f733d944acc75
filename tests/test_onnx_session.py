"""core.keypoints.onnx_session: one onnxruntime session per model and thread count, shared by a process's trackers."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from core.keypoints.models import MANIFEST, KeypointModelError
from core.keypoints.onnx_session import forget_sessions, session
from tests.conftest import keypoint_models_or_skip


@pytest.fixture(autouse=True)
def _fresh_sessions():
    forget_sessions()
    yield
    forget_sessions()


def test_trackers_share_one_session_per_model_and_thread_count() -> None:
    keypoint_models_or_skip()
    first = session("hand_landmark_lite")
    assert session("hand_landmark_lite") is first
    assert session("hand_landmark_lite", threads=2) is not first
    assert [o.name for o in first.get_outputs()] == ["Identity", "Identity_1", "Identity_2", "Identity_3"]


def test_a_file_as_made_that_onnxruntime_cannot_read_is_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = b"these bytes are no ONNX model"
    (tmp_path / "pose_detection.onnx").write_bytes(data)
    entry = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    (tmp_path / MANIFEST).write_text(json.dumps({"files": {"pose_detection.onnx": entry}}), encoding="utf-8")
    monkeypatch.setenv("HANDTEACH_KEYPOINT_MODELS", str(tmp_path))
    with pytest.raises(KeypointModelError, match="pose_detection.onnx could not be loaded .*make keypoint-models"):
        session("pose_detection")


def test_a_missing_model_names_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HANDTEACH_KEYPOINT_MODELS", str(tmp_path))
    with pytest.raises(KeypointModelError, match=r"hand_landmark_full\.onnx is missing"):
        session("hand_landmark_full")


def test_onnxruntimes_telemetry_is_switched_off_before_a_session(monkeypatch: pytest.MonkeyPatch) -> None:
    keypoint_models_or_skip()
    monkeypatch.delenv("ORT_DISABLE_TELEMETRY", raising=False)
    session("hand_landmark_lite")
    import os

    assert os.environ["ORT_DISABLE_TELEMETRY"] == "1"
