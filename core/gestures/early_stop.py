"""The epoch loop with early stopping, shared by ``core.gestures.training`` and ``core.starter.loop``.

Both trainers differ only in what one epoch does (their batches, losses and validation);
when to stop, which weights to keep and how progress and cancelling are reported is this one loop.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class EpochStats:
    """Progress after one epoch; losses are class-weighted cross-entropy, val is the un-mirrored split."""

    epoch: int  # 1-based
    epochs: int  # the configured maximum
    train_loss: float
    val_loss: float
    train_accuracy: float  # on this epoch's (augmented, mirrored) training batches, dropout on
    val_accuracy: float


# Validation-loss gains smaller than this are noise; counting them would only delay stopping.
MIN_GAIN = 1e-3


def fit_with_early_stopping(
    network: nn.Module,
    run_epoch: Callable[[int], EpochStats],
    epochs: int,
    patience: int,
    on_epoch: Callable[[EpochStats], None] | None,
    cancel: threading.Event | None,
    average: int = 0,
) -> tuple[list[EpochStats], int, bool]:
    """Run ``run_epoch(epoch)`` for epochs 1..``epochs`` until ``patience`` epochs bring no better
    validation loss or ``cancel`` is set (checked after each epoch); leave ``network`` in eval mode
    with the best weights, or with ``average`` > 0 the mean of the weights of the epochs run within
    ``average`` of the best one. Returns (history, best epoch (0: none better than infinity), cancelled).

    Why average: a small validation split makes the best epoch a noisy pick, and one epoch's weights
    carry its batches' and augmentations' noise; the mean of the epochs around it is the point those
    epochs circle, which a different seed lands nearer to."""
    history: list[EpochStats] = []
    best_loss, best_epoch = float("inf"), 0
    recent: deque[dict[str, torch.Tensor]] = deque(maxlen=2 * average + 1)  # the last epochs' weights
    kept: list[dict[str, torch.Tensor]] = []  # the best epoch's weights and, averaging, those around it
    for epoch in range(1, epochs + 1):
        stats = run_epoch(epoch)
        history.append(stats)
        state = {k: v.detach().clone() for k, v in network.state_dict().items()}
        recent.append(state)
        if stats.val_loss < best_loss - MIN_GAIN:
            best_loss, best_epoch = stats.val_loss, epoch
            kept = list(recent)[-(average + 1) :]  # the best epoch and up to ``average`` epochs before it
        elif average and epoch - best_epoch <= average:
            kept.append(state)  # up to ``average`` epochs after the best one
        if on_epoch is not None:
            on_epoch(stats)
        if (cancel is not None and cancel.is_set()) or epoch - best_epoch >= patience:
            break
    if kept:
        network.load_state_dict(_mean_state(kept))
    network.eval()
    return history, best_epoch, bool(cancel is not None and cancel.is_set())


def _mean_state(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The element-wise mean of state dicts of one network (a single one is returned as it is)."""
    if len(states) == 1:
        return states[0]
    return {k: torch.stack([s[k] for s in states]).mean(dim=0) for k in states[0]}
