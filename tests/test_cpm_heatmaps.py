"""Belief-map encode/decode: targets have the paper's P+1 layout and decode back to sub-pixel accuracy."""

from __future__ import annotations

import numpy as np
import pytest

from core.cpm.heatmaps import cell_to_crop, crop_to_cell, decode, encode


@pytest.mark.parametrize("stride", [4, 8])
def test_round_trip_is_sub_pixel(stride: int) -> None:
    rng = np.random.default_rng(stride)
    size = 128
    for _ in range(50):
        keypoints = rng.uniform(0, size, (21, 2)).astype(np.float32)
        maps = encode(keypoints, np.ones(21, bool), size // stride, stride, sigma=1.5)
        decoded, confidence = decode(maps, stride)
        assert np.abs(decoded - keypoints).max() < 0.1
        assert confidence.min() > 0.75  # the peak cell is within half a cell of the Gaussian's centre


@pytest.mark.parametrize(("power", "radius"), [(1.0, 0), (2.0, 0), (2.0, 3), (3.0, 5)])
def test_the_mean_decode_finds_clean_targets_too(power: float, radius: int) -> None:
    rng = np.random.default_rng(int(power * 10 + radius))
    keypoints = rng.uniform(24, 104, (21, 2)).astype(np.float32)  # away from the border, where the mean is cut
    maps = encode(keypoints, np.ones(21, bool), 32, 4, sigma=2.0)
    decoded, confidence = decode(maps, 4, power, radius)
    assert np.abs(decoded - keypoints).max() < 0.25  # a 16th of a cell: a window cut off-centre costs a little
    np.testing.assert_array_equal(confidence, decode(maps, 4)[1])  # the confidence is the peak either way


def test_the_mean_weighs_every_mode_where_the_peak_takes_one() -> None:
    """An unsure map with two bumps: the peak jumps to the slightly higher one, the mean stays between them,
    nearer the heavier; a radius round the peak keeps the far bump out."""
    maps = np.zeros((22, 32, 32), np.float32)
    for centre, height in (((20.0, 40.0), 0.50), ((100.0, 40.0), 0.45)):
        maps[:21] = np.maximum(maps[:21], height * encode(np.tile(centre, (21, 1)), np.ones(21, bool), 32, 4, 2.0)[:21])
    peak, _ = decode(maps, 4)
    mean, _ = decode(maps, 4, power=1.0)
    local, _ = decode(maps, 4, power=2.0, radius=3)
    assert peak[0, 0] == pytest.approx(20.0, abs=0.5)
    assert 50.0 < mean[0, 0] < 60.0  # 60 is the midpoint: the heavier bump pulls it left
    assert local[0, 0] == pytest.approx(20.0, abs=0.5)


def test_the_mean_ignores_negative_beliefs_and_falls_back_to_the_peak_on_flat_maps() -> None:
    keypoints = np.full((21, 2), 66.0, np.float32)
    maps = encode(keypoints, np.ones(21, bool), 32, 4, sigma=2.0) - 0.2  # a network's maps dip below zero
    decoded, _ = decode(maps, 4, power=2.0)
    assert np.abs(decoded - keypoints).max() < 0.5
    flat = np.zeros((22, 16, 16), np.float32)
    np.testing.assert_array_equal(decode(flat, 8, power=2.0)[0], decode(flat, 8)[0])


def test_layout_background_and_invisible_joints() -> None:
    keypoints = np.full((21, 2), 66.0, np.float32)  # the centre of cell 16
    visible = np.ones(21, bool)
    visible[3] = False
    maps = encode(keypoints, visible, 32, 4, sigma=1.5)
    assert maps.shape == (22, 32, 32) and maps.dtype == np.float32
    assert maps[3].max() == 0.0  # invisible joint: all zeros
    np.testing.assert_allclose(maps[21], 1.0 - maps[:21].max(axis=0))
    assert maps[21].min() < 0.1 and maps[21].max() == pytest.approx(1.0)


def test_noisy_maps_decode_near_the_peak() -> None:
    rng = np.random.default_rng(0)
    keypoints = rng.uniform(20, 108, (21, 2)).astype(np.float32)
    maps = encode(keypoints, np.ones(21, bool), 32, 4, sigma=1.5) + rng.normal(0, 0.03, (22, 32, 32)).astype(np.float32)
    decoded, _ = decode(maps, 4)
    assert np.abs(decoded - keypoints).max() < 2.0  # half a cell


def test_flat_maps_give_zero_confidence() -> None:
    _, confidence = decode(np.zeros((22, 16, 16), np.float32), 8)
    assert confidence.max() == 0.0


def test_cell_crop_conversions_invert() -> None:
    pts = np.array([[0.0, 0.0], [127.0, 63.5]], np.float32)
    np.testing.assert_allclose(cell_to_crop(crop_to_cell(pts, 4), 4), pts, atol=1e-5)
    assert crop_to_cell(np.array([2.0, 2.0]), 4).tolist() == [0.0, 0.0]  # cell 0 covers crop px [0, 4)


def test_bad_shapes_are_refused() -> None:
    with pytest.raises(ValueError, match="21, 2"):
        encode(np.zeros((20, 2)), np.ones(20, bool), 32, 4, 1.5)
    with pytest.raises(ValueError, match="belief maps"):
        decode(np.zeros((5, 8, 8)), 4)
