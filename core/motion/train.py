"""Training a ``MotionModel`` from a few labelled clips (about ten a class).

Each training clip is drawn ``copies`` times changed at random (``core.motion.augment``), once,
so ten takes become hundreds of different ones; a stratified fifth of the clips (with a few augmented
variants each) is held out to stop early, through the one epoch loop,
``core.gestures.early_stop.fit_with_early_stopping``. Fingertip paths (thousands of imported
point-history rows, whose borderline windows one network gets right or wrong by its seed) train several
networks, each on its own split, and average them.
"""

from __future__ import annotations

import math
import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

import numpy as np
import torch
from sklearn.model_selection import train_test_split
from torch import nn

from core.gestures.early_stop import EpochStats, fit_with_early_stopping
from core.motion.augment import MotionAugmentConfig, augment_clip
from core.motion.clip import Clip
from core.motion.features import (
    IDLE_LABEL,
    MOTION_MIRRORS,
    PATH_CHANNELS,
    MotionFeatureConfig,
    clips_features,
    mirror_label,
)
from core.motion.model import WIDTH, MotionModel

MIN_CLIPS_PER_CLASS = 3  # two to learn from and one to stop on
FINGERTIP_FEATURES = MotionFeatureConfig(length=16, use_shape=False, trim=False)
# bench/people/motion_kinivi.py --cli with early-stopped 64-wide networks: three 97.35% on seeds 0-2, one 95.2-97.0%
FINGERTIP_MEMBERS = 3
# Thousands of point-history rows: a narrower network, larger batches at a higher rate falling to 0 over a
# fixed schedule, its last weights kept (no early stopping); docs/benchmarks.md has the measurements.
FINGERTIP_TRAINING = {"width": 32, "batch_size": 128, "lr": 2e-2, "anneal": True}
# Training sequences one member sees in all (epochs × rows): the schedule's length, so that the time stops
# growing with the rows (1,450 rows: 117 epochs, 2,850: 60).
FINGERTIP_PASSES = 170_000
# Hand and body clips: three narrower networks on larger batches and half the augmented copies, averaged. On 90 clips of
# held-out people, seeds 0-4, one 64-wide network scored 94.4-97.8% (mean 96.4) in 16-27 s; these 95.6-97.8% (mean
# 96.7) in 20-24 s; with 24 copies each 96.7-97.8% (mean 97.4), but in 33-47 s (docs/benchmarks.md).
CLIP_MEMBERS = 3
CLIP_TRAINING = {"width": 32, "batch_size": 256, "lr": 6e-3, "copies": 12}
CALIBRATION_LOSS = 0.0025  # share of held-out rows (1 in 400) a calibrated threshold may turn from right to unknown


@dataclass(frozen=True)
class MotionTrainConfig:
    """Training settings; the defaults are what ``bench/people/motion_accuracy.py`` measured."""

    epochs: int = 120
    patience: int = 25
    lr: float = 3e-3
    weight_decay: float = 1e-3
    batch_size: int = 64
    copies: int = 24  # augmented variants of each training clip, drawn once (features cost ~1 ms a clip)
    val_share: float = 0.2
    shape_dropout: float = 0.5  # share of training samples whose shape channels are hidden
    val_copies: int = 8  # augmented variants of each validation clip: two clips a class alone stop too noisily
    # Many clips (an imported point history holds thousands) need fewer variants each: the training set
    # stays under this many sequences (an epoch of 4,000 took 9 s on the busy two-core machine).
    max_train_samples: int = 2_000
    threshold: float = 0.5  # below it: unknown (the ceiling of a calibrated threshold)
    # Networks averaged in the model; None: FINGERTIP_MEMBERS for fingertip paths, else one.
    members: int | None = None
    # Fingertip paths with an idle class: the threshold from the held-out rows (calibrated_threshold).
    calibrate: bool = True
    num_threads: int | None = 1  # torch threads while training (restored after): 2 ran 5-10x slower on 2 busy cores
    anneal: bool = False  # learning rate falls from lr to 0 along a half cosine over ``epochs``
    width: int = WIDTH  # filters per convolution
    seed: int = 0
    features: MotionFeatureConfig = MotionFeatureConfig()
    augment: MotionAugmentConfig = MotionAugmentConfig()


