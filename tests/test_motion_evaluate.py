"""core.motion.evaluate: accuracy, per-class recall and the confusion matrix agree with the predictions."""

from __future__ import annotations

import numpy as np
import pytest
from motionmaker import keypoint_clip

from core.motion.dtw import DTWClassifier
from core.motion.evaluate import evaluate_clips


def test_scores_count_each_clip_once_in_the_right_cell() -> None:
    model = DTWClassifier([keypoint_clip(k, start=s) for k in ("swipe_up", "swipe_down") for s in (0, 100)])
    # a circle labelled swipe_up: the model lacks circles, so it is wrong somewhere
    clips = [keypoint_clip("swipe_up", start=200), keypoint_clip("swipe_down", start=200),
             keypoint_clip("swipe_down", start=260), keypoint_clip("circle", start=200, label="swipe_up")]  # fmt: skip
    report = evaluate_clips(model, clips, model.classes)
    guesses = [p.label for p in report.predictions]
    assert guesses[:3] == ["swipe_up", "swipe_down", "swipe_down"]
    assert report.labels == ["swipe_down", "swipe_up", "unknown"]
    assert report.confusion.sum() == 4 and report.confusion[0, 0] == 2
    assert report.confusion[1].sum() == 2 and report.confusion[1, 1] == 1 + (guesses[3] == "swipe_up")
    assert report.accuracy == pytest.approx(np.mean([g == c.label for g, c in zip(guesses, clips, strict=True)]))
    assert report.per_class["swipe_down"] == 1.0
    assert [c.source for c, _ in report.wrong(clips)] == [c.source for g, c in zip(guesses, clips, strict=True)
                                                           if g != c.label]  # fmt: skip
    assert set(report.as_json()) == {"accuracy", "per_class", "labels", "confusion"}


def test_clips_without_labels_or_none_at_all_are_refused() -> None:
    model = DTWClassifier([keypoint_clip(k, start=s) for k in ("swipe_up", "idle") for s in (0, 100)])
    with pytest.raises(ValueError, match="asl:idle:0: a clip to evaluate needs a label"):
        evaluate_clips(model, [keypoint_clip("idle", label=None)], model.classes)
    with pytest.raises(ValueError, match="no clips"):
        evaluate_clips(model, [], model.classes)
