"""The starter feature set: what the starter model learnt from, shipped beside it.

Rows are **user-view features with depth** (``FeatureConfig(use_depth=True)``:
(N, 60) float, 20 joints × (x, y, z) relative to the wrist and divided by the
largest wrist-to-joint distance in the image plane). A project without depth uses
the first two of each joint's three values: the same numbers ``core.gestures.features``
computes from 2D keypoints, since the scale never depended on z.

Stored as ``.npz`` (``allow_pickle=False``): features as float16 (their values lie
in [-1.5, 1.5]; 1e-3 precision is far below MediaPipe's noise), labels and sources
as small vocabularies with one index per row.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.gestures.features import FeatureConfig
from core.io.atomic import atomic_path
from core.skeletons import HAND_21
from core.types import FloatArray

DEPTH_CONFIG = FeatureConfig(use_depth=True)
SET_FORMAT = "handteach-starter-set"
SET_VERSION = 1
OTHER = "other"  # the rejection label: hands making none of the starter gestures (one definition)


class StarterFileError(ValueError):
    """A starter set file that is missing, not ours, or inconsistent."""


@dataclass(frozen=True)
class StarterSet:
    """Labelled features for the starter classes and for the rejection set.

    Attributes:
        features: (N, 60) float32 user-view features with depth (see the module docstring).
        labels: N names: a starter class or ``OTHER``.
        sources: N short names of where each row came from ("rps/rock", "procedural", ...).
    """

    features: FloatArray
    labels: list[str]
    sources: list[str]

    def __post_init__(self) -> None:
        if self.features.ndim != 2 or self.features.shape[1] != DEPTH_CONFIG.size:
            raise ValueError(f"starter features must be (N, {DEPTH_CONFIG.size}), got {self.features.shape}")
        if not len(self.features) == len(self.labels) == len(self.sources):
            raise ValueError("starter features, labels and sources differ in length")

    def __len__(self) -> int:
        return len(self.labels)

    def features_for(self, config: FeatureConfig) -> FloatArray:
        """(N, config.size) features: all three coordinates with depth, else x and y of each joint."""
        if config.use_depth:
            return self.features
        joints = self.features.reshape(len(self), HAND_21.num_joints - 1, 3)
        return np.ascontiguousarray(joints[:, :, :2].reshape(len(self), config.size))

    def subset(self, keep: npt.NDArray[np.bool_]) -> StarterSet:
        """The rows where ``keep`` (N,) is True."""
        idx = np.flatnonzero(keep)
        return StarterSet(self.features[idx], [self.labels[i] for i in idx], [self.sources[i] for i in idx])

    def counts(self) -> dict[str, int]:
        return dict(sorted(Counter(self.labels).items()))

    def source_counts(self) -> dict[str, dict[str, int]]:
        """source → label → rows."""
        table: dict[str, Counter[str]] = {}
        for source, label in zip(self.sources, self.labels, strict=True):
            table.setdefault(source, Counter())[label] += 1
        return {s: dict(sorted(c.items())) for s, c in sorted(table.items())}

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the set as a compressed ``.npz`` (no pickled objects), atomically."""
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        label_names, label_idx = np.unique(np.array(self.labels, dtype=str), return_inverse=True)
        source_names, source_idx = np.unique(np.array(self.sources, dtype=str), return_inverse=True)
        with atomic_path(target) as tmp, tmp.open("wb") as handle:  # a handle: numpy adds no ".npz" to it
            np.savez_compressed(
                handle,
                format=np.array([SET_FORMAT]),
                version=np.array([SET_VERSION]),
                features=self.features.astype(np.float16),
                label_names=label_names,
                label_index=label_idx.astype(np.uint8),
                source_names=source_names,
                source_index=source_idx.astype(np.uint8),
            )
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> StarterSet:
        """Read a set written by ``save``; raises ``StarterFileError`` naming the file."""
        source = Path(path)
        try:
            with np.load(source, allow_pickle=False) as npz:
                data = {name: npz[name] for name in npz.files}
        except FileNotFoundError:
            raise StarterFileError(f"{source}: starter set not found") from None
        except (OSError, ValueError) as exc:
            raise StarterFileError(f"{source}: not a readable .npz file ({exc})") from None
        if str(data.get("format", [""])[0]) != SET_FORMAT or int(data.get("version", [0])[0]) != SET_VERSION:
            raise StarterFileError(f"{source}: not a handteach starter set (version {SET_VERSION})")
        try:
            labels = data["label_names"][data["label_index"]].tolist()
            sources = data["source_names"][data["source_index"]].tolist()
            return cls(data["features"].astype(np.float32), labels, sources)
        except (KeyError, IndexError, ValueError) as exc:
            raise StarterFileError(f"{source}: inconsistent starter set ({exc})") from None
