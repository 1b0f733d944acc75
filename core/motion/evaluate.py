"""Scores of a motion classifier on labelled clips: accuracy, per class, confusion (scikit-learn's)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sklearn.metrics import accuracy_score, confusion_matrix, recall_score

from core.motion.clip import Clip
from core.motion.spotting import ClipClassifier
from core.types import UNKNOWN_LABEL, Prediction


@dataclass(frozen=True)
class ClipReport:
    """How a model did on clips.

    Attributes:
        accuracy: share of clips whose predicted label (``unknown`` counts as wrong) is theirs.
        per_class: class → share of its clips predicted right (recall), for the classes present.
        labels: the confusion matrix's row and column order: the model's classes, then ``unknown``.
        confusion: (len(labels), len(labels)) int counts, rows = true class, columns = predicted.
        predictions: one per clip, in the clips' order.
    """

    accuracy: float
    per_class: dict[str, float]
    labels: list[str]
    confusion: npt.NDArray[np.int64]
    predictions: list[Prediction]

    def wrong(self, clips: list[Clip]) -> list[tuple[Clip, Prediction]]:
        """The clips predicted wrong, with what was predicted (for the Train page's wrong-clip list)."""
        return [(c, p) for c, p in zip(clips, self.predictions, strict=True) if p.label != c.label]

    def as_json(self) -> dict[str, object]:
        return {"accuracy": round(self.accuracy, 4), "per_class": {k: round(v, 4) for k, v in self.per_class.items()},
                "labels": self.labels, "confusion": self.confusion.tolist()}  # fmt: skip


def evaluate_clips(model: ClipClassifier, clips: list[Clip], classes: list[str]) -> ClipReport:
    """Predict every clip (each must carry a label) and score the answers against the labels."""
    unlabelled = [c.source for c in clips if c.label is None]
    if not clips or unlabelled:
        raise ValueError(f"{unlabelled[0]}: a clip to evaluate needs a label" if unlabelled else "no clips to evaluate")
    batched = getattr(model, "predict_clips", None)  # a MotionModel: one forward pass for all clips
    predictions = batched(clips) if batched is not None else [model.predict_clip(c) for c in clips]
    truth = [str(c.label) for c in clips]
    guess = [p.label for p in predictions]
    labels = list(classes) + [UNKNOWN_LABEL]
    present = [name for name in labels if name in set(truth)]
    recall = recall_score(truth, guess, labels=present, average=None, zero_division=0)
    return ClipReport(
        accuracy=float(accuracy_score(truth, guess)),
        per_class={name: float(r) for name, r in zip(present, recall, strict=True)},
        labels=labels,
        confusion=confusion_matrix(truth, guess, labels=labels),
        predictions=predictions,
    )
