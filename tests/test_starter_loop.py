"""core.starter.loop: what one epoch draws, and a short fit on real-sized rows."""

from __future__ import annotations

import numpy as np
import torch

from core.gestures.classifier import build_network
from core.gestures.early_stop import MIN_GAIN
from core.gestures.features import AugmentConfig, FeatureConfig, mirror_features
from core.gestures.training import TrainConfig
from core.starter.loop import Draw, Pools, epoch_rows, fit_network

CFG = FeatureConfig()


def _pools(rng: np.random.Generator) -> Pools:
    """Two classes that are each other's mirror image (👉 👈), 6 user rows of each, 50 starter rows of each and 40
    rows of no class; validation rows of both and of no class."""
    features = lambda n: rng.normal(0, 0.3, (n, CFG.size)).astype(np.float32)  # noqa: E731
    return Pools(user_x=features(12), user_y=np.repeat([0, 1], 6), starter_x=features(140),
                 starter_by_class=[np.arange(0, 50), np.arange(50, 100)], reject_rows=np.arange(100, 140),
                 mirror_index=np.array([1, 0]), val_x=features(30), val_y=np.repeat([0, 1, -1], 10),
                 val_w=np.ones(30, np.float32))  # fmt: skip


def _draw(mirror: bool = True) -> Draw:
    return Draw(per_class=20, rejection=16, user_weight=4.0, rejection_weight=0.2, mirror=mirror, augment=False,
                aug=AugmentConfig(), mirror_weight=0.3)  # fmt: skip


def test_an_epoch_mirrors_the_rows_of_a_class_and_not_the_rows_of_none() -> None:
    pools = _pools(np.random.default_rng(0))
    x, y, w = epoch_rows(pools, _draw(), CFG, np.random.default_rng(1))
    drawn = 12 + 2 * 20 + 16
    labelled = 12 + 2 * 20
    assert len(x) == len(y) == len(w) == drawn + labelled  # a mirrored copy of each labelled row only
    assert (y[:drawn] == -1).sum() == 16 and (y[drawn:] >= 0).all()
    own = y[:drawn] >= 0
    np.testing.assert_array_equal(y[drawn:], pools.mirror_index[y[:drawn][own]])  # 👉's copy is a 👈
    np.testing.assert_allclose(x[drawn:], mirror_features(x[:drawn][own], CFG))
    assert (w[y < 0] == 0).all() and np.isclose(w[y >= 0].mean(), 1.0)  # no-class rows weigh by the rejection loss
    per_class = [w[y == c].sum() for c in (0, 1)]
    assert np.isclose(per_class[0], per_class[1])  # every class the same total weight
    user, copy = w[0], w[drawn]  # a user row of 👉 and the first copy (of a 👉 user row: now a 👈)
    assert user > w[12] and np.isclose(copy / w[0], 0.3)  # user rows weigh more; their copies 0.3 of them


def test_without_mirroring_an_epoch_is_the_drawn_rows() -> None:
    x, y, _ = epoch_rows(_pools(np.random.default_rng(0)), _draw(mirror=False), CFG, np.random.default_rng(1))
    assert len(x) == len(y) == 12 + 2 * 20 + 16


def test_a_short_fit_learns_and_keeps_its_best_epoch() -> None:
    rng = np.random.default_rng(2)
    pools = _pools(rng)
    pools.mirror_index = np.array([0, 1])  # two gestures that are their own mirror images (✋, 👊)
    pools.user_x[:6] += 1.0  # the two classes apart
    pools.starter_x[:50] += 1.0
    pools.val_x[:10] += 1.0
    torch.manual_seed(0)  # 40 epochs were too few for 2 of 40 starts; 100 learned from 60 of 60
    network = build_network(CFG.size, (16,), 2, 0.1)
    history, best, cancelled = fit_network(network, pools, _draw(), CFG, TrainConfig(epochs=100, patience=10), rng,
                                           None, None)  # fmt: skip
    assert not cancelled and 1 <= best <= len(history) <= 100
    assert history[best - 1].val_loss <= min(h.val_loss for h in history) + MIN_GAIN  # smaller gains are noise
    assert history[best - 1].val_accuracy >= 0.95 and not network.training
