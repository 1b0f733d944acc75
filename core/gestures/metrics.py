"""How a trained classifier does on labelled features: accuracy, per class, confusion, mirrored hands."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import confusion_matrix

from core.gestures.classifier import GestureClassifier
from core.gestures.features import mirror_features
from core.types import FloatArray


@dataclass(frozen=True)
class EvalReport:
    """Accuracy of a classifier on labelled features (argmax, threshold ignored)."""

    accuracy: float
    per_class: dict[str, float]  # classes that have samples
    confusion: npt.NDArray[np.int64]  # (C, C), rows = true class, classifier.classes order
    n: int
    predictions: list[str]  # predicted class per row


def evaluate(classifier: GestureClassifier, X: FloatArray, labels: Sequence[str]) -> EvalReport:
    """Accuracy, per-class accuracy and confusion of ``classifier`` on (N, D) features (argmax)."""
    if len(X) == 0 or len(X) != len(labels):
        raise ValueError(f"need as many labels as feature rows (at least one), got {len(X)} rows, {len(labels)} labels")
    unknown = sorted(set(labels) - set(classifier.classes))
    if unknown:
        raise ValueError(f"labels not among the model's classes {classifier.classes}: {unknown}")
    index = {name: i for i, name in enumerate(classifier.classes)}
    truth = np.array([index[name] for name in labels])
    predicted = classifier.predict_proba(X).argmax(axis=1)
    confusion = confusion_matrix(truth, predicted, labels=np.arange(len(index))).astype(np.int64)
    totals = confusion.sum(axis=1)
    per_class = {name: float(confusion[i, i] / totals[i]) for i, name in enumerate(classifier.classes) if totals[i]}
    accuracy = float(np.trace(confusion) / len(truth))
    return EvalReport(accuracy, per_class, confusion, len(truth), [classifier.classes[i] for i in predicted])


def mirrored_accuracy(
    classifier: GestureClassifier, x_val: FloatArray, y_val: npt.NDArray[np.str_], mirror_map: Mapping[str, str]
) -> float | None:
    """Accuracy on mirrored val samples whose mirrored label is a model class; None when there are none."""
    partners = np.array([mirror_map.get(name, name) for name in y_val])
    keep = np.isin(partners, classifier.classes)
    if not keep.any():
        return None
    mirrored = mirror_features(x_val[keep], classifier.feature_config)
    return evaluate(classifier, mirrored, partners[keep].tolist()).accuracy