@dataclass(frozen=True)
class MotionTrainResult:
    model: MotionModel
    history: list[EpochStats]
    best_epoch: int
    cancelled: bool


def class_names(clips: list[Clip]) -> list[str]:
    """The sorted labels of ``clips``; ValueError naming the clip without one or the class with too few."""
    unlabelled = [c.source for c in clips if c.label is None]
    if unlabelled:
        raise ValueError(f"{unlabelled[0]}: a training clip needs a label")
    counts = Counter(c.label for c in clips)
    short = {name: n for name, n in counts.items() if n < MIN_CLIPS_PER_CLASS}
    if short:
        raise ValueError(f"too few clips to train: {short} (each class needs at least {MIN_CLIPS_PER_CLASS})")
    if len(counts) < 2:
        raise ValueError(f"a motion model needs at least two classes, got {sorted(counts)}")
    return sorted(str(name) for name in counts)


def train_motion(clips: list[Clip], config: MotionTrainConfig = MotionTrainConfig(),
                 mirrors: Mapping[str, str] = MOTION_MIRRORS,
                 on_epoch: Callable[[EpochStats], None] | None = None,
                 cancel: threading.Event | None = None) -> MotionTrainResult:  # fmt: skip
    """A model for the classes of ``clips`` (all of one skeleton).

    Each member of the model learns from its own stratified split and augmented copies (member k's seed is
    ``seed * members + k``, so one member trains exactly as a single model of that seed). ``on_epoch``
    sees the members' epochs one after another, numbered on (a member's first epoch follows the
    previous member's last); the result's history and best epoch are the first member's.
    """
    classes = class_names(clips)
    skeletons = {c.skeleton.name for c in clips}
    if len(skeletons) != 1:
        raise ValueError(f"clips of one skeleton only, got {sorted(skeletons)}")
    fingertip = clips[0].skeleton.num_joints == 1
    config = fingertip_config(config) if fingertip else clip_config(config)
    members = config.members if config.members is not None else FINGERTIP_MEMBERS if fingertip else CLIP_MEMBERS
    torch.manual_seed(config.seed)
    labels = [c.label for c in clips]
    index = {name: i for i, name in enumerate(classes)}
    model = MotionModel(classes, clips[0].skeleton, config.features, config.threshold, config.width, members=members)
    threads = torch.get_num_threads()
    torch.set_num_threads(config.num_threads or threads)
    try:
        base = clips_features(clips, config.features)
        fits, seen, cancelled = [], 0, False
        for k in range(members):
            member_config = replace(config, seed=config.seed * members + k)
            train_xy, val_xy = _member_data(clips, base, labels, index, member_config, mirrors)
            if fingertip and config.anneal:
                member_config = replace(member_config, epochs=fingertip_epochs(config, len(train_xy[1])))

            def report(stats: EpochStats, offset: int = seen, epochs: int = member_config.epochs) -> None:
                if on_epoch is not None:
                    on_epoch(replace(stats, epoch=stats.epoch + offset, epochs=epochs * members))

            history, best, cancelled = fit_sequences(model, train_xy, val_xy, member_config, report, cancel, member=k)
            fits.append((history, best, val_xy))
            seen += len(history)
            if cancelled:
                model.keep_members(k + 1)  # the members not trained yet would only add noise
                break
        if config.calibrate and fingertip and IDLE_LABEL in index:
            model.threshold = calibrated_threshold(*_held_out_answers(model, fits), config.threshold)
    finally:
        torch.set_num_threads(threads)
    history, best, _ = fits[0]
    model.metadata |= {"clips": len(clips), "best_epoch": best, "classes_counts": dict(Counter(labels))}
    if model.members > 1:
        model.metadata["members_best_epochs"] = [b for _, b, _ in fits]
    return MotionTrainResult(model, history, best, cancelled)


