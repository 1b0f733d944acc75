"""Keypoint accuracy: PCK and normalised error, relative to the reference hand's box."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from core.types import FloatArray

PCK_THRESHOLDS = (0.05, 0.1, 0.2)


def normalised_errors(
    pred: FloatArray,
    ref: FloatArray,
    visible: npt.NDArray[np.bool_] | None = None,
    sizes: FloatArray | None = None,
) -> FloatArray:
    """Per-joint distance / hand size; the size is the longest side of the reference keypoints' box.

    Args:
        pred, ref: (N, 21, 2) pixels (any common space).
        visible: (N, 21) bool; invisible joints come back as NaN and are left out of means.
        sizes: (N,) hand sizes in the same pixels (e.g. an annotated bbox's longest side),
            instead of the keypoints' box.

    Returns:
        (N, 21) float32.
    """
    pred, ref = np.asarray(pred, np.float32), np.asarray(ref, np.float32)
    vis = np.ones(ref.shape[:2], bool) if visible is None else np.asarray(visible, bool)
    ref_masked = np.where(vis[..., None], ref, np.nan)
    span = np.nanmax(ref_masked, axis=1) - np.nanmin(ref_masked, axis=1)  # (N, 2)
    size = np.nanmax(span, axis=1) if sizes is None else np.asarray(sizes, np.float32)  # (N,)
    size = np.maximum(size, 1e-6)
    err = np.linalg.norm(pred - ref, axis=2) / size[:, None]
    return np.where(vis, err, np.nan).astype(np.float32)


def pck(errors: FloatArray, threshold: float) -> float:
    """Share of (visible) joints whose normalised error is within ``threshold``."""
    valid = np.isfinite(errors)
    return float((errors[valid] <= threshold).mean()) if valid.any() else float("nan")


def summary(errors: FloatArray) -> dict[str, float]:
    """PCK at the standard thresholds and the mean normalised error."""
    out = {f"pck_{t}": pck(errors, t) for t in PCK_THRESHOLDS}
    out["mean_error"] = float(np.nanmean(errors)) if np.isfinite(errors).any() else float("nan")
    return out
