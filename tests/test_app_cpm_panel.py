"""ui.live.cpm_panel: the CPM views laid out for where the page shows them, from the shipped CPM on a real frame;
a ResNet-deconv's views (heatmaps and attention) from a random one on the same frame."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import resdeconv_checkpoint, shared_path

from core.cpm.estimator import CPMEstimator, CPMResult
from core.io.video import iter_frames
from ui.live.cpm_panel import (
    ATTENTION_CAPTION,
    ATTENTION_TILE,
    CAPTIONS,
    HM_TILE,
    MULTI_TILE,
    SINGLE_SIDE,
    caption,
    render,
)


def _frame_and_box() -> tuple[np.ndarray, tuple[float, float, float, float]]:
    """Frame 40 of the finger-spelling video and MediaPipe's box for its hand."""
    video = shared_path("video", "asl_hand.25fps.mp4")
    points = np.asarray(json.loads(shared_path("video", "asl_hand.full.json").read_text())[40], np.float32)[:, :2]
    rgb = next(frame for index, frame in iter_frames(video) if index == 40)
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return rgb, (float(x0), float(y0), float(x1), float(y1))


@pytest.fixture(scope="module")
def result() -> CPMResult:
    """The CPM on frame 40 of the finger-spelling video, in MediaPipe's box for it."""
    return CPMEstimator().estimate(*_frame_and_box())


@pytest.fixture(scope="module")
def resdeconv_result(tmp_path_factory: pytest.TempPathFactory) -> CPMResult:
    """A random ResNet-deconv (full attention) on the same frame and box."""
    folder: Path = tmp_path_factory.mktemp("rd")
    return CPMEstimator(resdeconv_checkpoint(folder)).estimate(*_frame_and_box())


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


def test_a_resnet_deconv_shows_heatmaps_attention_and_pose_in_one_grid(result: CPMResult, resdeconv_result) -> None:  # noqa: ANN001
    assert len(resdeconv_result.beliefs) == 1 and resdeconv_result.attention.shape[0] == 7
    grid = render(resdeconv_result, "MULTI", narrow=True)  # 3x3: about 150 px tiles in the video column
    assert grid.shape == (3 * ATTENTION_TILE, 3 * ATTENTION_TILE, 3) and grid.dtype == np.uint8
    assert np.array_equal(render(resdeconv_result, "MULTI"), grid)  # the photo's panel shows it 600 px wide
    assert caption(resdeconv_result, "MULTI") == ATTENTION_CAPTION and caption(result, "MULTI") == CAPTIONS["MULTI"]
    assert caption(resdeconv_result, "HM") == CAPTIONS["HM"]
    # the other views are the CPM's, one stack of heatmaps as its last stage
    assert render(resdeconv_result, "HM").shape == render(result, "HM").shape == (4 * HM_TILE, 6 * HM_TILE, 3)
    assert render(resdeconv_result, "SINGLE").shape == (SINGLE_SIDE, SINGLE_SIDE, 3)
