"""The motion classifier: a small 1D-CNN over ``core.motion.features`` sequences, and its files.

A model may hold several such networks (``members``) whose probabilities are averaged: models
trained on other splits disagree on the borderline rows, and their average is steadier than any
one of them (fingertip paths: ``core.motion.train``).

A model on disk is a folder, written without pickle, replaced whole or not at all (as
``core.gestures.classifier``): ``motion.<sha16>.safetensors`` (weights, plus the feature
standardisation as plain tensors) and ``motion.json`` (classes, skeleton, feature config,
threshold, layer sizes, members, metadata, the weights' file name and SHA-256), swapped in by one
``os.replace``. Training lives in ``core.motion.train``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_safetensors
from safetensors.torch import save as save_safetensors
from torch import nn

from core.gestures.model_file import named_weights_in, read_json
from core.io.atomic import write_bytes
from core.io.capped import read_capped
from core.io.limits import LIMITS
from core.motion.clip import Clip
from core.motion.features import MotionFeatureConfig, clip_features
from core.skeletons import Skeleton, skeleton_named
from core.types import UNKNOWN_LABEL, FloatArray, Prediction, make_prediction

FORMAT_NAME = "handteach-motion-cnn"
FORMAT_VERSION = 1
CONFIG_FILE = "motion.json"
WIDTH = 64  # filters per convolution: 30 k weights for a hand, trains in seconds on two cores
MAX_WIDTH = 512  # a motion.json asking for more is not ours (checked before anything is built)
MAX_MEMBERS = 8  # networks averaged in one model (the same check)


class MotionModelError(ValueError):
    """A motion model folder or file that is missing, not ours, or inconsistent; names the file."""


class MotionNet(nn.Module):
    """(N, C, L) standardised sequences → (N, classes) logits.

    Three convolutions see about a quarter of the clip each; average and max pooling over time
    then make the answer independent of where in the window the motion sits.
    """

    def __init__(self, channels: int, n_classes: int, width: int = WIDTH, dropout: float = 0.2) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv1d(channels, width, 5, padding=2), nn.ReLU(),
            nn.Conv1d(width, width, 5, padding=2), nn.ReLU(), nn.MaxPool1d(2),
            nn.Conv1d(width, width, 3, padding=1), nn.ReLU(),
        )  # fmt: skip
        self.head = nn.Sequential(nn.Dropout(dropout), nn.Linear(2 * width, n_classes))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)  # (N, width, L/2)
        return self.head(torch.cat([h.mean(dim=2), h.amax(dim=2)], dim=1))


class MotionEnsemble(nn.Module):
    """Several ``MotionNet`` whose probabilities are averaged; (N, C, L) → (N, classes) log-probabilities,
    so that a softmax of the output is the mean of the members' softmaxes."""

    def __init__(self, channels: int, n_classes: int, width: int, members: int) -> None:
        super().__init__()
        self.members = nn.ModuleList(MotionNet(channels, n_classes, width) for _ in range(members))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        logs = torch.stack([torch.log_softmax(member(x), dim=1) for member in self.members])
        return torch.logsumexp(logs, dim=0) - math.log(len(self.members))


