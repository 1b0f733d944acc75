"""Distillation: train a hand CPM on crops labelled by MediaPipe (the teacher).

``train(inputs, ...)`` labels every image (cached), splits held-out images off,
cuts base crops, and trains with intermediate supervision. After every epoch it
prints one progress line (loss, PCK vs the teacher on held-out crops) and writes
the checkpoint, so Ctrl-C (or a cancel event) keeps the last finished epoch.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch.optim.swa_utils import AveragedModel

from core.cpm import checkpoint
from core.cpm.architectures import HeatmapConfig, HeatmapNetwork, build
from core.cpm.config import CPMConfig, CPMTrainConfig
from core.cpm.model import TrainingView, coordinate_loss, cpm_loss, handedness_loss
from core.cpm.training import parallel
from core.cpm.training.dataset import DistillationSet
from core.cpm.training.inputs import draw_sampler, split_crops, teacher_labels
from core.cpm.training.progress import UPDATES_PER_EPOCH, ConsoleLog, StepLine
from core.cpm.training.run_state import (
    Periodic,
    averager,
    position_state,
    resolve_device,
    resume_position,
    save_run,
    scaled_lr,
)
from core.cpm.training.schedule import Schedule
from core.cpm.training.validation import validate

HANDEDNESS_WEIGHT = 0.1  # the handedness head is an aid to the belief maps, not the goal


def _run_epoch(
    net,
    loader,
    optimizer,
    schedule: Schedule,
    device,
    cancel,
    log: Callable[[str], None],
    coord_weight: float,
    after_step: Callable[[], None] = lambda: None,
    save_due: Callable[[int], None] = lambda _: None,
) -> float:
    """One pass (cut short when the schedule's time budget is spent); returns the mean loss.

    ``save_due(step)`` after every step: checkpoints mid-epoch when it is time to."""
    net.train()
    total, count, t0 = 0.0, 0, time.time()
    resumed_at = getattr(loader.sampler, "skip", 0) // loader.batch_size  # batches trained before a resume
    for step, (crops, targets, cells, inside, right) in enumerate(loader, resumed_at + 1):
        if cancel is not None and cancel.is_set():
            raise KeyboardInterrupt
        # beliefs: T × (B, 22, h, w); right_logit: (B,) or None
        beliefs, right_logit = net(crops.to(device).float().contiguous(memory_format=torch.channels_last))
        loss = cpm_loss(beliefs, targets.to(device)) + HANDEDNESS_WEIGHT * handedness_loss(
            right_logit, right.to(device)
        )
        if coord_weight:
            loss = loss + coord_weight * coordinate_loss(beliefs, cells.to(device), inside.to(device))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        after_step()
        schedule.step()
        for group in optimizer.param_groups:
            group["lr"] = group["initial_lr"] * schedule.factor()
        total += loss.item() * len(crops)
        count += len(crops)
        save_due(step)
        if schedule.progress >= 1.0:
            break
        if step % max(1, len(loader) // UPDATES_PER_EPOCH) == 0:
            log(StepLine.of(step, len(loader), total / count, count / (time.time() - t0)))
    return total / max(1, count)


def _epoch_line(epoch: int, epochs: int, loss: float, val, seconds: float, elapsed: float) -> str:
    m = val.metrics
    return (
        f"epoch {epoch}/{epochs}  loss {loss:.4f}  val PCK@0.2 {m.get('pck_0.2', float('nan')):.3f} "
        f"@0.1 {m.get('pck_0.1', float('nan')):.3f} @0.05 {m.get('pck_0.05', float('nan')):.3f}  "
        f"conf hand {np.mean(val.hand_scores):.2f} / empty {np.mean(val.empty_scores) if len(val.empty_scores) else float('nan'):.2f}  "
        f"{seconds:.0f} s (total {elapsed / 60:.1f} min)"
    )


@dataclass
class _Run:
    """What one training run works with (internal)."""

    model: HeatmapNetwork  # the weights the optimizer trains
    averaged: AveragedModel | None  # their moving average (rank 0, with CPMTrainConfig.ema_decay)
    net: torch.nn.Module  # what the loop calls: the model's TrainingView, wrapped for data-parallel runs
    loader: torch.utils.data.DataLoader
    optimizer: torch.optim.Optimizer
    schedule: Schedule
    val_hands: list
    val_empty: list
    history: list[dict]
    first_epoch: int
    started: float


def _prepare(inputs, cfg: CPMTrainConfig, cpm: HeatmapConfig | None, resume, log: Callable[[str], None]) -> _Run:
    """Model (new or resumed), teacher labels, crops, loader, optimizer and schedule."""
    started = time.time()
    device = resolve_device(cfg)
    model = checkpoint.load(resume or cfg.init) if resume or cfg.init else build(cpm or CPMConfig())
    if cfg.deepen_to and not resume:  # a resumed run's checkpoint is already the deeper network
        from core.resdeconv.model import HandResDeconv, deepen

        if not isinstance(model, HandResDeconv):
            raise ValueError(f"--depths with --init grows a ResNet-deconv; {cfg.init} is not one")
        model = deepen(model, cfg.deepen_to)
        log(f"grown from {cfg.init}: depths {model.cfg.depths}, the added blocks starting as identity")
    if cfg.flip_test:  # only how crops are read: validation, the no-hand threshold and the saved config follow it
        model.cfg = dataclasses.replace(model.cfg, flip_test=True)
    model = model.to(device).to(memory_format=torch.channels_last)
    # a resumed averaged run: model.safetensors holds the average, the trained weights come back from the state
    averaged = averager(model, cfg.ema_decay) if cfg.ema_decay and parallel.rank() == 0 else None
    if resume:
        checkpoint.load_trained_weights(model, resume)
    frames = teacher_labels(inputs, cfg, log)
    (train_hands, train_empty), (val_hands, val_empty) = split_crops(frames, cfg, model.cfg, log)
    dataset = DistillationSet(train_hands, train_empty, model.cfg, cfg.augment, cfg.seed + parallel.rank())
    sampler = draw_sampler(dataset, inputs, cfg, log)
    loader = torch.utils.data.DataLoader(
        dataset, cfg.batch_size // parallel.world_size(), sampler=sampler, drop_last=True, num_workers=cfg.workers
    )
    net: torch.nn.Module = TrainingView(model)
    if parallel.is_parallel():
        net = torch.nn.parallel.DistributedDataParallel(net)
    optimizer = torch.optim.AdamW(model.parameters(), lr=scaled_lr(cfg), weight_decay=cfg.weight_decay)
    state = checkpoint.load_training_state(optimizer, resume) if resume else {}
    for group in optimizer.param_groups:
        group["initial_lr"] = scaled_lr(cfg)  # the flags win on --resume (e.g. --lr-batch with a larger batch)
    budget = (
        max(60.0, cfg.max_minutes * 60 - (time.time() - started) - 60) if cfg.max_minutes else 0.0
    )  # 60 s: last save
    done = state.get("epoch", 0)
    done_steps = resume_position(state, sampler, cfg, len(loader))
    if averaged is not None and done_steps:
        averaged.n_averaged.fill_(done_steps)  # keep averaging what was saved rather than restart from a copy
    schedule = Schedule(cfg.epochs * len(loader), cfg.warmup_steps, budget, done_steps)
    log(
        f"training {sum(p.numel() for p in model.parameters()) / 1e3:.0f}k parameters on {device}"
        f"{f' in {parallel.world_size()} processes' if parallel.is_parallel() else ''}, {len(loader)} steps per epoch"
    )
    return _Run(
        model,
        averaged,
        net,
        loader,
        optimizer,
        schedule,
        val_hands,
        val_empty,
        state.get("history", []),
        done + 1,
        started,
    )


def train(
    inputs: list[str | Path],
    out_dir: str | Path,
    cpm: HeatmapConfig | None = None,
    cfg: CPMTrainConfig | None = None,
    resume: str | Path | None = None,
    log: Callable[[str], None] = print,
    cancel: threading.Event | None = None,
) -> dict:
    """Train (or, with ``resume``, continue) a CPM on ``inputs``; returns the run summary also stored in the checkpoint.

    With ``cfg.processes`` > 1 the run is data-parallel (``core.cpm.training.parallel``): the
    teacher labels are made here first, then rank 0 prints, validates and saves;
    ``log`` and ``cancel`` then do not reach the processes (Ctrl-C does).
    """
    cfg = cfg or CPMTrainConfig()
    if cfg.processes <= 1:
        return _train_here(inputs, out_dir, cpm, cfg, resume, log, cancel)
    started = time.time()
    teacher_labels(inputs, cfg, log)
    if cfg.max_minutes:  # the budget covers the labelling too, as it does in one process
        cfg = dataclasses.replace(cfg, max_minutes=max(1.0, cfg.max_minutes - (time.time() - started) / 60))
    try:
        parallel.launch(_train_process, cfg.processes, list(inputs), out_dir, cpm, cfg, resume)
    except KeyboardInterrupt:
        log(f"interrupted: {out_dir} keeps the last finished epoch")
    state = checkpoint.read_training_state(out_dir)
    return _summary(state.get("history", []), started, state.get("train_hands", 0), state.get("val_hands", 0))


def _train_process(inputs, out_dir, cpm: HeatmapConfig | None, cfg: CPMTrainConfig, resume) -> None:
    """One process of a data-parallel run (started by ``parallel.launch``)."""
    _train_here(inputs, out_dir, cpm, cfg, resume, ConsoleLog() if parallel.rank() == 0 else lambda _: None, None)


def _train_here(inputs, out_dir, cpm, cfg: CPMTrainConfig, resume, log: Callable[[str], None], cancel) -> dict:
    if cfg.threads and not parallel.is_parallel():
        torch.set_num_threads(cfg.threads)
    torch.manual_seed(cfg.seed)  # the same initial weights in every process
    run = _prepare(inputs, cfg, cpm, resume, log)
    try:
        for epoch in range(run.first_epoch, cfg.epochs + 1):
            if _epoch(run, epoch, cfg, out_dir, cancel, log):
                break
    except KeyboardInterrupt:
        log(f"interrupted: {out_dir} keeps the last finished epoch ({len(run.history)})")
    return _summary(run.history, run.started, len(run.loader.dataset), len(run.val_hands))


def _epoch(run: _Run, epoch: int, cfg: CPMTrainConfig, out_dir, cancel, log: Callable[[str], None]) -> bool:
    """Train one epoch, validate, checkpoint, log; True when the run should stop."""
    t0 = time.time()
    device = next(run.model.parameters()).device
    warm = cfg.warm_input_size and run.schedule.progress < cfg.warm_fraction
    run.loader.dataset.use_input_size(cfg.warm_input_size if warm else run.model.cfg.input_size)
    run.loader.sampler.set_epoch(epoch)
    run.loader.dataset.epoch = epoch
    averaged = run.averaged
    update = (lambda: averaged.update_parameters(run.model)) if averaged is not None else (lambda: None)
    result = run.model if averaged is None else averaged.module
    trained = None if averaged is None else run.model

    def save_partial(step: int) -> None:
        sizes = {"train_hands": len(run.loader.dataset), "val_hands": len(run.val_hands)}
        state = position_state(epoch - 1, step * run.loader.batch_size, run.schedule.steps, cfg)
        save_run(result, trained, run.optimizer, out_dir, run.history, run.started, None, cfg, {**sizes, **state})

    due = Periodic(cfg.checkpoint_minutes * 60, save_partial)
    loss = _run_epoch(
        run.net, run.loader, run.optimizer, run.schedule, device, cancel, log, cfg.coord_weight, update, due
    )
    last = run.schedule.progress >= 1.0 or epoch == cfg.epochs
    if parallel.rank() == 0:
        step = 1 if last else max(1, len(run.val_hands) // cfg.val_sample)  # an even sample; the last epoch scores all
        val = validate(result, run.val_hands[::step], run.val_empty[::step])
        run.history.append({"epoch": epoch, "loss": loss, **val.metrics, "seconds": time.time() - t0})
        sizes = {"train_hands": len(run.loader.dataset), "val_hands": len(run.val_hands)}
        state = position_state(epoch, 0, run.schedule.steps, cfg)
        save_run(result, trained, run.optimizer, out_dir, run.history, run.started, val, cfg, {**sizes, **state})
        size = run.loader.dataset.cfg.input_size
        warm_note = f"  ({size}-px crops)" if size != run.model.cfg.input_size else ""
        log(_epoch_line(epoch, cfg.epochs, loss, val, time.time() - t0, time.time() - run.started) + warm_note)
    parallel.barrier()  # the others wait while rank 0 validates and saves
    if last and epoch < cfg.epochs:
        log(
            f"stopping after epoch {epoch}: the {cfg.max_minutes:.0f}-minute budget is spent (the schedule annealed to fit it)"
        )
    return last


def _summary(history: list[dict], started: float, n_train: int, n_val: int) -> dict:
    return {
        "epochs": len(history),
        "wall_seconds": time.time() - started,
        "train_hands": n_train,
        "val_hands": n_val,
        "last": history[-1] if history else {},
    }
