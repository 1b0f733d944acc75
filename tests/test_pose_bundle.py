"""``scratch/make_pose_task.py``: the Scratch editor's pose bundle, packed from the mediapipe wheel's pose networks
with the input scaling Tasks needs, finds a real person as the wheel's own pose solution does. Skips where
mediapipe is not installed (Python 3.13, aarch64: the bundle is not made there, and the docs say so)."""

from __future__ import annotations

import importlib.util
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import SHARED_DATA

SCRIPT = Path(__file__).resolve().parents[1] / "scratch" / "make_pose_task.py"
PHOTO = SHARED_DATA / "body" / "yoga8" / "images" / "tree" / "tree_001.jpg"

pytestmark = pytest.mark.slow  # mediapipe's import and two pose graphs: about 8 s


def _script():  # noqa: ANN202 - the script's module (not a package: loaded from its file)
    spec = importlib.util.spec_from_file_location("make_pose_task", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_pose_task"] = module
    spec.loader.exec_module(module)
    return module


def test_the_pose_bundle_finds_the_nose_where_the_wheels_pose_solution_does(tmp_path: Path) -> None:
    if importlib.util.find_spec("mediapipe") is None:
        pytest.skip("mediapipe is not installed here: the editor's pose bundle is not made (docs/scratch.md)")
    if not PHOTO.exists():
        pytest.skip(f"yoga8 photo not found: {PHOTO} (add ../shared/data)")
    import cv2
    import mediapipe as mp
    from mediapipe.tasks.python import BaseOptions, vision

    bundle = _script().make_pose_task(tmp_path)
    assert sorted(zipfile.ZipFile(bundle).namelist()) == ["pose_detector.tflite", "pose_landmarks_detector.tflite"]
    assert bundle.read_bytes() == _script().make_pose_task(tmp_path / "again").read_bytes()  # the same bytes each make
    options = vision.PoseLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(bundle)),
                                           running_mode=vision.RunningMode.IMAGE)  # fmt: skip
    with vision.PoseLandmarker.create_from_options(options) as landmarker:
        found = landmarker.detect(mp.Image.create_from_file(str(PHOTO))).pose_landmarks
    with mp.solutions.pose.Pose(static_image_mode=True, model_complexity=1) as legacy:
        reference = legacy.process(cv2.cvtColor(cv2.imread(str(PHOTO)), cv2.COLOR_BGR2RGB)).pose_landmarks
    assert len(found) == 1 and reference is not None
    for joint in (0, 15, 16):  # the nose and the wrists the blocks follow
        assert abs(found[0][joint].x - reference.landmark[joint].x) < 2e-3
        assert abs(found[0][joint].y - reference.landmark[joint].y) < 2e-3
