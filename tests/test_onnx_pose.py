"""core.keypoints.onnx_pose: MediaPipe Pose on onnxruntime gives mediapipe 0.10.21's 33 points and visibility."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.io.video import read_image
from core.keypoints.onnx_pose import refine_from_heatmap
from core.keypoints.pose import PoseConfig, PoseTracker
from tests.conftest import SHARED_DATA, keypoint_models_or_skip


def _yoga(count: int) -> list[np.ndarray]:
    folder = SHARED_DATA / "body" / "yoga8" / "images"
    if not folder.is_dir():
        pytest.skip(f"real body photos not found at {folder} (expected ../shared/data beside the checkout)")
    paths: list[Path] = sorted(folder.rglob("*.jpg"))[:: max(1, len(list(folder.rglob("*.jpg"))) // count)][:count]
    return [read_image(p) for p in paths]


@pytest.mark.slow
def test_photos_give_mediapipes_people_points_and_visibility() -> None:
    keypoint_models_or_skip()
    photos = _yoga(6)
    side_by_side = np.concatenate([photos[0], np.ascontiguousarray(photos[0][:, ::-1])], axis=1)  # two people
    config = PoseConfig(static_image_mode=True, find_others=True)
    with PoseTracker(replace(config, runtime="mediapipe")) as mp, PoseTracker(replace(config, runtime="onnx")) as ox:
        pairs = [(mp.process(p), ox.process(p)) for p in [*photos, side_by_side]]
    assert len(pairs[-1][0]) == 2
    distances = []
    for reference, found in pairs:
        assert len(found) == len(reference) >= 1
        for mine, theirs in zip(found, reference, strict=True):
            distances.extend(np.linalg.norm(mine.pixel - theirs.pixel, axis=1).tolist())
            assert np.allclose(mine.visibility, theirs.visibility, atol=2e-3)
            assert np.allclose(mine.world, theirs.world, atol=2e-3) and abs(mine.score - theirs.score) < 2e-3
    assert np.median(distances) < 0.05 and np.percentile(distances, 95) < 0.5


def test_a_sure_heatmap_moves_a_point_to_its_weighted_centre_and_an_unsure_one_does_not() -> None:
    heatmap = np.full((64, 64, 2), -10.0, np.float32)
    heatmap[20, 30:32, 0] = 10.0  # two sure cells: the point goes between them
    heatmap[40, 10, 1] = -1.0  # nowhere sure: stays
    points = np.array([[29 / 64, 21 / 64], [10 / 64, 40 / 64]], np.float32)
    refined = refine_from_heatmap(points, heatmap)
    assert np.allclose(refined[0] * 64, [30.5, 20.0], atol=0.01)
    assert np.array_equal(refined[1], points[1])
    far = refine_from_heatmap(np.array([[1.2, 0.5], [0.1, 0.1]], np.float32), heatmap)  # outside: kept
    assert far[0].tolist() == pytest.approx([1.2, 0.5])
