"""core.gestures.variety: the spread of a gesture's samples in tilt, turn and distance, and the hint it gives."""

from __future__ import annotations

import numpy as np
import pytest
from handmaker import make_hand

from core.gestures.features import turn_points
from core.gestures.variety import MIN_SAMPLES, sample_variety, variety_text
from core.types import Keypoints


def _rotated(degrees: float, scale: float = 1.0) -> Keypoints:
    """The open hand turned ``degrees`` in the image plane about its wrist, ``scale`` times as large."""
    hand = make_hand(scale=scale)
    theta = np.radians(degrees)
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]], dtype=np.float32)
    wrist = hand.pixel[0]
    pixel = (hand.pixel - wrist) @ rot.T + wrist
    w, h = hand.image_size
    normalised = hand.normalised.copy()
    normalised[:, :2] = pixel / np.array([w, h], dtype=np.float32)
    return Keypoints(pixel.astype(np.float32), normalised, hand.world, hand.handedness, hand.score, hand.image_size)


def test_ten_copies_of_one_moment_have_no_variety_and_the_hint_asks_for_all_three() -> None:
    variety = sample_variety([make_hand() for _ in range(10)])
    assert variety is not None and variety.tilt_deg == pytest.approx(0, abs=1e-6)
    assert variety.distance_ratio == pytest.approx(1.0) and variety.missing()[0] == "tilt"
    text = variety_text(variety)
    assert text.startswith(
        "Your 10 samples show your hand held the same way each time. Next take: tilt your hand left and right"
    ), text  # words a child reads: no degrees, no "×"
    assert "move it nearer and farther" in text and "°" not in text


def test_a_take_that_tilts_and_moves_is_good() -> None:
    hands = [
        _rotated(angle, scale) for angle, scale in zip(np.linspace(-25, 25, 11), np.linspace(0.8, 1.3, 11), strict=True)
    ]
    variety = sample_variety(hands)
    assert variety is not None
    assert 35 < variety.tilt_deg < 45 and 1.4 < variety.distance_ratio < 1.6
    assert "tilt" not in variety.missing() and "distance" not in variety.missing()
    text = variety_text(variety)
    assert text.startswith("Your 11 samples show your hand tilted") and "near and far" in text, text


def test_tilt_is_measured_across_the_upside_down_seam() -> None:
    """A hand pointing down (about ±180°): 178° and -178° are 4° apart, not 356°."""
    variety = sample_variety([_rotated(180 + a) for a in (-2, -1, 0, 1, 2)])
    assert variety is not None and variety.tilt_deg < 5


def test_turn_in_depth_is_read_from_the_palm_normal() -> None:
    base = make_hand()
    scale = np.array([640, 480, 640], np.float32)
    points = base.normalised * scale
    hands = []
    for degrees in (-30, -15, 0, 15, 30):
        relative = (points - points[0])[None]
        turned = turn_points(relative, np.array([degrees], np.float32), np.array([0.0], np.float32))[0] + points[0]
        normalised = turned / scale
        hands.append(Keypoints(turned[:, :2].astype(np.float32), normalised.astype(np.float32), base.world,
                               "Right", 0.99, (640, 480)))  # fmt: skip
    variety = sample_variety(hands)
    assert variety is not None and variety.turn_deg is not None and variety.turn_deg > 20


def test_too_few_samples_say_nothing() -> None:
    assert sample_variety([make_hand()] * (MIN_SAMPLES - 1)) is None
    assert variety_text(None) == ""
