"""How a trained classifier does on labelled features: accuracy, per class, confusion, mirrored hands.

The confusion matrix is dense, (C, C) int64: models have at most ``LIMITS.classes`` classes (320 kB at
200), and ``top_confusions`` reads only its non-zero cells for views too large to draw as a matrix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from core.gestures.classifier import GestureClassifier
from core.gestures.features import mirror_features
from core.io.limits import LIMITS
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
    if len(classifier.classes) > LIMITS.classes:  # the (C, C) matrix grows with the square
        raise ValueError(
            f"a model of {len(classifier.classes):,} classes, over the limit of {LIMITS.classes}: "
            f"its confusion matrix alone would hold {len(classifier.classes) ** 2:,} counts"
        )
    index = {name: i for i, name in enumerate(classifier.classes)}
    truth = np.array([index[name] for name in labels])
    predicted = classifier.predict_proba(X).argmax(axis=1)
    from sklearn.metrics import confusion_matrix  # here: 1.4 s to import, which loading a model need not wait for

    confusion = confusion_matrix(truth, predicted, labels=np.arange(len(index))).astype(np.int64)
    totals = confusion.sum(axis=1)
    per_class = {name: float(confusion[i, i] / totals[i]) for i, name in enumerate(classifier.classes) if totals[i]}
    accuracy = float(np.trace(confusion) / len(truth))
    return EvalReport(accuracy, per_class, confusion, len(truth), [classifier.classes[i] for i in predicted])


@dataclass(frozen=True)
class Confusion:
    """One off-diagonal cell of a confusion matrix: samples of ``true`` the model took for ``predicted``."""

    true: str
    predicted: str
    count: int
    share: float  # of the samples of ``true``


def top_confusions(confusion: npt.NDArray[np.int64], classes: Sequence[str], limit: int = 20) -> list[Confusion]:
    """The ``limit`` pairs most often confused in a (C, C) matrix (rows true), most first, ties in class order.

    Reads the non-zero cells only (at most one per evaluated sample): no per-cell objects and no dense copy.
    """
    matrix = np.asarray(confusion)
    rows, columns = np.nonzero(matrix)
    off = rows != columns
    rows, columns = rows[off], columns[off]
    counts = matrix[rows, columns]
    order = np.lexsort((columns, rows, -counts))[:limit]
    totals = matrix[rows[order]].sum(axis=1)
    return [
        Confusion(classes[rows[i]], classes[columns[i]], int(counts[i]), float(counts[i] / total))
        for i, total in zip(order.tolist(), totals.tolist(), strict=True)
    ]


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
