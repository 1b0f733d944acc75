"""core.viz.draw: annotations appear where the hand is, inputs stay untouched, and drawing is cheap."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from conftest import shared_path

from core.gestures.pipeline import FrameResult
from core.io.video import iter_frames
from core.types import Keypoints, Prediction
from core.viz.draw import (
    DEFAULT_STYLE,
    draw_label,
    draw_result,
    draw_skeleton,
    draw_timings,
    draw_top3,
    label_text,
    skeleton_on,
)


def make_hand(pixel: np.ndarray, image_size: tuple[int, int], handedness: str = "Right") -> Keypoints:
    normalised = np.zeros((21, 3), np.float32)
    normalised[:, :2] = pixel / np.array(image_size, np.float32)
    return Keypoints(pixel.astype(np.float32), normalised, np.zeros((21, 3), np.float32), handedness, 0.95, image_size)


@pytest.fixture(scope="module")
def real_frame() -> tuple[np.ndarray, Keypoints]:
    """Frame 0 of the real video and MediaPipe's reference keypoints for it (620×1080 RGB)."""
    video = shared_path("video", "asl_hand.25fps.mp4")
    keypoints = json.loads(shared_path("video", "asl_hand.full.json").read_text())[0]
    _, rgb = next(iter_frames(video))
    return rgb, make_hand(np.array(keypoints, np.float32)[:, :2], (620, 1080))


def synthetic(width: int = 640, height: int = 480) -> tuple[np.ndarray, Keypoints]:
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    pixel = np.array([width / 2, height / 2]) + rng.uniform(-80, 80, (21, 2))
    return rgb, make_hand(pixel, (width, height))


PRED = Prediction("thumbs_up", 0.97, {"thumbs_up": 0.97, "ok": 0.02, "fist": 0.01})


def test_skeleton_drawn_on_the_hand_and_input_unchanged(real_frame) -> None:
    rgb, hand = real_frame
    before = rgb.copy()
    out = draw_skeleton(rgb, hand)
    assert np.array_equal(rgb, before)
    assert out.shape == rgb.shape and out.dtype == np.uint8
    changed = np.any(out != rgb, axis=2)
    ys, xs = np.nonzero(changed)
    x0, y0, x1, y1 = hand.bbox()
    # every changed pixel lies around the hand, and each joint's pixel changed
    assert xs.min() >= x0 - 10 and xs.max() <= x1 + 10 and ys.min() >= y0 - 10 and ys.max() <= y1 + 10
    joints = np.round(hand.pixel).astype(int)
    assert changed[joints[:, 1], joints[:, 0]].all()


def test_empty_result_returns_equal_copy() -> None:
    rgb, _ = synthetic()
    out = draw_result(rgb, FrameResult(hands=[], predictions=[], timings_ms={}))
    assert out is not rgb and np.array_equal(out, rgb)
    assert np.array_equal(draw_top3(rgb, None), rgb)


def test_label_text_is_plain_ascii() -> None:
    _, hand = synthetic()
    assert label_text(hand, PRED) == "thumbs_up 0.97 (Right)"
    assert label_text(hand, None) == "(Right)"
    assert label_text(hand, Prediction("café 👍", 0.5, {})) == "caf? ? 0.50 (Right)"


def test_label_top3_and_timings_change_pixels() -> None:
    rgb, hand = synthetic()
    before = rgb.copy()
    for out in (draw_label(rgb, hand, PRED), draw_top3(rgb, PRED, (10, 10)), draw_timings(rgb, {"landmarks": 9.5}, 30)):
        assert np.any(out != rgb)
    assert np.array_equal(rgb, before)
    bars = draw_top3(np.zeros((480, 640, 3), np.uint8), PRED, (10, 10))
    assert bars[:80, :200].any() and not bars[200:].any()  # bars are at the origin, nowhere else


def test_result_with_two_hands_and_mirrored_text() -> None:
    rgb = np.zeros((480, 640, 3), np.uint8)
    rng = np.random.default_rng(1)
    points = [
        np.array([160, 300]) + rng.uniform(-50, 50, (21, 2)),
        np.array([480, 300]) + rng.uniform(-50, 50, (21, 2)),
    ]
    hands = [make_hand(points[0], (640, 480), "Left"), make_hand(points[1], (640, 480), "Right")]
    result = FrameResult(hands=hands, predictions=[PRED, None], timings_ms={})
    plain = draw_result(rgb, result)
    assert plain[:, :320].any() and plain[:, 320:].any()
    # Shown flipped, the mirror_text drawing must read like a normal drawing of the flipped
    # scene (compare away from the bones, whose anti-aliasing differs by the half-pixel flip).
    shown = draw_result(rgb, result, mirror_text=True)[:, ::-1]
    flipped = [
        make_hand(np.column_stack([640 - p[:, 0], p[:, 1]]), (640, 480), h.handedness)
        for p, h in zip(points, hands, strict=True)
    ]
    expected = draw_result(rgb, FrameResult(hands=flipped, predictions=[PRED, None], timings_ms={}))
    bones = draw_skeleton(draw_skeleton(rgb, flipped[0]), flipped[1]).any(axis=2)
    bones = np.maximum.reduce([np.roll(bones, s, axis=1) for s in (-3, -2, -1, 0, 1, 2, 3)])
    assert np.array_equal(shown[~bones], expected[~bones])
    assert not np.array_equal(shown, plain[:, ::-1])  # text is not just the plain drawing flipped


def test_draw_result_is_cheap_at_640x480() -> None:
    rgb, hand = synthetic()
    result = FrameResult(hands=[hand, hand], predictions=[PRED, PRED], timings_ms={})
    draw_result(rgb, result)  # warm-up (font tables)
    start = time.perf_counter()
    for _ in range(20):
        draw_result(rgb, result)
    per_frame_ms = (time.perf_counter() - start) / 20 * 1000
    assert per_frame_ms < 15, f"draw_result took {per_frame_ms:.1f} ms per 640×480 frame with two hands"


def test_rejects_non_rgb() -> None:
    _, hand = synthetic()
    with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
        draw_skeleton(np.zeros((10, 10), np.uint8), hand)


def test_cpm_pose_uses_the_same_palette_and_rings_unsure_joints() -> None:
    """``core.viz.belief_views.draw_pose`` paints through ``skeleton_on``: ``DrawStyle``'s colours, unsure joints hollow."""
    from core.viz.belief_views import draw_pose

    # Joints 45 px apart on a 320 px crop, bones along the rows.
    points = np.stack([np.arange(21) % 7 * 45 + 20, np.arange(21) // 7 * 100 + 40], axis=1).astype(np.float32)
    sure = np.ones(21, np.float32)
    unsure = sure.copy()
    unsure[8] = 0.1  # index tip
    filled, ringed = (draw_pose(np.zeros((320, 320, 3), np.uint8), points, c) for c in (sure, unsure))
    x, y = points[8].astype(int)
    assert tuple(filled[y - 1, x + 1]) == DEFAULT_STYLE.finger_colours[1]  # index colour inside the disc
    assert ringed[y - 1, x + 1].max() < 255  # the ring's hole (anti-aliased edge at most)
    np.testing.assert_array_equal(filled[:, 100:], ringed[:, 100:])  # nothing else changes
    tx, ty = points[4].astype(int)
    assert tuple(filled[ty - 1, tx + 1]) == DEFAULT_STYLE.finger_colours[0]  # thumb tip: the thumb's colour
    canvas = np.zeros((320, 320, 3), np.uint8)
    skeleton_on(canvas, points, scale=1.0, hollow=unsure < 0.3)
    np.testing.assert_array_equal(canvas, ringed)
