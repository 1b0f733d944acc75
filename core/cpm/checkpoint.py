"""Heatmap-network checkpoints (the CPM's and the ResNet-deconv's): ``model.safetensors`` + ``config.json``
(+ optional training state), no pickle. ``config.json``'s format tag picks the architecture
(``core.cpm.architectures``); the weights carry the same tag.

``load`` checks everything before touching the model: the config is ours and of a
known version, the weights file carries our format tag, and its tensors match the
model the config builds exactly (names and shapes). Any mismatch raises
``CheckpointError`` naming the file and the problem; nothing is loaded half-way.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_safetensors
from safetensors.torch import load_file, save_file

from core.cpm.architectures import (
    CONFIG_FILE,
    CPM_FORMAT,
    DEFAULT_DIRS,
    WEIGHTS_FILE,
    HeatmapConfig,
    HeatmapNetwork,
    build,
    format_of,
    parse_config,
    title_of_format,
)
from core.io.atomic import atomic_path, write_text
from core.io.capped import checked_size, parse_json, read_capped
from core.io.limits import LIMITS, LimitError, check_cpm_weights

OPTIMIZER_FILE = "optimizer.safetensors"
TRAIN_STATE_FILE = "train_state.json"
TRAINED_WEIGHTS_FILE = "trained.safetensors"  # the optimizer's weights, when model.safetensors holds their average
DEFAULT_DIR = DEFAULT_DIRS["cpm"]
# a safetensors header names, shapes and places each tensor: tens of kB for the networks here
WEIGHTS_HEADER_ALLOWANCE = 1024 * 1024


class CheckpointError(ValueError):
    """A checkpoint directory that cannot be loaded as a handteach CPM."""


def _atomic_save_tensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str]) -> None:
    with atomic_path(path) as tmp:  # a crash mid-write leaves the previous file intact
        save_file({k: v.detach().cpu().contiguous() for k, v in tensors.items()}, str(tmp), metadata=metadata)


def save(model: HeatmapNetwork, out_dir: str | Path) -> Path:
    """Write ``config.json`` and ``model.safetensors`` of ``model`` into ``out_dir``; returns the folder."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # One metadata key: the library writes its metadata map in no fixed order, so two keys gave equal weights
    # different bytes from run to run. The version is config.json's, checked on load.
    _atomic_save_tensors(model.state_dict(), out / WEIGHTS_FILE, {"format": format_of(model.cfg)})
    write_text(out / CONFIG_FILE, model.cfg.to_json())
    return out


def read_config(ckpt_dir: str | Path) -> HeatmapConfig:
    """The ``CPMConfig`` of a checkpoint folder, or ``CheckpointError`` naming the file."""
    path = Path(ckpt_dir) / CONFIG_FILE
    if not path.is_file():
        raise CheckpointError(f"{path}: missing (a CPM checkpoint is a folder with {CONFIG_FILE} and {WEIGHTS_FILE})")
    try:
        text = read_capped(path, LIMITS.model_json_bytes, CheckpointError)
        cfg = parse_config(parse_json(text, path, CheckpointError, "network config"), str(path))
        with torch.device("meta"):  # counts the weights without allocating them
            check_cpm_weights(path, sum(p.numel() for p in build(cfg).parameters()))
        return cfg
    except (ValueError, LimitError) as exc:
        raise CheckpointError(str(exc)) from exc


def weights_file_limit(expected: dict[str, torch.Tensor]) -> int:
    """The most bytes a weights file of the tensors ``expected`` (a state dict, on the meta device too) can take:
    their bytes and a header; never over the site's limit. A file bigger than its architecture needs is refused by
    its size, before it is read."""
    data_bytes = sum(tensor.numel() * tensor.element_size() for tensor in expected.values())
    return min(LIMITS.model_weights_bytes, 8 + WEIGHTS_HEADER_ALLOWANCE + data_bytes)


def _read_weights(path: Path, tag: str, limit: int | None = None) -> dict[str, torch.Tensor]:
    if limit is not None and limit < LIMITS.model_weights_bytes:  # bigger than this network's weights can be
        size = checked_size(path, LIMITS.model_weights_bytes, CheckpointError)
        if size > limit:
            raise CheckpointError(f"{path}: not a handteach {title_of_format(tag)} weights file for this configuration "
                                  f"({size:,} bytes, its weights take at most {limit:,})")  # fmt: skip
    limit = LIMITS.model_weights_bytes if limit is None else limit
    data = read_capped(path, limit, CheckpointError)  # a regular file (os.stat first) of the size it can have
    try:  # header: 8-byte length, then JSON with our metadata
        header_len = int.from_bytes(data[:8], "little")
        header = json.loads(data[8 : 8 + header_len]) if 0 < header_len < 10_000_000 else {}
        tensors = load_safetensors(data)
    except (SafetensorError, ValueError, RecursionError) as exc:
        raise CheckpointError(f"{path}: not a readable safetensors file ({exc})") from exc
    if not isinstance(header, dict):
        header = {}
    metadata = header.get("__metadata__")
    if not isinstance(metadata, dict) or metadata.get("format") != tag:
        raise CheckpointError(f"{path}: not a handteach {title_of_format(tag)} weights file (no format tag {tag!r})")
    return tensors


