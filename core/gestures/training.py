"""Training the gesture classifier: the split, mirroring, class balance, early stopping.

``train_classifier`` is plain and blocking; ``ui.jobs.training.TrainingRun`` runs it (through
``core.data.project.train_project``) in a thread for the page, which polls progress and may cancel;
the epoch loop with early stopping is ``core.gestures.early_stop``'s. Everything works on whole tensors (no
DataLoader): a few thousand 60-float samples fit in a few hundred kilobytes. Its settings are
``core.gestures.train_config``'s, its metrics ``core.gestures.metrics``'.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from core.gestures.classifier import GestureClassifier
from core.gestures.early_stop import EpochStats, fit_with_early_stopping
from core.gestures.familiarity import StarterHands, fit_familiarity
from core.gestures.fast_mlp import (
    Ahead,
    Epoch,
    MLPTrainer,
    class_targets,
    cross_entropy,
    shuffled_epoch,
    training_threads,
)
from core.gestures.features import FeatureConfig, augment, mirror_features
from core.gestures.metrics import EvalReport, evaluate, mirrored_accuracy
from core.gestures.mirror_weights import mirror_landings
from core.gestures.split import stratified_split
from core.gestures.train_checks import NotEnoughDataError, TooManyClassesError, check_inputs, trainable_classes
from core.gestures.train_config import INTEGER_FIELDS, TRAIN_LIMITS, TrainConfig, check_limit
from core.types import FloatArray, IntArray

# Re-exported: callers import the run's settings, checks and metrics from the module that runs it.
__all__ = [
    "INTEGER_FIELDS", "TRAIN_LIMITS", "EpochStats", "EvalReport", "NotEnoughDataError", "TooManyClassesError",
    "TrainConfig", "TrainResult", "attach_examples", "check_inputs", "check_limit", "copy_weights", "evaluate", "mirrored_accuracy",
    "result_metadata", "train_classifier", "trainable_classes",
]  # fmt: skip


# Epochs either side of the best one whose weights a model of this skeleton keeps averaged (core.gestures.early_stop):
# body poses, yoga8 held out by file, seeds 0-4 (bench/people/body_accuracy.py): mean 97.18% -> 97.69%, spread 0.69
# points both. Hand models keep the best epoch's weights: their few-shot and open-set benchmarks were not rerun with it.
AVERAGED_EPOCHS: Mapping[str, int] = {"body": 5}


@dataclass
class TrainResult:
    """A trained classifier and how it did on the held-out samples (with the best weights restored)."""

    classifier: GestureClassifier
    history: list[EpochStats]
    val_accuracy: float  # on the un-mirrored validation split: the person's real hands
    val_accuracy_mirrored: float | None  # on mirrored copies of the validation split; None when mirror is off
    per_class: dict[str, float]  # val accuracy per class that has validation samples
    confusion: npt.NDArray[np.int64]  # (C, C), rows = true class, columns = predicted, classifier.classes order
    classes: list[str]  # the model's classes (those trained)
    skipped_classes: list[str]  # asked for but without any sample, own or mirrored
    n_samples: int
    n_train: int  # before mirroring
    n_val: int
    seconds: float
    cancelled: bool
    best_epoch: int
    val_indices: IntArray  # rows of X held out, so the app can show the samples the model gets wrong
    val_predictions: list[str]  # predicted class (argmax) per val_indices entry
    starter_rows: int = 0  # rows of the starter set this run trained on (core.starter.fit); 0 without
    # classes whose mirrored copies land on another own class, and that class: their copies weighed mirror_weight
    mirror_landings: dict[str, str] = field(default_factory=dict)
    # core.data.project.train_project: from reading the samples to the model saved, what the teacher waited for
    # (``seconds`` is the passes alone); the one training time the pages show. 0 outside train_project.
    wall_seconds: float = 0.0


@dataclass
class _Data:
    """Arrays of one run; ``y`` indexes the model's classes."""

    x_train: FloatArray  # (n, D), own training samples only
    mirror_rows: npt.NDArray[np.bool_] | None  # (n,) rows whose mirrored copy is appended; None: no mirroring
    y_train: IntArray  # (n + mirrored,) own samples then mirrored copies
    row_weights: FloatArray | None  # (n + mirrored,) own samples 1, mirrored copies mirror_weight; None: all 1
    x_val: FloatArray  # (m, D) float32
    y_val: IntArray  # (m,)
    class_weights: FloatArray  # (C,) float32, inverse class frequency in the training set


