"""The seed project's three CPM views for the Live page, as RGB uint8 images (numpy/OpenCV only).

* **MULTI**: every stage's beliefs side by side (joints combined: max over the 21
  joint maps of the hand, ``HAND_21``, over the crop), then the final pose on the crop;
  shows the stages sharpening the beliefs.
* **SINGLE**: the final pose on the crop.
* **HM**: each joint's belief map of the last stage, in a grid labelled with its name.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from core.cpm.estimator import CPMResult
from core.skeletons import HAND_21
from core.types import RGBImage
from core.viz.draw import skeleton_on

LOW_CONFIDENCE = 0.3  # joints below this are drawn hollow: the model is unsure of them


def draw_pose(image: RGBImage, keypoints: npt.NDArray[np.float32], confidence: npt.NDArray[np.float32]) -> RGBImage:
    """Copy of an (H, W, 3) RGB image with the skeleton of (21, 2) keypoints (image px) drawn on it.

    Same painter and palette as ``core.viz.draw``; sizes follow the crop (1 px lines on a 160 px tile).
    """
    out = image.copy()
    skeleton_on(out, keypoints, scale=max(1, round(out.shape[0] / 160)) / 2, hollow=confidence < LOW_CONFIDENCE)
    return out


def _heat(maps: npt.NDArray[np.float32], size: int) -> RGBImage:
    """(h, w) beliefs → (size, size, 3) RGB colour map (0 → dark, 1 → bright)."""
    scaled = (np.clip(maps, 0.0, 1.0) * 255).astype(np.uint8)
    coloured = cv2.applyColorMap(cv2.resize(scaled, (size, size), interpolation=cv2.INTER_LINEAR), cv2.COLORMAP_JET)
    return cv2.cvtColor(coloured, cv2.COLOR_BGR2RGB)


def _label(tile: RGBImage, text: str) -> RGBImage:
    # Text about a twelfth of the tile high: a joint name ("middle_mcp") still fits one tile,
    # and stays readable where the Live page shows tiles about 115 px wide.
    scale = tile.shape[0] / 200
    cv2.putText(
        tile, text, (3, int(14 * scale) + 3), cv2.FONT_HERSHEY_SIMPLEX, 0.4 * scale * 2, (255, 255, 255), 1, cv2.LINE_AA
    )
    return tile


def _crop_tile(result: CPMResult, size: int) -> RGBImage:
    crop = cv2.resize(result.crop, (size, size), interpolation=cv2.INTER_LINEAR)
    points = result.keypoints_crop * (size / result.crop.shape[0])
    return draw_pose(crop, points, result.confidence)


def single_view(result: CPMResult, size: int = 256) -> RGBImage:
    """(size, size, 3) RGB: the final pose on the crop, with the mean confidence."""
    tile = _crop_tile(result, size)
    return _label(tile, f"{'hand' if result.has_hand else 'no hand'} {result.score:.2f}")


def multi_view(result: CPMResult, tile: int = 160) -> RGBImage:
    """(tile, (T+1)·tile, 3) RGB: stage 1..T beliefs (joints combined, over the crop), then the pose."""
    crop = cv2.resize(result.crop, (tile, tile), interpolation=cv2.INTER_LINEAR)
    tiles = []
    for t, beliefs in enumerate(result.beliefs, 1):
        blended = cv2.addWeighted(crop, 0.4, _heat(beliefs[: HAND_21.num_joints].max(axis=0), tile), 0.6, 0.0)
        tiles.append(_label(blended, f"stage {t}"))
    tiles.append(_label(_crop_tile(result, tile), f"pose {result.score:.2f}"))
    return np.hstack(tiles)


def heatmap_view(result: CPMResult, tile: int = 96, columns: int = 6) -> RGBImage:
    """Grid of the last stage's 21 joint belief maps, each labelled with its joint name; the pose fills the last cells."""
    last = result.beliefs[-1]
    tiles = [_label(_heat(last[j], tile), name) for j, name in enumerate(HAND_21.joint_names)]
    tiles.append(_crop_tile(result, tile))
    rows = -(-len(tiles) // columns)
    tiles += [np.zeros((tile, tile, 3), np.uint8)] * (rows * columns - len(tiles))
    return np.vstack([np.hstack(tiles[r * columns : (r + 1) * columns]) for r in range(rows)])


VIEWS = {"MULTI": multi_view, "SINGLE": single_view, "HM": heatmap_view}
