"""The ResNet-deconv network: shapes, attention switches, fused inference, checkpoints beside the CPM's, bad weights."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from core.cpm import checkpoint
from core.cpm.checkpoint import CheckpointError
from core.cpm.estimator import CPMEstimator
from core.cpm.model import HandCPM, TrainingView, coordinate_loss, cpm_loss, fused_for_inference
from core.resdeconv.config import PARTS, ResDeconvConfig
from core.resdeconv.model import HandResDeconv, deepen

SMALL = ResDeconvConfig(input_size=64, stem_channels=8, widths=(16, 24, 32, 48), head_channels=(24, 16, 16))


def _move_statistics(model: torch.nn.Module) -> None:
    model.train()(torch.rand(4, 3, 64, 64) * 255)  # running statistics off their defaults
    model.eval()


def test_parts_cover_every_joint_once() -> None:
    joints = sorted(j for part in PARTS for j in part)
    assert joints == list(range(21))


@pytest.mark.slow
@pytest.mark.parametrize(("attention", "maps"), [("none", 0), ("holistic", 1), ("part", 6), ("both", 7)])
def test_heatmaps_and_attention_shapes(attention: str, maps: int) -> None:
    model = HandResDeconv(ResDeconvConfig(**{**SMALL.__dict__, "attention": attention})).eval()
    crops = torch.rand(2, 3, 64, 64) * 255
    with torch.inference_mode():
        heatmaps, att = model.forward_attention(crops)
        stages = model(crops)
    assert heatmaps.shape == (2, 22, 16, 16) and att.shape == (2, maps, 16, 16)
    assert len(stages) == 1 and torch.equal(stages[0], heatmaps)
    assert len(model.attention_names()) == maps
    if maps:
        assert float(att.min()) >= 0.0 and float(att.max()) <= 1.0


def test_part_attention_changes_only_its_own_joints() -> None:
    """Part-wise attention is real routing: zeroing the thumb's map moves the thumb's heatmaps only."""
    model = HandResDeconv(ResDeconvConfig(**{**SMALL.__dict__, "attention": "part"})).eval()
    features = torch.rand(1, 16, 16, 16)
    parts = torch.rand(1, 6, 16, 16)
    base = model.joints(features, parts)
    masked = parts.clone()
    masked[:, 1] = 0.0  # the thumb
    moved = (model.joints(features, masked) - base).abs().amax(dim=(0, 2, 3)) > 0
    assert sorted(np.flatnonzero(moved.numpy()).tolist()) == [2, 3, 4]


@pytest.mark.slow
@pytest.mark.parametrize("head", ["deconv", "upsample"])
def test_fused_copy_gives_the_same_heatmaps_with_no_batch_norm_left(head: str) -> None:
    model = HandResDeconv(ResDeconvConfig(**{**SMALL.__dict__, "head": head}))
    _move_statistics(model)
    fused = fused_for_inference(model)
    crops = torch.rand(2, 3, 64, 64) * 255
    with torch.inference_mode():
        assert torch.allclose(model(crops)[0], fused(crops)[0], atol=1e-4)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())


def test_deepened_network_computes_the_same_until_trained() -> None:
    model = HandResDeconv(SMALL)
    for block in model.backbone.layers[1:]:  # trained-like: no residual branch left at its zero start
        torch.nn.init.normal_(block.conv2[1].weight, 1.0, 0.1)
    _move_statistics(model)
    grown = deepen(model, (2, 1, 3, 2)).eval()
    assert grown.cfg.depths == (2, 1, 3, 2) and len(grown.backbone.layers) == 1 + 8
    crops = torch.rand(2, 3, 64, 64) * 255
    with torch.inference_mode():
        before, after = model.forward_attention(crops), grown.forward_attention(crops)
    assert all(torch.allclose(a, b, atol=1e-5) for a, b in zip(before, after, strict=True))
    assert deepen(model, SMALL.depths) is model
    with pytest.raises(ValueError, match="none smaller"):
        deepen(grown, (1, 1, 3, 2))
    with pytest.raises(ValueError, match="one count a stage"):
        deepen(model, (2, 2))


def test_trains_with_the_cpm_losses() -> None:
    model = HandResDeconv(SMALL)
    beliefs, right = TrainingView(model)(torch.rand(3, 3, 64, 64) * 255)
    loss = cpm_loss(beliefs, torch.rand(3, 22, 16, 16)) + coordinate_loss(
        beliefs, torch.rand(3, 21, 2) * 16, torch.ones(3, 21)
    )
    (loss + right.sum()).backward()
    assert right.shape == (3,)
    assert [
        n for n, p in model.named_parameters() if p.grad is None
    ] == []  # (zero-initialised residual branches get zero gradients at first)


@pytest.mark.slow
def test_checkpoint_round_trip_and_estimator(tmp_path: Path) -> None:
    model = HandResDeconv(SMALL)
    _move_statistics(model)
    checkpoint.save(model, tmp_path)
    loaded = checkpoint.load(tmp_path)
    assert isinstance(loaded, HandResDeconv) and loaded.cfg == SMALL
    crops = torch.rand(1, 3, 64, 64) * 255
    with torch.inference_mode():
        assert torch.equal(model(crops)[0], loaded(crops)[0])
    estimator = CPMEstimator(tmp_path)
    rgb = np.random.default_rng(0).integers(0, 255, (120, 160, 3), np.uint8)
    result = estimator.estimate(rgb, (40, 30, 100, 90))
    assert len(result.beliefs) == 1 and result.beliefs[0].shape == (22, 16, 16)
    assert result.attention.shape == (7, 16, 16) and result.attention_names[:2] == ("hand", "palm")
    with torch.inference_mode():  # onnxruntime runs what torch runs (fused), on the same crop
        expected, attention = loaded.forward_attention(torch.from_numpy(result.crop).permute(2, 0, 1)[None].float())
    assert np.allclose(result.beliefs[0], expected[0].numpy(), atol=1e-3)
    assert np.allclose(result.attention, attention[0].numpy(), atol=1e-4)


@pytest.mark.slow
def test_a_cpm_checkpoint_still_loads_as_a_cpm(tmp_path: Path) -> None:
    checkpoint.save(HandCPM(checkpoint.read_config(checkpoint.DEFAULT_DIR)), tmp_path)
    assert isinstance(checkpoint.load(tmp_path), HandCPM)
    assert CPMEstimator(tmp_path).estimate(np.zeros((64, 64, 3), np.uint8), (10, 10, 50, 50)).attention.shape[0] == 0


def test_bad_weights_are_refused_by_name(tmp_path: Path) -> None:
    checkpoint.save(HandResDeconv(SMALL), tmp_path)
    weights = tmp_path / "model.safetensors"
    good = weights.read_bytes()
    tensors = dict(HandResDeconv(SMALL).state_dict())
    tensors["head.0.0.weight"] = torch.full_like(tensors["head.0.0.weight"], float("nan"))
    save_file(tensors, str(weights), metadata={"format": "handteach-resdeconv"})
    with pytest.raises(CheckpointError, match="head.0.0.weight.*NaN"):
        checkpoint.load(tmp_path)
    wider = ResDeconvConfig(**{**SMALL.__dict__, "widths": (16, 24, 32, 64)})
    (tmp_path / "config.json").write_text(wider.to_json())
    weights.write_bytes(good)
    with pytest.raises(CheckpointError, match="wrong shapes"):
        checkpoint.load(tmp_path)
    (tmp_path / "config.json").write_text(SMALL.to_json())
    checkpoint.save(HandCPM(checkpoint.read_config(checkpoint.DEFAULT_DIR)), tmp_path / "cpm")
    weights.write_bytes((tmp_path / "cpm" / "model.safetensors").read_bytes())  # a CPM's weights, this config
    with pytest.raises(CheckpointError, match="not a handteach ResNet-deconv weights file"):
        checkpoint.load(tmp_path)
    weights.write_bytes(b"\x80\x04\x95" + b"cos\nsystem\n" * 10)  # a pickle payload
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        checkpoint.load(tmp_path)
