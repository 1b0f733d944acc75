"""How often each training input is drawn: a small folder of hard photos should not drown among large easy ones.

Every ``-i`` input (a folder or a file) is one group. With ``balance`` b, group g of
n_g hands gets a share of the draws ∝ n_g^(1−b): b = 0 draws every hand equally often
(shares follow the sizes), b = 1 gives every input the same share.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class InputBalance:
    """Per-hand sampling weights and what they mean per input."""

    weights: npt.NDArray[np.float64]  # (N,) one per training hand, summing to 1
    shares: dict[str, float]  # input → share of the draws
    sizes: dict[str, int]  # input → training hands


def _group_of(source: str, roots: list[Path]) -> int:
    path = Path(source.split("#", 1)[0]).resolve()  # "path#frame" for video frames
    for index, root in enumerate(roots):
        if path == root or path.is_relative_to(root):
            return index
    return len(roots)  # not under any input (should not happen): a group of its own


def input_balance(sources: Sequence[str], inputs: Sequence[str | Path], balance: float) -> InputBalance:
    """Sampling weights for hands cut from ``sources`` (their ``BaseCrop.source``), grouped by ``inputs``."""
    if not 0.0 <= balance <= 1.0:
        raise ValueError(f"balance must be between 0 (by size) and 1 (equal shares), got {balance}")
    if not sources:
        raise ValueError("no training hands to draw from")
    roots = [Path(p).resolve() for p in inputs]
    groups = np.array([_group_of(s, roots) for s in sources])
    names = [str(p) for p in inputs] + ["(other)"]
    counts = np.bincount(groups, minlength=len(names)).astype(np.float64)
    present = counts > 0
    shares = np.zeros_like(counts)
    shares[present] = counts[present] ** (1.0 - balance)
    shares /= shares.sum()
    weights = shares[groups] / counts[groups]
    return InputBalance(
        weights / weights.sum(),
        {names[g]: float(shares[g]) for g in np.flatnonzero(present)},
        {names[g]: int(counts[g]) for g in np.flatnonzero(present)},
    )
