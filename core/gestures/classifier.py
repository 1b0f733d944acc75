"""The gesture classifier: a small PyTorch MLP over ``core.gestures.features`` vectors.

A model on disk is a folder with two files, written without pickle:

* ``model.<sha>.safetensors``: the weights (safetensors, plain tensors, no code), named
  after their checksum (older folders hold ``model.safetensors``);
* ``model.json``: everything needed to rebuild and use the network — classes,
  hidden sizes, feature config, threshold, metadata, the weights file's name and its
  SHA-256, so a mixed or half-written pair is refused instead of half-loaded.

``model.json`` is the pointer that makes a save atomic: the new weights go to a new
file beside the old ones, then one ``os.replace`` of ``model.json`` switches to them.
A crash at any point leaves the old or the new complete model, never a mixture.

``load`` trusts nothing in the folder (``core.gestures.model_file`` checks each field and
tensor): any problem raises ``ModelFileError`` naming the file. Training lives in
``core.gestures.training``.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import save as save_safetensors
from torch import nn

from core.gestures.familiarity import Familiarity, FamiliarityError
from core.gestures.features import FeatureConfig, hand_features
from core.gestures.model_file import (
    CONFIG_FILE,
    FORMAT_NAME,
    FORMAT_VERSION,
    WEIGHTS_FILE,
    ModelFileError,
    check_tensors,
    feature_config_from_json,
    named_weights,
    read_description,
    read_weights,
)
from core.io.atomic import write_bytes
from core.io.limits import check_hidden
from core.types import UNKNOWN_LABEL, FloatArray, Keypoints, Prediction, make_prediction

DEFAULT_HIDDEN: tuple[int, ...] = (128, 64)
_REFERENCE, _OWNER = "familiarity.reference", "familiarity.owner"  # the examples' tensors beside the weights
__all__ = ["CONFIG_FILE", "DEFAULT_HIDDEN", "GestureClassifier", "ModelFileError", "build_network"]


def build_network(in_features: int, hidden: Sequence[int], n_classes: int, dropout: float) -> nn.Sequential:
    """Linear → ReLU → Dropout per hidden size, then a Linear to ``n_classes`` logits."""
    layers: list[nn.Module] = []
    width = in_features
    for size in hidden:
        layers += [nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)]
        width = size
    layers.append(nn.Linear(width, n_classes))
    return nn.Sequential(*layers)


class GestureClassifier:
    """MLP from (N, D) features to probabilities over ``classes``.

    Inference (``predict_proba`` and friends) never changes the object, so one
    classifier can serve several threads. ``network`` stays in eval mode except
    while ``core.gestures.training`` fits it.
    """

    def __init__(
        self,
        classes: Sequence[str],
        feature_config: FeatureConfig,
        hidden: Sequence[int] = DEFAULT_HIDDEN,
        dropout: float = 0.1,
        threshold: float = 0.6,
        metadata: Mapping[str, Any] | None = None,
    ) -> None:
        self.classes: list[str] = _check_classes(classes)
        self.feature_config = feature_config
        self.hidden: tuple[int, ...] = tuple(int(h) for h in hidden)
        if not self.hidden or min(self.hidden) < 1:
            raise ValueError(f"hidden sizes must be positive integers, got {tuple(hidden)}")
        check_hidden("hidden layer sizes", self.hidden)  # before build_network allocates them
        if not 0.0 <= dropout < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {dropout}")
        self.dropout = float(dropout)
        self.threshold = _check_threshold(threshold)
        self.metadata: dict[str, Any] = dict(metadata or {})
        self.network = build_network(feature_config.size, self.hidden, len(self.classes), self.dropout).eval()
        # the person's own examples (core.gestures.familiarity): with them "unknown" is "unlike anything taught",
        # without them (the starter, body poses, models saved before) the top probability below ``threshold``
        self.familiarity: Familiarity | None = None
        self.tolerance = 1.0  # how far from the examples still counts as known, in radii (Live's slider)

    @property
    def n_features(self) -> int:
        return self.feature_config.size

    def predict_proba(self, features: FloatArray) -> FloatArray:
        """(N, D) or (D,) float features → (N, C) float32 softmax probabilities, columns in ``classes`` order."""
        x = np.ascontiguousarray(features, dtype=np.float32)
        if x.ndim == 1:
            x = x[None]
        if x.ndim != 2 or x.shape[1] != self.n_features:
            raise ValueError(f"expected features of shape (N, {self.n_features}), got {np.shape(features)}")
        if not np.isfinite(x).all():
            raise ValueError("features contain NaN or infinity")
        # inference_mode skips autograd bookkeeping: most of the cost of a one-row call.
        with torch.inference_mode():
            return torch.softmax(self.network(torch.from_numpy(x)), dim=1).numpy()

    def class_distances(self, features: FloatArray) -> FloatArray | None:
        """(N, 2C + 1) distances of each feature row in radii (``Familiarity.class_distances``'s columns: each
        class's own examples, each class's own or starter examples, hands of no class); None without examples.
        A stream averages these over frames as it averages the probabilities."""
        if self.familiarity is None:
            return None
        x = np.ascontiguousarray(features, dtype=np.float32).reshape(-1, self.n_features)
        return self.familiarity.class_distances(x) / np.float32(self.familiarity.radius * self.tolerance)

    def decide(
        self, probabilities: FloatArray, distances: FloatArray | None, threshold: float | None = None
    ) -> list[Prediction]:
        """The one "unknown" decision (Live, videos, ``infer``, outputs; the ONNX graph computes the same): (N, C)
        probabilities and their (N, 2C + 1) ``class_distances`` (or None) → one ``Prediction`` per row, its
        ``distance`` the top class's own examples' in radii; ``threshold`` (a page's own) in place of the model's."""
        p = np.asarray(probabilities, np.float32).reshape(-1, len(self.classes))
        threshold = self.threshold if threshold is None else threshold
        if self.familiarity is None or distances is None:
            return [make_prediction(row, self.classes, threshold) for row in p]
        index, known = self.familiarity.answer(p, distances, threshold)
        near = distances[np.arange(len(p)), index]  # columns: own (C), own-or-starter (C), no class (1)
        like_untaught = self.familiarity.has_starter[index] & ~self.familiarity.nearer_to_class(distances, index)
        untaught = distances[:, 2 * self.familiarity.n_classes]
        return [make_prediction(row, self.classes, threshold, bool(k), float(d), bool(u), int(i), float(n))
                for row, k, d, u, i, n in zip(p, known, near, like_untaught, index, untaught, strict=True)]  # fmt: skip

    def predict(self, features: FloatArray) -> list[Prediction]:
        """One ``Prediction`` per row of (N, D) features, by ``decide``'s rule."""
        return self.decide(self.predict_proba(features), self.class_distances(features))

    def predict_hand(self, hand: Keypoints) -> Prediction:
        """Prediction for one detected hand (features in the user view, see ``core.gestures.features``)."""
        return self.predict(hand_features(hand, self.feature_config)[None])[0]

    # ---- files -------------------------------------------------------------------------

    def describe(self) -> dict[str, Any]:
        """The JSON-ready description stored in ``model.json`` (without the weights checksum)."""
        return {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "classes": list(self.classes),
            "hidden": list(self.hidden),
            "dropout": self.dropout,
            "n_features": self.n_features,
            "feature_config": asdict(self.feature_config),
            "threshold": self.threshold,
            "metadata": self.metadata,
        } | ({} if self.familiarity is None else {"familiarity": self.familiarity.as_json()})

    def save(self, directory: str | os.PathLike[str]) -> Path:
        """Replace the model in ``directory`` (created if needed) whole or not at all.

        Steps: the weights go to ``model.<sha>.safetensors`` (a new name, so the current
        model is untouched), then ``model.json`` naming them is swapped in with one
        ``os.replace``: the only step that changes which model loads. Weights files no
        longer named are removed last, except the previous one, which a reader that
        has just read the old ``model.json`` may still be opening.
        Raises ``ValueError`` for weights that are not finite (a diverged training).
        """
        folder = Path(directory)
        tensors = {k: v.detach().contiguous().clone() for k, v in self.network.state_dict().items()}
        if self.familiarity is not None:
            tensors[_REFERENCE] = torch.from_numpy(self.familiarity.reference.copy())
            tensors[_OWNER] = torch.from_numpy(self.familiarity.owner.copy())
        bad = [name for name, tensor in tensors.items() if not torch.isfinite(tensor).all()]
        if bad:
            raise ValueError(f"{folder}: refusing to save a model whose weights are not finite ({bad[0]}); "
                             "the training diverged, try a lower learning rate")  # fmt: skip
        # One metadata key: safetensors writes its metadata map in no fixed order, and the file name is the
        # bytes' checksum, so two keys made the same weights a different file on each save.
        weights = save_safetensors(tensors, metadata={"handteach": FORMAT_NAME})
        checksum = hashlib.sha256(weights).hexdigest()
        weights_name = f"model.{checksum[:16]}.safetensors"
        description = self.describe() | {"weights_file": weights_name, "weights_sha256": checksum}
        try:
            text = json.dumps(description, indent=2, ensure_ascii=False, allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"model metadata cannot be written as JSON: {exc}") from exc
        folder.mkdir(parents=True, exist_ok=True)
        previous = named_weights(folder)
        write_bytes(folder / weights_name, weights)
        write_bytes(folder / CONFIG_FILE, text.encode("utf-8"))
        keep = {weights_name, previous}
        for stale in folder.glob("model*.safetensors"):
            if stale.name not in keep:
                stale.unlink(missing_ok=True)
        return folder

    @classmethod
    def load(cls, directory: str | os.PathLike[str]) -> GestureClassifier:
        """Read a folder written by ``save``; raises ``ModelFileError`` naming the bad file.

        Every field and every tensor shape is checked before anything is built, and
        the weights are parsed by safetensors (never unpickled), so a foreign or
        damaged file cannot run code or yield a half-loaded model.
        """
        folder = Path(directory)
        if not folder.is_dir():
            raise ModelFileError(f"{folder}: model folder not found")
        json_path = folder / CONFIG_FILE
        description = read_description(json_path)
        weights_path = folder / description.get("weights_file", WEIGHTS_FILE)
        classifier = _classifier_from_description(cls, description, json_path)
        tensors = read_weights(weights_path, description["weights_sha256"])
        reference, owner = tensors.pop(_REFERENCE, None), tensors.pop(_OWNER, None)
        check_tensors(tensors, classifier.network.state_dict(), weights_path)
        classifier.network.load_state_dict(tensors, strict=True)
        if "familiarity" in description or reference is not None or owner is not None:
            if reference is None or owner is None:
                raise ModelFileError(f"{weights_path}: the examples of 'familiarity' are missing")
            try:
                classifier.familiarity = Familiarity.from_parts(description.get("familiarity"), reference.numpy(),
                                                                owner.numpy(), len(classifier.classes),
                                                                classifier.n_features)  # fmt: skip
            except FamiliarityError as exc:
                raise ModelFileError(f"{json_path}: familiarity: {exc}") from None
        return classifier


def _classifier_from_description(cls: type[GestureClassifier], d: dict[str, Any], path: Path) -> GestureClassifier:
    """An untrained classifier shaped as ``d`` describes; field errors become ``ModelFileError``."""
    config = feature_config_from_json(d.get("feature_config"), path)
    try:
        if d.get("n_features") != config.size:
            raise ValueError(f"'n_features' is {d.get('n_features')!r}, the feature config gives {config.size}")
        hidden, classes, metadata = d.get("hidden"), d.get("classes"), d.get("metadata", {})
        if not isinstance(hidden, list) or not all(type(h) is int for h in hidden):
            raise ValueError(f"'hidden' must be a list of integers, got {hidden!r}")
        if not isinstance(classes, list) or not isinstance(metadata, dict):
            raise ValueError("'classes' must be a list and 'metadata' an object")
        if type(d.get("threshold")) not in (int, float) or type(d.get("dropout")) not in (int, float):
            raise ValueError("'threshold' and 'dropout' must be numbers")
        return cls(classes, config, hidden, d["dropout"], d["threshold"], metadata)
    except ValueError as exc:
        raise ModelFileError(f"{path}: {exc}") from None


def _check_classes(classes: Sequence[str]) -> list[str]:
    names = list(classes)
    if len(names) < 2:
        raise ValueError(f"a classifier needs at least two classes, got {names}")
    if any(not isinstance(n, str) or not n for n in names):
        raise ValueError(f"class names must be non-empty strings, got {names}")
    if len(set(names)) != len(names):
        raise ValueError(f"class names must be unique, got {names}")
    if UNKNOWN_LABEL in names:
        raise ValueError(f"{UNKNOWN_LABEL!r} is reserved and cannot be a class")
    return names


def _check_threshold(threshold: float) -> float:
    value = float(threshold)
    if not (math.isfinite(value) and 0.0 <= value <= 1.0):
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    return value
