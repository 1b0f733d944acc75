"""ui.cpm_panel: the CPM views laid out for where the page shows them, from the shipped CPM on a real frame."""

from __future__ import annotations

import json

import numpy as np
import pytest
from conftest import shared_path

from core.cpm.estimator import CPMEstimator, CPMResult
from core.io.video import iter_frames
from ui.cpm_panel import HM_TILE, MULTI_TILE, SINGLE_SIDE, render


@pytest.fixture(scope="module")
def result() -> CPMResult:
    """The CPM on frame 40 of the finger-spelling video, in MediaPipe's box for it."""
    video = shared_path("video", "asl_hand.25fps.mp4")
    points = np.asarray(json.loads(shared_path("video", "asl_hand.full.json").read_text())[40], np.float32)[:, :2]
    rgb = next(frame for index, frame in iter_frames(video) if index == 40)
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return CPMEstimator().estimate(rgb, (float(x0), float(y0), float(x1), float(y1)))


def test_views_fill_a_column_or_the_page_with_tiles_big_enough_to_read(result: CPMResult) -> None:
    stages = len(result.beliefs)
    assert stages == 3  # MULTI: three stages and the pose, a 2×2 grid in the video column
    strip = render(result, "MULTI")
    assert strip.shape == (MULTI_TILE, 4 * MULTI_TILE, 3) and strip.dtype == np.uint8
    grid = render(result, "MULTI", narrow=True)
    assert grid.shape == (2 * MULTI_TILE, 2 * MULTI_TILE, 3)
    assert np.array_equal(grid[:MULTI_TILE, MULTI_TILE:], strip[:, MULTI_TILE : 2 * MULTI_TILE])  # stage 2
    assert np.array_equal(grid[MULTI_TILE:, MULTI_TILE:], strip[:, 3 * MULTI_TILE :])  # the pose, last
    assert render(result, "SINGLE").shape == render(result, "SINGLE", narrow=True).shape == (SINGLE_SIDE,) * 2 + (3,)
    assert render(result, "HM").shape == (4 * HM_TILE, 6 * HM_TILE, 3)  # 21 joints and the pose
    assert render(result, "HM", narrow=True).shape == (6 * HM_TILE, 4 * HM_TILE, 3)
