"""The ResNet-deconv's views for the Live page: its heatmaps and where it looked, as RGB uint8 images (numpy/OpenCV).

A ResNet-deconv (``core.resdeconv``) reads one stack of heatmaps (``CPMResult.beliefs`` holds one "stage") and
weighs its features by attention maps (``CPMResult.attention``, (A, h, w) in 0..1, named by
``attention_names``): a holistic map over the hand ("hand"), then one part map per finger and the palm.

* ``overview``: a grid of square tiles, ``columns`` a row: the heatmaps (21 joints combined) over the crop, each
  attention map over the crop labelled with its name (the holistic one first), and the pose. With three columns
  and full attention that is [heatmaps, hand, pose] above the six part maps (palm, thumb / index, middle, ring,
  little) in two rows.

The maps are 32×32 for a 128 px crop: each is upsampled (linear) to the tile and blended over the crop. Heatmaps
use JET (as ``core.viz.belief_views``), attention INFERNO, so "where the joints are" and "where it looked" read
apart (the tiles are ``core.viz.map_tiles``', shared with the CPM's views); attention is shown on its own 0..1
scale (not stretched per map), so a map that looks everywhere stays uniformly bright. Labels sit on a dark band: white text alone vanishes on INFERNO's bright yellow.
"""

from __future__ import annotations

import cv2

from core.cpm.estimator import CPMResult
from core.skeletons import HAND_21
from core.types import RGBImage
from core.viz.belief_views import BELIEF_COLOURS
from core.viz.map_tiles import grid, labelled, over_crop, pose_tile, sure_label

HEATMAP_COLOURS = BELIEF_COLOURS
ATTENTION_COLOURS = cv2.COLORMAP_INFERNO
ATTENTION_LABEL_SCALE = 0.6  # "attention: hand" fits a tile


def heatmaps_tile(result: CPMResult, size: int) -> RGBImage:
    """(size, size, 3): the last heatmap stack's 21 joint maps combined (max) over the crop."""
    joints = result.beliefs[-1][: HAND_21.num_joints].max(axis=0)
    return labelled(over_crop(result.crop, joints, size, HEATMAP_COLOURS), "heatmaps", ATTENTION_LABEL_SCALE)


def attention_tiles(result: CPMResult, size: int) -> list[RGBImage]:
    """One (size, size, 3) tile per attention map, in ``result.attention_names``' order, each labelled by name."""
    names = result.attention_names or tuple(f"map {i + 1}" for i in range(len(result.attention)))
    return [
        labelled(
            over_crop(result.crop, values, size, ATTENTION_COLOURS),
            f"attention: {name}" if i == 0 else name,
            ATTENTION_LABEL_SCALE,
        )
        for i, (values, name) in enumerate(zip(result.attention, names, strict=True))
    ]


def overview(result: CPMResult, tile: int = 200, columns: int = 3) -> RGBImage:
    """Heatmaps, the holistic attention and the pose, then the part maps: (rows·tile, columns·tile, 3) RGB.

    The first attention map (the holistic "hand" map when the network has one) sits between the heatmaps and the
    pose; the rest follow in rows. Without attention (A = 0): the heatmaps and the pose.
    """
    maps = attention_tiles(result, tile)
    pose = labelled(pose_tile(result, tile), sure_label(result), ATTENTION_LABEL_SCALE)
    return grid([heatmaps_tile(result, tile), *maps[:1], pose, *maps[1:]], columns)
