"""Training a project's classifier on its user samples together with the starter set.

* Starter rows of the project's classes are **labelled** rows; every other starter row
  (the rejection set ``OTHER`` and starter gestures the project does not have) is a
  **rejection** row, trained towards equal probabilities over the model's classes
  ("outlier exposure"), so such hands get a low top probability and the threshold
  answers ``unknown``. The model keeps only real classes: pipeline, save and ONNX
  export treat it as any other ``GestureClassifier``.
* User samples weigh ``user_weight`` starter rows, and starter rows closer than
  ``conflict_radius`` to a user sample of another class are dropped: where the user's
  hand and the starter data disagree, the user wins.
* Each epoch draws ``per_class`` starter rows per class, so training time does not
  grow with the starter set; user samples are all used every epoch.
* Validation (early stopping) uses held-out user samples and held-out starter rows;
  the reported accuracy, confusion and ``val_indices`` are the user's samples only
  (the starter rows' when the user recorded none).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import numpy.typing as npt
import torch

from core.gestures.classifier import GestureClassifier
from core.gestures.familiarity import StarterHands
from core.gestures.fast_mlp import training_threads
from core.gestures.features import FeatureConfig
from core.gestures.split import stratified_split
from core.gestures.training import (
    EpochStats,
    TrainConfig,
    TrainResult,
    attach_examples,
    check_inputs,
    copy_weights,
    evaluate,
    mirrored_accuracy,
    result_metadata,
    train_classifier,
    trainable_classes,
)
from core.starter.claims import overridden_parts
from core.starter.dataset import OTHER, StarterSet
from core.starter.loop import Draw, Pools, fit_network
from core.starter.options import StarterOptions
from core.types import FloatArray, IntArray


def _split_starter(
    labels: npt.NDArray[np.str_], keep: npt.NDArray[np.bool_], classes: list[str], per_class: int,
    rng: np.random.Generator,
) -> tuple[dict[str, IntArray], IntArray, IntArray, IntArray]:  # fmt: skip
    """Starter rows by use: (train rows per class, train rejection rows, val labelled rows, val rejection rows)."""
    by_class, val_rows = {}, []
    for name in classes:
        rows = rng.permutation(np.flatnonzero(keep & (labels == name)))
        k = min(per_class, len(rows) // 5)
        val_rows.append(rows[:k])
        if len(rows) > k:
            by_class[name] = rows[k:]
    reject = rng.permutation(np.flatnonzero(keep & ~np.isin(labels, classes)))
    k = min(4 * per_class, len(reject) // 5)
    return by_class, reject[k:], np.concatenate([np.zeros(0, np.int64), *val_rows]), reject[:k]


def _pools(
    x: FloatArray, y: npt.NDArray[np.str_], train_idx: IntArray, val_idx: IntArray, starter_x: FloatArray,
    split: tuple[dict[str, IntArray], IntArray, IntArray, IntArray], starter_y: npt.NDArray[np.str_],
    active: list[str], mirror_map: Mapping[str, str], user_weight: float,
) -> Pools:  # fmt: skip
    by_class, reject, s_val, r_val = split
    index = {name: i for i, name in enumerate(active)}
    ids = lambda names: np.array([index.get(n, -1) for n in names], dtype=np.int64)  # noqa: E731
    val_rows = np.concatenate([s_val, r_val])
    return Pools(
        user_x=x[train_idx],
        user_y=ids(y[train_idx]),
        starter_x=starter_x,
        starter_by_class=[by_class.get(name, np.zeros(0, np.int64)) for name in active],
        reject_rows=reject,
        mirror_index=ids([mirror_map.get(name, name) for name in active]),
        val_x=np.concatenate([x[val_idx], starter_x[val_rows]]).astype(np.float32),
        val_y=np.concatenate([ids(y[val_idx]), ids(starter_y[s_val]), np.full(len(r_val), -1)]),
        val_w=np.concatenate([np.full(len(val_idx), user_weight), np.ones(len(val_rows))]).astype(np.float32),
    )


def adds_to(starter: StarterSet, classes: Sequence[str]) -> bool:
    """Whether ``starter`` holds a gesture of ``classes`` (by name). Without one it would add only
    "unknown" rows, so such a project trains on its own samples alone (the one rule: training, curve)."""
    return bool((set(starter.labels) - {OTHER}) & set(classes))


def train_with_starter(
    X: FloatArray,
    labels: Sequence[str],
    classes: Sequence[str],
    mirror_map: Mapping[str, str],
    feature_config: FeatureConfig,
    starter: StarterSet,
    config: TrainConfig | None = None,
    options: StarterOptions | None = None,
    on_epoch: Callable[[EpochStats], None] | None = None,
    cancel: threading.Event | None = None,
) -> TrainResult:
    """Like ``core.gestures.training.train_classifier``, with the starter set added (see the module docstring).

    ``X`` (N, feature_config.size) are the user's features (N may be 0: a model of the
    starter data alone). A project without any starter gesture (by name) trains on its own
    samples alone (``train_classifier``, ``starter_rows`` 0; see ``adds_to``). The model's classes are the project's classes that have user
    samples, mirrored samples or starter rows; the rest are listed as skipped.
    """
    config, options = config or TrainConfig(), options or StarterOptions()
    if len(starter) and not adds_to(starter, classes):
        return train_classifier(X, labels, classes, mirror_map, feature_config, config, on_epoch, cancel)
    started = time.perf_counter()
    x, y = check_inputs(np.asarray(X, np.float32).reshape(-1, feature_config.size), labels, classes, feature_config)
    starter_x, starter_y = starter.features_for(feature_config), np.asarray(starter.labels, dtype=str)
    partners = dict(mirror_map) if config.mirror else {}
    known = (set(starter.labels) - {OTHER}) & set(classes)
    min_samples = options.min_samples_per_class or config.min_samples_per_class
    counts = {name: int(np.sum(y == name)) for name in classes}
    active, skipped = trainable_classes(counts, partners, min_samples, known)
    rng = np.random.default_rng(config.seed)
    conflicting, claimed = overridden_parts(x, y, starter_x, starter_y, starter.sources, active, counts,
                                            feature_config, config, options, rng)  # fmt: skip
    keep = ~(conflicting | claimed)
    split = _split_starter(starter_y, keep, active, options.val_per_class, rng)
    train_idx, val_idx = stratified_split(y, config.val_share, rng, min_val=0, x=x)
    pools = _pools(x, y, train_idx, val_idx, starter_x, split, starter_y, active, partners, options.user_weight)
    per_class, landings = copy_weights(x[train_idx], y[train_idx], partners if config.mirror else None,
                                       feature_config, config)  # fmt: skip
    class_weights = np.array([per_class.get(name, 1.0) for name in active], np.float32)
    draw = Draw(options.per_class, options.rejection_per_epoch, options.user_weight, options.rejection_weight,
                config.mirror, config.augment, config.aug, config.mirror_weight,
                class_weights if config.mirror_weight_per_class else None)  # fmt: skip
    with torch.random.fork_rng(devices=[]), training_threads(config.num_threads):  # the caller's RNG untouched
        torch.manual_seed(config.seed)
        classifier = GestureClassifier(active, feature_config, config.hidden, config.dropout, config.threshold,
                                       {"backend": "mediapipe"})  # fmt: skip
        history, best, cancelled = fit_network(classifier.network, pools, draw, feature_config, config, rng,
                                               on_epoch, cancel)  # fmt: skip
    # the starter's hands as examples too: of the project's gestures, and of no class (claimed groups included;
    # its "other" signs are no class even in a project with a class of that name)
    hands = StarterHands(starter_x[~conflicting], np.where(starter_y == OTHER, "", starter_y)[~conflicting])
    attach_examples(classifier, x, y, partners if config.mirror else None, config, landings, hands)
    result = _result(classifier, x, y, val_idx, starter_x, starter_y, split[2], partners, history, best, cancelled)
    result.skipped_classes, result.n_train, result.mirror_landings = skipped, len(train_idx), landings
    result.seconds = time.perf_counter() - started
    result.starter_rows = int(keep.sum())
    labelled = int((keep & np.isin(starter_y, active)).sum())
    classifier.metadata |= result_metadata(result) | {
        "starter": {"rows": result.starter_rows, "labelled_rows": labelled, "unknown_rows": result.starter_rows - labelled,
                    "dropped_for_conflicts": int((~keep).sum()), "user_weight": options.user_weight},
    }  # fmt: skip
    return result


def _result(
    classifier: GestureClassifier, x: FloatArray, y: npt.NDArray[np.str_], val_idx: IntArray,
    starter_x: FloatArray, starter_y: npt.NDArray[np.str_], starter_val: IntArray, partners: Mapping[str, str],
    history: list[EpochStats], best: int, cancelled: bool,
) -> TrainResult:  # fmt: skip
    """Metrics on the user's held-out samples; else on held-out starter rows; else (nothing held out:
    a class or two recorded once, no starter set) on the training samples, flagged in the metadata."""
    mirrored = None
    if len(val_idx):
        report = evaluate(classifier, x[val_idx], y[val_idx].tolist())
        mirrored = mirrored_accuracy(classifier, x[val_idx], y[val_idx], partners) if partners else None
    elif len(starter_val):
        report = evaluate(classifier, starter_x[starter_val], starter_y[starter_val].tolist())
    else:
        report = evaluate(classifier, x, y.tolist())
        classifier.metadata["val_on_training_samples"] = True
    return TrainResult(
        classifier=classifier, history=history, val_accuracy=report.accuracy, val_accuracy_mirrored=mirrored,
        per_class=report.per_class, confusion=report.confusion, classes=list(classifier.classes),
        skipped_classes=[], n_samples=len(x), n_train=0, n_val=len(val_idx), seconds=0.0, cancelled=cancelled,
        best_epoch=best, val_indices=val_idx.astype(np.int64),
        val_predictions=report.predictions if len(val_idx) else [],
    )  # fmt: skip


def check_trainable(
    counts: Mapping[str, int], mirror_map: Mapping[str, str], config: TrainConfig,
    starter_classes: Sequence[str] | None = None, options: StarterOptions | None = None,
) -> list[str]:  # fmt: skip
    """The classes a training with the starter set would have, for a page to check before starting.

    ``counts`` maps every project class to its number of samples. Raises
    ``NotEnoughDataError`` (saying what to record) where ``train_with_starter`` would.
    """
    if starter_classes is None:
        from core.gestures.catalog import DEFAULT_CLASSES

        starter_classes = [c.name for c in DEFAULT_CLASSES]
    options = options or StarterOptions()
    partners = dict(mirror_map) if config.mirror else {}
    known = set(starter_classes) & set(counts)
    active, _ = trainable_classes(
        counts, partners, options.min_samples_per_class or config.min_samples_per_class, known
    )
    return active
