"""core.motion.train: a model taught from a few clips of real hand shapes tells their paths apart on other shapes."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest
import torch
from motionmaker import keypoint_clip

from core.motion.train import (
    CALIBRATION_LOSS,
    FINGERTIP_FEATURES,
    FINGERTIP_MEMBERS,
    FINGERTIP_PASSES,
    FINGERTIP_TRAINING,
    MotionTrainConfig,
    calibrated_threshold,
    fingertip_config,
    fingertip_epochs,
    train_motion,
)
from core.skeletons import FINGERTIP

QUICK = MotionTrainConfig(epochs=30, patience=15, copies=4)


@pytest.fixture(autouse=True)
def one_thread():
    """A 30 k-weight network trains faster on one thread than on two contended ones (1 s instead of 30 s)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


KINDS = ("swipe_left", "swipe_right", "swipe_up", "circle", "idle")


def _clips(starts: range, seed: int) -> list:
    rng = np.random.default_rng(seed)
    return [keypoint_clip(kind, start=s, frames=int(rng.integers(20, 45)), amplitude=float(rng.uniform(250, 450)),
                          still=int(rng.integers(0, 10)), seed=s)
            for kind in KINDS for s in starts]  # fmt: skip


@pytest.mark.slow
def test_taught_from_five_clips_a_class_it_recognises_clips_of_other_hand_shapes() -> None:
    train = _clips(range(0, 150, 30), seed=0)  # frames 0-190 of the real video
    test = _clips(range(200, 300, 25), seed=1)  # frames 200-324 (other letters), other speeds
    result = train_motion(train, QUICK)
    model = result.model
    assert model.classes == sorted(KINDS) and 1 <= result.best_epoch <= len(result.history) <= QUICK.epochs
    right = sum(model.predict_clip(c).label == c.label for c in test)
    # 14-19 of 20 over training seeds 0-3 (five classes: chance is 4 of 20); the bench measures the real thing
    assert right / len(test) >= 0.7, f"{right} of {len(test)}"


def test_too_few_or_unlabelled_clips_are_refused() -> None:
    two = [keypoint_clip("circle", start=s) for s in (0, 40)] + [keypoint_clip("idle", start=s) for s in (0, 40, 80)]
    with pytest.raises(ValueError, match=r"too few clips to train: \{'circle': 2\}"):
        train_motion(two, QUICK)
    with pytest.raises(ValueError, match="a training clip needs a label"):
        train_motion([keypoint_clip("idle", label=None)] * 3, QUICK)
    with pytest.raises(ValueError, match="at least two classes"):
        train_motion([keypoint_clip("idle", start=s) for s in (0, 40, 80)], QUICK)


def test_cancel_stops_after_the_epoch_it_is_set_in() -> None:
    cancel = threading.Event()
    seen = []

    def on_epoch(stats) -> None:
        seen.append(stats.epoch)
        cancel.set()

    result = train_motion(_clips(range(0, 90, 30), seed=2), QUICK, on_epoch=on_epoch, cancel=cancel)
    assert result.cancelled and seen == [1] and len(result.history) == 1


def _tips(clips: list) -> list:
    """The same takes as fingertip paths: the real index fingertip (joint 8) alone."""
    return [replace(c, points=c.points[:, [8]], skeleton=FINGERTIP) for c in clips]


@pytest.mark.slow
def test_fingertip_paths_train_three_averaged_networks_and_a_threshold_from_held_out_rows() -> None:
    seen: list[tuple[int, int]] = []
    config = replace(QUICK, epochs=15, patience=8)
    result = train_motion(_tips(_clips(range(0, 150, 30), seed=0)), config,
                          on_epoch=lambda s: seen.append((s.epoch, s.epochs)))  # fmt: skip
    model = result.model
    assert model.members == FINGERTIP_MEMBERS == 3 and model.feature_config == FINGERTIP_FEATURES
    assert model.width == FINGERTIP_TRAINING["width"] == 32  # the fingertip network, not the hands' 64
    # an annealed schedule runs to its end and keeps its last weights: no early stopping
    assert model.metadata["members_best_epochs"] == [15, 15, 15] and result.best_epoch == len(result.history) == 15
    # the members' epochs one after another, numbered on; the result's history is the first member's
    assert [e for e, _ in seen] == list(range(1, 3 * config.epochs + 1)) and {n for _, n in seen} == {45}
    assert model.threshold in np.round(np.arange(0.0, 0.51, 0.05), 2)  # calibrated: the project has idle
    test = _tips(_clips(range(200, 300, 25), seed=1))
    right = sum(model.predict_clip(c).label == c.label for c in test)
    assert right / len(test) >= 0.7, f"{right} of {len(test)}"  # 17-19 of 20 with seeds 0-3
    assert [p.label for p in model.predict_clips(test)] == [model.predict_clip(c).label for c in test]
    # without an idle class "unknown" is the only way to say "no gesture": the threshold is kept
    moving = [c for c in _tips(_clips(range(0, 90, 30), seed=0)) if c.label != "idle"]
    alone = train_motion(moving, replace(QUICK, members=1, epochs=5)).model
    assert alone.members == 1 and alone.threshold == QUICK.threshold == 0.5


def test_fingertip_training_settings_fill_only_the_defaults_and_bound_the_work() -> None:
    tips = fingertip_config(MotionTrainConfig(lr=1e-3))
    assert tips.features == FINGERTIP_FEATURES and tips.anneal and tips.batch_size == FINGERTIP_TRAINING["batch_size"]
    assert tips.lr == 1e-3 and tips.epochs == MotionTrainConfig().epochs  # a chosen rate stays; epochs: the cap
    # a member sees FINGERTIP_PASSES sequences whatever the rows (1,450 rows of 1,812 imported: 117 epochs)
    assert fingertip_epochs(MotionTrainConfig(epochs=300), 1450) == 117 == round(FINGERTIP_PASSES / 1450)
    assert fingertip_epochs(MotionTrainConfig(epochs=300), 2851) == 60
    assert fingertip_epochs(MotionTrainConfig(epochs=20), 1450) == 20 and fingertip_epochs(tips, 10**7) == 1


def test_the_calibrated_threshold_turns_at_most_one_right_row_in_400_unknown() -> None:
    assert CALIBRATION_LOSS * 400 == 1
    right = np.array([True] * 399 + [False])
    confidence = np.concatenate([np.full(398, 0.95), [0.33], [0.2]])
    assert calibrated_threshold(right, confidence, 0.5) == 0.5  # one right row under 0.5: allowed
    confidence[0] = 0.42  # a second one: 0.45 and 0.5 would turn two right rows unknown, 0.4 one
    assert calibrated_threshold(right, confidence, 0.5) == 0.4
    assert calibrated_threshold(right, confidence, 0.2) == 0.2  # never above the configured threshold
    assert calibrated_threshold(right, np.full(400, 0.3), 0.5) == 0.3  # all right rows at 0.3: 0.3 keeps them


def test_a_cancelled_fingertip_training_keeps_only_the_members_it_trained() -> None:
    cancel = threading.Event()
    seen = []

    def on_epoch(stats) -> None:
        seen.append(stats.epoch)
        if stats.epoch == 3:  # the second member's first epoch: members one after another, epochs numbered on
            cancel.set()

    config = replace(QUICK, epochs=2)
    result = train_motion(_tips(_clips(range(0, 90, 30), seed=2)), config, on_epoch=on_epoch, cancel=cancel)
    assert result.cancelled and seen == [1, 2, 3] and len(result.history) == 2
    assert result.model.members == 2 and result.model.metadata["members_best_epochs"][1] == 1
