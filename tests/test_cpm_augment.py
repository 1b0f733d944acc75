"""core.cpm.training.augment: the scene-changing augmentations keep shapes and ranges, and do what they say."""

from __future__ import annotations

import dataclasses

import numpy as np

from core.cpm.config import CPMConfig
from core.cpm.training.augment import CropAugmentConfig, hand_mask, motion_blur, paste, photometric
from core.cpm.training.dataset import DistillationSet, base_crop
from core.io import crops as cropping
from core.skeletons import HAND_21

OFF = CropAugmentConfig(colour_prob=0, hue_prob=0, gray_prob=0, blur_prob=0, lowres_prob=0, noise_prob=0)
HAND = np.stack([np.linspace(30, 90, 21), np.linspace(40, 100, 21)], axis=1).astype(np.float32)


def test_motion_blur_smears_along_a_line_and_keeps_brightness() -> None:
    img = np.zeros((64, 64, 3), np.uint8)
    img[32, 32] = 255
    out = motion_blur(img, 9, 0.0)
    assert out.shape == img.shape and out.dtype == np.uint8
    row = out[32, :, 0]
    assert (row > 0).sum() >= 7 and out[28, 32, 0] == 0  # along x, not along y
    flat = np.full((32, 32, 3), 120, np.uint8)
    assert np.abs(motion_blur(flat, 7, 37.0).astype(int) - 120).max() <= 1


def test_low_light_darkens_and_stays_in_range() -> None:
    rng = np.random.default_rng(0)
    crop = rng.integers(60, 250, (64, 64, 3), dtype=np.uint8)
    dark = photometric(crop, dataclasses.replace(OFF, low_light_prob=1.0), rng)
    assert dark.shape == crop.shape and dark.dtype == np.uint8
    assert dark.mean() < 0.7 * crop.mean()


def test_the_hand_mask_covers_the_skeleton_and_not_the_corners() -> None:
    mask = hand_mask(HAND, HAND_21.edges, 128)
    assert mask.shape == (128, 128) and mask.dtype == np.float32 and mask.min() >= 0 and mask.max() <= 1
    on = mask[np.round(HAND[:, 1]).astype(int), np.round(HAND[:, 0]).astype(int)]
    assert (on > 0.5).all()
    assert mask[:10, -10:].max() < 0.01 and mask[-10:, :10].max() < 0.01


def test_paste_puts_the_hand_on_the_scene() -> None:
    hand, scene = np.full((8, 8, 3), 200, np.uint8), np.full((8, 8, 3), 10, np.uint8)
    mask = np.zeros((8, 8), np.float32)
    mask[2:4, 2:4] = 1.0
    out = paste(hand, mask, scene)
    assert (out[2:4, 2:4] == 200).all() and (out[5:, 5:] == 10).all()


def test_a_pasted_training_crop_keeps_its_targets() -> None:
    cfg = CPMConfig(input_size=64)
    rng = np.random.default_rng(1)
    rgb = rng.integers(0, 256, (200, 200, 3), dtype=np.uint8)
    points = rng.uniform(70, 130, (21, 2)).astype(np.float32)
    window = cropping.window_from_box(cropping.keypoint_box(points), cfg.margin)
    hand = base_crop(rgb, points, window, "synthetic", 1.0)
    scene = base_crop(np.zeros((200, 200, 3), np.uint8), None, window, "scene")
    still = dataclasses.replace(OFF, max_rotation_deg=0, full_rotation_prob=0, scale_range=(1, 1), max_shift=0,
                                flip_prob=0, negative_fraction=0)  # fmt: skip
    plain = DistillationSet([hand], [scene], cfg, still)[0]
    pasted = DistillationSet([hand], [scene], cfg, dataclasses.replace(still, paste_prob=1.0))[0]
    assert all(np.array_equal(a, b) for a, b in zip(plain[1:], pasted[1:], strict=True))  # same targets
    assert pasted[0].shape == plain[0].shape and pasted[0].float().mean() < plain[0].float().mean()  # black scene
