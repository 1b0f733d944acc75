"""The epoch loop of ``core.starter.fit``: per-epoch draws, weighted loss with rejection rows.

Row loss: a labelled row adds ``w_i / mean(w) × CE_i``, where ``w_i`` is its raw weight
(user or starter) scaled so that every class has the same total weight in the epoch;
a rejection row (label −1) adds ``rejection_weight × mean_k(−log p_k)``, the
cross-entropy to equal probabilities. A batch's loss is the mean over its rows.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from torch import nn

from core.gestures.early_stop import EpochStats, fit_with_early_stopping
from core.gestures.fast_mlp import (
    Ahead,
    Epoch,
    MLPTrainer,
    class_targets,
    cross_entropy,
    labelled_right,
    shuffled_epoch,
)
from core.gestures.features import AugmentConfig, FeatureConfig, augment, mirror_features
from core.gestures.training import TrainConfig
from core.types import FloatArray, IntArray


@dataclass
class Pools:
    """What one run trains and validates on. Class indices are the model's; −1 marks rejection rows.

    Attributes:
        user_x, user_y: (u, D) user training rows and their classes.
        starter_x: (S, D) every starter row in this run's feature config.
        starter_by_class: per model class, starter rows it may draw (empty array: none).
        reject_rows: starter rows drawn as rejection rows.
        mirror_index: (C,) class of each class's mirror image; −1 when that is not a model class.
        val_x, val_y, val_w: (v, D) validation rows, their classes (−1 rejection) and raw weights.
    """

    user_x: FloatArray
    user_y: IntArray
    starter_x: FloatArray
    starter_by_class: list[IntArray]
    reject_rows: IntArray
    mirror_index: IntArray
    val_x: FloatArray
    val_y: IntArray
    val_w: FloatArray


@dataclass(frozen=True)
class Draw:
    """Sizes and weights of each epoch's draw (from ``StarterOptions``)."""

    per_class: int
    rejection: int
    user_weight: float
    rejection_weight: float
    mirror: bool
    augment: bool
    aug: AugmentConfig
    mirror_weight: float = 1.0  # a mirrored copy's weight beside its row's (TrainConfig.mirror_weight)
    # (C,) per model class, what the mirrored copies of its rows weigh instead (core.gestures.mirror_weights);
    # None: mirror_weight for every copy. Copies of rejection rows then weigh 1.
    class_mirror_weights: FloatArray | None = None


def _balanced(y: IntArray, raw: FloatArray, n_classes: int) -> FloatArray:
    """Weights of labelled rows scaled so every class present has the same total, mean 1; 0 for rejection rows."""
    # By hand: sklearn's compute_class_weight counts rows, these classes sum per-row weights (user rows weigh more).
    labelled = y >= 0
    w = np.zeros(len(y), np.float32)
    if not labelled.any():
        return w
    totals = np.bincount(y[labelled], weights=raw[labelled], minlength=n_classes)
    w[labelled] = raw[labelled] * (totals[totals > 0].mean() / totals[y[labelled]])
    w[labelled] /= w[labelled].mean()
    return w


def epoch_rows(
    pools: Pools, draw: Draw, cfg: FeatureConfig, rng: np.random.Generator
) -> tuple[FloatArray, IntArray, FloatArray]:
    """One epoch's (x (n, D), y (n,), w (n,)): user rows, drawn starter and rejection rows, augmented, and the rows
    of a class mirrored. Rejection rows are not mirrored: they are drawn from signs of both hands already, and their
    copies cost a quarter of each epoch's time for no measured gain (the same few-shot and open-set scores on the
    webcam people and 38 HaGRID users; docs/benchmarks.md, training time)."""
    picks = [
        rng.choice(rows, draw.per_class, replace=len(rows) < draw.per_class)
        for rows in pools.starter_by_class
        if len(rows)
    ]
    labels = [np.full(draw.per_class, c) for c, rows in enumerate(pools.starter_by_class) if len(rows)]
    reject = pools.reject_rows
    if len(reject):
        picks.append(rng.choice(reject, draw.rejection, replace=len(reject) < draw.rejection))
        labels.append(np.full(draw.rejection, -1))
    rows = np.concatenate([np.zeros(0, np.int64), *picks])
    x = np.concatenate([pools.user_x, pools.starter_x[rows]]).astype(np.float32)
    y = np.concatenate([pools.user_y, *labels]).astype(np.int64)
    raw = np.where(np.arange(len(y)) < len(pools.user_y), draw.user_weight, 1.0).astype(np.float32)
    if draw.augment:
        x = augment(x, cfg, draw.aug, rng)
    if draw.mirror:
        own = y >= 0
        y_m = pools.mirror_index[y[own]]
        x, y, raw = (
            np.concatenate([x, mirror_features(x[own], cfg)]),
            np.concatenate([y, y_m]),
            np.concatenate([raw, raw[own] * _copy_weights(y[own], draw)]),
        )
    return x, y, _balanced(y, raw, len(pools.mirror_index))


