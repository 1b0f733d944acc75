"""Distillation training: a tiny real run with resume, the moving average, the CLI wiring (its inputs: test_cpm_inputs)."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import pytest
import torch

from core.cli.cpm import register, train_configs
from core.cli.finetune import register as register_finetune
from core.cpm import checkpoint
from core.cpm.config import FINETUNE_EPOCHS, CPMConfig, CPMTrainConfig
from core.cpm.model import HandCPM
from core.cpm.training.distill import train
from core.cpm.training.run_state import averager
from tests.conftest import copy_open_hands

TINY = CPMConfig(
    input_size=64, stages=2, feature_channels=32, stage_channels=16, stem_channels=8, backbone_blocks=2, stage_blocks=1
)


def _tiny_run(tmp_path: Path, epochs: int, processes: int = 1) -> CPMTrainConfig:
    return CPMTrainConfig(
        epochs=epochs,
        batch_size=4,
        workers=0,
        processes=processes,
        warmup_steps=2,
        val_fraction=0.3,
        label_cache=tmp_path / "l.json",
    )


@pytest.mark.slow
def test_tiny_training_run_checkpoints_and_resumes(tmp_path: Path) -> None:
    folder = copy_open_hands(tmp_path, 12)
    out = tmp_path / "run"
    lines: list[str] = []
    cfg = _tiny_run(tmp_path, epochs=1)
    summary = train([folder], out, TINY, cfg, log=lines.append)
    assert summary["epochs"] == 1 and any(line.startswith("epoch 1/1") and "PCK@0.2" in line for line in lines)
    model = checkpoint.load(out)
    assert model.cfg.input_size == 64 and 0.0 < model.cfg.hand_threshold < 1.0
    lines.clear()
    resumed = train([folder], out, None, CPMTrainConfig(**{**cfg.__dict__, "epochs": 2}), resume=out, log=lines.append)
    assert resumed["epochs"] == 2 and any(line.startswith("epoch 2/2") for line in lines)
    lines.clear()
    # the first half of the run on 32-px crops; saved to be read with the mirror image too
    warm = dataclasses.replace(cfg, epochs=2, warm_input_size=32, flip_test=True)
    train([folder], tmp_path / "warm", TINY, warm, log=lines.append)
    epochs = [line for line in lines if line.startswith("epoch")]
    assert epochs[0].endswith("(32-px crops)") and not epochs[1].endswith("px crops)")
    assert checkpoint.load(tmp_path / "warm").cfg.flip_test and not checkpoint.load(out).cfg.flip_test


def test_the_average_ramps_up_then_trails_the_weights_by_the_decay() -> None:
    model = HandCPM(TINY)
    averaged = averager(model, decay=0.5)
    weight = model.stages[0].beliefs.bias
    with torch.no_grad():
        weight.fill_(1.0)
        averaged.update_parameters(model)  # the first update copies
        weight.fill_(3.0)
        averaged.update_parameters(model)  # n = 1: keep min(0.5, 2/11)
        first = averaged.module.stages[0].beliefs.bias.clone()
        for _ in range(20):
            averaged.update_parameters(model)
        weight.fill_(5.0)
        averaged.update_parameters(model)  # ramp over: keep 0.5 of ~3
    assert torch.allclose(first, torch.full_like(first, 1.0 + 2.0 * (1 - 2 / 11)))
    assert torch.allclose(averaged.module.stages[0].beliefs.bias, torch.full_like(first, 4.0), atol=1e-3)
    assert model.stages[0].beliefs.bias is weight  # the trained model is untouched


@pytest.mark.slow
def test_an_averaged_run_saves_the_average_and_resumes_from_the_trained_weights(tmp_path: Path) -> None:
    folder = copy_open_hands(tmp_path, 12)
    out = tmp_path / "run"
    cfg = dataclasses.replace(_tiny_run(tmp_path, epochs=1), ema_decay=0.9)
    train([folder], out, TINY, cfg, log=lambda _: None)
    saved, trained = checkpoint.load(out), HandCPM(TINY)
    assert checkpoint.load_trained_weights(trained, out)
    differs = [k for k, v in saved.state_dict().items() if not torch.equal(v, trained.state_dict()[k])]
    assert differs, "the saved average should differ from the trained weights"
    assert checkpoint.read_training_state(out)["train_config"]["ema_decay"] == 0.9
    lines: list[str] = []
    resumed = train([folder], out, None, dataclasses.replace(cfg, epochs=2), resume=out, log=lines.append)
    assert resumed["epochs"] == 2 and any(line.startswith("epoch 2/2") for line in lines)
    train([folder], out, TINY, dataclasses.replace(cfg, ema_decay=0.0), log=lambda _: None)  # a plain run over it
    assert not checkpoint.load_trained_weights(HandCPM(TINY), out)  # the stale trained weights are gone


@pytest.mark.slow
def test_a_balanced_run_draws_each_input_folder_equally(tmp_path: Path) -> None:
    small, large, held = (
        copy_open_hands(tmp_path / "small", 3),
        copy_open_hands(tmp_path / "large", 9),
        copy_open_hands(tmp_path / "held", 3),
    )
    lines: list[str] = []
    cfg = dataclasses.replace(_tiny_run(tmp_path, epochs=1), balance_inputs=1.0, val_fraction=0.0, holdout=(str(held),))
    summary = train([large, small], tmp_path / "run", TINY, cfg, log=lines.append)
    draws = next(line for line in lines if line.startswith("draws per epoch"))
    assert f"{large} 50%" in draws and f"{small} 50%" in draws and summary["epochs"] == 1
    assert checkpoint.read_training_state(tmp_path / "run")["train_config"]["balance_inputs"] == 1.0


@pytest.mark.extended
@pytest.mark.slow
def test_data_parallel_run_trains_in_two_processes(tmp_path: Path) -> None:
    folder = copy_open_hands(tmp_path, 12)
    out = tmp_path / "run"
    cfg = dataclasses.replace(_tiny_run(tmp_path, epochs=2, processes=2), ema_decay=0.9)  # rank 0 averages
    summary = train([folder], out, TINY, cfg, log=lambda _: None)
    state = checkpoint.read_training_state(out)
    assert summary["epochs"] == 2 and state["train_config"]["processes"] == 2
    assert checkpoint.load_trained_weights(HandCPM(TINY), out)
    assert summary["train_hands"] + summary["val_hands"] >= 10  # sizes come back from the processes' checkpoint
    model = checkpoint.load(out)
    assert model.cfg.handedness_head and 0.0 < model.cfg.hand_threshold < 1.0


def test_register_adds_subcommands_with_help(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m core")
    register(parser.add_subparsers(dest="command"))
    for command in ("train-cpm", "eval-keypoints"):
        with pytest.raises(SystemExit) as exit_info:
            parser.parse_args([command, "--help"])
        assert exit_info.value.code == 0
    out = capsys.readouterr().out
    assert "--epochs" in out and "--resume" in out and "--backend" in out and "--crop" in out
    args = parser.parse_args(["train-cpm", "-i", "a", "b", "--epochs", "3"])
    assert args.inputs == ["a", "b"] and args.epochs == 3 and callable(args.func)
    assert args.handler is args.func  # core.cli.main dispatches on "handler"


def test_train_cpm_without_flags_trains_with_the_config_defaults() -> None:
    """The CLI's flags take their defaults from ``CPMConfig`` and ``CPMTrainConfig``, not copies of them."""
    parser = argparse.ArgumentParser()
    subparsers = parser.add_subparsers()
    register(subparsers)
    register_finetune(subparsers)  # finetune-cpm has its own CLI module, its default in CPM's config
    cpm, cfg = train_configs(parser.parse_args(["train-cpm", "-i", "photos"]))
    assert cpm == CPMConfig() and cfg == CPMTrainConfig()
    cpm, cfg = train_configs(parser.parse_args(["train-cpm", "-i", "x", "--epochs", "3", "--upright", "0.5"]))
    assert cfg.epochs == 3 and cfg.augment.upright_prob == 0.5 and cpm.upright
    assert train_configs(parser.parse_args(["train-cpm", "-i", "x", "--flip-test"]))[1].flip_test
    flags = ["--warm-size", "96", "--balance", "0.5", "--input-size", "96", "--stage-channels", "32", "--lr", "0.01"]
    cpm, cfg = train_configs(parser.parse_args(["train-cpm", "-i", "x", *flags]))
    assert (cfg.warm_input_size, cfg.balance_inputs, cfg.lr) == (96, 0.5, 0.01)
    assert (cpm.input_size, cpm.stage_channels) == (96, 32) and cpm == dataclasses.replace(
        CPMConfig(), input_size=96, stage_channels=32
    )
    finetune = parser.parse_args(["finetune-cpm"])
    assert finetune.epochs == FINETUNE_EPOCHS