class MotionModel:
    """A trained (or untrained) motion classifier; inference never changes it (thread-safe)."""

    def __init__(self, classes: Sequence[str], skeleton: Skeleton, feature_config: MotionFeatureConfig,
                 threshold: float = 0.5, width: int = WIDTH, metadata: Mapping[str, Any] | None = None,
                 members: int = 1) -> None:  # fmt: skip
        self.classes = list(classes)
        if len(self.classes) < 2 or len(set(self.classes)) != len(self.classes) or UNKNOWN_LABEL in self.classes:
            raise ValueError(f"a motion model needs two or more distinct classes other than "
                             f"{UNKNOWN_LABEL!r}, got {self.classes}")  # fmt: skip
        if not (math.isfinite(threshold) and 0.0 <= threshold <= 1.0):
            raise ValueError(f"threshold must be in [0, 1], got {threshold}")
        if not 1 <= width <= MAX_WIDTH:
            raise ValueError(f"width must be 1..{MAX_WIDTH}, got {width}")
        if not 1 <= members <= MAX_MEMBERS:
            raise ValueError(f"members must be 1..{MAX_MEMBERS}, got {members}")
        self.skeleton, self.feature_config = skeleton, feature_config
        self.threshold, self.width = float(threshold), int(width)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.channels = feature_config.channels(skeleton)
        # One member is a plain MotionNet, so its weights keep the names of models saved before ensembles.
        self.network: nn.Module = (
            MotionNet(self.channels, len(self.classes), self.width)
            if members == 1
            else MotionEnsemble(self.channels, len(self.classes), self.width, members)
        ).eval()
        self.mean = np.zeros(self.channels, dtype=np.float32)  # per-channel standardisation of the features
        self.std = np.ones(self.channels, dtype=np.float32)

    @property
    def members(self) -> int:
        """Networks averaged (1: a single network)."""
        return len(self.network.members) if isinstance(self.network, MotionEnsemble) else 1

    def member(self, index: int) -> MotionNet:
        """The ``index``-th network, to train it (a single network is member 0)."""
        if isinstance(self.network, MotionEnsemble):
            return self.network.members[index]  # type: ignore[return-value]
        if index != 0:
            raise IndexError(f"a single-network model has no member {index}")
        return self.network  # type: ignore[return-value]

    def keep_members(self, count: int) -> None:
        """Drop all members after the first ``count`` (a training cancelled before the others were trained)."""
        if not 1 <= count <= self.members:
            raise ValueError(f"keep 1..{self.members} members, got {count}")
        if count == self.members:
            return
        kept = [self.member(i) for i in range(count)]
        if count == 1:
            self.network = kept[0].eval()
        else:
            self.network.members = nn.ModuleList(kept)  # type: ignore[union-attr]

    def predict_proba(self, features: FloatArray, member: int | None = None) -> FloatArray:
        """(N, L, C) or (L, C) features → (N, classes) float32 probabilities (of one ``member`` network alone
        when given: its held-out rows during training)."""
        x = np.asarray(features, dtype=np.float32)
        x = x[None] if x.ndim == 2 else x
        expected = (self.feature_config.length, self.channels)
        if x.ndim != 3 or x.shape[1:] != expected:
            raise ValueError(f"expected features of shape (N, {expected[0]}, {expected[1]}), got {np.shape(features)}")
        if not np.isfinite(x).all():
            raise ValueError("features contain NaN or infinity")
        x = ((x - self.mean) / self.std).transpose(0, 2, 1)
        network = self.network if member is None else self.member(member)
        with torch.inference_mode():
            return torch.softmax(network(torch.from_numpy(np.ascontiguousarray(x))), dim=1).numpy()

    def predict(self, features: FloatArray) -> list[Prediction]:
        return [make_prediction(row, self.classes, self.threshold) for row in self.predict_proba(features)]

    def predict_clip(self, clip: Clip) -> Prediction:
        """The class of one clip (``UNKNOWN_LABEL`` below ``threshold``)."""
        return self.predict_clips([clip])[0]

    def predict_clips(self, clips: Sequence[Clip]) -> list[Prediction]:
        """The class of each clip, in one batch: a single clip's forward pass costs about as much as a
        thousand batched ones (and 20 ms, not 0.7, with two torch threads on two busy cores)."""
        for clip in clips:
            if clip.skeleton != self.skeleton:
                raise ValueError(f"{clip.source}: a {clip.skeleton.name} clip, the model is for {self.skeleton.name}")
        if not clips:
            return []
        return self.predict(np.stack([clip_features(c, self.feature_config) for c in clips]))

    def describe(self) -> dict[str, Any]:
        fc = self.feature_config
        return {
            "format": FORMAT_NAME, "format_version": FORMAT_VERSION, "classes": self.classes,
            "skeleton": self.skeleton.name, "width": self.width, "members": self.members, "threshold": self.threshold,
            "feature_config": {"length": fc.length, "use_shape": fc.use_shape, "use_depth": fc.use_depth,
                               "trim": fc.trim, "version": fc.version},
            "metadata": self.metadata,
        }  # fmt: skip

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Replace the model in ``directory`` whole or not at all (new weights file, then one rename of the JSON)."""
        folder = Path(directory)
        tensors = {f"net.{k}": v.detach().contiguous().clone() for k, v in self.network.state_dict().items()}
        tensors |= {"mean": torch.from_numpy(self.mean.copy()), "std": torch.from_numpy(self.std.copy())}
        if not all(torch.isfinite(t).all() for t in tensors.values()):
            raise ValueError(f"{folder}: refusing to save a motion model whose weights are not finite")
        weights = save_safetensors(tensors, metadata={"handteach": FORMAT_NAME})
        checksum = hashlib.sha256(weights).hexdigest()
        name = f"motion.{checksum[:16]}.safetensors"
        text = json.dumps(self.describe() | {"weights_file": name, "weights_sha256": checksum},
                          indent=2, ensure_ascii=False, allow_nan=False)  # fmt: skip
        folder.mkdir(parents=True, exist_ok=True)
        previous = _named_weights(folder / CONFIG_FILE)
        write_bytes(folder / name, weights)
        write_bytes(folder / CONFIG_FILE, text.encode("utf-8"))
        # The previous weights stay until the next save: a reader that has just read the old JSON (Live,
        # while Train saves) may still be opening them.
        for stale in folder.glob("motion.*.safetensors"):
            if stale.name not in (name, previous):
                stale.unlink(missing_ok=True)
        return folder

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> MotionModel:
        """Read a folder written by ``save``; any problem raises ``MotionModelError`` naming the file."""
        path = Path(directory) / CONFIG_FILE
        d = _read_json(path)
        try:
            fc = d["feature_config"]
            if fc.get("version") != MotionFeatureConfig().version:
                raise ValueError(f"made for motion features version {fc.get('version')!r}; retrain the model")
            config = MotionFeatureConfig(length=_int(fc["length"], 4, 256), use_shape=bool(fc["use_shape"]),
                                         use_depth=bool(fc["use_depth"]), trim=bool(fc["trim"]))  # fmt: skip
            model = cls(d["classes"], skeleton_named(d["skeleton"]), config, float(d["threshold"]),
                        _int(d["width"], 1, MAX_WIDTH), d.get("metadata", {}),
                        _int(d.get("members", 1), 1, MAX_MEMBERS))  # fmt: skip
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise MotionModelError(f"{path}: malformed ({type(exc).__name__}: {exc})") from None
        weights_path = path.parent / d["weights_file"]
        tensors = _read_weights(weights_path, d["weights_sha256"])
        expected = {f"net.{k}": v for k, v in model.network.state_dict().items()}
        expected |= {"mean": torch.zeros(model.channels), "std": torch.zeros(model.channels)}
        for key, ref in expected.items():
            got = tensors.get(key)
            if got is None or tuple(got.shape) != tuple(ref.shape) or not torch.isfinite(got).all():
                raise MotionModelError(f"{weights_path}: tensor {key!r} is missing, misshapen or not finite")
        if set(tensors) != set(expected):
            raise MotionModelError(f"{weights_path}: unexpected tensors {sorted(set(tensors) - set(expected))}")
        model.network.load_state_dict({k[4:]: v for k, v in tensors.items() if k.startswith("net.")})
        model.mean, model.std = tensors["mean"].numpy().copy(), tensors["std"].numpy().copy()
        if np.any(model.std <= 0):
            raise MotionModelError(f"{weights_path}: feature standard deviations must be positive")
        return model


def _int(value: object, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise ValueError(f"expected a whole number in {low}..{high}, got {value!r}")
    return value


def _named_weights(path: Path) -> str:
    """The weights file ``motion.json`` names now ("" when there is none or it is unreadable)."""
    return named_weights_in(path, "")


def _read_json(path: Path) -> dict[str, Any]:
    d = read_json(path, MotionModelError)
    if not isinstance(d, dict) or d.get("format") != FORMAT_NAME:
        raise MotionModelError(f"{path}: not a handteach motion model (expected format {FORMAT_NAME!r})")
    if d.get("format_version") != FORMAT_VERSION:
        raise MotionModelError(f"{path}: format version {d.get('format_version')!r} is not supported")
    name, checksum = d.get("weights_file"), d.get("weights_sha256")
    if not isinstance(name, str) or not re.fullmatch(r"motion\.[0-9a-f]{16}\.safetensors", name):
        raise MotionModelError(f"{path}: 'weights_file' must name a motion.*.safetensors file beside it")
    if not isinstance(checksum, str) or len(checksum) != 64:
        raise MotionModelError(f"{path}: 'weights_sha256' is missing or malformed")
    return d


def _read_weights(path: Path, sha256: str) -> dict[str, torch.Tensor]:
    data = read_capped(path, LIMITS.model_weights_bytes, MotionModelError)
    if hashlib.sha256(data).hexdigest() != sha256:
        raise MotionModelError(f"{path}: checksum differs from the one in {CONFIG_FILE} (damaged or replaced)")
    try:
        return load_safetensors(data)
    except Exception as exc:  # safetensors has its own error types for every kind of bad header
        raise MotionModelError(f"{path}: not a safetensors file ({type(exc).__name__})") from None