def _check_match(path: Path, tensors: dict[str, torch.Tensor], expected: dict[str, torch.Tensor]) -> None:
    missing = sorted(set(expected) - set(tensors))
    extra = sorted(set(tensors) - set(expected))
    shapes = [
        f"{k} {tuple(tensors[k].shape)} != {tuple(v.shape)}"
        for k, v in expected.items()
        if k in tensors and tensors[k].shape != v.shape
    ]
    problems = []
    for label, items in (("missing tensors", missing), ("unexpected tensors", extra), ("wrong shapes", shapes)):
        if items:
            problems.append(f"{label} ({len(items)}): {', '.join(items[:4])}{' ...' if len(items) > 4 else ''}")
    if problems:
        raise CheckpointError(f"{path}: does not match {CONFIG_FILE}: " + "; ".join(problems))
    bad = next((k for k, v in tensors.items() if v.is_floating_point() and not torch.isfinite(v).all()), None)
    if bad is not None:
        raise CheckpointError(f"{path}: tensor {bad!r} contains NaN or infinity")


def load(ckpt_dir: str | Path = DEFAULT_DIR, device: str | torch.device = "cpu") -> HeatmapNetwork:
    """Rebuild the model of a checkpoint folder, in eval mode, after validating every tensor."""
    cfg = read_config(ckpt_dir)
    path = Path(ckpt_dir) / WEIGHTS_FILE
    with torch.device("meta"):
        limit = weights_file_limit(build(cfg).state_dict())
    tensors = _read_weights(path, format_of(cfg), limit)
    model = build(cfg)
    _check_match(path, tensors, model.state_dict())
    model.load_state_dict(tensors, strict=True)
    return model.to(device).eval()


def save_training_state(
    optimizer: torch.optim.Optimizer,
    state: dict,
    out_dir: str | Path,
    trained_weights: dict[str, torch.Tensor] | None = None,
    tag: str = CPM_FORMAT,
) -> None:
    """Optimizer moments as safetensors + JSON (epoch, history, hyper-parameters), for ``--resume``.

    ``trained_weights``: the state dict the optimizer trains, when the saved model is a moving average of it.
    ``tag``: the network's format tag (``architectures.format_of``).
    """
    out = Path(out_dir)
    if trained_weights is not None:
        _atomic_save_tensors(trained_weights, out / TRAINED_WEIGHTS_FILE, {"format": tag})
    else:
        (out / TRAINED_WEIGHTS_FILE).unlink(missing_ok=True)  # an earlier averaged run's, no longer what was saved
    opt = optimizer.state_dict()
    tensors = {f"{i}.{name}": v for i, s in opt["state"].items() for name, v in s.items() if torch.is_tensor(v)}
    _atomic_save_tensors(tensors, out / OPTIMIZER_FILE, {"format": tag})
    write_text(out / TRAIN_STATE_FILE, json.dumps({**state, "param_groups": opt["param_groups"]}, indent=1))


def read_training_state(ckpt_dir: str | Path) -> dict:
    """The JSON part of the training state (epoch, history, sizes), without the optimizer; {} when there is none."""
    path = Path(ckpt_dir) / TRAIN_STATE_FILE
    if not path.exists():
        return {}
    text = read_capped(path, LIMITS.model_json_bytes, CheckpointError)
    return parse_json(text, path, CheckpointError, "training state")


def load_trained_weights(model: HeatmapNetwork, ckpt_dir: str | Path) -> bool:
    """Put the optimizer's weights of an averaged run into ``model``; False (model unchanged) when there are none."""
    path = Path(ckpt_dir) / TRAINED_WEIGHTS_FILE
    if not path.is_file():
        return False
    tensors = _read_weights(path, format_of(model.cfg), weights_file_limit(model.state_dict()))
    _check_match(path, tensors, model.state_dict())
    model.load_state_dict(tensors, strict=True)
    return True


def load_training_state(optimizer: torch.optim.Optimizer, ckpt_dir: str | Path) -> dict:
    """Restore what ``save_training_state`` wrote; returns the JSON state ({} when the folder has none)."""
    state = read_training_state(ckpt_dir)
    if not state:
        return {}
    path = Path(ckpt_dir) / OPTIMIZER_FILE
    checked_size(path, 2 * LIMITS.model_weights_bytes, CheckpointError)  # Adam keeps two moments a weight
    tensors = load_file(str(path))
    per_param: dict[int, dict[str, torch.Tensor]] = {}
    for key, value in tensors.items():
        index, name = key.split(".", 1)
        per_param.setdefault(int(index), {})[name] = value
    optimizer.load_state_dict({"state": per_param, "param_groups": state.pop("param_groups")})
    return state
