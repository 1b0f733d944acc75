"""Which training crop each process draws, in an order a resumed run can replay exactly.

A run stopped mid-epoch (Ctrl-C, ``kill``, a machine taken back) continues from the
checkpoint's position: the draw order of an epoch is a function of (seed, epoch) alone,
so a resumed run skips the crops already trained on and then sees exactly what the
uninterrupted run would have. Each draw also names its place in the epoch, so the
dataset can seed that crop's augmentation from (seed, epoch, place): the same crop gets
the same augmentation whichever process or loader worker renders it.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import numpy.typing as npt
import torch


def draw_key(place: int, index: int, size: int) -> int:
    """One int for the loader: the draw's place in the epoch and the hand it draws (``split_key`` undoes it)."""
    return place * size + index


def split_key(key: int, size: int) -> tuple[int, int]:
    """(place in the epoch, hand index) of a ``draw_key``."""
    return divmod(int(key), size)


class EpochSampler(torch.utils.data.Sampler[int]):
    """Draw keys of one process: every hand once an epoch (shuffled), or ``per_epoch`` weighted draws.

    Processes share one order per epoch and take every ``world``-th draw, so together they
    draw each hand once. ``start_at(k)`` skips this process's first ``k`` draws of the next epoch.
    """

    def __init__(
        self,
        size: int,
        seed: int,
        rank: int = 0,
        world: int = 1,
        weights: npt.NDArray[np.float64] | None = None,
    ) -> None:
        self.size, self.seed, self.rank, self.world, self.weights = size, seed, rank, world, weights
        self.epoch, self.skip = 1, 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def start_at(self, draws: int) -> None:
        self.skip = max(0, draws)

    def order(self) -> npt.NDArray[np.int64]:
        """(draws,) hand indices of this epoch for all processes together, before the split."""
        rng = np.random.default_rng([self.seed, self.epoch])
        if self.weights is None:
            return rng.permutation(self.size)
        return rng.choice(self.size, size=self.size, replace=True, p=self.weights)

    def __len__(self) -> int:
        return self.size // self.world

    def __iter__(self) -> Iterator[int]:
        order = self.order()[: len(self) * self.world]
        mine = np.arange(self.rank, len(order), self.world)
        skip, self.skip = self.skip, 0  # only the first epoch after a resume starts late
        for place in mine[skip:]:
            yield draw_key(int(place), int(order[place]), self.size)
