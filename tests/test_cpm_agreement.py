"""core.cpm.evaluation.agreement: how many joints a network is sure of, and how far its skeleton is from MediaPipe's."""

from __future__ import annotations

import numpy as np
import pytest
from handmaker import make_hand

from core.cpm.evaluation.agreement import DISAGREE_JOINTS, FAR, SURE_PEAK, agreement, sure_joints
from core.skeletons import BODY_33
from core.types import Keypoints


def test_sure_joints_counts_peaks_at_or_above_the_threshold() -> None:
    confidence = np.full(21, 0.9, np.float32)
    confidence[:4] = [SURE_PEAK - 0.01, 0.1, 0.0, SURE_PEAK]
    assert sure_joints(confidence) == 18


def test_the_same_skeleton_agrees_at_zero_pixels() -> None:
    hand = make_hand()
    found = agreement(hand.pixel, hand)
    assert found.mean_px == 0 and found.far == 0 and found.agrees and found.joints == 21
    assert found.hand_px == pytest.approx(float(np.ptp(hand.pixel, axis=0).max()))


def test_crossed_fingers_disagree_and_the_distance_is_in_pixels_and_hand_sizes() -> None:
    hand = make_hand()  # about 190 px tall
    points = hand.pixel.copy()
    size = float(np.ptp(points, axis=0).max())
    points[[10, 11, 12]] += [FAR * size * 1.5, 0.0]  # the middle finger drawn across the ring finger
    found = agreement(points, hand)
    assert found.far == DISAGREE_JOINTS and not found.agrees
    assert found.mean_px == pytest.approx(3 * FAR * size * 1.5 / 21, rel=1e-4)
    assert found.share == pytest.approx(found.mean_px / size)
    points[12] = hand.pixel[12]  # two far joints: still the same hand, a little off
    assert agreement(points, hand).agrees


def test_bad_points_are_refused_by_what_is_wrong() -> None:
    hand = make_hand()
    with pytest.raises(ValueError, match=r"\(21, 2\) finite joint positions, got shape \(20, 2\)"):
        agreement(hand.pixel[:20], hand)
    nan = hand.pixel.copy()
    nan[3] = np.nan
    with pytest.raises(ValueError, match="finite"):
        agreement(nan, hand)
    body = Keypoints(
        np.zeros((33, 2), np.float32), np.zeros((33, 3), np.float32), np.zeros((33, 3), np.float32), "Unknown", 1.0,
        (640, 480), BODY_33,
    )  # fmt: skip
    with pytest.raises(ValueError, match="a body skeleton"):
        agreement(hand.pixel, body)
