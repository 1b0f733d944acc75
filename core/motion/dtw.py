"""The template method: dynamic time warping nearest neighbours over ``core.motion.features``.

The comparison ``bench/people/motion_accuracy.py`` makes against the 1D-CNN: no training, every taught
clip (and its mirror image, label mapped) is a template, and a clip takes the label of the
templates nearest to it after the best alignment in time (Sakoe-Chiba band).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from core.motion.clip import Clip
from core.motion.features import MOTION_MIRRORS, MotionFeatureConfig, clip_features, mirror_clip, mirror_label
from core.types import FloatArray, Prediction, make_prediction


def dtw_distances(query: FloatArray, templates: FloatArray, band: int) -> FloatArray:
    """(L, C) query against (N, L, C) templates → (N,) DTW costs (Euclidean steps, band ±``band`` steps)."""
    length = len(query)
    cost = np.linalg.norm(templates[:, None, :, :] - query[None, :, None, :], axis=3)  # (N, Lq, Lt)
    acc = np.full((len(templates), length + 1, length + 1), np.inf, dtype=np.float32)
    acc[:, 0, 0] = 0.0
    for i in range(1, length + 1):
        for j in range(max(1, i - band), min(length, i + band) + 1):
            best = np.minimum(np.minimum(acc[:, i - 1, j], acc[:, i, j - 1]), acc[:, i - 1, j - 1])
            acc[:, i, j] = cost[:, i - 1, j - 1] + best
    return acc[:, length, length] / (2 * length)


class DTWClassifier:
    """k nearest templates by DTW; probabilities from a softmax over each class's nearest cost."""

    def __init__(self, clips: list[Clip], config: MotionFeatureConfig | None = None,
                 mirrors: Mapping[str, str] = MOTION_MIRRORS, threshold: float = 0.5,
                 band: int = 6, temperature: float = 0.1) -> None:  # fmt: skip
        self.classes = sorted({str(c.label) for c in clips})
        self.skeleton, self.config = clips[0].skeleton, config or MotionFeatureConfig()
        config = self.config
        self.threshold, self.band, self.temperature = threshold, band, temperature
        pairs = [(c, c.label) for c in clips]
        pairs += [(mirror_clip(c, mirrors), mirror_label(c.label, mirrors)) for c in clips
                  if mirror_label(c.label, mirrors) in self.classes]  # fmt: skip
        features = np.stack([clip_features(c, config) for c, _ in pairs])
        # Each channel scaled to unit spread, so the 40 shape channels do not drown the 4 of the path.
        self.std = np.maximum(features.reshape(-1, features.shape[2]).std(axis=0), 1e-3)
        weight = np.ones(features.shape[2], dtype=np.float32)
        weight[4:] = np.sqrt(4.0 / max(1, features.shape[2] - 4))  # the path and the shape count alike
        self.scale = (weight / self.std).astype(np.float32)
        self.templates = features * self.scale
        self.labels = np.array([self.classes.index(str(label)) for _, label in pairs])

    def predict_clip(self, clip: Clip) -> Prediction:
        costs = dtw_distances(clip_features(clip, self.config) * self.scale, self.templates, self.band)
        nearest = np.array([costs[self.labels == k].min() for k in range(len(self.classes))])
        logits = -(nearest - nearest.min()) / self.temperature
        probabilities = np.exp(logits) / np.exp(logits).sum()
        return make_prediction(probabilities, self.classes, self.threshold)
