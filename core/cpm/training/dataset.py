"""Training crops for distillation: teacher-labelled hands → augmented (crop, target beliefs) pairs.

Each hand is first cut once into a **base crop**: a square ``CONTEXT`` times wider
than the standard crop window, stored as JPEG (memory stays ~25 kB per hand). Every
epoch then draws a new window inside it (rotation, scale, shift, flip), so
augmentation never reads the original image again and never runs off the base crop.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
import torch

from core.cpm.config import CPMConfig
from core.cpm.heatmaps import crop_to_cell, encode
from core.cpm.training.augment import (
    IDENTITY,
    CropAugmentConfig,
    Geometry,
    draw_geometry,
    hand_mask,
    paste,
    photometric,
    synthetic_negative,
)
from core.cpm.training.labels import LabelledFrame
from core.cpm.training.sampler import split_key
from core.cpm.upright import upright_angle
from core.io import crops as cropping
from core.io.video import iter_frames, media_kind, read_image
from core.skeletons import HAND_21
from core.types import FloatArray

BASE_SIZE = 288  # side of a base crop, px
CONTEXT = 2.2  # base crop side / standard window side: room for rotation ±45° at zoom-out 1.3 plus shift


@dataclass(frozen=True)
class BaseCrop:
    """One hand (or one hand-free region) cut from its image, ready for augmentation."""

    jpeg: bytes  # (BASE_SIZE, BASE_SIZE, 3) RGB, JPEG-encoded
    keypoints: FloatArray | None  # (21, 2) base-crop px of the teacher's keypoints; None: no hand
    source: str  # "path" or "path#frame", for messages and splits
    right: float = -1.0  # the teacher's handedness: 1 right hand, 0 left, −1 unknown or no hand

    def image(self) -> npt.NDArray[np.uint8]:
        bgr = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


def _encode_jpeg(rgb: npt.NDArray[np.uint8]) -> bytes:
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
    assert ok
    return buf.tobytes()


def base_crop(
    rgb: npt.NDArray[np.uint8],
    keypoints: FloatArray | None,
    window: cropping.CropWindow,
    source: str,
    right: float = -1.0,
) -> BaseCrop:
    """Cut ``window`` widened by CONTEXT out of a frame; keypoints (21, 2) frame px → base px."""
    wide = cropping.CropWindow(window.cx, window.cy, window.side * CONTEXT)
    matrix = cropping.crop_matrix(wide, BASE_SIZE)
    pts = None if keypoints is None else cropping.points_to_crop(keypoints, matrix)
    return BaseCrop(_encode_jpeg(cropping.warp(rgb, matrix, BASE_SIZE)), pts, source, right)


def _negative_window(rgb: npt.NDArray[np.uint8], hand_boxes: list[cropping.Box], rng: np.random.Generator):
    """A random square at least 40 px wide that keeps clear of every hand box (grown 30 %), or None."""
    h, w = rgb.shape[:2]
    for _ in range(20):
        side = rng.uniform(40, max(41, min(h, w) * 0.7))
        x0, y0 = rng.uniform(0, max(1, w - side)), rng.uniform(0, max(1, h - side))
        clear = all(
            x0 + side < bx0 - 0.3 * (bx1 - bx0)
            or x0 > bx1 + 0.3 * (bx1 - bx0)
            or y0 + side < by0 - 0.3 * (by1 - by0)
            or y0 > by1 + 0.3 * (by1 - by0)
            for bx0, by0, bx1, by1 in hand_boxes
        )
        if clear:
            return cropping.CropWindow(x0 + side / 2, y0 + side / 2, side / (1 + 2 * 0.25))
    return None


def _frames_rgb(frames: list[LabelledFrame]) -> Iterable[tuple[LabelledFrame, npt.NDArray[np.uint8]]]:
    """(frame, RGB) pairs, reading each video once in order."""
    by_path: dict[str, list[LabelledFrame]] = {}
    for frame in frames:
        by_path.setdefault(str(frame.path), []).append(frame)
    for group in by_path.values():
        if media_kind(group[0].path) == "video":
            wanted = {f.frame: f for f in group}
            for index, rgb in iter_frames(group[0].path):
                if index in wanted:
                    yield wanted[index], rgb
        else:
            yield group[0], read_image(group[0].path)


def padded(rgb: npt.NDArray[np.uint8], pad: float) -> tuple[npt.NDArray[np.uint8], float]:
    """``rgb`` framed by ``pad`` × its longest side of edge pixels, as the teacher saw it, and the px offset
    of the image inside the frame (0 and ``rgb`` itself when ``pad`` is 0)."""
    if pad <= 0:
        return rgb, 0.0
    px = int(round(pad * max(rgb.shape[:2])))
    return np.pad(rgb, ((px, px), (px, px), (0, 0)), mode="edge"), float(px)


def build_base_crops(
    frames: list[LabelledFrame],
    margin: float,
    negatives: bool,
    seed: int = 0,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[list[BaseCrop], list[BaseCrop]]:
    """Base crops of every teacher hand in ``frames``, and (if ``negatives``) one hand-free region per image where one fits."""
    rng = np.random.default_rng(seed)
    hands, empty = [], []
    for count, (frame, rgb) in enumerate(_frames_rgb([f for f in frames if f.hands]), 1):
        source = str(frame.path) if frame.frame < 0 else f"{frame.path}#{frame.frame}"
        rgb, offset = padded(rgb, frame.pad)
        points = [h.keypoints + offset for h in frame.hands]
        boxes = [cropping.keypoint_box(p) for p in points]
        for hand, kp, box in zip(frame.hands, points, boxes, strict=True):
            right = {"Right": 1.0, "Left": 0.0}.get(hand.handedness, -1.0)
            hands.append(base_crop(rgb, kp, cropping.window_from_box(box, margin), source, right))
        # a tight crop is all hand: no hand-free square in it
        window = _negative_window(rgb, boxes, rng) if negatives and not frame.pad else None
        if window is not None:
            empty.append(base_crop(rgb, None, window, source))
        if on_progress and count % 500 == 0:
            on_progress(count)
    return hands, empty


def render(
    base: BaseCrop, cfg: CPMConfig, geometry: Geometry = IDENTITY
) -> tuple[npt.NDArray[np.uint8], FloatArray | None]:
    """Network-input crop (S, S, 3) uint8 and keypoints (21, 2) crop px (None for a negative) for one geometry."""
    side = BASE_SIZE / CONTEXT * geometry.scale
    centre = (BASE_SIZE - 1) / 2.0
    window = cropping.CropWindow(centre + geometry.shift[0] * side, centre + geometry.shift[1] * side, side)
    matrix = cropping.crop_matrix(window, cfg.input_size, geometry.angle_deg, geometry.flip)
    crop = cropping.warp(base.image(), matrix, cfg.input_size)
    return crop, None if base.keypoints is None else cropping.points_to_crop(base.keypoints, matrix)


def to_tensor(crop: npt.NDArray[np.uint8]) -> torch.Tensor:
    """(S, S, 3) uint8 RGB → (3, S, S) uint8; batches become float once, after collation (cheaper)."""
    return torch.from_numpy(np.ascontiguousarray(crop.transpose(2, 0, 1)))


class DistillationSet(torch.utils.data.Dataset):
    """Augmented training crops with target beliefs and keypoints; a share of them hold no hand."""

    def __init__(
        self, hands: list[BaseCrop], empty: list[BaseCrop], cfg: CPMConfig, aug: CropAugmentConfig, seed: int = 0
    ) -> None:
        self.hands, self.empty, self.aug = hands, empty, aug
        self.rng = np.random.default_rng(seed)
        self.seed = seed
        # set by a distillation run (with core.cpm.training.sampler's keys): each draw's augmentation is then
        # seeded by (seed, epoch, place in the epoch), so a resumed run replays it; None: one random stream
        self.epoch: int | None = None
        self.cfg = cfg
        self.use_input_size(cfg.input_size)

    def __len__(self) -> int:
        return len(self.hands)

    def use_input_size(self, size: int) -> None:
        """Render crops (and targets) at ``size`` px from now on; the model is fully convolutional."""
        self.cfg = cfg = dataclasses.replace(self.cfg, input_size=size)
        nowhere = np.zeros((HAND_21.num_joints, 2), np.float32)
        self.no_hand_target = encode(
            nowhere, np.zeros(HAND_21.num_joints, bool), cfg.heatmap_size, cfg.stride, cfg.sigma
        )

    def __getitem__(self, index: int) -> tuple[torch.Tensor, ...]:
        """crop (3, S, S) uint8, target (22, h, w), keypoints (21, 2) in cells, inside (21,) 1.0 where the joint
        is in the crop, right () 1.0 right hand / 0.0 left / −1.0 unknown or no hand.

        ``index``: a hand's index, or with ``epoch`` set a ``sampler.draw_key``."""
        cfg, rng = self.cfg, self.rng
        if self.epoch is not None:
            place, index = split_key(index, len(self.hands))
            rng = np.random.default_rng([self.seed, self.epoch, place])
        if rng.random() < self.aug.negative_fraction:
            if self.empty and rng.random() < 0.7:
                crop, _ = render(self.empty[rng.integers(len(self.empty))], cfg, draw_geometry(self.aug, rng))
            else:
                crop = synthetic_negative(cfg.input_size, rng)
            nowhere = torch.zeros(HAND_21.num_joints, 2), torch.zeros(HAND_21.num_joints), torch.tensor(-1.0)
            return to_tensor(photometric(crop, self.aug, rng)), torch.from_numpy(self.no_hand_target), *nowhere
        base = self.hands[index]
        geometry = draw_geometry(self.aug, rng, upright_angle(base.keypoints) if self.aug.upright_prob else None)
        crop, points = render(base, cfg, geometry)
        if self.empty and rng.random() < self.aug.paste_prob:  # the same hand in another photo's scene
            scene, _ = render(self.empty[rng.integers(len(self.empty))], cfg, draw_geometry(self.aug, rng))
            crop = paste(crop, hand_mask(points, HAND_21.edges, cfg.input_size), scene)
        # a mirrored right hand is a left one
        right = 1.0 - base.right if geometry.flip and base.right >= 0 else base.right
        target = encode(points, np.ones(HAND_21.num_joints, bool), cfg.heatmap_size, cfg.stride, cfg.sigma)
        cells = crop_to_cell(points, cfg.stride)  # (21, 2)
        inside = ((cells > -0.5) & (cells < cfg.heatmap_size - 0.5)).all(axis=1).astype(np.float32)
        return (
            to_tensor(photometric(crop, self.aug, rng)),
            torch.from_numpy(target),
            torch.from_numpy(cells),
            torch.from_numpy(inside),
            torch.tensor(right, dtype=torch.float32),
        )
