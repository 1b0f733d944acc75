"""core.gestures.early_stop: when the shared epoch loop stops, which weights it keeps, cancelling."""

from __future__ import annotations

import threading

import torch
from torch import nn

from core.gestures.early_stop import EpochStats, fit_with_early_stopping


def _scripted(network: nn.Linear, val_losses: list[float], cancel_at: int | None = None, cancel=None):
    """An epoch that sets the weight to the epoch number and reports the scripted validation loss."""

    def run_epoch(epoch: int) -> EpochStats:
        with torch.no_grad():
            network.weight.fill_(float(epoch))
        if cancel is not None and epoch == cancel_at:
            cancel.set()
        return EpochStats(epoch, len(val_losses), 1.0, val_losses[epoch - 1], 0.5, 0.5)

    return run_epoch


def test_stops_after_patience_and_restores_the_best_weights() -> None:
    network = nn.Linear(1, 1)
    losses = [1.0, 0.5, 0.4995, 0.6, 0.7, 0.8, 0.9]  # epoch 3 gains less than MIN_GAIN: not better
    seen: list[int] = []
    network.train()
    history, best, cancelled = fit_with_early_stopping(
        network, _scripted(network, losses), len(losses), 3, lambda s: seen.append(s.epoch), None
    )
    assert [s.epoch for s in history] == seen == [1, 2, 3, 4, 5]
    assert best == 2 and not cancelled
    assert network.weight.item() == 2.0 and not network.training


def test_cancel_stops_after_the_epoch_and_keeps_the_best_so_far() -> None:
    network, cancel = nn.Linear(1, 1), threading.Event()
    losses = [1.0, 0.9, 0.95, 0.5, 0.4]
    history, best, cancelled = fit_with_early_stopping(
        network, _scripted(network, losses, cancel_at=3, cancel=cancel), len(losses), 10, None, cancel
    )
    assert len(history) == 3 and best == 2 and cancelled
    assert network.weight.item() == 2.0


def test_runs_every_epoch_while_the_loss_keeps_falling() -> None:
    network = nn.Linear(1, 1)
    losses = [1.0, 0.8, 0.6, 0.4]
    history, best, _ = fit_with_early_stopping(network, _scripted(network, losses), len(losses), 1, None, None)
    assert len(history) == 4 and best == 4 and network.weight.item() == 4.0


def test_average_keeps_the_mean_of_the_epochs_around_the_best() -> None:
    network = nn.Linear(1, 1)
    losses = [1.0, 0.5, 0.6, 0.7, 0.8, 0.9]  # best at 2; epoch 1 before it, 3 and 4 within 2 after it
    history, best, _ = fit_with_early_stopping(
        network, _scripted(network, losses), len(losses), 3, None, None, average=2
    )
    assert len(history) == 5 and best == 2
    assert network.weight.item() == (1.0 + 2.0 + 3.0 + 4.0) / 4 and not network.training


def test_average_takes_only_the_epochs_that_ran_after_the_best() -> None:
    network = nn.Linear(1, 1)
    losses = [1.0, 0.9, 0.8, 0.7]  # still falling at the last epoch: nothing after it to average
    _, best, _ = fit_with_early_stopping(network, _scripted(network, losses), len(losses), 5, None, None, average=1)
    assert best == 4 and network.weight.item() == (3.0 + 4.0) / 2