def _copy_weights(y: IntArray, draw: Draw) -> FloatArray | float:
    """What the mirrored copy of each row (classes ``y``, −1 rejection) weighs beside the row."""
    if draw.class_mirror_weights is None:
        return draw.mirror_weight
    return np.where(y >= 0, draw.class_mirror_weights[np.maximum(y, 0)], 1.0).astype(np.float32)


def row_targets(y: IntArray, w: FloatArray, rejection_weight: float, n_classes: int) -> FloatArray:
    """(n, C) targets (``core.gestures.fast_mlp.cross_entropy``) of the module docstring's row losses, summed: a
    labelled row its weight at its class, a rejection row ``rejection_weight``/C at every class."""
    targets = class_targets(y, w, n_classes)
    targets[y < 0] = np.float32(rejection_weight / n_classes)
    return targets


def _epoch(pools: Pools, draw: Draw, cfg: FeatureConfig, network: nn.Sequential, config: TrainConfig,
           rng: np.random.Generator) -> Epoch:  # fmt: skip
    """One epoch's rows (``epoch_rows``), shuffled, with the module docstring's row losses as targets."""
    x, y, w = epoch_rows(pools, draw, cfg, rng)
    targets = row_targets(y, w, draw.rejection_weight, len(pools.mirror_index))
    return shuffled_epoch(x, y, targets, np.ones(len(y), np.float32), network, config.dropout, config.batch_size, rng)


def _validate(trainer: MLPTrainer, val: tuple[FloatArray, IntArray, FloatArray], draw: Draw) -> tuple[float, float]:
    logits = trainer.logits(val[0])
    targets = row_targets(val[1], val[2], draw.rejection_weight, logits.shape[1])
    loss, _ = cross_entropy(logits, targets / np.float32(len(val[1])))
    right, labelled = labelled_right(logits, val[1])
    return loss, right / labelled if labelled else float("nan")


def fit_network(
    network: nn.Sequential, pools: Pools, draw: Draw, cfg: FeatureConfig, config: TrainConfig,
    rng: np.random.Generator, on_epoch: Callable[[EpochStats], None] | None, cancel: threading.Event | None,
) -> tuple[list[EpochStats], int, bool]:  # fmt: skip
    """Train in place with early stopping on the validation loss; best weights restored, eval mode.

    Returns (history, best epoch, cancelled)."""
    trainer = MLPTrainer(network, config.learning_rate, config.weight_decay)
    val_w = _balanced(pools.val_y, pools.val_w, len(pools.mirror_index))
    val = (np.ascontiguousarray(pools.val_x, np.float32), pools.val_y, val_w)
    (epoch_rng,) = rng.spawn(1)  # the epochs' draws are made on another thread, from a generator of their own
    upcoming = Ahead(lambda: _epoch(pools, draw, cfg, network, config, epoch_rng))

    def run_epoch(epoch: int) -> EpochStats:
        network.train()
        train_loss, train_acc = trainer.train_epoch(upcoming.take())
        network.eval()
        val_loss, val_acc = _validate(trainer, val, draw) if len(pools.val_y) else (train_loss, train_acc)
        return EpochStats(epoch, config.epochs, train_loss, val_loss, train_acc, val_acc)

    with upcoming:
        return fit_with_early_stopping(network, run_epoch, config.epochs, config.patience, on_epoch, cancel)
