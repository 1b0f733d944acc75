"""core.gestures.pipeline: smoothing, unknown threshold, hands matched across frames, timings, real video."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np
import pytest
from conftest import shared_path
from skeletonmaker import make_body

from core.gestures.features import FeatureConfig
from core.gestures.pipeline import Pipeline
from core.io.video import iter_frames
from core.skeletons import BODY_33
from core.types import UNKNOWN_LABEL, Keypoints

SIZE = (640, 480)


def make_hand(
    centre: tuple[float, float], handedness: str = "Right", thumb_side: float = 1.0, seed: int = 0
) -> Keypoints:
    """A synthetic hand around ``centre``; ``thumb_side`` (±1) puts joint 1 right/left of the wrist."""
    rng = np.random.default_rng(seed)
    pixel = np.array(centre) + rng.uniform(-40, 40, (21, 2))
    pixel[1] = pixel[0] + [30 * thumb_side, 0]
    normalised = np.zeros((21, 3), np.float32)
    normalised[:, :2] = pixel / np.array(SIZE)
    return Keypoints(pixel.astype(np.float32), normalised, np.zeros((21, 3), np.float32), handedness, 0.9, SIZE)


class ScriptedTracker:
    """Returns the next list of hands of a script on each call."""

    def __init__(self, frames: list[list[Keypoints]]) -> None:
        self.frames = iter(frames)

    def process(self, rgb: np.ndarray) -> list[Keypoints]:
        return next(self.frames)


class FnClassifier:
    """Protocol-compatible classifier whose probabilities come from ``fn(X, call_number)``."""

    def __init__(self, classes: list[str], fn: Callable[[np.ndarray, int], np.ndarray], threshold: float = 0.6):
        self.classes = classes
        self.feature_config = FeatureConfig(use_depth=True)
        self.threshold = threshold
        self.fn = fn
        self.calls = 0

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        assert X.dtype == np.float32 and X.shape[1] == self.feature_config.size
        self.calls += 1
        return np.asarray(self.fn(X, self.calls - 1), np.float32)


FRAME = np.zeros((480, 640, 3), np.uint8)


def run(pipeline: Pipeline, n: int) -> list:
    return [pipeline.process(FRAME) for _ in range(n)]


def test_smoothing_stabilises_alternating_probabilities() -> None:
    noisy = [[0.8, 0.2], [0.45, 0.55]]  # raw argmax flips every frame between a and b
    hands = [[make_hand((320, 240))] for _ in range(12)]

    def fn(X, call):
        return np.array([noisy[call % 2]] * len(X))

    raw = run(Pipeline(ScriptedTracker(hands), FnClassifier(["a", "b"], fn, threshold=0.5), smoothing=1), 12)
    smooth = run(Pipeline(ScriptedTracker(hands), FnClassifier(["a", "b"], fn, threshold=0.5), smoothing=5), 12)
    assert {r.predictions[0].label for r in raw} == {"a", "b"}
    assert [r.predictions[0].label for r in smooth] == ["a"] * 12
    assert smooth[-1].predictions[0].score == pytest.approx((0.8 * 2 + 0.45 * 3) / 5, abs=1e-5)  # frames 7..11


def test_unknown_below_threshold() -> None:
    pipeline = Pipeline(
        ScriptedTracker([[make_hand((320, 240))]]),
        FnClassifier(["a", "b", "c"], lambda X, _: np.array([[0.4, 0.35, 0.25]]), threshold=0.6),
    )
    prediction = pipeline.process(FRAME).predictions[0]
    assert prediction.label == UNKNOWN_LABEL and prediction.score == pytest.approx(0.4)
    assert list(prediction.probabilities) == ["a", "b", "c"]


def test_two_hands_are_smoothed_separately() -> None:
    # The classifier tells the hands apart by shape (thumb side); the tracker lists them in either order.
    def fn(X, _):
        return np.where(X[:, :1] < 0, [[1.0, 0.0]], [[0.0, 1.0]])

    left = [make_hand((150 + i, 300), "Left", thumb_side=1.0, seed=i) for i in range(10)]
    right = [make_hand((500 - i, 300), "Right", thumb_side=-1.0, seed=50 + i) for i in range(10)]
    frames = [[left[i], right[i]] if i % 2 else [right[i], left[i]] for i in range(10)]
    pipeline = Pipeline(ScriptedTracker(frames), FnClassifier(["a", "b"], fn), smoothing=5)
    for result in run(pipeline, 10):
        by_hand = {h.handedness: p for h, p in zip(result.hands, result.predictions, strict=True)}
        assert by_hand["Left"].probabilities == {"a": 1.0, "b": 0.0}  # never mixed with the other hand
        assert by_hand["Right"].probabilities == {"a": 0.0, "b": 1.0}


def test_new_hand_elsewhere_starts_fresh_history() -> None:
    frames = [[make_hand((100, 100))]] * 3 + [[]] * 4 + [[make_hand((100, 100))]]
    probs = [[0.9, 0.1]] * 3 + [[0.1, 0.9]]

    def fn(X, call):
        return np.array([probs[call]])

    pipeline = Pipeline(ScriptedTracker(frames), FnClassifier(["a", "b"], fn), smoothing=5)
    results = run(pipeline, 8)
    assert [len(r.hands) for r in results] == [1, 1, 1, 0, 0, 0, 0, 1]
    # gone for 4 frames (> the 2-frame grace): the returning hand does not inherit old probabilities
    assert results[-1].predictions[0].probabilities["b"] == pytest.approx(0.9)


def test_short_dropout_keeps_history() -> None:
    frames = [[make_hand((100, 100))]] * 3 + [[]] + [[make_hand((110, 100))]]
    probs = [[0.9, 0.1]] * 3 + [[0.1, 0.9]]
    pipeline = Pipeline(ScriptedTracker(frames), FnClassifier(["a", "b"], lambda X, c: np.array([probs[c]])))
    results = run(pipeline, 5)
    assert results[-1].predictions[0].label == "a"


def test_no_classifier_timings_and_frame_index() -> None:
    pipeline = Pipeline(ScriptedTracker([[make_hand((320, 240))], [], [make_hand((320, 240))]]))
    results = run(pipeline, 2)
    assert results[0].predictions == [None] and results[1].predictions == []
    for result in results:
        assert set(result.timings_ms) >= {"landmarks", "features", "classifier"}
        assert all(ms >= 0 for ms in result.timings_ms.values())
    assert [r.frame_index for r in results] == [0, 1]
    pipeline.reset()
    assert pipeline.process(FRAME, frame_index=None).frame_index == 0


def test_set_classifier_swaps_and_resets_from_another_thread() -> None:
    hands = [[make_hand((320, 240))]] * 200
    first = FnClassifier(["a", "b"], lambda X, _: np.array([[0.9, 0.1]] * len(X)))
    second = FnClassifier(["x", "y", "z"], lambda X, _: np.array([[0.1, 0.1, 0.8]] * len(X)))
    pipeline = Pipeline(ScriptedTracker(hands), first)
    swapper = threading.Thread(target=lambda: [pipeline.set_classifier(c) for c in (second, first) * 50])
    swapper.start()
    labels = {pipeline.process(FRAME).predictions[0].label for _ in range(150)}
    swapper.join()
    assert labels <= {"a", "z"}  # probabilities of one model never mixed into the other's classes
    pipeline.set_classifier(second)
    assert pipeline.process(FRAME).predictions[0].label == "z"


def test_invalid_smoothing() -> None:
    with pytest.raises(ValueError, match="smoothing"):
        Pipeline(ScriptedTracker([]), smoothing=0)


@pytest.mark.slow
def test_real_video_with_tracking() -> None:
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    video = shared_path("video", "asl_hand.25fps.mp4")
    linear = np.random.default_rng(0).normal(size=(FeatureConfig().size, 3)).astype(np.float32)

    def softmax(X, _):
        logits = X @ linear
        e = np.exp(logits - logits.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    with HandTracker(TrackerConfig(static_image_mode=False, max_num_hands=2, model_complexity=0)) as tracker:
        pipeline = Pipeline(tracker, FnClassifier(["a", "b", "c"], softmax, threshold=0.0))
        results = [pipeline.process(rgb) for _, rgb in iter_frames(video, max_frames=40)]
    found = sum(len(r.hands) == 1 for r in results)
    assert found >= 36, f"one hand expected in most of 40 frames, found in {found}"
    for result in results:
        assert set(result.timings_ms) >= {"landmarks", "features", "classifier"}
        assert all(ms >= 0 for ms in result.timings_ms.values())
        assert len(result.predictions) == len(result.hands)
        assert all(p is not None and p.label in {"a", "b", "c"} for p in result.predictions)
    assert results[-1].frame_index == 39


def test_bodies_pass_through_with_their_skeleton_and_visibility() -> None:
    visibility = np.ones(33, np.float32)
    visibility[15] = 0.1
    bodies = [[make_body(offset=(10.0 * i, 0.0), visibility=visibility)] for i in range(3)]
    body_model = FnClassifier(["t_pose", "arms_down"], lambda X, _: np.array([[0.9, 0.1]] * len(X)))
    body_model.feature_config = FeatureConfig(use_depth=True, skeleton="body", use_visibility=True)
    results = run(Pipeline(ScriptedTracker(bodies), body_model), 3)
    for result, frame in zip(results, bodies, strict=True):
        assert result.hands[0] is frame[0] and result.hands[0].skeleton is BODY_33
        assert result.predictions[0].label == "t_pose"
    hand_model = FnClassifier(["a", "b"], lambda X, _: np.array([[0.9, 0.1]] * len(X)))
    with pytest.raises(ValueError, match="this model reads hand keypoints, got body keypoints"):
        Pipeline(ScriptedTracker(bodies), hand_model).process(FRAME)
