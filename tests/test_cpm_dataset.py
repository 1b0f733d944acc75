"""Distillation crops: targets follow the geometry, and the handedness label follows a mirror."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from core.cpm.config import CPMConfig
from core.cpm.training.augment import CropAugmentConfig
from core.cpm.training.dataset import DistillationSet, base_crop
from core.io import crops as cropping

CFG = CPMConfig(input_size=64)
STILL = CropAugmentConfig(
    max_rotation_deg=0.0,
    full_rotation_prob=0.0,
    scale_range=(1.0, 1.0),
    max_shift=0.0,
    flip_prob=0.0,
    colour_prob=0.0,
    hue_prob=0.0,
    gray_prob=0.0,
    blur_prob=0.0,
    lowres_prob=0.0,
    noise_prob=0.0,
    negative_fraction=0.0,
)


def _hand(right: float):
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (200, 200, 3), dtype=np.uint8)
    points = rng.uniform(70, 130, (21, 2)).astype(np.float32)
    window = cropping.window_from_box(cropping.keypoint_box(points), CFG.margin)
    return base_crop(rgb, points, window, "synthetic", right)


@pytest.mark.parametrize(
    ("flip", "right", "expected"), [(0.0, 1.0, 1.0), (1.0, 1.0, 0.0), (1.0, 0.0, 1.0), (1.0, -1.0, -1.0)]
)
def test_the_handedness_label_follows_the_mirror(flip: float, right: float, expected: float) -> None:
    data = DistillationSet([_hand(right)], [], CFG, dataclasses.replace(STILL, flip_prob=flip))
    crop, target, cells, inside, label = data[0]
    assert crop.shape == (3, 64, 64) and target.shape == (22, 8, 8) and cells.shape == (21, 2)
    assert float(inside.min()) == 1.0 and float(label) == expected


def test_a_crop_without_a_hand_has_no_handedness_and_background_everywhere() -> None:
    data = DistillationSet([_hand(1.0)], [], CFG, dataclasses.replace(STILL, negative_fraction=1.0))
    _, target, _, inside, label = data[0]
    assert float(label) == -1.0 and float(inside.sum()) == 0.0
    assert float(target[:21].max()) == 0.0 and float(target[21].min()) == 1.0


def test_a_smaller_input_size_renders_smaller_crops_and_targets() -> None:
    data = DistillationSet([_hand(1.0)], [], CFG, STILL)
    full_crop, full_target, *_ = data[0]
    data.use_input_size(32)
    crop, target, cells, inside, _ = data[0]
    assert crop.shape == (3, 32, 32) and target.shape == (22, 4, 4) and float(inside.min()) == 1.0
    assert full_crop.shape == (3, 64, 64) and full_target.shape == (22, 8, 8)
    data.use_input_size(64)
    assert data[0][0].shape == (3, 64, 64)
    negatives = DistillationSet([_hand(1.0)], [], CFG, dataclasses.replace(STILL, negative_fraction=1.0))
    negatives.use_input_size(32)
    assert negatives[0][1].shape == (22, 4, 4)


@pytest.mark.parametrize("upright", [0.0, 1.0])
def test_upright_crops_turn_the_hand_to_point_up(upright: float) -> None:
    hand = _hand(1.0)
    data = DistillationSet([hand], [], CFG, dataclasses.replace(STILL, upright_prob=upright))
    cells = data[0][2].numpy()
    wrist_to_knuckle = cells[9] - cells[0]
    if upright:
        assert abs(wrist_to_knuckle[0]) < 1e-3 and wrist_to_knuckle[1] < 0  # straight up (y down)
    else:  # the hand keeps its own direction
        np.testing.assert_allclose(wrist_to_knuckle / np.linalg.norm(wrist_to_knuckle),
                                   (hand.keypoints[9] - hand.keypoints[0]) / np.linalg.norm(hand.keypoints[9] - hand.keypoints[0]), atol=1e-4)  # fmt: skip


def test_a_padded_frame_is_cut_from_the_frame_the_teacher_saw(tmp_path) -> None:
    from pathlib import Path

    import cv2

    from core.cpm.training.dataset import build_base_crops, padded
    from core.cpm.training.labels import LabelledFrame, LabelledHand

    rng = np.random.default_rng(2)
    rgb = rng.integers(0, 256, (60, 80, 3), dtype=np.uint8)
    path = Path(tmp_path / "crop.png")
    cv2.imwrite(str(path), cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR))
    framed, offset = padded(rgb, 0.5)
    assert framed.shape == (60 + 80, 80 + 80, 3) and offset == 40.0
    assert (framed[:40, :40] == rgb[0, 0]).all()  # edge pixels, as MediaPipe's zoomed-out search frames it
    points = rng.uniform(5, 55, (21, 2)).astype(np.float32)
    hand = LabelledHand(points, "Right", 0.9)
    hands, empty = build_base_crops([LabelledFrame(path, -1, (hand,), 0.5)], CFG.margin, negatives=True)
    direct = base_crop(
        framed, points + offset, cropping.window_from_box(cropping.keypoint_box(points + offset), CFG.margin), "x"
    )
    assert len(hands) == 1 and not empty  # a tight crop is all hand: no hand-free square from it
    assert np.allclose(hands[0].keypoints, direct.keypoints) and hands[0].jpeg == direct.jpeg
