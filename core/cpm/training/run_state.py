"""What a distillation run saves and resumes from: device, learning-rate scaling, checkpoints mid-epoch.

A checkpoint folder holds the weights, the optimizer's moments and ``train_state.json``:
the last finished epoch, how many draws of the next epoch each process has trained on
(``position``), how many crops the whole run has trained on (``samples``: the schedule's
place) and the history. With the same processes and batch size a resumed run continues
exactly (``core.cpm.training.sampler`` replays the draw order and the augmentation).
Tensors are saved on the CPU, so a checkpoint moves between a CPU and a CUDA machine;
there the position is kept in crops, so a run resumed with another batch size or number
of processes continues from the same place in the data and the schedule (not bit-exact:
the batches differ).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.optim.swa_utils import AveragedModel

from core.cpm import checkpoint
from core.cpm.architectures import HeatmapNetwork, format_of
from core.cpm.config import CPMTrainConfig
from core.cpm.training import parallel
from core.cpm.training.sampler import EpochSampler
from core.cpm.training.validation import calibrate_threshold


def resolve_device(cfg: CPMTrainConfig) -> torch.device:
    """The device ``cfg.device`` names ("auto": CUDA when present); ValueError for CUDA without one or with
    several processes (those are one-thread CPU processes)."""
    if cfg.device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"--device {cfg.device}: must be auto, cpu or cuda")
    cuda = torch.cuda.is_available()
    if cfg.device == "cuda" and not cuda:
        raise ValueError("--device cuda: no CUDA device is available (use --device cpu or auto)")
    use_cuda = cfg.device == "cuda" or (cfg.device == "auto" and cuda and cfg.processes <= 1)
    if use_cuda and cfg.processes > 1:
        raise ValueError(f"--processes {cfg.processes}: several processes are for CPUs; on CUDA use 1")
    return torch.device("cuda" if use_cuda else "cpu")


def scaled_lr(cfg: CPMTrainConfig) -> float:
    """Peak learning rate: ``lr`` × sqrt(batch_size / lr_batch) (square-root scaling, for Adam-type optimizers),
    so a CUDA run with batches of 256 keeps the CPU recipe's lr at 32; ``lr_batch`` 0: ``lr`` as given."""
    return cfg.lr * (cfg.batch_size / cfg.lr_batch) ** 0.5 if cfg.lr_batch else cfg.lr


def position_state(epoch: int, draws: int, steps: int, cfg: CPMTrainConfig) -> dict:
    """The resume point: ``epoch`` finished, ``draws`` per process of the next one trained, ``steps`` in all."""
    return {
        "epoch": epoch,
        "position": draws,
        "samples": steps * cfg.batch_size,
        "processes": parallel.world_size(),
        "batch_size": cfg.batch_size,
    }


def resume_position(state: dict, sampler: EpochSampler, cfg: CPMTrainConfig, steps_per_epoch: int) -> int:
    """Set ``sampler`` to the saved place in its epoch; returns the optimizer steps done (the schedule's place)."""
    if not state:
        return 0
    world = parallel.world_size()
    # the same data place with another number of processes: each takes its share of the draws done
    sampler.start_at(state.get("position", 0) * state.get("processes", world) // world)
    if "samples" in state:
        return int(state["samples"]) // cfg.batch_size
    return int(state.get("epoch", 0)) * steps_per_epoch  # written before positions were saved: epoch ends only


class Periodic:
    """Calls ``save(step)`` when ``seconds`` have passed since the last call (all processes agree)."""

    def __init__(self, seconds: float, save: Callable[[int], None]) -> None:
        self.seconds, self.save, self.last = seconds, save, time.time()

    def __call__(self, step: int) -> None:
        if self.seconds <= 0:
            return
        if parallel.max_across(float(time.time() - self.last >= self.seconds)) > 0:
            if parallel.rank() == 0:
                self.save(step)
            parallel.barrier()
            self.last = time.time()


def averager(model: HeatmapNetwork, decay: float) -> AveragedModel:
    """A moving average of ``model``'s weights and batch-norm statistics (a copy, updated after every step).

    The decay ramps up from 0.1 over the first steps, so early epochs do not score the random start.
    """

    def average(averaged: torch.Tensor, current: torch.Tensor, n: torch.Tensor) -> torch.Tensor:
        keep = torch.clamp((1.0 + n) / (10.0 + n), max=decay)
        return averaged + (current - averaged) * (1.0 - keep)

    return AveragedModel(model, avg_fn=average, use_buffers=True)


def save_run(
    model: HeatmapNetwork,
    trained: HeatmapNetwork | None,
    optimizer: torch.optim.Optimizer,
    out_dir: str | Path,
    history: list[dict],
    started: float,
    val,
    cfg: CPMTrainConfig,
    state: dict,
) -> None:
    """Checkpoint ``model`` (with a no-hand threshold calibrated on ``val``'s held-out crops, when given).

    ``trained``: the weights the optimizer works on, when ``model`` is their average (kept for ``--resume``).
    ``state``: sizes and the resume point (``position_state``).
    """
    if val is not None and len(val.empty_scores) and len(val.hand_scores):
        model.cfg = dataclasses.replace(
            model.cfg, hand_threshold=calibrate_threshold(val.hand_scores, val.empty_scores)
        )
    checkpoint.save(model, out_dir)
    full = {
        **state,
        "history": history,
        "wall_seconds": time.time() - started,
        "train_config": {
            "epochs": cfg.epochs,
            "batch_size": cfg.batch_size,
            "processes": cfg.processes,
            "device": cfg.device,
            "warm_input_size": cfg.warm_input_size,
            "warm_fraction": cfg.warm_fraction,
            "ema_decay": cfg.ema_decay,
            "balance_inputs": cfg.balance_inputs,
            "lr": cfg.lr,
            "lr_batch": cfg.lr_batch,
            "holdout": list(cfg.holdout),
            "padded": list(cfg.padded),
            "val_fraction": cfg.val_fraction,
            "people_share": cfg.people_share,
            "init": str(cfg.init) if cfg.init else "",
            "augment": dataclasses.asdict(cfg.augment),
        },
    }
    checkpoint.save_training_state(
        optimizer, full, out_dir, None if trained is None else trained.state_dict(), format_of(model.cfg)
    )