def fingertip_config(config: MotionTrainConfig) -> MotionTrainConfig:
    """``config`` for fingertip paths: the fields it leaves at their defaults take ``FINGERTIP_TRAINING``'s
    values (its epochs stay an upper bound: ``FINGERTIP_PASSES`` sets a member's)."""
    default = MotionTrainConfig()
    # Fingertip paths (kinivi's point history) are 16-frame windows that the motion fills: their own
    # 16 steps, untrimmed, as kinivi reads them.
    changes: dict[str, object] = {"features": FINGERTIP_FEATURES} if config.features == default.features else {}
    return _left_at_defaults(replace(config, **changes), FINGERTIP_TRAINING)  # type: ignore[arg-type]


def clip_config(config: MotionTrainConfig) -> MotionTrainConfig:
    """``config`` for hand and body clips: the fields it leaves at their defaults take ``CLIP_TRAINING``'s values."""
    return _left_at_defaults(config, CLIP_TRAINING)


def _left_at_defaults(config: MotionTrainConfig, values: Mapping[str, object]) -> MotionTrainConfig:
    """``config`` with each of ``values``' fields that it leaves at ``MotionTrainConfig``'s default set to ``values``'."""
    default = MotionTrainConfig()
    return replace(config, **{k: v for k, v in values.items() if getattr(config, k) == getattr(default, k)})  # type: ignore[arg-type]


def fingertip_epochs(config: MotionTrainConfig, rows: int) -> int:
    """A fingertip member's epochs over ``rows`` training sequences: ``FINGERTIP_PASSES`` in all, at most
    ``config.epochs``."""
    return max(1, min(config.epochs, round(FINGERTIP_PASSES / rows)))


