"""Training the ResNet-deconv with the CPM's distillation machinery: the CLI's --arch, a tiny real run, resume."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from core.cli.cpm import register, train_configs
from core.cpm import checkpoint
from core.cpm.config import CPMTrainConfig
from core.cpm.training.distill import train
from core.resdeconv.config import ResDeconvConfig
from core.resdeconv.model import HandResDeconv
from tests.conftest import copy_open_hands

TINY = ResDeconvConfig(input_size=64, stem_channels=8, widths=(16, 24, 32, 48), head_channels=(24, 16, 16))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    register(parser.add_subparsers())
    return parser


def test_train_keypoints_arch_flags_make_a_resdeconv_config() -> None:
    parse = _parser().parse_args
    cpm, cfg = train_configs(parse(["train-keypoints", "--arch", "resnet-deconv", "-i", "x"]))
    assert cpm == ResDeconvConfig() and cfg == CPMTrainConfig()
    flags = ["--widths", "16,32,64", "--depths", "2,1,1", "--attention", "part", "--head", "upsample"]
    cpm, _ = train_configs(parse(["train-cpm", "--arch", "resnet-deconv", "-i", "x", "--input-size", "96", *flags]))
    assert (cpm.widths, cpm.depths, cpm.attention, cpm.head, cpm.input_size) == ((16, 32, 64), (2, 1, 1), "part",
                                                                                 "upsample", 96)  # fmt: skip
    assert cpm.stride == 2
    with pytest.raises(ValueError, match="--stages"):
        train_configs(parse(["train-keypoints", "--arch", "resnet-deconv", "-i", "x", "--stages", "2"]))
    with pytest.raises(SystemExit):
        parse(["train-keypoints", "--arch", "resnet-deconv", "-i", "x", "--widths", "16,wide"])


@pytest.mark.slow  # MediaPipe labels 8 photos, two tiny epochs
def test_a_tiny_run_trains_checkpoints_and_resumes(tmp_path: Path) -> None:
    folder = copy_open_hands(tmp_path, 8)
    cfg = CPMTrainConfig(
        epochs=1, batch_size=4, workers=0, warmup_steps=2, val_fraction=0.3, label_cache=tmp_path / "labels.json"
    )
    lines: list[str] = []
    out = tmp_path / "run"
    assert train([folder], out, TINY, cfg, log=lines.append)["epochs"] == 1
    assert any(line.startswith("epoch 1/1") and "PCK@0.2" in line for line in lines)
    model = checkpoint.load(out)
    assert isinstance(model, HandResDeconv) and model.cfg.widths == TINY.widths
    assert 0.0 < model.cfg.hand_threshold < 1.0  # calibrated on the run's held-out crops, as the CPM's
    resumed = train([folder], out, None, CPMTrainConfig(**{**cfg.__dict__, "epochs": 2}), resume=out, log=print)
    assert resumed["epochs"] == 2 and isinstance(checkpoint.load(out), HandResDeconv)
    grown_cfg = CPMTrainConfig(**{**cfg.__dict__, "init": str(out), "deepen_to": (2, 1, 1, 2)})
    train([folder], tmp_path / "deeper", None, grown_cfg, log=lines.append)
    assert checkpoint.load(tmp_path / "deeper").cfg.depths == (2, 1, 1, 2)
    assert any(line.startswith("grown from") for line in lines)


def test_depths_with_init_grow_the_init_network() -> None:
    parse = _parser().parse_args
    _, cfg = train_configs(parse(["train-keypoints", "--arch", "resnet-deconv", "-i", "x", "--init", "w"]))
    assert cfg.deepen_to == ()
    flags = ["--init", "w", "--depths", "2,2,2,2"]
    _, cfg = train_configs(parse(["train-keypoints", "--arch", "resnet-deconv", "-i", "x", *flags]))
    assert (cfg.init, cfg.deepen_to) == ("w", (2, 2, 2, 2))
