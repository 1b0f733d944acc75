"""core.viz.map_tiles: the tiles both networks' views are made of (colour maps, blends, labels, the pose, grids)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from core.cpm.estimator import CPMResult
from core.viz.map_tiles import coloured, grid, labelled, over_crop, pose_tile

TILE = 120
ATTENTION_COLOURS = cv2.COLORMAP_INFERNO


def test_labels_sit_on_a_dark_band_readable_on_bright_maps() -> None:
    tile = np.full((TILE, TILE, 3), 255, np.uint8)
    labelled(tile, "attention: hand")
    band = tile[: TILE // 8]
    assert band.mean() < 150 and band.max() >= 240  # darkened, white (anti-aliased) text on it
    assert (tile[TILE // 4 :] == 255).all()  # the rest untouched


def test_maps_are_clipped_and_nan_shown_as_zero() -> None:
    odd = coloured(np.array([[-1.0, np.nan], [2.0, 1.0]], np.float32), 2, ATTENTION_COLOURS)
    plain = coloured(np.array([[0.0, 0.0], [1.0, 1.0]], np.float32), 2, ATTENTION_COLOURS)
    assert np.array_equal(odd, plain)
    with pytest.raises(ValueError, match="at least one tile"):
        grid([], 3)


def test_blends_keep_the_crop_and_grids_pad_short_rows() -> None:
    crop = np.full((64, 64, 3), 200, np.uint8)
    blended = over_crop(crop, np.zeros((8, 8), np.float32), 32, cv2.COLORMAP_JET)
    dark_jet = coloured(np.zeros((8, 8), np.float32), 32, cv2.COLORMAP_JET).astype(int)
    assert blended.shape == (32, 32, 3)
    assert np.abs(blended.astype(int) - (0.4 * 200 + 0.6 * dark_jet)).max() <= 1  # 40 % crop, 60 % map
    tiles = [np.full((10, 10, 3), v, np.uint8) for v in (50, 100, 150)]
    image = grid(tiles, 2)
    assert image.shape == (20, 20, 3) and not image[10:, 10:].any() and (image[10:, :10] == 150).all()


def test_pose_tile_draws_the_skeleton_at_the_tile_scale() -> None:
    points = np.stack([np.linspace(20, 100, 21), np.linspace(30, 90, 21)], axis=1).astype(np.float32)
    result = CPMResult(points, np.full(21, 0.9, np.float32), [np.zeros((22, 32, 32), np.float32)],
                       np.full((128, 128, 3), 90, np.uint8), np.eye(2, 3, dtype=np.float32), 0.5, (128, 128), 4)  # fmt: skip
    tile = pose_tile(result, 256)
    changed = (tile != 90).any(axis=2)
    ys, xs = np.nonzero(changed)
    assert tile.shape == (256, 256, 3) and changed.sum() > 200
    assert xs.min() >= 30 and xs.max() <= 215 and ys.min() >= 50 and ys.max() <= 195  # the points, doubled
