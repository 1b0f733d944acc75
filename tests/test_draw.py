"""core.viz.draw: annotations appear where the hand (or body) is, inputs stay untouched, and drawing is cheap."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from conftest import shared_path
from skeletonmaker import make_body

from core.gestures.pipeline import FrameResult
from core.io.video import iter_frames
from core.skeletons import BODY_33, HAND_21
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
    assert label_text(hand, PRED) == "thumbs up 97% (Right)"
    assert label_text(hand, None) == "(Right)"
    assert label_text(hand, Prediction("café 👍", 0.5, {})) == "caf? ? 50% (Right)"


def test_the_video_names_a_gesture_as_the_pages_do() -> None:
    """The label and the bars said "thumbs_up 97%" beside the card's "👍 thumbs up" (issue 70): the built-in
    gestures' names with spaces (``core.gestures.catalog.shown_name``), a typed name as typed."""
    _, hand = synthetic()
    assert label_text(hand, Prediction("open_palm", 0.8, {"open_palm": 0.8}, distance=0.4)).startswith("open palm,")
    assert label_text(hand, Prediction("my_wave", 0.9, {"my_wave": 0.9})) == "my_wave 90% (Right)"
    spaced = Prediction("thumbs up", 0.97, {"thumbs up": 0.97, "ok": 0.02, "fist": 0.01})
    canvas = np.zeros((480, 640, 3), np.uint8)
    assert np.array_equal(draw_top3(canvas, PRED, (10, 10)), draw_top3(canvas, spaced, (10, 10)))  # the bars too
    assert np.array_equal(draw_label(canvas, hand, PRED), draw_label(canvas, hand, spaced))


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
    assert tuple(filled[y - 1, x + 1]) == DEFAULT_STYLE.group_colour(HAND_21, "index")  # index colour inside the disc
    assert ringed[y - 1, x + 1].max() < 255  # the ring's hole (anti-aliased edge at most)
    np.testing.assert_array_equal(filled[:, 100:], ringed[:, 100:])  # nothing else changes
    tx, ty = points[4].astype(int)
    assert tuple(filled[ty - 1, tx + 1]) == DEFAULT_STYLE.group_colour(
        HAND_21, "thumb"
    )  # thumb tip: the thumb's colour
    canvas = np.zeros((320, 320, 3), np.uint8)
    skeleton_on(canvas, points, scale=1.0, hollow=unsure < 0.3)
    np.testing.assert_array_equal(canvas, ringed)


def _version_1_skeleton_on(canvas: np.ndarray, pixel: np.ndarray, hollow: np.ndarray | None = None) -> None:
    """The hand painter as it was before skeletons were data: fingers from joint indices."""
    fingers = ((255, 138, 0), (255, 214, 0), (48, 214, 96), (0, 168, 255), (230, 60, 160))  # the pinky as now drawn
    palm = (220, 220, 220)
    scale = max(0.5, min(canvas.shape[:2]) / 480.0)
    thickness, radius = max(1, round(2.0 * scale)), max(1, round(3.5 * scale))
    finger = [(j - 1) // 4 if j > 0 else -1 for j in range(21)]
    points = np.round(pixel).astype(np.int32)
    for a, b in HAND_21.edges:
        colour = fingers[finger[b]] if finger[a] == finger[b] or (a, b) == (0, 1) else palm
        cv2.line(canvas, tuple(points[a]), tuple(points[b]), colour, thickness, cv2.LINE_AA)
    for joint, (x, y) in enumerate(points):
        colour = palm if joint == 0 else fingers[finger[joint]]
        fill = thickness if hollow is not None and hollow[joint] else -1
        cv2.circle(canvas, (int(x), int(y)), radius, colour, fill, cv2.LINE_AA)


def test_hands_look_exactly_as_before(real_frame) -> None:
    rgb, hand = real_frame
    expected = rgb.copy()
    _version_1_skeleton_on(expected, hand.pixel)
    np.testing.assert_array_equal(draw_skeleton(rgb, hand), expected)
    _, small = synthetic(320, 240)
    hollow = np.arange(21) % 3 == 0
    expected, got = np.zeros((240, 320, 3), np.uint8), np.zeros((240, 320, 3), np.uint8)
    _version_1_skeleton_on(expected, small.pixel, hollow)
    skeleton_on(got, small.pixel, hollow=hollow)
    np.testing.assert_array_equal(got, expected)


def test_a_body_is_drawn_with_its_own_groups_and_hidden_joints_as_rings() -> None:
    visibility = np.ones(33, np.float32)
    visibility[15] = 0.1  # the left wrist is hidden
    body = make_body(visibility=visibility)
    out = draw_skeleton(np.zeros((480, 640, 3), np.uint8), body)
    style = DEFAULT_STYLE

    def colour_at(point: np.ndarray) -> tuple[int, ...]:
        x, y = np.round(point).astype(int)
        return tuple(out[y, x])

    assert colour_at(body.pixel[13]) == style.group_colour(BODY_33, "left_arm")  # left elbow: a disc
    assert colour_at(body.pixel[14]) == style.group_colour(BODY_33, "right_arm")
    assert colour_at(body.pixel[25]) == style.group_colour(BODY_33, "left_leg")
    assert colour_at((body.pixel[11] + body.pixel[23]) / 2) == style.group_colour(BODY_33, "torso")  # flank bone
    assert colour_at((body.pixel[25] + body.pixel[27]) / 2) == style.group_colour(BODY_33, "left_leg")  # shin bone
    assert colour_at(body.pixel[15]) == (0, 0, 0)  # a ring: its centre is empty
    assert colour_at((body.pixel[13] + body.pixel[15]) / 2) == (0, 0, 0)  # no forearm to a hidden wrist
    visible = draw_skeleton(np.zeros((480, 640, 3), np.uint8), make_body())
    x, y = np.round((body.pixel[13] + body.pixel[15]) / 2).astype(int)
    assert tuple(visible[y, x]) == style.group_colour(BODY_33, "left_arm")
    assert label_text(body, None) == "" and label_text(body, PRED) == "thumbs up 97%"
    result = FrameResult([body], [None])
    np.testing.assert_array_equal(draw_result(np.zeros((480, 640, 3), np.uint8), result), out)  # no empty label box
