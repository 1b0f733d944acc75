"""The shipped starter model and starter set: where they live, loading, restricting, rebuilding.

``core/starter/weights/`` holds ``model.json`` + ``model.<sha>.safetensors`` (a plain
``GestureClassifier`` over 2D user-view features, so it serves projects with or
without depth) and ``starter_set.npz`` (the features it learnt from, see
``core.starter.dataset``). ``train_starter`` rebuilds all three from
``../shared/data`` and the procedural hand model.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch

from core.gestures.catalog import DEFAULT_CLASSES
from core.gestures.classifier import GestureClassifier, ModelFileError
from core.gestures.features import AugmentConfig, FeatureConfig
from core.gestures.training import EpochStats, TrainConfig, TrainResult
from core.io.digest import file_sha256
from core.starter.build import BuildConfig, build_parts
from core.starter.dataset import StarterSet
from core.starter.fit import StarterOptions, train_with_starter
from core.starter.sources import DEFAULT_CACHE

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
SET_FILE = "starter_set.npz"
BUILD_FILE = "build.json"
STARTER_PROJECT = "starter"  # the project name the shipped model carries in its metadata
STARTER_CLASSES: tuple[str, ...] = tuple(c.name for c in DEFAULT_CLASSES)
MIRROR_MAP = {c.name: c.mirror_partner for c in DEFAULT_CLASSES}
# The starter model's own training: more starter rows per epoch than a personalisation,
# since they are all it learns from (≈ 1 min on one CPU core).
# The starter's own build keeps the augmentation and "unknown" weight it was measured with, whatever
# a personal training's defaults are (core.gestures.train_config.USER_AUGMENT, StarterOptions).
# mirror_weight 1: the shipped weights' recipe (its copies fill 👈 from 👉, and no person's samples argue with them)
STARTER_TRAINING = TrainConfig(epochs=300, patience=40, aug=AugmentConfig(), mirror_weight=1.0)
STARTER_OPTIONS = StarterOptions(per_class=600, rejection_per_epoch=2400, rejection_weight=0.5)
STARTER_FEATURES = FeatureConfig(use_depth=False)  # 2D: serves projects with and without depth
MAX_FALSE_ACCEPT = 0.05  # the "unknown" threshold's target on held-out people (see train_starter; issue 30: 5%)


def load_starter_set(directory: Path = WEIGHTS_DIR) -> StarterSet:
    """The shipped starter set; ``StarterFileError`` when missing or damaged."""
    return StarterSet.load(Path(directory) / SET_FILE)


def starter_available(directory: Path = WEIGHTS_DIR) -> bool:
    return (Path(directory) / SET_FILE).exists() and (Path(directory) / "model.json").exists()


def is_shipped_starter(model: GestureClassifier) -> bool:
    """True for the shipped starter model (or a restriction of it), False for a model trained on a project.

    A project trained with the starter data carries ``metadata["starter"]`` too (how many
    starter rows it used), so the project name is what tells them apart.
    """
    return model.metadata.get("project") == STARTER_PROJECT


def load_starter_model(directory: Path = WEIGHTS_DIR) -> GestureClassifier:
    """The shipped starter model over the eight default classes (``ModelFileError`` if unreadable)."""
    return GestureClassifier.load(directory)


def restrict_classes(model: GestureClassifier, keep: Sequence[str]) -> GestureClassifier:
    """A copy of ``model`` that predicts only ``keep`` (in the model's order).

    The output rows of the dropped classes are removed, so probabilities are the
    original ones renormalised over the kept classes. A hand making a dropped
    gesture then goes to its nearest kept class or, when none is clearly closer,
    to ``unknown``; training the project removes that (dropped starter classes
    become rejection examples).
    """
    rows = [i for i, name in enumerate(model.classes) if name in set(keep)]
    if len(rows) < 2:
        raise ValueError(f"need at least two of the model's classes {model.classes}, got {list(keep)}")
    names = [model.classes[i] for i in rows]
    metadata = dict(model.metadata) | {"restricted_from": list(model.classes)}
    out = GestureClassifier(names, model.feature_config, model.hidden, model.dropout, model.threshold, metadata)
    state = {k: v.clone() for k, v in model.network.state_dict().items()}
    last = max(int(k.split(".")[0]) for k in state)  # the final Linear's index in the Sequential
    index = torch.tensor(rows)
    state[f"{last}.weight"] = state[f"{last}.weight"][index]
    state[f"{last}.bias"] = state[f"{last}.bias"][index]
    out.network.load_state_dict(state)
    return out


def starter_model_for(classes: Sequence[str], directory: Path = WEIGHTS_DIR) -> GestureClassifier | None:
    """The starter model restricted to the starter classes among ``classes``; None when fewer
    than two are, or when no starter model is installed (or it cannot be read)."""
    keep = [name for name in STARTER_CLASSES if name in set(classes)]
    if len(keep) < 2 or not starter_available(directory):
        return None
    try:
        model = load_starter_model(directory)
    except ModelFileError:
        return None
    return model if keep == model.classes else restrict_classes(model, keep)


def fit_starter(starter: StarterSet, config: TrainConfig = STARTER_TRAINING,
                on_epoch: Callable[[EpochStats], None] | None = None) -> TrainResult:  # fmt: skip
    """A starter model (the eight classes, 2D features) trained on ``starter`` alone."""
    empty = np.zeros((0, STARTER_FEATURES.size), np.float32)
    return train_with_starter(empty, [], STARTER_CLASSES, MIRROR_MAP, STARTER_FEATURES, starter, config,
                              STARTER_OPTIONS, on_epoch)  # fmt: skip


def train_starter(
    out: Path = WEIGHTS_DIR,
    hands_dir: Path | None = None,
    cache_file: Path = DEFAULT_CACHE,
    build: BuildConfig | None = None,
    config: TrainConfig = STARTER_TRAINING,
    on_epoch: Callable[[EpochStats], None] | None = None,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Build the starter set, calibrate "unknown", train the starter model, write them (and ``build.json``) into ``out``.

    The threshold is chosen on HaGRID people held out by fold (``core.starter.holdout``):
    the lowest (at least ``holdout.MIN_THRESHOLD``) at which at most ``MAX_FALSE_ACCEPT`` of
    their other signs and relaxed hands get a gesture label. Returns the summary written to ``build.json``: counts per
    source and class, seconds per step, the threshold and its held-out rates.
    """
    from core.starter.holdout import MIN_THRESHOLD, choose_threshold, hagrid_fold_scores
    from core.starter.sources import shared_hands_dir

    started = time.perf_counter()
    hands = Path(hands_dir) if hands_dir else shared_hands_dir()
    parts = build_parts(hands, build, cache_file, _progress_logger(log))
    starter = parts.starter
    built = time.perf_counter()
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    starter.save(out / SET_FILE)
    log(f"starter set: {len(starter)} rows {starter.counts()} → {out / SET_FILE}")
    held_out = hagrid_fold_scores(parts, lambda keep: fit_starter(starter.subset(keep), config).classifier, log)
    threshold = choose_threshold(held_out, MAX_FALSE_ACCEPT)
    rates = held_out.rates(threshold)
    log(f"threshold {threshold}: held-out HaGRID people {rates['accuracy']:.4f} right, false rejections "
        f"{rates['false_reject']:.4f}, false acceptances {rates['false_accept']:.4f}")  # fmt: skip
    calibrated = time.perf_counter()
    result = fit_starter(starter, config, on_epoch)
    trained = time.perf_counter()
    summary = {
        "sources": starter.source_counts(),
        "classes": starter.counts(),
        "counts": parts.counts,
        "build_seconds": round(built - started, 2),
        "calibration_seconds": round(calibrated - built, 2),
        "train_seconds": round(trained - calibrated, 2),
        "epochs": len(result.history),
        "val_accuracy_starter_rows": round(result.val_accuracy, 4),
        "threshold": threshold,
        "threshold_rule": f"lowest >= {MIN_THRESHOLD} with false acceptances <= {MAX_FALSE_ACCEPT} "
        "on held-out HaGRID people, per folder",
        "held_out_hagrid_people": {k: (round(v, 4) if isinstance(v, float) else v) for k, v in rates.items()},
        "set_sha256": file_sha256(out / SET_FILE),
        "build_config": asdict(build or BuildConfig()),
    }
    classifier = result.classifier
    classifier.threshold = threshold
    classifier.metadata.update(starter=True, project=STARTER_PROJECT, set_sha256=summary["set_sha256"],
                               threshold_rule=summary["threshold_rule"])  # fmt: skip
    classifier.save(out)
    (out / BUILD_FILE).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    return summary


def _progress_logger(log: Callable[[str], None]) -> Callable[[int, int], None]:
    def show(done: int, total: int) -> None:
        if done == total or done % 250 == 0:
            log(f"MediaPipe: {done}/{total} photos not in the cache yet")

    return show