def train_classifier(
    X: FloatArray,
    labels: Sequence[str],
    classes: Sequence[str],
    mirror_map: Mapping[str, str],
    feature_config: FeatureConfig,
    config: TrainConfig | None = None,
    on_epoch: Callable[[EpochStats], None] | None = None,
    cancel: threading.Event | None = None,
) -> TrainResult:
    """Fit a ``GestureClassifier`` on (N, D) user-view features with one label each.

    ``classes`` is the project's class list; a class with no sample of its own is still
    trained when mirrored samples of its partner fill it (👉 → 👈), else it is left out
    and listed in ``TrainResult.skipped_classes``. Checks ``cancel`` after each epoch and
    then returns the best weights so far with ``cancelled=True``.
    """
    config = config or TrainConfig()
    started = time.perf_counter()
    x, y_names = check_inputs(X, labels, classes, feature_config)
    partners = dict(mirror_map) if config.mirror else None  # None: no mirroring at all
    model_classes, skipped = _select_classes(y_names, classes, partners or {}, config.min_samples_per_class)
    index = {name: i for i, name in enumerate(model_classes)}
    rng = np.random.default_rng(config.seed)
    train_idx, val_idx = stratified_split(y_names, config.val_share, rng, min_val=1, x=x)
    with torch.random.fork_rng(devices=[]), training_threads(config.num_threads):  # the caller's RNG untouched
        torch.manual_seed(config.seed)
        classifier = GestureClassifier(
            model_classes, feature_config, config.hidden, config.dropout, config.threshold, {"backend": "mediapipe"}
        )
        weights, landings = copy_weights(x[train_idx], y_names[train_idx], partners, feature_config, config)
        data = _prepare(x, y_names, train_idx, val_idx, index, partners, feature_config, weights)
        history, best, cancelled = _fit(classifier.network, data, feature_config, config, rng, on_epoch, cancel)
    attach_examples(classifier, x, y_names, partners, config, landings)
    report = evaluate(classifier, x[val_idx], y_names[val_idx].tolist())
    mirrored = None if partners is None else mirrored_accuracy(classifier, x[val_idx], y_names[val_idx], partners)
    result = TrainResult(
        classifier=classifier,
        history=history,
        val_accuracy=report.accuracy,
        val_accuracy_mirrored=mirrored,
        per_class=report.per_class,
        confusion=report.confusion,
        classes=list(model_classes),
        skipped_classes=skipped,
        n_samples=len(x),
        n_train=len(train_idx),
        n_val=len(val_idx),
        seconds=time.perf_counter() - started,
        cancelled=cancelled,
        best_epoch=best,
        val_indices=val_idx.astype(np.int64),
        val_predictions=report.predictions,
        mirror_landings=landings,
    )
    classifier.metadata |= result_metadata(result)
    return result


# ---- steps of train_classifier ---------------------------------------------------------


def _select_classes(
    y: npt.NDArray[np.str_], classes: Sequence[str], mirror_map: Mapping[str, str], min_samples: int
) -> tuple[list[str], list[str]]:
    """(classes to train, in ``classes`` order; classes left out for having no sample)."""
    tally = Counter(y.tolist())  # one pass over the labels, not one per class (classes × labels comparisons)
    return trainable_classes({name: tally.get(name, 0) for name in classes}, mirror_map, min_samples)


def copy_weights(
    x: FloatArray, y: npt.NDArray[np.str_], partners: Mapping[str, str] | None, cfg: FeatureConfig, config: TrainConfig
) -> tuple[dict[str, float], dict[str, str]]:
    """(what the mirrored copies of each class's (N, D) training samples ``x`` weigh, the classes whose copies land
    on another own class and that class): ``config.mirror_weight`` for every class, or, with
    ``mirror_weight_per_class``, only where the copies land (``mirror_landings``); missing classes weigh 1."""
    if partners is None or config.mirror_weight >= 1.0:
        return {}, {}
    if not config.mirror_weight_per_class:
        return {str(name): config.mirror_weight for name in np.unique(y)}, {}
    landings = mirror_landings(x, y, partners, cfg)
    return dict.fromkeys(landings, config.mirror_weight), landings


def _prepare(
    x: FloatArray,
    y: npt.NDArray[np.str_],
    train_idx: IntArray,
    val_idx: IntArray,
    index: Mapping[str, int],
    mirror_map: Mapping[str, str] | None,
    cfg: FeatureConfig,
    mirror_weights: Mapping[str, float] | None = None,
) -> _Data:
    """Training set with labels for its mirrored copies (unless ``mirror_map`` is None), and the val set.
    ``mirror_weights``: what the copies of each class's samples weigh (``copy_weights``; missing: 1)."""
    x_train, y_train, keep, row_weights = x[train_idx], [index[name] for name in y[train_idx]], None, None
    if mirror_map is not None:
        partners = [mirror_map.get(name, name) for name in y[train_idx]]
        keep = np.array([p in index for p in partners], dtype=bool)  # 👉 mirrors only when 👈 is a class
        y_train += [index[p] for p, k in zip(partners, keep, strict=True) if k]
        copies = np.array([(mirror_weights or {}).get(name, 1.0) for name in y[train_idx][keep]], np.float32)
        if (copies != 1.0).any():
            row_weights = np.concatenate([np.ones(len(train_idx), np.float32), copies])
    y_t = np.array(y_train, dtype=np.int64)
    # Balanced loss: rare classes count as much. Every model class has training rows (own or mirrored). Imported here:
    # scikit-learn takes 1.4 s to import, which a page that only loads a model (Live, Make) need not wait for.
    from sklearn.utils.class_weight import compute_class_weight

    weights = compute_class_weight("balanced", classes=np.arange(len(index)), y=y_t).astype(np.float32)
    y_val = np.array([index[name] for name in y[val_idx]], dtype=np.int64)
    x_val = np.ascontiguousarray(x[val_idx], np.float32)
    return _Data(x_train, keep, y_t, row_weights, x_val, y_val, weights)


