"""Resuming a distillation run (core.cpm.training.run_state, sampler): a run killed mid-epoch and resumed
ends with the same weights as one never stopped, on the CPU.

The teacher labels are written into the label cache by hand (a box of keypoints over each real photo), so
no MediaPipe runs: what is tested is the training loop's bookkeeping, not the teacher.
"""

from __future__ import annotations

import dataclasses
import json
import threading
from pathlib import Path

import numpy as np
import pytest
import torch

from core.cpm import checkpoint
from core.cpm.config import CPMConfig, CPMTrainConfig
from core.cpm.training.distill import train
from core.cpm.training.labels import CACHE_VERSION, TEACHER, file_key
from core.cpm.training.progress import StepLine
from core.cpm.training.run_state import resolve_device, scaled_lr
from core.cpm.training.sampler import EpochSampler, split_key
from tests.conftest import copy_open_hands

TINY = CPMConfig(
    input_size=64, stages=2, feature_channels=32, stage_channels=16, stem_channels=8, backbone_blocks=2, stage_blocks=1
)


def _cache_with_labels(folder: Path, cache: Path) -> None:
    entries = {}
    for i, path in enumerate(sorted(folder.iterdir())):
        keypoints = np.stack([np.linspace(20 + i % 3, 80, 21), np.linspace(25, 75 - i % 4, 21)], axis=1)
        hand = [np.round(keypoints, 2).tolist(), "Right" if i % 2 else "Left", 0.9]
        entries[file_key(path)] = {"path": str(path), "frames": {"-1": [hand]}}
    cache.write_text(json.dumps({"version": CACHE_VERSION, "teacher": TEACHER, "entries": entries}))


def _run(tmp_path: Path) -> tuple[Path, CPMTrainConfig]:
    folder = copy_open_hands(tmp_path, 10)
    cache = tmp_path / "labels.json"
    _cache_with_labels(folder, cache)
    cfg = CPMTrainConfig(
        epochs=2,
        batch_size=4,
        workers=0,
        warmup_steps=2,
        val_fraction=0.2,
        val_sample=4,
        label_cache=cache,
        checkpoint_minutes=1e-9,  # after every step
        device="cpu",
        augment=dataclasses.replace(CPMTrainConfig().augment, paste_prob=0.5, low_light_prob=0.5, motion_blur_prob=0.5),
    )
    return folder, cfg


def _weights(folder: Path) -> dict[str, torch.Tensor]:
    return checkpoint.load(folder).state_dict()


@pytest.mark.slow
@pytest.mark.extended
def test_a_run_killed_mid_epoch_resumes_to_the_same_weights(tmp_path: Path) -> None:
    folder, cfg = _run(tmp_path)
    whole = train([folder], tmp_path / "whole", TINY, cfg, log=lambda _: None)
    assert whole["epochs"] == 2

    cancel, steps = threading.Event(), []

    def stop_after_four_steps(line: str) -> None:
        if isinstance(line, StepLine):
            steps.append(line)
            if len(steps) == 3:  # one step into epoch 2: the checkpoint of step 4 is on disk
                cancel.set()

    out = tmp_path / "killed"
    train([folder], out, TINY, cfg, log=stop_after_four_steps, cancel=cancel)
    state = checkpoint.read_training_state(out)
    assert state["epoch"] == 1 and state["position"] == 4 and state["samples"] > 0  # mid-epoch 2
    train([folder], out, None, cfg, resume=out, log=lambda _: None)
    resumed, uninterrupted = _weights(out), _weights(tmp_path / "whole")
    assert checkpoint.read_training_state(out)["epoch"] == 2
    for name, tensor in uninterrupted.items():
        assert torch.equal(tensor, resumed[name]), name


@pytest.mark.slow  # a second tiny training run; the quick suite keeps the resume test itself
def test_a_different_seed_changes_the_weights(tmp_path: Path) -> None:
    """The resume test's equality is not trivial: the same tiny run with another seed ends elsewhere."""
    folder, cfg = _run(tmp_path)
    one = dataclasses.replace(cfg, epochs=1)
    train([folder], tmp_path / "a", TINY, one, log=lambda _: None)
    train([folder], tmp_path / "b", TINY, dataclasses.replace(one, seed=1), log=lambda _: None)
    a, b = _weights(tmp_path / "a"), _weights(tmp_path / "b")
    assert any(not torch.equal(a[k], b[k]) for k in a)


def test_the_sampler_replays_an_epoch_and_skips_what_was_done() -> None:
    sampler = EpochSampler(10, seed=3, rank=1, world=2)
    sampler.set_epoch(4)
    full = list(sampler)
    sampler.start_at(2)
    assert list(sampler) == full[2:] and list(sampler) == full  # the skip applies once
    places_and_hands = [split_key(k, 10) for k in full]
    assert [p for p, _ in places_and_hands] == [1, 3, 5, 7, 9]  # rank 1 of 2 takes every second draw
    other = EpochSampler(10, seed=3, rank=0, world=2)
    other.set_epoch(4)
    assert sorted(h for _, h in places_and_hands + [split_key(k, 10) for k in other]) == list(range(10))
    sampler.set_epoch(5)
    assert list(sampler) != full


def test_device_and_learning_rate_scaling() -> None:
    assert resolve_device(CPMTrainConfig(device="cpu")).type == "cpu"
    with pytest.raises(ValueError, match="--device gpu"):
        resolve_device(CPMTrainConfig(device="gpu"))
    if not torch.cuda.is_available():
        with pytest.raises(ValueError, match="no CUDA device"):
            resolve_device(CPMTrainConfig(device="cuda"))
        assert resolve_device(CPMTrainConfig(device="auto")).type == "cpu"
    assert scaled_lr(CPMTrainConfig(lr=1e-3, batch_size=128, lr_batch=32)) == pytest.approx(2e-3)
    assert scaled_lr(CPMTrainConfig(lr=1e-3, batch_size=128)) == 1e-3
