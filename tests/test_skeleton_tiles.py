"""core.viz.skeleton_tiles: a sample without a picture shows its skeleton, as the model sees it, small and cached."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from handmaker import make_hand
from skeletonmaker import make_body

from core.viz.draw import DEFAULT_STYLE
from core.viz.skeleton_tiles import BACKGROUND, MARGIN, cache_clear, cached_tiles, skeleton_png, skeleton_tile

SIZE = 112


def _drawn(tile: np.ndarray) -> np.ndarray:
    return np.abs(tile.astype(int) - BACKGROUND).sum(axis=2) > 30


def _colour_x(tile: np.ndarray, colour: tuple[int, int, int]) -> float:
    """Mean x of the pixels close to ``colour`` (a finger's colour)."""
    near = np.abs(tile.astype(int) - colour).sum(axis=2) < 40
    assert near.sum() > 10, f"no {colour} pixels drawn"
    return float(np.nonzero(near)[1].mean())


def test_the_skeleton_fills_the_tile_wherever_and_however_large_the_hand_was() -> None:
    small_left = skeleton_tile(make_hand(offset=(120.0, 260.0), scale=0.5), SIZE)
    large_right = skeleton_tile(make_hand(offset=(450.0, 420.0), scale=1.8), SIZE)
    for tile in (small_left, large_right):
        ys, xs = np.nonzero(_drawn(tile))
        assert tile.shape == (SIZE, SIZE, 3) and tile.dtype == np.uint8
        inner = SIZE * (1 - 2 * MARGIN)
        assert max(np.ptp(xs), np.ptp(ys)) >= inner - 2  # the hand's longer side spans the tile's inside
        assert xs.min() >= SIZE * MARGIN / 2 and ys.min() >= SIZE * MARGIN / 2  # centred, inside the margin
        assert xs.max() <= SIZE - SIZE * MARGIN / 2 and ys.max() <= SIZE - SIZE * MARGIN / 2
    assert (_drawn(small_left) != _drawn(large_right)).mean() < 0.03  # the same hand, whatever its place and size


def test_the_tile_is_the_user_view_mirrored_as_the_preview_and_the_features() -> None:
    """The open right hand's thumb is on the frame's left (palm to the camera); the student saw it on the right."""
    hand = make_hand()
    assert hand.pixel[4, 0] < hand.pixel[20, 0]  # thumb tip left of the little finger in the raw frame
    tile = skeleton_tile(hand, SIZE)
    thumb, pinky = dict(DEFAULT_STYLE.group_colours)["thumb"], dict(DEFAULT_STYLE.group_colours)["pinky"]
    assert _colour_x(tile, thumb) > SIZE / 2 > _colour_x(tile, pinky)


def test_a_bodys_hidden_joints_neither_draw_bones_nor_shrink_the_fit() -> None:
    visible = np.ones(33, np.float32)
    legs_hidden = visible.copy()
    legs_hidden[25:] = 0.1  # knees, ankles, heels and feet out of view
    whole = skeleton_tile(make_body(visibility=visible), SIZE)
    upper = skeleton_tile(make_body(visibility=legs_hidden), SIZE)
    leg = dict(DEFAULT_STYLE.group_colours)["right_leg"]
    near_leg = lambda tile: (np.abs(tile.astype(int) - leg).sum(axis=2) < 40).sum()  # noqa: E731
    assert near_leg(whole) > 20 and near_leg(upper) < near_leg(whole) / 2  # rings at most, no leg bones
    ys, xs = np.nonzero(_drawn(upper)[: SIZE - int(SIZE * MARGIN)])
    assert np.ptp(xs) >= SIZE * (1 - 2 * MARGIN) - 2  # the visible arms span the tile: the fit ignored the legs


def test_tiles_are_png_cached_by_sample_and_points() -> None:
    cache_clear()
    hand = make_hand()
    first = skeleton_png(hand, 7)
    decoded = cv2.imdecode(np.frombuffer(first, np.uint8), cv2.IMREAD_COLOR)
    assert first.startswith(b"\x89PNG") and decoded.shape == (SIZE, SIZE, 3)
    assert np.array_equal(cv2.cvtColor(decoded, cv2.COLOR_BGR2RGB), skeleton_tile(hand, SIZE))
    assert skeleton_png(make_hand(), 7) is first and cached_tiles() == 1  # the same sample: drawn once
    moved = make_hand(scale=0.5, offset=(200.0, 200.0))  # an id reused after a deletion: other points
    assert skeleton_png(moved, 7) is not first and cached_tiles() == 2
    assert skeleton_png(hand, 7, size=64) != first and cached_tiles() == 3
    with pytest.raises(ValueError, match="16 to 1024 px"):
        skeleton_png(hand, 7, size=4)
    cache_clear()
    assert cached_tiles() == 0
