"""core.gestures.fast_mlp: the numpy training step gives torch's numbers (autograd and torch.optim.AdamW), on the
network's own weights, with the losses both trainers use."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch
from torch import nn

from core.gestures.classifier import build_network
from core.gestures.fast_mlp import Ahead, MLPTrainer, class_targets, cross_entropy, dropout_masks, training_threads
from core.starter.loop import row_targets


def _batch(seed: int, n: int = 96, features: int = 12, classes: int = 5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, features)).astype(np.float32)
    y = rng.integers(-1, classes, n)  # −1: a rejection row
    w = rng.uniform(0.2, 2.0, n).astype(np.float32)
    return x, y, w


def _torch_rows_loss(logits: torch.Tensor, y: np.ndarray, w: np.ndarray, rejection: float) -> torch.Tensor:
    """The starter loop's loss written with torch's own functions: the reference."""
    log_p = torch.log_softmax(logits, dim=1)
    yt, wt = torch.from_numpy(y), torch.from_numpy(w)
    picked = log_p.gather(1, yt.clamp(min=0)[:, None])[:, 0]
    return torch.where(yt >= 0, -wt * picked, -rejection * log_p.mean(dim=1)).mean()


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_three_steps_give_autograd_and_adamw_s_weights(seed: int) -> None:
    x, y, w = _batch(seed)
    torch.manual_seed(seed)
    ours = build_network(12, (16, 8), 5, 0.25)
    reference = build_network(12, (16, 8), 5, 0.25)
    reference.load_state_dict(ours.state_dict())
    trainer = MLPTrainer(ours, lr=0.01, weight_decay=0.01)
    optimiser = torch.optim.AdamW(reference.parameters(), lr=0.01, weight_decay=0.01)
    masks = dropout_masks(ours, len(x), 0.25, np.random.default_rng(seed))
    assert len(masks) == 2 and {float(v) for v in np.unique(masks[0])} == {0.0, np.float32(256 / 192)}
    for _ in range(3):
        loss, logits = trainer.step(x, masks, row_targets(y, w, 0.2, 5) / np.float32(len(y)))
        h = torch.from_numpy(x)
        for layer, mask in zip((reference[0], reference[3]), masks, strict=True):
            h = torch.relu(layer(h)) * torch.from_numpy(mask)
        expected_logits = reference[6](h)
        expected = _torch_rows_loss(expected_logits, y, w, 0.2)
        expected_value = float(expected.detach())
        optimiser.zero_grad()
        expected.backward()
        optimiser.step()
        assert loss == pytest.approx(expected_value, rel=1e-5)
        np.testing.assert_allclose(logits, expected_logits.detach().numpy(), atol=1e-5)
    for mine, theirs in zip(ours.parameters(), reference.parameters(), strict=True):
        np.testing.assert_allclose(mine.detach().numpy(), theirs.detach().numpy(), atol=1e-6)
    # the module reads the weights trained: inference in torch gives the trainer's eval logits
    with torch.inference_mode():
        np.testing.assert_allclose(ours.eval()(torch.from_numpy(x)).numpy(), trainer.logits(x), atol=1e-5)


def test_class_targets_give_torch_s_weighted_cross_entropy_and_its_gradient() -> None:
    x, y, w = _batch(3)
    y = np.abs(y)  # every row of a class
    logits = torch.from_numpy(x[:, :5]).requires_grad_(True)
    class_weights = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.7])
    expected = nn.functional.cross_entropy(logits, torch.from_numpy(y), weight=class_weights)
    expected.backward()
    weights = class_weights.numpy()[y]
    loss, grad = cross_entropy(x[:, :5], class_targets(y, weights / weights.sum(), 5))
    assert loss == pytest.approx(float(expected.detach()), rel=1e-5)
    np.testing.assert_allclose(grad, logits.grad.numpy(), atol=1e-6)


def test_a_rejection_row_is_pulled_to_equal_probabilities() -> None:
    _, grad = cross_entropy(np.zeros((1, 4), np.float32), row_targets(np.array([-1]), np.ones(1, np.float32), 0.2, 4))
    np.testing.assert_allclose(grad, 0.0, atol=1e-7)  # already equal: nothing to move
    loss, grad = cross_entropy(np.array([[2.0, 0, 0, 0]], np.float32), row_targets(np.array([-1]), np.ones(1), 0.2, 4))
    assert loss > 0 and grad[0, 0] > 0 > grad[0, 1]  # the favoured class is pushed down, the others up


def test_only_linear_relu_and_dropout_are_trained() -> None:
    with pytest.raises(TypeError, match="not BatchNorm1d"):
        MLPTrainer(nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4)), lr=0.01, weight_decay=0.0)


def test_training_threads_are_restored() -> None:
    from threadpoolctl import threadpool_info

    before = torch.get_num_threads()
    blas = [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"]
    assert blas  # numpy's OpenBLAS is loaded
    with training_threads(1):
        assert torch.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info() if pool["user_api"] == "blas")
    assert torch.get_num_threads() == before
    assert [pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"] == blas


def test_ahead_makes_the_next_value_on_its_own_thread_and_says_a_failure_where_it_is_taken() -> None:
    made: list[str] = []

    def make() -> int:
        made.append(threading.current_thread().name)
        if len(made) == 3:
            raise ValueError("the third epoch's rows")
        return len(made)

    with Ahead(make) as upcoming:
        assert [upcoming.take(), upcoming.take()] == [1, 2]
        with pytest.raises(ValueError, match="the third epoch's rows"):
            upcoming.take()
    assert all(name.startswith("handteach-epoch-rows") for name in made)
    assert not any(t.name.startswith("handteach-epoch-rows") for t in threading.enumerate())  # the thread ended
