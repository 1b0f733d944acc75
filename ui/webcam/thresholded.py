"""A session's own "unknown" setting over a classifier that sessions share (loaded once per model).

The frame callback's pipeline reads classes, probabilities and decisions through this view, so one
person's slider never changes another's answers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from core.gestures.classifier import GestureClassifier


class ThresholdedClassifier:
    """A read-only view of a shared classifier with this session's "unknown" setting: the threshold of a model
    without examples, or the tolerance (in radii, ``core.gestures.familiarity``) of one with them."""

    def __init__(self, classifier: GestureClassifier, threshold: float, tolerance: float = 1.0) -> None:
        self.inner = classifier
        self.classes = list(classifier.classes)
        self.feature_config = classifier.feature_config
        self.threshold = float(threshold)
        self.tolerance = float(tolerance)

    def predict_proba(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        return self.inner.predict_proba(features)

    def class_distances(self, features: npt.NDArray[np.float32]) -> npt.NDArray[np.float32] | None:
        distances = self.inner.class_distances(features)
        return None if distances is None else distances / np.float32(self.tolerance)

    def decide(self, probabilities: npt.NDArray[np.float32], distances: npt.NDArray[np.float32] | None) -> list:
        return self.inner.decide(probabilities, distances, self.threshold)
