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
apart; attention is shown on its own 0..1 scale (not stretched per map), so a map that looks everywhere
stays uniformly bright. Labels sit on a dark band: white text alone vanishes on INFERNO's bright yellow.
"""

from __future__ import annotations

import cv2
import numpy as np
import numpy.typing as npt

from core.cpm.estimator import CPMResult
from core.skeletons import HAND_21
from core.types import RGBImage
from core.viz.belief_views import draw_pose

HEATMAP_COLOURS = cv2.COLORMAP_JET
ATTENTION_COLOURS = cv2.COLORMAP_INFERNO
CROP_WEIGHT = 0.4  # the crop's share of a blended tile (the map's: the rest)


def coloured(values: npt.NDArray[np.float32], size: int, colour_map: int) -> RGBImage:
    """(h, w) map in 0..1 → (size, size, 3) RGB colour map, upsampled linearly (values outside 0..1 clipped)."""
    scaled = (np.clip(np.nan_to_num(values), 0.0, 1.0) * 255).astype(np.uint8)
    resized = cv2.resize(scaled, (size, size), interpolation=cv2.INTER_LINEAR)
    return cv2.cvtColor(cv2.applyColorMap(resized, colour_map), cv2.COLOR_BGR2RGB)


def over_crop(crop: RGBImage, values: npt.NDArray[np.float32], size: int, colour_map: int) -> RGBImage:
    """(size, size, 3) RGB: ``values`` (h, w, 0..1, crop cells) coloured and blended over the (S, S, 3) crop."""
    base = cv2.resize(crop, (size, size), interpolation=cv2.INTER_LINEAR)
    return cv2.addWeighted(base, CROP_WEIGHT, coloured(values, size, colour_map), 1.0 - CROP_WEIGHT, 0.0)


def labelled(tile: RGBImage, text: str) -> RGBImage:
    """``tile`` with ``text`` in white on a dark band along its top (in place; returned for chaining).

    Text about a twelfth of the tile high, as ``core.viz.belief_views``' labels: readable where the Live page
    shows tiles about 150 px wide.
    """
    scale = tile.shape[0] / 200
    band = int(22 * scale) + 4
    tile[:band] = (tile[:band].astype(np.uint16) * 2 // 7).astype(np.uint8)  # darkened, the map still shows
    cv2.putText(tile, text, (4, band - int(6 * scale) - 2), cv2.FONT_HERSHEY_SIMPLEX, 0.6 * scale, (255, 255, 255), 1,
                cv2.LINE_AA)  # fmt: skip
    return tile


def heatmaps_tile(result: CPMResult, size: int) -> RGBImage:
    """(size, size, 3): the last heatmap stack's 21 joint maps combined (max) over the crop."""
    joints = result.beliefs[-1][: HAND_21.num_joints].max(axis=0)
    return labelled(over_crop(result.crop, joints, size, HEATMAP_COLOURS), "heatmaps")


def attention_tiles(result: CPMResult, size: int) -> list[RGBImage]:
    """One (size, size, 3) tile per attention map, in ``result.attention_names``' order, each labelled by name."""
    names = result.attention_names or tuple(f"map {i + 1}" for i in range(len(result.attention)))
    return [
        labelled(over_crop(result.crop, values, size, ATTENTION_COLOURS), f"attention: {name}" if i == 0 else name)
        for i, (values, name) in enumerate(zip(result.attention, names, strict=True))
    ]


def pose_tile(result: CPMResult, size: int) -> RGBImage:
    """(size, size, 3): the decoded pose on the crop, with the mean joint confidence."""
    crop = cv2.resize(result.crop, (size, size), interpolation=cv2.INTER_LINEAR)
    points = result.keypoints_crop * (size / result.crop.shape[0])
    return labelled(draw_pose(crop, points, result.confidence), f"pose {result.score:.2f}")


def grid(tiles: list[RGBImage], columns: int) -> RGBImage:
    """Square tiles of one size, ``columns`` a row, black where the last row is short."""
    if not tiles or columns < 1:
        raise ValueError(f"need at least one tile and one column, got {len(tiles)} tiles, {columns} columns")
    blank = np.zeros_like(tiles[0])
    padded = tiles + [blank] * (-len(tiles) % columns)
    return np.vstack([np.hstack(padded[r : r + columns]) for r in range(0, len(padded), columns)])


def overview(result: CPMResult, tile: int = 200, columns: int = 3) -> RGBImage:
    """Heatmaps, the holistic attention and the pose, then the part maps: (rows·tile, columns·tile, 3) RGB.

    The first attention map (the holistic "hand" map when the network has one) sits between the heatmaps and the
    pose; the rest follow in rows. Without attention (A = 0): the heatmaps and the pose.
    """
    maps = attention_tiles(result, tile)
    return grid([heatmaps_tile(result, tile), *maps[:1], pose_tile(result, tile), *maps[1:]], columns)
