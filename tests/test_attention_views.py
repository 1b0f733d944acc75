"""core.viz.attention_views: the ResNet-deconv's heatmaps and attention maps laid out as tiles over the crop.

Synthetic results with known maps check what lands where (tile order, names, colours, the band behind labels);
a random ResNet-deconv (``conftest.resdeconv_checkpoint``) run by ``CPMEstimator`` on a real photo checks that a
real result renders.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import hagrid_photos, resdeconv_checkpoint

from core.cpm.estimator import CPMEstimator, CPMResult
from core.io.video import read_image
from core.resdeconv.config import PART_NAMES
from core.viz.attention_views import overview

TILE = 120
GREY = 90  # the crop's grey level
NAMES = ("hand", *PART_NAMES)


def _result(attention: np.ndarray, names: tuple[str, ...] = NAMES) -> CPMResult:
    """A 128 px grey crop (frame = crop), joint 5's heatmap peaking at cell (y 8, x 24), the given attention."""
    beliefs = np.zeros((22, 32, 32), np.float32)
    beliefs[5, 8, 24] = 1.0
    points = np.tile(np.array([[40.0, 60.0]], np.float32), (21, 1)) + np.arange(21, dtype=np.float32)[:, None] * 2
    matrix = np.array([[1, 0, 0], [0, 1, 0]], np.float32)
    crop = np.full((128, 128, 3), GREY, np.uint8)
    return CPMResult(points, np.full(21, 0.9, np.float32), [beliefs], crop, matrix, 0.5, (128, 128), 4,
                     attention.astype(np.float32), names)  # fmt: skip


def _tile(image: np.ndarray, row: int, column: int) -> np.ndarray:
    """The tile at (row, column), below its label band (the map and the crop only)."""
    return image[row * TILE + TILE // 4 : (row + 1) * TILE, column * TILE : (column + 1) * TILE].astype(float)


def test_the_overview_puts_heatmaps_holistic_map_and_pose_above_the_named_part_maps() -> None:
    attention = np.zeros((7, 32, 32), np.float32)
    attention[0, :, :16] = 1.0  # the holistic map: the left half of the crop
    attention[1 + PART_NAMES.index("thumb")] = 1.0  # the thumb's map everywhere, the other parts nowhere
    image = overview(_result(attention), TILE)
    assert image.shape == (3 * TILE, 3 * TILE, 3) and image.dtype == np.uint8
    holistic = _tile(image, 0, 1)
    assert holistic[:, : TILE // 2 - 8].mean() > holistic[:, TILE // 2 + 8 :].mean() + 80  # left bright, right dark
    parts = {name: _tile(image, 1 + i // 3, i % 3) for i, name in enumerate(PART_NAMES)}  # rows of three
    bright = parts.pop("thumb")
    # INFERNO at 1 is pale yellow (red and green high, blue lower); at 0 near black, so only the crop's grey shows
    assert bright[..., 0].mean() > 150 and bright[..., 1].mean() > 150 and bright[..., 2].mean() < bright[..., 0].mean()
    assert all(tile.mean() < 0.5 * GREY for tile in parts.values()), {n: t.mean() for n, t in parts.items()}


def test_heatmaps_use_jet_at_the_joint_and_the_pose_is_drawn() -> None:
    image = overview(_result(np.zeros((7, 32, 32))), TILE)
    heat = image[:TILE, :TILE].astype(int)
    y, x = int((8 + 0.5) / 32 * TILE), int((24 + 0.5) / 32 * TILE)
    assert heat[y, x, 0] > heat[y, x, 2] + 60, heat[y, x]  # red at the peak
    assert heat[TILE - 5, 5, 2] > heat[TILE - 5, 5, 0] + 30, heat[TILE - 5, 5]  # blue where no joint is
    pose = image[TILE // 4 : TILE, 2 * TILE : 3 * TILE]
    assert (pose != GREY).any(axis=2).sum() > 100  # bones and joints on the grey crop


def test_without_attention_the_overview_is_heatmaps_and_pose() -> None:
    image = overview(_result(np.zeros((0, 32, 32)), ()), TILE)
    assert image.shape == (TILE, 3 * TILE, 3)
    assert not image[:, 2 * TILE :].any() and image[:, TILE : 2 * TILE].any()  # the third cell stays black


@pytest.mark.slow
def test_a_real_resnet_deconv_result_renders(tmp_path: Path) -> None:
    rgb = read_image(hagrid_photos("palm", 1)[0])
    height, width = rgb.shape[:2]
    result = CPMEstimator(resdeconv_checkpoint(tmp_path / "rd")).estimate(rgb, (0.3 * width, 0.3 * height,
                                                                              0.7 * width, 0.7 * height))  # fmt: skip
    assert result.attention.shape == (7, 32, 32) and result.attention_names == NAMES
    image = overview(result, 200)
    assert image.shape == (600, 600, 3) and image.dtype == np.uint8 and image.std() > 5
