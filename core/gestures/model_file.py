"""Reading a gesture model's folder, trusting nothing: ``model.json``'s fields and the weights' tensors.

Every problem raises ``ModelFileError`` naming the file; nothing is built or allocated from a
field before it is checked, and the weights are parsed by safetensors (never unpickled).
``core.gestures.classifier`` writes the folder and builds the network from what passes here.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load as load_safetensors

from core.gestures.features import FeatureConfig
from core.io.capped import parse_json, read_capped
from core.io.limits import LIMITS
from core.skeletons import skeleton_named

FORMAT_NAME = "handteach-gesture-mlp"
FORMAT_VERSION = 1
WEIGHTS_FILE = "model.safetensors"
CONFIG_FILE = "model.json"


class ModelFileError(ValueError):
    """A model folder or file that is missing, not ours, or inconsistent."""


def read_json(path: Path, error: type[ValueError]) -> Any:
    """The JSON in ``path``; ``error`` naming the file when it is missing, not a regular file, over the
    size limit for a model description, or not readable JSON (deep nesting and NaN included)."""
    return parse_json(read_capped(path, LIMITS.model_json_bytes, error), path, error)


def named_weights_in(path: Path, default: str) -> str:
    """The weights file the JSON description ``path`` names now (``default`` when it names none; "" when
    there is no such file or it is unreadable)."""
    try:
        name = read_json(path, ValueError).get("weights_file", default)
    except (ValueError, AttributeError):
        return ""
    return name if isinstance(name, str) else ""


def read_description(path: Path) -> dict[str, Any]:
    """Parse ``model.json`` and check that it describes a handteach gesture model we can read."""
    description = read_json(path, ModelFileError)
    if not isinstance(description, dict) or description.get("format") != FORMAT_NAME:
        found = description.get("format") if isinstance(description, dict) else type(description).__name__
        raise ModelFileError(f"{path}: not a handteach gesture model (format {found!r}, expected {FORMAT_NAME!r})")
    version = description.get("format_version")
    if version != FORMAT_VERSION:
        raise ModelFileError(
            f"{path}: format version {version!r} is not supported (this handteach reads {FORMAT_VERSION})"
        )
    classes = description.get("classes")
    if isinstance(classes, list) and len(classes) > LIMITS.classes:  # before any layer or metric is sized by it
        raise ModelFileError(f"{path}: {len(classes):,} classes, over the limit of {LIMITS.classes} a model may have")
    checksum = description.get("weights_sha256")
    if not isinstance(checksum, str) or len(checksum) != 64:
        raise ModelFileError(f"{path}: 'weights_sha256' is missing or malformed")
    name = description.get("weights_file", WEIGHTS_FILE)  # absent in folders saved before versioned names
    if not isinstance(name, str) or not re.fullmatch(r"model(\.[0-9a-f]{16})?\.safetensors", name):
        raise ModelFileError(f"{path}: 'weights_file' must name a model*.safetensors file beside it, got {name!r}")
    return description


def named_weights(folder: Path) -> str:
    """The weights file the current ``model.json`` names ("" when there is none or it is unreadable)."""
    return named_weights_in(folder / CONFIG_FILE, WEIGHTS_FILE)


def feature_config_from_json(feature: object, path: Path) -> FeatureConfig:
    """``feature_config`` of ``model.json``; models saved before skeletons lack their keys and read hands."""
    current = FeatureConfig().version
    if not isinstance(feature, dict) or not isinstance(feature.get("use_depth"), bool):
        raise ModelFileError(f"{path}: 'feature_config' is missing or malformed")
    if feature.get("version") != current:
        raise ModelFileError(
            f"{path}: made for feature version {feature.get('version')!r}, this handteach computes version "
            f"{current}; retrain the model"
        )
    skeleton, visibility = feature.get("skeleton", "hand"), feature.get("use_visibility", False)
    threshold = feature.get("min_visibility", FeatureConfig.min_visibility)
    try:
        skeleton_named(skeleton)
    except (ValueError, TypeError):
        raise ModelFileError(
            f"{path}: made for keypoints of skeleton {skeleton!r}, which this handteach does not know"
        ) from None
    if not isinstance(visibility, bool) or type(threshold) not in (int, float) or not 0 <= threshold <= 1:
        raise ModelFileError(f"{path}: 'use_visibility' must be true or false and 'min_visibility' a number in [0, 1]")
    return FeatureConfig(feature["use_depth"], current, skeleton, visibility, float(threshold))


def read_weights(path: Path, expected_sha256: str) -> dict[str, torch.Tensor]:
    """Tensors of ``model.safetensors``, read once, checked against the checksum in ``model.json``."""
    data = read_capped(path, LIMITS.model_weights_bytes, ModelFileError)
    if hashlib.sha256(data).hexdigest() != expected_sha256:
        raise ModelFileError(
            f"{path}: checksum differs from the one in {CONFIG_FILE} (damaged, replaced, or saved by another training)"
        )
    try:
        return load_safetensors(data)
    except Exception as exc:  # safetensors raises its own error types for every kind of bad header
        raise ModelFileError(f"{path}: not a safetensors file ({type(exc).__name__}: {exc})") from None


def check_tensors(tensors: Mapping[str, torch.Tensor], expected: Mapping[str, torch.Tensor], path: Path) -> None:
    """Same names, shapes and dtype as the network ``model.json`` describes, and finite values."""
    missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or extra:
        raise ModelFileError(f"{path}: tensors do not match {CONFIG_FILE} (missing {missing}, unexpected {extra})")
    for name, reference in expected.items():
        tensor = tensors[name]
        if tuple(tensor.shape) != tuple(reference.shape) or tensor.dtype != reference.dtype:
            raise ModelFileError(
                f"{path}: tensor {name!r} is {tuple(tensor.shape)} {tensor.dtype}, "
                f"{CONFIG_FILE} implies {tuple(reference.shape)} {reference.dtype}"
            )
        if not torch.isfinite(tensor).all():
            raise ModelFileError(f"{path}: tensor {name!r} contains NaN or infinity")
