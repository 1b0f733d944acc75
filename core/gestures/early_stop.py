"""The epoch loop with early stopping, shared by ``core.gestures.training`` and ``core.starter.loop``.

Both trainers differ only in what one epoch does (their batches, losses and validation);
when to stop, which weights to keep and how progress and cancelling are reported is this one loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

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
) -> tuple[list[EpochStats], int, bool]:
    """Run ``run_epoch(epoch)`` for epochs 1..``epochs`` until ``patience`` epochs bring no better
    validation loss or ``cancel`` is set (checked after each epoch); leave ``network`` in eval mode
    with the best weights. Returns (history, best epoch (0: none better than infinity), cancelled)."""
    history: list[EpochStats] = []
    best_loss, best_epoch, best_state = float("inf"), 0, None
    for epoch in range(1, epochs + 1):
        stats = run_epoch(epoch)
        history.append(stats)
        if stats.val_loss < best_loss - MIN_GAIN:
            best_loss, best_epoch = stats.val_loss, epoch
            best_state = {k: v.detach().clone() for k, v in network.state_dict().items()}
        if on_epoch is not None:
            on_epoch(stats)
        if (cancel is not None and cancel.is_set()) or epoch - best_epoch >= patience:
            break
    if best_state is not None:
        network.load_state_dict(best_state)
    network.eval()
    return history, best_epoch, bool(cancel is not None and cancel.is_set())
