"""core.keypoints.runtime: which runtime runs the networks, and the one line a server says when its models are not
there."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from core.keypoints.runtime import RUNTIME_ENV, UnknownRuntimeError, keypoint_runtime, models_problem


def test_the_default_is_onnx_and_the_environment_or_a_name_chooses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(RUNTIME_ENV, raising=False)
    assert keypoint_runtime() == "onnx"
    monkeypatch.setenv(RUNTIME_ENV, " MediaPipe ")
    assert keypoint_runtime() == "mediapipe"
    assert keypoint_runtime("onnx") == "onnx"  # a config's own choice wins


def test_an_unknown_runtime_is_named_with_where_it_came_from(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(RUNTIME_ENV, "tensorflow")
    with pytest.raises(UnknownRuntimeError, match=rf"'tensorflow' \({RUNTIME_ENV}\): choose one of mediapipe, onnx"):
        keypoint_runtime()


def test_tracker_configs_refuse_an_unknown_runtime() -> None:
    from core.keypoints.landmarks import TrackerConfig
    from core.keypoints.pose import PoseConfig

    with pytest.raises(UnknownRuntimeError):
        TrackerConfig(runtime="tflite")
    with pytest.raises(UnknownRuntimeError):
        PoseConfig(runtime="tflite")


def test_missing_models_are_one_line_naming_the_file_and_the_make_step(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HANDTEACH_KEYPOINT_MODELS", str(tmp_path))
    if importlib.util.find_spec("mediapipe") is not None:
        monkeypatch.setenv(RUNTIME_ENV, "mediapipe")
        assert models_problem() is None  # mediapipe needs no ONNX file
    monkeypatch.setenv(RUNTIME_ENV, "onnx")
    line = models_problem()
    assert line is not None and "\n" not in line
    assert str(tmp_path / "palm_detection_full.onnx") in line and "make keypoint-models" in line


def test_the_mediapipe_runtime_where_mediapipe_is_not_installed_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "mediapipe" else real(name, *a))
    monkeypatch.setenv(RUNTIME_ENV, "mediapipe")
    line = models_problem()
    assert (
        line is not None
        and "\n" not in line
        and "mediapipe is not installed" in line
        and f"unset {RUNTIME_ENV}" in line
    )


def test_the_server_exits_2_with_that_line_before_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ui.server.serve import main

    monkeypatch.setenv("HANDTEACH_KEYPOINT_MODELS", str(tmp_path))
    monkeypatch.setenv(RUNTIME_ENV, "onnx")
    assert main([]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "palm_detection_full.onnx is missing" in err and "make keypoint-models" in err


def test_where_a_session_finds_the_hands_is_another_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    """HANDTEACH_KEYPOINTS (browser/server) is not the runtime: a server started with it still starts."""
    monkeypatch.delenv(RUNTIME_ENV, raising=False)
    monkeypatch.setenv("HANDTEACH_KEYPOINTS", "browser")
    assert keypoint_runtime() == "onnx" and models_problem() is None
