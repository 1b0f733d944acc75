"""Square tiles of a keypoint network's maps, shared by the CPM's views and the ResNet-deconv's (numpy/OpenCV).

A network's maps are small (h, w) grids over its crop (32×32 for a 128 px crop). A tile is one map upsampled
(linear) to ``size`` px, coloured, optionally blended over the crop, and labelled on a dark band; ``grid`` lays
tiles out in rows. Every image here is RGB uint8.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from core.cpm.estimator import CPMResult
from core.cpm.evaluation.agreement import SURE_PEAK, sure_joints
from core.types import RGBImage
from core.viz.draw import skeleton_on

CROP_WEIGHT = 0.4  # the crop's share of a blended tile (the map's: the rest)
LABEL_SCALE = 0.8  # font scale on a 200 px tile: a joint name ("middle_mcp") fits, readable on ~115 px tiles


def draw_pose(image: RGBImage, keypoints: npt.NDArray[np.float32], confidence: npt.NDArray[np.float32]) -> RGBImage:
    """Copy of an (H, W, 3) RGB image with the skeleton of (21, 2) keypoints (image px) drawn on it.

    Same painter and palette as ``core.viz.draw``; sizes follow the crop (1 px lines on a 160 px tile).
    """
    out = image.copy()
    skeleton_on(out, keypoints, scale=max(1, round(out.shape[0] / 160)) / 2, hollow=confidence < SURE_PEAK)
    return out


def coloured(values: npt.NDArray[np.float32], size: int, colour_map: int) -> RGBImage:
    """(h, w) map in 0..1 → (size, size, 3) RGB colour map, upsampled linearly (values outside 0..1 clipped)."""
    scaled = (np.clip(np.nan_to_num(values), 0.0, 1.0) * 255).astype(np.uint8)
    resized = cv2.resize(scaled, (size, size), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(cv2.applyColorMap(resized, colour_map), cv2.COLOR_BGR2RGB)


def over_crop(crop: RGBImage, values: npt.NDArray[np.float32], size: int, colour_map: int) -> RGBImage:
    """(size, size, 3) RGB: ``values`` (h, w, 0..1, crop cells) coloured and blended over the (S, S, 3) crop."""
    base = cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR)
    return cv2.addWeighted(base, CROP_WEIGHT, coloured(values, size, colour_map), 1.0 - CROP_WEIGHT, 0.0)


def labelled(tile: RGBImage, text: str, font_scale: float = LABEL_SCALE) -> RGBImage:
    """``tile`` with ``text`` in white on a dark band along its top (in place; returned for chaining).

    ``font_scale`` is for a 200 px tile and follows the tile's size. The band keeps white text readable on a
    colour map's bright cells (JET's and INFERNO's yellows).
    """
    scale = font_scale * tile.shape[0] / 200
    (_, text_height), baseline = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
    band = text_height + baseline + 4
    tile[:band] = (tile[:band].astype(np.uint16) * 2 // 7).astype(np.uint8)  # darkened, the map still shows
    cv2.putText(tile, text, (3, band - baseline - 2), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1,
                cv2.LINE_AA)  # fmt: skip
    return tile


def sure_label(result: CPMResult) -> str:
    """A pose tile's label in words: "sure of 15/21" joints (the rings are the others), or "no hand?" when the
    network doubts the crop holds one (it used to read "pose 0.64": a number no one could place)."""
    sure = f"sure of {sure_joints(result.confidence)}/{len(result.confidence)}"
    return sure if result.has_hand else f"no hand? {sure}"


def pose_tile(result: CPMResult, size: int) -> RGBImage:
    """(size, size, 3): the decoded pose drawn on the crop (unlabelled); joints the network is unsure of
    (``core.cpm.evaluation.agreement.SURE_PEAK``) as rings."""
    crop = cv2.resize(result.crop, (size, size), interpolation=cv2.INTER_LINEAR)
    return draw_pose(crop, result.keypoints_crop * (size / result.crop.shape[0]), result.confidence)


def grid(tiles: list[RGBImage], columns: int) -> RGBImage:
    """Square tiles of one size, ``columns`` a row, black where the last row is short."""
    if not tiles or columns < 1:
        raise ValueError(f"need at least one tile and one column, got {len(tiles)} tiles, {columns} columns")
    blank = np.zeros_like(tiles[0])
    padded = tiles + [blank] * (-len(tiles) % columns)
    return np.vstack([np.hstack(padded[r : r + columns]) for r in range(0, len(padded), columns)])
