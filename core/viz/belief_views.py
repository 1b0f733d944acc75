"""The seed project's three CPM views for the Live page, as RGB uint8 images (numpy/OpenCV only).

* **MULTI**: every stage's beliefs side by side (joints combined: max over the 21
  joint maps of the hand, ``HAND_21``, over the crop), labelled "step 1", "step 2", …, then the final pose
  on the crop, labelled with how many joints the network is sure of (``map_tiles.sure_label``).
* **SINGLE**: the final pose on the crop.
* **HM**: each joint's belief map of the last stage, in a grid labelled with its name.

The tiles are ``core.viz.map_tiles``', shared with the ResNet-deconv's views; beliefs are coloured with JET.
"""

from __future__ import annotations

import cv2

from core.cpm.estimator import CPMResult
from core.skeletons import HAND_21
from core.types import RGBImage
from core.viz.map_tiles import coloured, draw_pose, grid, labelled, over_crop, pose_tile, sure_label

__all__ = ["VIEWS", "draw_pose", "heatmap_view", "multi_view", "single_view"]
BELIEF_COLOURS = cv2.COLORMAP_JET


def single_view(result: CPMResult, size: int = 256) -> RGBImage:
    """(size, size, 3) RGB: the final pose on the crop, with how many joints the network is sure of."""
    return labelled(pose_tile(result, size), sure_label(result))


def multi_view(result: CPMResult, tile: int = 160) -> RGBImage:
    """(tile, (T+1)·tile, 3) RGB: stage 1..T beliefs (joints combined, over the crop), then the pose."""
    tiles = [
        labelled(over_crop(result.crop, beliefs[: HAND_21.num_joints].max(axis=0), tile, BELIEF_COLOURS), f"step {t}")
        for t, beliefs in enumerate(result.beliefs, 1)
    ]
    tiles.append(labelled(pose_tile(result, tile), sure_label(result)))
    return grid(tiles, len(tiles))


def heatmap_view(result: CPMResult, tile: int = 96, columns: int = 6) -> RGBImage:
    """Grid of the last stage's 21 joint belief maps, each labelled with its joint name; the pose fills the last cells."""
    last = result.beliefs[-1]
    tiles = [labelled(coloured(last[j], tile, BELIEF_COLOURS), name) for j, name in enumerate(HAND_21.joint_names)]
    return grid([*tiles, pose_tile(result, tile)], columns)


VIEWS = {"MULTI": multi_view, "SINGLE": single_view, "HM": heatmap_view}