def _member_data(clips: list[Clip], base: np.ndarray, labels: list[str | None], index: Mapping[str, int],
                 config: MotionTrainConfig, mirrors: Mapping[str, str]) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:  # fmt: skip
    """(train, val) features and class indices of one member's stratified split, augmented copies included;
    ``base`` holds every clip's own features, computed once for all members."""
    rng = np.random.default_rng(config.seed)
    train_idx, val_idx = train_test_split(np.arange(len(clips)), test_size=max(config.val_share, len(index) / len(clips)),
                                          stratify=labels, random_state=config.seed)  # fmt: skip

    def variants(group: np.ndarray, copies: int) -> tuple[np.ndarray, np.ndarray]:
        out: list[Clip] = []
        for i in group:
            # A clip whose mirror partner is not a class of this model is never mirrored.
            aug = (
                config.augment
                if mirror_label(clips[i].label, mirrors) in index
                else replace(config.augment, mirror=0.0)
            )
            out += [augment_clip(clips[i], aug, rng, mirrors) for _ in range(copies)]
        x = np.concatenate([base[group], clips_features(out, config.features)]) if out else base[group]
        return x, np.array([index[str(labels[i])] for i in group] + [index[str(c.label)] for c in out])

    train_xy = variants(train_idx, min(config.copies, max(0, config.max_train_samples // len(train_idx) - 1)))
    val_xy = variants(val_idx, min(config.val_copies, max(0, config.max_train_samples // 4 // len(val_idx) - 1)))
    return train_xy, val_xy


def calibrated_threshold(right: np.ndarray, confidence: np.ndarray, ceiling: float) -> float:
    """The "unknown" threshold for a model whose classes include idle, from held-out rows.

    Idle already answers "no gesture", so "unknown" only has to catch what no class fits; a threshold
    that also turns right answers into unknown costs accuracy. Given, per held-out row, whether the
    model was right and its top probability: the highest threshold in 0..``ceiling`` (steps of 0.05)
    that turns at most ``CALIBRATION_LOSS`` of the rows from right to unknown.
    """
    best = 0.0
    for threshold in np.round(np.arange(0.0, ceiling + 1e-9, 0.05), 2):  # 0.3, not 0.30000000000000004
        if np.mean(right & (confidence < threshold)) <= CALIBRATION_LOSS:
            best = float(threshold)
    return round(best, 2)


def _held_out_answers(model: MotionModel, fits: list) -> tuple[np.ndarray, np.ndarray]:
    """(right, top probability) of each member on its own validation rows, which it never learnt from."""
    right, confidence = [], []
    for k, (_, _, (x, y)) in enumerate(fits):
        probabilities = model.predict_proba(x, member=k)
        right.append(probabilities.argmax(1) == y)
        confidence.append(probabilities.max(1))
    return np.concatenate(right), np.concatenate(confidence)


def fit_sequences(model: MotionModel, train: tuple[np.ndarray, np.ndarray], val: tuple[np.ndarray, np.ndarray],
                  config: MotionTrainConfig, on_epoch: Callable[[EpochStats], None] | None = None,
                  cancel: threading.Event | None = None, member: int = 0) -> tuple[list[EpochStats], int, bool]:  # fmt: skip
    """Fit ``model``'s ``member`` on (N, L, C) features and class indices: member 0 sets the model's
    standardisation from ``train`` (the others share it), then epochs until ``val`` stops improving.
    Used by ``train_motion`` and for point-history paths, which come as features already. Returns
    (history, best epoch, cancelled)."""
    torch.manual_seed(config.seed)
    x, y = train
    if member == 0:
        model.mean = x.reshape(-1, model.channels).mean(axis=0).astype(np.float32)
        model.std = np.maximum(x.reshape(-1, model.channels).std(axis=0), 1e-3).astype(np.float32)

    def tensor(features: np.ndarray) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(((features - model.mean) / model.std).transpose(0, 2, 1)))

    x_t, y_t, val_t, val_y_t = tensor(x), torch.from_numpy(y), tensor(val[0]), torch.from_numpy(val[1])
    network = model.member(member)
    optimiser = torch.optim.AdamW(network.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    steps = config.epochs * -(-len(y) // config.batch_size)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda step: 0.5 * (1 + math.cos(math.pi * min(step / steps, 1.0))) if config.anneal else 1.0
    )
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.05)

    def run_epoch(epoch: int) -> EpochStats:
        network.train()
        order = torch.randperm(len(y_t))
        total, correct = 0.0, 0
        for start in range(0, len(order), config.batch_size):
            batch = order[start : start + config.batch_size]
            inputs, targets = x_t[batch], y_t[batch]
            if config.shape_dropout > 0 and model.channels > PATH_CHANNELS:
                # Shape channels set to their mean for some samples: ten clips a class tie a class to the
                # hand shapes that happened to do it, and the path alone must suffice where it can.
                drop = torch.rand(len(batch)) < config.shape_dropout
                inputs = inputs.clone()
                inputs[drop, PATH_CHANNELS:] = 0.0
            logits = network(inputs)
            loss = loss_fn(logits, targets)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach()) * len(batch)
            correct += int((logits.argmax(1) == targets).sum())
        network.eval()
        with torch.inference_mode():
            val_logits = network(val_t)
            val_loss = float(loss_fn(val_logits, val_y_t))
            val_acc = float((val_logits.argmax(1) == val_y_t).float().mean())
        return EpochStats(epoch, config.epochs, total / len(y_t), val_loss, correct / len(y_t), val_acc)

    if not config.anneal:
        return fit_with_early_stopping(network, run_epoch, config.epochs, config.patience, on_epoch, cancel)
    # An annealed run ends where its schedule does, with its last weights: the validation loss was lowest
    # 5-24 epochs before the end of 60 (kinivi rows), and those weights did no better on held-out rows.
    history: list[EpochStats] = []
    for epoch in range(1, config.epochs + 1):
        history.append(run_epoch(epoch))
        if on_epoch is not None:
            on_epoch(history[-1])
        if cancel is not None and cancel.is_set():
            break
    network.eval()
    return history, len(history), bool(cancel is not None and cancel.is_set())
