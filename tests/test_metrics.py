"""core.gestures.metrics: the confusion matrix, per-class accuracy and mirrored accuracy of a classifier."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.gestures.classifier import GestureClassifier
from core.gestures.features import FeatureConfig, mirror_features
from core.gestures.metrics import evaluate, mirrored_accuracy

CFG = FeatureConfig(use_depth=False)
CLASSES = ["fist", "ok", "peace", "pointing_left", "pointing_right"]


@pytest.fixture(scope="module")
def model() -> GestureClassifier:
    torch.manual_seed(0)
    return GestureClassifier(CLASSES, CFG, (16,), 0.0, 0.5, {})


def test_confusion_counts_each_row_where_truth_meets_prediction(model) -> None:
    x = np.random.default_rng(0).normal(0, 0.5, (40, CFG.size)).astype(np.float32)
    predicted = model.predict_proba(x).argmax(axis=1)
    truth = np.arange(40) % 2  # only the first two classes have samples
    labels = [CLASSES[i] for i in truth]
    report = evaluate(model, x, labels)
    assert report.confusion.shape == (5, 5) and report.confusion.dtype == np.int64  # classes without rows included
    for t in range(5):
        for p in range(5):
            assert report.confusion[t, p] == int(((truth == t) & (predicted == p)).sum())
    assert report.accuracy == pytest.approx(float((predicted == truth).mean()))
    assert set(report.per_class) == {"fist", "ok"}
    assert report.per_class["ok"] == pytest.approx(float((predicted[truth == 1] == 1).mean()))
    assert report.predictions == [CLASSES[i] for i in predicted] and report.n == 40


def test_evaluate_refuses_unknown_labels_and_empty_input(model) -> None:
    x = np.zeros((2, CFG.size), np.float32)
    with pytest.raises(ValueError, match="'thumbs_up'"):
        evaluate(model, x, ["fist", "thumbs_up"])
    with pytest.raises(ValueError, match="at least one"):
        evaluate(model, x[:0], [])


def test_mirrored_accuracy_scores_mirror_images_against_the_partner_label(model) -> None:
    x = np.random.default_rng(1).normal(0, 0.5, (12, CFG.size)).astype(np.float32)
    y = np.array(["pointing_right"] * 6 + ["fist"] * 6)
    partners = {"pointing_right": "pointing_left", "pointing_left": "pointing_right"}
    expected = evaluate(model, mirror_features(x, CFG), ["pointing_left"] * 6 + ["fist"] * 6).accuracy
    assert mirrored_accuracy(model, x, y, partners) == pytest.approx(expected)
    assert mirrored_accuracy(model, x[:6], y[:6], {"pointing_right": "thumbs_up"}) is None  # partner not a class
