"""``frontend/scripts/make_task.py``: the browser path's two hand bundles, packed from the keypoint models' ``.tflite``
files without mediapipe.

Each member is stored uncompressed at a 4-byte offset, byte for byte the wheel's model; the lite bundle loads in
MediaPipe's Tasks API and finds the hands the full bundle finds, a few pixels apart, on real webcam frames of several
people (``webcam_people``; skips without ``../shared``, or where mediapipe does not install). A missing model file
is one line naming it and the make step.
"""

from __future__ import annotations

import importlib.util
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import keypoint_models_or_skip, shared_path

pytestmark = pytest.mark.slow
SCRIPT = Path(__file__).resolve().parents[1] / "frontend" / "scripts" / "make_task.py"


def _make_task():  # noqa: ANN202 - the script's module (not a package: loaded from its file)
    spec = importlib.util.spec_from_file_location("make_task", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_each_member_is_the_models_bytes_stored_aligned(tmp_path: Path) -> None:
    from core.keypoints.models import browser_tflite

    keypoint_models_or_skip()
    for bundle, members in zip(_make_task().make_tasks(tmp_path), _make_task().BUNDLES.values(), strict=True):
        raw = bundle.read_bytes()
        with zipfile.ZipFile(bundle) as archive:
            for info in archive.infolist():
                start = info.header_offset + 30 + int.from_bytes(raw[info.header_offset + 26 : info.header_offset + 28],
                                                                 "little") + int.from_bytes(
                    raw[info.header_offset + 28 : info.header_offset + 30], "little")  # fmt: skip
                assert info.compress_type == zipfile.ZIP_STORED and start % 4 == 0, (bundle.name, info.filename)
                assert raw[start : start + info.file_size] == browser_tflite(members[info.filename])


def test_a_missing_model_is_one_line_naming_it_and_the_make_step(tmp_path: Path) -> None:
    from core.keypoints.models import KeypointModelError

    with pytest.raises(
        KeypointModelError, match=r"palm_detection_full\.tflite is missing: make it with `make keypoint"
    ):
        _make_task().make_tasks(tmp_path / "out", models=tmp_path)
    assert not (tmp_path / "out" / "hand_landmarker.task").exists()


def _keypoints(bundle: Path, photos: list[Path]) -> list[tuple[np.ndarray, str] | None]:
    """Each photo's first hand in pixels (21×2) and its handedness, or None, by the Tasks API in image mode."""
    mp = pytest.importorskip("mediapipe", reason="mediapipe 0.10.21 installs on CPython 3.11-3.12 off ARM only")
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
