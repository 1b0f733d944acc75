"""What a distillation run learns from: the teacher's labels, the held-out images, the crops, and how
each process draws them (``core.cpm.training.distill`` runs the training on them)."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from collections.abc import Callable
from pathlib import Path

from core.cpm.config import CPMConfig, CPMTrainConfig
from core.cpm.training import parallel
from core.cpm.training.balance import input_balance
from core.cpm.training.dataset import DistillationSet, build_base_crops
from core.cpm.training.labels import LabelledFrame, label_media
from core.cpm.training.people import is_held_out_person
from core.cpm.training.sampler import EpochSampler

VAL_FOLDER_NAMES = {"test", "valid", "val"}  # a dataset's own held-out folders stay held out


def is_held_out(path: Path, cfg: CPMTrainConfig) -> bool:
    """Validation-only image? (hold-out folders, the datasets' own test/valid folders, HaGRID's held-out people,
    or a hash share of the file names)."""
    resolved = path.resolve()
    if any(resolved.is_relative_to(Path(h).resolve()) for h in cfg.holdout):
        return True
    if VAL_FOLDER_NAMES & {p.lower() for p in path.parts[:-1]}:
        return True
    person = is_held_out_person(path, cfg.people_share)
    if person is not None:  # HaGRID: held out by person, never by file (core.cpm.training.people)
        return person
    # Roboflow exports hold augmented copies named "<photo>.rf.<hash>.jpg": hash the photo, so copies stay together
    stem = path.name.split(".rf.")[0]
    digest = hashlib.sha1(f"{path.parent.name}/{stem}".encode()).digest()
    return int.from_bytes(digest[:4], "little") / 2**32 < cfg.val_fraction


def split_crops(frames: list[LabelledFrame], cfg: CPMTrainConfig, cpm: CPMConfig, log: Callable[[str], None]):
    train_frames = [f for f in frames if not is_held_out(f.path, cfg)]
    # validation keeps to the whole-image reference, so its numbers compare across runs
    val_frames = [
        dataclasses.replace(f, hands=tuple(h for h in f.hands if not h.zoom_out))
        for f in frames
        if is_held_out(f.path, cfg)
    ]
    t0 = time.time()
    train = build_base_crops(train_frames, cpm.margin, negatives=True, seed=cfg.seed)
    val = build_base_crops(val_frames, cpm.margin, negatives=True, seed=cfg.seed + 1)
    log(
        f"crops: {len(train[0])} train hands (+{len(train[1])} hand-free), {len(val[0])} held-out hands (+{len(val[1])} hand-free), {time.time() - t0:.0f} s"
    )
    return train, val


def draw_sampler(dataset: DistillationSet, inputs, cfg: CPMTrainConfig, log: Callable[[str], None]) -> EpochSampler:
    """Which hands each process draws: all once per epoch, split among processes, or weighted by input;
    in an order a resumed run replays (``core.cpm.training.sampler``)."""
    weights = None
    if cfg.balance_inputs:
        balance = input_balance([h.source for h in dataset.hands], inputs, cfg.balance_inputs)
        log(
            "draws per epoch: "
            + ", ".join(f"{name} {share:.0%} ({balance.sizes[name]} hands)" for name, share in balance.shares.items())
        )
        weights = balance.weights
    return EpochSampler(len(dataset), cfg.seed, parallel.rank(), parallel.world_size(), weights)


def teacher_labels(inputs, cfg: CPMTrainConfig, log: Callable[[str], None]) -> list[LabelledFrame]:
    progress = _label_progress(log)
    return label_media(
        list(inputs) + list(cfg.holdout),
        cfg.label_cache,
        on_progress=progress,
        zoom_out=cfg.zoom_out_labels,
        padded=cfg.padded,
    )


def _label_progress(log: Callable[[str], None]) -> Callable[[int, int], None]:
    return lambda i, n: i % 500 == 0 and log(f"labelled {i}/{n}")  # type: ignore[return-value]