def _epoch_features(data: _Data, cfg: FeatureConfig, config: TrainConfig, rng: np.random.Generator) -> FloatArray:
    """(n + mirrored, D) training features of one epoch, rows matching ``data.y_train``.

    Augmenting before mirroring costs half as much and gives the same distribution:
    the random rotations and stretches are symmetric, so mirrored ones are too.
    """
    x = augment(data.x_train, cfg, config.aug, rng) if config.augment else data.x_train
    if data.mirror_rows is not None:
        x = np.concatenate([x, mirror_features(x[data.mirror_rows], cfg)])
    return np.asarray(x, np.float32)


def _fit(
    network: nn.Sequential,
    data: _Data,
    cfg: FeatureConfig,
    config: TrainConfig,
    rng: np.random.Generator,
    on_epoch: Callable[[EpochStats], None] | None,
    cancel: threading.Event | None,
) -> tuple[list[EpochStats], int, bool]:
    """Train ``network`` in place, leave it in eval mode with the best weights; (history, best epoch, cancelled)."""
    trainer = MLPTrainer(network, config.learning_rate, config.weight_decay)
    (epoch_rng,) = rng.spawn(1)  # the epochs' draws are made on another thread, from a generator of their own
    upcoming = Ahead(lambda: _epoch(network, data, cfg, config, epoch_rng))

    def run_epoch(epoch: int) -> EpochStats:
        network.train()
        train_loss, train_acc = trainer.train_epoch(upcoming.take())
        network.eval()
        val_loss, val_acc = _validate(trainer, data)
        return EpochStats(epoch, config.epochs, train_loss, val_loss, train_acc, val_acc)

    average = AVERAGED_EPOCHS.get(cfg.skeleton, 0)
    with upcoming:
        return fit_with_early_stopping(network, run_epoch, config.epochs, config.patience, on_epoch, cancel, average)


def _epoch(network: nn.Sequential, data: _Data, cfg: FeatureConfig, config: TrainConfig,
           rng: np.random.Generator) -> Epoch:  # fmt: skip
    """One epoch's rows (``_epoch_features``), shuffled, towards the class-weighted cross-entropy (as
    ``nn.CrossEntropyLoss(weight=...)`` averages it), each row also weighed by its ``row_weights``."""
    x, y = _epoch_features(data, cfg, config, rng), data.y_train
    weights = data.class_weights[y] if data.row_weights is None else data.class_weights[y] * data.row_weights
    targets = class_targets(y, weights, len(data.class_weights))
    return shuffled_epoch(x, y, targets, weights, network, config.dropout, config.batch_size, rng)


def _validate(trainer: MLPTrainer, data: _Data) -> tuple[float, float]:
    if not len(data.y_val):  # as torch's mean of no rows: early stopping then keeps the last epoch
        return float("nan"), float("nan")
    logits = trainer.logits(data.x_val)
    weights = data.class_weights[data.y_val]
    loss, _ = cross_entropy(logits, class_targets(data.y_val, weights / weights.sum(), len(data.class_weights)))
    return loss, float((logits.argmax(1) == data.y_val).mean())


def attach_examples(
    classifier: GestureClassifier, x: FloatArray, y: npt.NDArray[np.str_], partners: Mapping[str, str] | None,
    config: TrainConfig, landings: Mapping[str, str], starter: StarterHands | None = None,
) -> None:  # fmt: skip
    """Give a hand model the person's (N, D) samples ``x`` as its examples (``core.gestures.familiarity``), with
    ``starter`` the starter set's hands the training kept (its gestures' views and the signs of no class); mirrored
    copies of classes whose mirror image is another own class (``landings``) are left out, as they would vouch
    for that class."""
    cfg = classifier.feature_config
    if not config.familiarity or cfg.skeleton != "hand" or not len(x):
        return
    classifier.familiarity = fit_familiarity(x, y.tolist(), classifier.classes, partners, cfg, config.aug,
                                             list(landings), config.seed, starter)  # fmt: skip


def result_metadata(result: TrainResult) -> dict[str, object]:
    return {
        "val_accuracy": result.val_accuracy,
        "val_accuracy_mirrored": result.val_accuracy_mirrored,
        "n_samples": result.n_samples,
        "n_train": result.n_train,
        "n_val": result.n_val,
        "epochs_run": len(result.history),
        "best_epoch": result.best_epoch,
        "skipped_classes": list(result.skipped_classes),
        "mirror_landings": dict(result.mirror_landings),
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
