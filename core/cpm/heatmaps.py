"""Keypoints ↔ belief maps, pure numpy.

Coordinate spaces:

* **crop px**: continuous pixel coordinates of the square network input, x right,
  y down: (0, 0) is the top-left corner, pixel (i, j) has its centre at (j + ½, i + ½)
  (the convention of ``Keypoints.pixel``).
* **cell**: belief-map cell coordinates, integer at cell centres; cell ``u`` covers
  crop px ``[u*stride, (u+1)*stride)``, so its centre is at crop px ``(u + ½)*stride``.

A belief map stack has 22 channels: one per joint (a Gaussian of peak 1 at the
joint, all zeros when the joint is not visible) and a background channel
``1 - max over joints``, as in the CPM paper's P+1 maps.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from core.skeletons import HAND_21
from core.types import FloatArray

_EPS = 1e-6


def crop_to_cell(points: FloatArray, stride: int) -> FloatArray:
    """(..., 2) crop px → (..., 2) cell coordinates."""
    return np.asarray(points, dtype=np.float32) / stride - 0.5


def cell_to_crop(points: FloatArray, stride: int) -> FloatArray:
    """(..., 2) cell coordinates → (..., 2) crop px."""
    return (np.asarray(points, dtype=np.float32) + 0.5) * stride


def encode(
    keypoints: FloatArray, visible: npt.NDArray[np.bool_], heatmap_size: int, stride: int, sigma: float
) -> FloatArray:
    """Target belief maps for one hand.

    Args:
        keypoints: (21, 2) float, crop px.
        visible: (21,) bool; invisible joints get an all-zero map.
        heatmap_size: side H = W of each map, in cells.
        stride: crop px per cell.
        sigma: Gaussian std, in cells.

    Returns:
        (22, H, W) float32: 21 joint maps then the background map.
    """
    keypoints = np.asarray(keypoints, dtype=np.float32)
    if keypoints.shape != (HAND_21.num_joints, 2):
        raise ValueError(f"expected keypoints of shape (21, 2), got {keypoints.shape}")
    centres = crop_to_cell(keypoints, stride)  # (21, 2) cells
    grid = np.arange(heatmap_size, dtype=np.float32)
    gx = np.exp(-((grid[None, :] - centres[:, :1]) ** 2) / (2 * sigma**2))  # (21, W), separable Gaussian
    gy = np.exp(-((grid[None, :] - centres[:, 1:]) ** 2) / (2 * sigma**2))  # (21, H)
    joints = gy[:, :, None] * gx[:, None, :]  # (21, H, W)
    joints *= np.asarray(visible, dtype=np.float32)[:, None, None]
    background = 1.0 - joints.max(axis=0, keepdims=True)  # (1, H, W)
    return np.concatenate([joints, background], axis=0).astype(np.float32)


def _parabola_vertex(left: FloatArray, centre: FloatArray, right: FloatArray) -> FloatArray:
    """Offset from the middle sample of the vertex of the parabola through three log-values.

    Exact for a Gaussian; 0 where the three values are not concave (flat or noisy maps).
    """
    denom = left - 2 * centre + right
    concave = denom < -_EPS
    return np.where(concave, 0.5 * (left - right) / np.where(concave, denom, -1.0), 0.0).astype(np.float32)


def _refine_axis(logs: FloatArray, peak: npt.NDArray[np.intp], axis_len: int, take) -> FloatArray:
    """Sub-cell position along one axis: parabola through 3 samples kept inside the map.

    At a border peak the window shifts inwards, so a joint just outside the first
    cell centre still decodes to its true position (clipped to ±0.5 cell of the peak).
    """
    if axis_len < 3:
        return peak.astype(np.float32)
    middle = np.clip(peak, 1, axis_len - 2)
    vertex = middle + _parabola_vertex(take(logs, middle - 1), take(logs, middle), take(logs, middle + 1))
    return np.clip(vertex, peak - 0.5, peak + 0.5).astype(np.float32)


def decode(heatmaps: FloatArray, stride: int, power: float = 0.0, radius: int = 0) -> tuple[FloatArray, FloatArray]:
    """Keypoints and confidences from one stack of belief maps.

    ``power`` 0: the peak cell of each joint map, refined to sub-cell precision by fitting a parabola to the
    log-beliefs of its neighbours along x and along y (a Gaussian's log is a parabola, so a clean target
    decodes exactly). ``power`` p > 0: the mean cell under the weights ``max(belief, 0) ** p``, over the
    cells within ``radius`` cells of the peak (0: the whole map). Both networks train a soft-argmax
    coordinate loss beside the maps; on an unsure map the mean stays with the mass where the peak jumps
    to one stray maximum (``bench/networks/decode.py`` measures both).

    Args:
        heatmaps: (22, H, W) or (21, H, W) float; only the first 21 are read.
        stride: crop px per cell.
        power: 0 for the refined peak, else the exponent of the beliefs' weights.
        radius: cells around the peak the mean reads (0: all); ignored when ``power`` is 0.

    Returns:
        keypoints (21, 2) float32 in crop px, confidence (21,) float32 = peak value clipped to [0, 1].
    """
    maps = np.asarray(heatmaps, dtype=np.float32)[: HAND_21.num_joints]
    if maps.ndim != 3 or maps.shape[0] != HAND_21.num_joints:
        raise ValueError(f"expected (22, H, W) or (21, H, W) belief maps, got {np.shape(heatmaps)}")
    n, h, w = maps.shape
    flat = maps.reshape(n, -1).argmax(axis=1)
    py, px = np.divmod(flat, w)  # (21,) peak cell per joint
    idx = np.arange(n)
    peak = maps[idx, py, px]
    confidence = np.clip(peak, 0.0, 1.0).astype(np.float32)
    logs = np.log(np.maximum(maps, _EPS))  # (21, H, W)
    x = _refine_axis(logs, px, w, lambda m, col: m[idx, py, col])
    y = _refine_axis(logs, py, h, lambda m, row: m[idx, row, px])
    cells = np.stack([x, y], axis=1)  # (21, 2)
    if power > 0:
        cells = _mean_cells(maps, py, px, power, radius, cells)
    return cell_to_crop(cells, stride), confidence


def _mean_cells(maps: FloatArray, py: npt.NDArray[np.intp], px: npt.NDArray[np.intp], power: float, radius: int,
                fallback: FloatArray) -> FloatArray:  # fmt: skip
    """(21, 2) mean cell of each map under ``max(map, 0) ** power`` near its peak; ``fallback`` where a map is flat."""
    _, h, w = maps.shape
    weights = np.maximum(maps, 0.0) ** power
    rows = np.arange(h, dtype=np.float32)
    cols = np.arange(w, dtype=np.float32)
    if radius > 0:
        weights = (
            weights
            * (np.abs(rows[None, :, None] - py[:, None, None]) <= radius)
            * (np.abs(cols[None, None, :] - px[:, None, None]) <= radius)
        )
    total = weights.sum(axis=(1, 2))
    found = total > _EPS
    safe = np.where(found, total, 1.0)
    mean = np.stack(
        [(weights.sum(axis=1) * cols).sum(axis=1) / safe, (weights.sum(axis=2) * rows).sum(axis=1) / safe], 1
    )
    return np.where(found[:, None], mean, fallback).astype(np.float32)
