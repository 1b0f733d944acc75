"""``frontend/scripts/make_task.py``: the browser path's two hand bundles, packed from the installed mediapipe wheel.

The lite bundle's palm detector ships without metadata; given the full detector's, it loads in MediaPipe's Tasks API
and finds the hands the full bundle finds, a few pixels apart, on real webcam frames of several people
(``webcam_people``; skips without ``../shared``). A model whose tensors differ is refused rather than mislabelled.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[1] / "frontend" / "scripts" / "make_task.py"


def _make_task():  # noqa: ANN202 - the script's module (not a package: loaded from its file)
    spec = importlib.util.spec_from_file_location("make_task", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _keypoints(bundle: Path, photos: list[Path]) -> list[tuple[np.ndarray, str] | None]:
    """Each photo's first hand in pixels (21×2) and its handedness, or None, by the Tasks API in image mode."""
    import mediapipe as mp
    from mediapipe.tasks.python import vision
    from mediapipe.tasks.python.core.base_options import BaseOptions

    options = vision.HandLandmarkerOptions(base_options=BaseOptions(model_asset_path=str(bundle)), num_hands=1)
    found = []
    with vision.HandLandmarker.create_from_options(options) as landmarker:
        for photo in photos:
            image = mp.Image.create_from_file(str(photo))
            result = landmarker.detect(image)
            if not result.hand_landmarks:
                found.append(None)
                continue
            points = np.array([[p.x * image.width, p.y * image.height] for p in result.hand_landmarks[0]])
            found.append((points, result.handedness[0][0].category_name))
    return found


def test_the_lite_bundle_loads_and_finds_the_hands_the_full_one_finds(tmp_path: Path) -> None:
    people = shared_path("webcam_people")
    # one frame of each person's each gesture: 12 people, 4 gestures, their own rooms and cameras
    photos = [sorted(gesture.glob("*.jpg"))[-1] for gesture in sorted(people.glob("p*/*")) if gesture.is_dir()]
    full_task, lite_task = _make_task().make_tasks(tmp_path)
    assert (full_task.name, lite_task.name) == ("hand_landmarker.task", "hand_landmarker_lite.task")
    assert lite_task.stat().st_size < 0.6 * full_task.stat().st_size  # the lite pair, not the full one again
    full, lite = _keypoints(full_task, photos), _keypoints(lite_task, photos)
    both = [(f, lt) for f, lt in zip(full, lite, strict=True) if f is not None and lt is not None]
    assert len(both) >= 0.9 * len(photos), (len(both), len(photos))
    # mean distance over the 21 joints, as a share of the hand's size (the full model's box side)
    shares = [np.linalg.norm(f[0] - lt[0], axis=1).mean() / np.ptp(f[0], axis=0).max() for f, lt in both]
    assert np.median(shares) < 0.04 and np.percentile(shares, 90) < 0.10, (np.median(shares), max(shares))
    same_hand = sum(f[1] == lt[1] for f, lt in both)
    assert same_hand >= 0.9 * len(both), (same_hand, len(both))


def test_a_model_whose_tensors_differ_is_refused_its_metadata() -> None:
    make_task = _make_task()
    palm = (make_task.WHEEL / "modules/palm_detection/palm_detection_lite.tflite").read_bytes()
    landmarks = (make_task.WHEEL / "modules/hand_landmark/hand_landmark_full.tflite").read_bytes()
    with pytest.raises(ValueError, match="tensors differ"):
        make_task.with_metadata_of(palm, landmarks)
