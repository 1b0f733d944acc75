"""ui.live.cpm_panel: the CPM views laid out for where the page shows them, from the shipped CPM on a real frame;
a ResNet-deconv's views (heatmaps and attention) from a random one on the same frame."""

from __future__ import annotations

import json
import re
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


@pytest.mark.slow
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


@pytest.mark.slow
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


def _photo_panel(path: str) -> None:
    from pathlib import Path

    from ui.live.cpm_panel import show

    show(Path(path).name, Path(path).read_bytes())


def _trust_text(photo: Path) -> tuple[str, str]:
    """("warning" or "markdown", the words above the views) of the photo panel on ``photo``."""
    from streamlit.testing.v1 import AppTest  # here: a module that imports it makes every test in it slow

    at = AppTest.from_function(_photo_panel, args=(str(photo),), default_timeout=120).run()
    assert not at.exception, [e.message for e in at.exception]
    words = [(kind, e.value) for kind in ("warning", "markdown") for e in at.get(kind) if "joints" in str(e.value)]
    assert len(words) == 1, words
    return words[0]


@pytest.mark.slow
def test_the_photo_panel_says_plainly_when_the_cpm_disagrees_with_mediapipe() -> None:
    """Issue 45 item 12: on a HaGRID photo the CPM draws the index and middle fingers up along the hair, where
    MediaPipe has them folded; the panel said "the stages sharpen the beliefs" under it."""
    kind, words = _trust_text(shared_path("hagrid_380", "images", "call", "call_00004.jpg"))
    assert kind == "warning", words
    said = re.fullmatch(
        r"The CPM is sure of (\d+) of 21 joints; the rings are the ones it is unsure of\. \*\*The CPM disagrees with "
        r"MediaPipe on this hand\*\*: its joints are on average \d+ px from MediaPipe's \(\d+% of the hand's size\), "
        r"(\d+) of them more than a fifth of the hand away\. MediaPipe's skeleton is the one used for gestures\.",
        words,
    )
    assert said is not None, words
    assert int(said[1]) < 15 and int(said[2]) >= 3 and "sharpen" not in CAPTIONS["MULTI"]


@pytest.mark.slow
def test_the_photo_panel_says_when_the_cpm_agrees_with_mediapipe() -> None:
    kind, words = _trust_text(shared_path("hagrid_380", "images", "palm", "palm_00012.jpg"))
    assert kind == "markdown" and re.fullmatch(
        r"The CPM is sure of all 21 joints\. The CPM agrees with MediaPipe on this hand: its joints are on average "
        r"\d px from MediaPipe's \([0-4]% of the hand's size\)\.",
        words,
    ), words
