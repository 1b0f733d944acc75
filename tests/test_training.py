"""Training: mirroring fills partner classes, data checks, early stopping, cancel, the job thread, real keypoints."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import torch
from conftest import shared_path
from handmaker import make_hand, mirror_hand, pointing_hand, rotate

from core.gestures.catalog import DEFAULT_CLASSES
from core.gestures.features import FeatureConfig, hand_features, keypoints_to_features, mirror_features
from core.gestures.training import (
    EpochStats,
    NotEnoughDataError,
    TrainConfig,
    copy_weights,
    evaluate,
    train_classifier,
)

MIRROR_MAP = {c.name: c.mirror_partner for c in DEFAULT_CLASSES}
CFG = FeatureConfig(use_depth=True)
FAST = TrainConfig(epochs=60, patience=15)

# Right hands as an unmirrored camera sees them. In the user view (the mirrored
# preview, where features live) raw direction 180° points to the user's right: 👉.
POSES = {"pointing_right": 180.0, "pointing_up": 90.0, "thumbs_down": 270.0}


def _right_hands(label: str, n: int, rng: np.random.Generator) -> np.ndarray:
    """(n, D) features of noisy right hands making ``label`` (``open_palm`` or a pointing pose)."""
    rows = []
    for _ in range(n):
        base = make_hand().pixel - make_hand().pixel[0] if label == "open_palm" else pointing_hand(POSES[label])
        pts = rotate(base + rng.normal(0, 3, base.shape).astype(np.float32), rng.uniform(-10, 10))
        rows.append(hand_features(make_hand(pts, scale=rng.uniform(0.6, 1.4)), CFG))
    return np.stack(rows)


def _dataset(counts: dict[str, int], seed: int = 0) -> tuple[np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    X = np.concatenate([_right_hands(label, n, rng) for label, n in counts.items()])
    return X, [label for label, n in counts.items() for _ in range(n)]


@pytest.fixture(scope="module")
def pointing_model():
    """Trained on right hands only: 👉, ☝ and ✋; 👈 is a class without a single own sample."""
    X, y = _dataset({"pointing_right": 40, "pointing_up": 40, "open_palm": 40})
    classes = ["pointing_right", "pointing_left", "pointing_up", "open_palm", "thumbs_up"]
    return train_classifier(X, y, classes, MIRROR_MAP, CFG, FAST), X, y


# ---- mirroring -------------------------------------------------------------------------


def test_mirror_fills_the_partner_class(pointing_model) -> None:
    result, _, _ = pointing_model
    clf = result.classifier
    assert result.classes == ["pointing_right", "pointing_left", "pointing_up", "open_palm"]
    assert result.skipped_classes == ["thumbs_up"]  # no samples, and nothing mirrors into it
    right = make_hand(rotate(pointing_hand(POSES["pointing_right"]), 5.0), offset=(400, 200))
    left = mirror_hand(right)  # the left hand pointing the other way: 👈 to the user
    assert left.handedness == "Left"
    assert clf.predict_hand(right).label == "pointing_right"
    assert clf.predict_hand(left).label == "pointing_left"
    mirrored = mirror_features(hand_features(right, CFG)[None], CFG)
    assert clf.predict(mirrored)[0].label == "pointing_left"
    assert result.val_accuracy_mirrored is not None and result.val_accuracy_mirrored > 0.9


def test_symmetric_classes_stay_themselves_when_mirrored(pointing_model) -> None:
    result, X, y = pointing_model
    palms = X[np.array(y) == "open_palm"]
    labels = [p.label for p in result.classifier.predict(mirror_features(palms, CFG))]
    assert labels.count("open_palm") >= 0.9 * len(palms)


def test_no_partner_class_means_no_mirrored_samples() -> None:
    """👉 without 👈 in the project: mirrored 👉 samples are dropped, never labelled 👉."""
    X, y = _dataset({"pointing_right": 30, "pointing_up": 30})
    result = train_classifier(X, y, ["pointing_right", "pointing_up"], MIRROR_MAP, CFG, FAST)
    assert result.classes == ["pointing_right", "pointing_up"]
    assert result.val_accuracy > 0.9
    # Left hands pointing left were never shown as "pointing_right": the model may not call them so confidently.
    mirrored = result.classifier.predict_proba(mirror_features(X[:30], CFG))
    assert mirrored[:, 0].mean() < 0.9


def test_classes_missing_from_the_map_mirror_onto_themselves() -> None:
    """mirror on, empty map: a mirrored sample keeps its label (the map lists only the exceptions)."""
    X, y = _dataset({"pointing_right": 30, "pointing_up": 30})
    result = train_classifier(X, y, ["pointing_right", "pointing_up"], {}, CFG, FAST)
    mirrored = result.classifier.predict(mirror_features(X[:30], CFG))
    assert [p.label for p in mirrored].count("pointing_right") >= 27


def test_threshold_comes_from_the_config() -> None:
    X, y = _dataset({"pointing_right": 10, "open_palm": 10})
    result = train_classifier(X, y, ["pointing_right", "open_palm"], {}, CFG, TrainConfig(epochs=3, threshold=0.8))
    assert result.classifier.threshold == 0.8
    assert result.val_accuracy_mirrored is not None  # mirror on, symmetric partners by default


# ---- data checks -----------------------------------------------------------------------


def test_one_class_is_not_enough() -> None:
    X, y = _dataset({"open_palm": 20})
    with pytest.raises(NotEnoughDataError, match="at least two classes"):
        train_classifier(X, y, ["open_palm", "fist"], MIRROR_MAP, CFG, FAST)


def test_a_class_with_too_few_samples_is_named() -> None:
    X, y = _dataset({"open_palm": 20, "pointing_up": 3})
    with pytest.raises(NotEnoughDataError, match="'pointing_up' has 3"):
        train_classifier(X, y, ["open_palm", "pointing_up"], MIRROR_MAP, CFG, FAST)


def test_no_samples_at_all() -> None:
    with pytest.raises(NotEnoughDataError):
        train_classifier(np.zeros((0, CFG.size), np.float32), [], ["a", "b"], {}, CFG, FAST)


def test_bad_inputs_are_value_errors() -> None:
    X, y = _dataset({"open_palm": 10, "pointing_up": 10})
    with pytest.raises(ValueError, match="not among the classes.*'fist'"):
        train_classifier(X, y[:-1] + ["fist"], ["open_palm", "pointing_up"], {}, CFG, FAST)
    with pytest.raises(ValueError, match=r"\(N, 40\)"):
        train_classifier(X, y, ["open_palm", "pointing_up"], {}, FeatureConfig(use_depth=False), FAST)
    with pytest.raises(ValueError, match="labels"):
        train_classifier(X, y[:5], ["open_palm", "pointing_up"], {}, CFG, FAST)
    with pytest.raises(ValueError, match="val_share"):
        TrainConfig(val_share=0.9)


# ---- the training loop -----------------------------------------------------------------


def test_on_epoch_reports_sane_stats_and_best_weights_are_restored() -> None:
    X, y = _dataset({"pointing_right": 30, "pointing_up": 30, "thumbs_down": 30})
    seen: list[EpochStats] = []
    config = TrainConfig(epochs=200, patience=10, mirror=False)  # equal class counts: unweighted loss
    result = train_classifier(X, y, ["pointing_right", "pointing_up", "thumbs_down"], {}, CFG, config, seen.append)
    assert seen == result.history and 10 < len(seen) < 200  # early stopping ended it
    assert [s.epoch for s in seen] == list(range(1, len(seen) + 1)) and {s.epochs for s in seen} == {200}
    for s in seen:
        assert np.isfinite([s.train_loss, s.val_loss]).all() and s.train_loss > 0
        assert 0 <= s.train_accuracy <= 1 and 0 <= s.val_accuracy <= 1
    assert seen[-1].train_loss < seen[0].train_loss
    best = seen[result.best_epoch - 1]
    assert best.val_loss <= min(s.val_loss for s in seen) + 1e-3
    assert len(seen) - result.best_epoch == 10  # stopped after `patience` epochs without a better one
    # The returned weights are those of the best epoch, not the last.
    probs = result.classifier.predict_proba(X[result.val_indices])
    truth = np.array([result.classes.index(y[i]) for i in result.val_indices])
    val_loss = float(-np.log(probs[np.arange(len(truth)), truth]).mean())
    assert val_loss == pytest.approx(best.val_loss, abs=1e-5)
    assert abs(seen[-1].val_loss - best.val_loss) > 1e-5
    assert result.val_accuracy == pytest.approx(best.val_accuracy) and result.val_accuracy > 0.9
    assert not result.cancelled


def test_result_metrics_are_consistent(pointing_model) -> None:
    result, X, y = pointing_model
    assert result.n_samples == len(X) == result.n_train + result.n_val
    assert result.confusion.shape == (4, 4) and result.confusion.dtype == np.int64
    assert result.confusion.sum() == result.n_val
    truth = [y[i] for i in result.val_indices]
    for i, name in enumerate(result.classes):  # rows are the true classes
        assert result.confusion[i].sum() == truth.count(name)
    assert set(truth) == {"pointing_right", "pointing_up", "open_palm"}  # stratified: every class held out
    assert set(result.per_class) == set(truth)  # 👈 has no un-mirrored val samples to score
    correct = sum(t == p for t, p in zip(truth, result.val_predictions, strict=True))
    assert result.val_accuracy == pytest.approx(correct / result.n_val)
    meta = result.classifier.metadata
    assert meta["n_samples"] == len(X) and meta["backend"] == "mediapipe" and "trained_at" in meta
    json.dumps(meta)  # savable


def test_same_seed_same_model_and_callers_rng_untouched() -> None:
    X, y = _dataset({"pointing_right": 15, "open_palm": 15})
    classes, config = ["pointing_right", "open_palm"], TrainConfig(epochs=8)
    torch.manual_seed(123)
    expected_next = torch.rand(3)
    torch.manual_seed(123)
    a = train_classifier(X, y, classes, MIRROR_MAP, CFG, config)
    assert torch.equal(torch.rand(3), expected_next)  # training forked the global RNG
    b = train_classifier(X, y, classes, MIRROR_MAP, CFG, config)
    np.testing.assert_array_equal(a.classifier.predict_proba(X), b.classifier.predict_proba(X))
    c = train_classifier(X, y, classes, MIRROR_MAP, CFG, TrainConfig(epochs=8, seed=1))
    assert not np.array_equal(a.classifier.predict_proba(X), c.classifier.predict_proba(X))


def test_cancel_stops_after_the_current_epoch() -> None:
    X, y = _dataset({"pointing_right": 20, "open_palm": 20})
    cancel = threading.Event()

    def stop_at_three(stats: EpochStats) -> None:
        if stats.epoch == 3:
            cancel.set()

    config = TrainConfig(epochs=300, patience=300)
    result = train_classifier(X, y, ["pointing_right", "open_palm"], {}, CFG, config, stop_at_three, cancel)
    assert result.cancelled and len(result.history) == 3
    assert result.classifier.predict_proba(X[:2]).shape == (2, 2)  # the best weights so far are usable


def test_class_weights_keep_a_rare_class() -> None:
    X, y = _dataset({"pointing_up": 150, "pointing_right": 8})
    result = train_classifier(X, y, ["pointing_up", "pointing_right"], {}, CFG, TrainConfig(epochs=60, augment=False))
    clf = result.classifier
    fresh, _ = _dataset({"pointing_right": 20}, seed=7)
    assert evaluate(clf, fresh, ["pointing_right"] * 20).accuracy > 0.8


def test_evaluate_reports_and_refuses_strangers(pointing_model) -> None:
    result, X, y = pointing_model
    report = evaluate(result.classifier, X, y)
    assert report.n == len(X) and report.confusion.sum() == len(X) and report.accuracy > 0.9
    assert set(report.per_class) == set(y)
    with pytest.raises(ValueError, match="'peace'"):
        evaluate(result.classifier, X[:2], ["open_palm", "peace"])


# ---- real keypoints --------------------------------------------------------------------


def test_real_video_keypoints_learn_which_hand_from_one_hand() -> None:
    """MediaPipe keypoints of a real finger-spelling video: trained on the first 220 frames of
    one hand only, the model must tell that hand from its mirror image on the last 105 frames
    (other letters, so other poses) -- mirroring made the second class."""
    frames = np.array(json.loads(shared_path("video", "asl_hand.full.json").read_text()), dtype=np.float32)
    assert frames.shape == (325, 21, 3)
    frames[:, :, 0] *= -1  # pixel space → user view
    X = keypoints_to_features(frames, CFG)
    mirror_map = {"this_hand": "other_hand", "other_hand": "this_hand"}
    result = train_classifier(X[:220], ["this_hand"] * 220, ["this_hand", "other_hand"], mirror_map, CFG, FAST)
    held_out = X[220:]
    assert evaluate(result.classifier, held_out, ["this_hand"] * len(held_out)).accuracy > 0.9
    assert evaluate(result.classifier, mirror_features(held_out, CFG), ["other_hand"] * len(held_out)).accuracy > 0.9


HAGRID = {"like": "thumbs_up", "dislike": "thumbs_down", "fist": "fist", "palm": "open_palm", "one": "pointing_up"}


@pytest.fixture(scope="module")
def hagrid_features() -> list[tuple[int, str, np.ndarray]]:
    """(index in class folder, class, features) of every HaGRID photo where MediaPipe finds a hand."""
    from core.io.video import read_image
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    root = shared_path("hagrid_380", "images")
    rows = []
    with HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=1)) as tracker:
        for folder, label in HAGRID.items():
            for i, path in enumerate(sorted((root / folder).glob("*.jpg"))):
                hands = tracker.process(read_image(path))
                if hands:
                    rows.append((i, label, hand_features(hands[0], CFG)))
    return rows


@pytest.mark.slow
def test_real_photos_of_other_people_are_recognised(hagrid_features) -> None:
    """Trained on 14 photos per gesture, tested on the other ~6 (different people): far above chance (20%)."""
    train = [r for r in hagrid_features if r[0] < 14]
    test = [r for r in hagrid_features if r[0] >= 14]
    classes = list(HAGRID.values())
    result = train_classifier(np.stack([r[2] for r in train]), [r[1] for r in train], classes, MIRROR_MAP, CFG)
    report = evaluate(result.classifier, np.stack([r[2] for r in test]), [r[1] for r in test])
    assert len(test) >= 20 and report.accuracy >= 0.75, report


# extended: five thousand samples: the training tests beside it train with the defaults
@pytest.mark.extended
@pytest.mark.slow
def test_five_thousand_samples_of_eight_classes_train_with_the_defaults() -> None:
    """5,000 samples × 8 classes (60-D, mirroring on, default config). How fast: ``bench/people/kinivi_accuracy.py``
    (``seconds_5000``), not a timed test that a loaded machine decides."""
    rng = np.random.default_rng(0)
    angles = np.linspace(0, 315, 8)
    base = np.stack([pointing_hand(a) for a in angles])
    idx = np.arange(5000) % 8
    pts = base[idx] + rng.normal(0, 12, (5000, 21, 2)).astype(np.float32)
    pts = np.concatenate([pts, rng.normal(0, 10, (5000, 21, 1)).astype(np.float32)], axis=2)
    classes = [c.name for c in DEFAULT_CLASSES]
    X = keypoints_to_features(pts, CFG)
    result = train_classifier(X, [classes[i] for i in idx], classes, MIRROR_MAP, CFG, TrainConfig())
    assert result.val_accuracy > 0.8 and result.n_val == 1000 and not result.cancelled


def test_repeated_rows_validate_apart_from_the_rows_they_repeat() -> None:
    """A CSV that repeats its rows (here 3 copies each) must not validate on rows it trains on."""
    X, y = _dataset({"pointing_up": 30, "open_palm": 30})
    X3, y3 = np.concatenate([X, X, X]), y * 3
    result = train_classifier(X3, y3, ["pointing_up", "open_palm"], MIRROR_MAP, CFG, FAST)
    train_rows = np.setdiff1d(np.arange(len(X3)), result.val_indices)
    trained = {row.tobytes() for row in X3[train_rows]}
    assert result.n_val == 36 and not any(X3[i].tobytes() in trained for i in result.val_indices)


def test_own_gestures_that_are_mirror_images_of_each_other_stay_apart() -> None:
    """A person's own "move left" and "move right" (imported classes mirror onto themselves): each one's
    mirrored copies land on the other's samples. Weighed less than the person's own samples
    (``mirror_weight``), they no longer tie the two; weighed as much, the two blur (a real kinivi log:
    every later "Move Right" frame shown as unknown)."""
    rng = np.random.default_rng(3)
    right = _right_hands("pointing_right", 24, rng)
    left = mirror_features(_right_hands("pointing_right", 24, rng), CFG)  # right hands seen mirrored: pointing left
    X, y = np.concatenate([right[:12], left[:12]]), ["move_right"] * 12 + ["move_left"] * 12
    later, truth = np.concatenate([right[12:], left[12:]]), ["move_right"] * 12 + ["move_left"] * 12
    shown = lambda weight: [p.label for p in train_classifier(  # noqa: E731
        X, y, ["move_right", "move_left"], {}, CFG, TrainConfig(epochs=60, patience=15, mirror_weight=weight,
                                                           familiarity=False)
    ).classifier.predict(later)]  # fmt: skip
    assert np.mean(np.array(shown(TrainConfig().mirror_weight)) == truth) >= 0.9
    assert np.mean(np.array(shown(1.0)) == truth) < 0.75


def test_mirrored_copies_weigh_less_only_for_classes_whose_mirror_image_argues() -> None:
    """``copy_weights``: by default a class's copies weigh ``mirror_weight`` only where they land on another class's
    own samples ("move left" mirrored onto "move right"); ☝'s copies teach the other hand at full weight.
    ``mirror_weight_per_class=False`` is sessions 18-20's flat weight on every copy."""
    rng = np.random.default_rng(4)
    right = _right_hands("pointing_right", 12, rng)
    left = mirror_features(_right_hands("pointing_right", 12, rng), CFG)
    up = _right_hands("pointing_up", 12, rng)
    X, y = np.concatenate([right, left, up]), np.array(["move_right"] * 12 + ["move_left"] * 12 + ["up"] * 12)
    landings = {"move_left": "move_right", "move_right": "move_left"}
    assert copy_weights(X, y, {}, CFG, TrainConfig()) == ({"move_left": 0.3, "move_right": 0.3}, landings)
    flat = TrainConfig(mirror_weight_per_class=False)
    assert copy_weights(X, y, {}, CFG, flat) == ({"move_left": 0.3, "move_right": 0.3, "up": 0.3}, {})
    assert copy_weights(X, y, None, CFG, TrainConfig()) == ({}, {})  # mirroring off: no copies at all
    result = train_classifier(X, y.tolist(), ["move_right", "move_left", "up"], {}, CFG, FAST)
    assert result.mirror_landings == landings and result.classifier.metadata["mirror_landings"] == landings
