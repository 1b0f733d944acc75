"""The CPM network, its config and checkpoints."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import save_file

from core.cpm import checkpoint
from core.cpm.checkpoint import CheckpointError
from core.cpm.config import ConfigError, CPMConfig
from core.cpm.model import HandCPM, TrainingView, cpm_loss, fused_for_inference, handedness_loss

SMALL = CPMConfig(
    input_size=64, stages=3, feature_channels=32, stage_channels=16, stem_channels=8, backbone_blocks=2, stage_blocks=1
)


@pytest.mark.slow
@pytest.mark.parametrize("stride", [4, 8])
def test_one_belief_stack_per_stage(stride: int) -> None:
    cfg = CPMConfig(input_size=64, stride=stride, stages=3, feature_channels=32, stage_channels=16)
    beliefs = HandCPM(cfg).eval()(torch.rand(2, 3, 64, 64) * 255)
    assert len(beliefs) == 3
    assert all(b.shape == (2, 22, 64 // stride, 64 // stride) for b in beliefs)


@pytest.mark.slow
@pytest.mark.parametrize("block", ["separable", "dense"])
def test_fused_copy_gives_the_same_beliefs_with_no_batch_norm_left(block: str) -> None:
    model = HandCPM(dataclasses.replace(SMALL, global_context=True, handedness_head=True, block=block))
    model.train()(torch.rand(4, 3, 64, 64) * 255)  # move the running statistics off their defaults
    model.eval()
    fused = fused_for_inference(model)
    crops = torch.rand(2, 3, 64, 64) * 255
    with torch.inference_mode():
        expected, got = model(crops), fused(crops)
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in fused.modules())
    assert any(isinstance(m, torch.nn.BatchNorm2d) for m in model.modules())  # the original is untouched
    for a, b in zip(expected, got, strict=True):
        torch.testing.assert_close(b, a, atol=1e-4, rtol=1e-4)


def test_the_block_setting_picks_full_or_depthwise_convolutions() -> None:
    def grouped(model: HandCPM) -> int:
        return sum(isinstance(m, torch.nn.Conv2d) and m.groups > 1 for m in model.modules())

    dense, separable = (
        HandCPM(dataclasses.replace(SMALL, block="dense")),
        HandCPM(dataclasses.replace(SMALL, block="separable")),
    )
    assert grouped(dense) == 0 and grouped(separable) > 0
    # each stage keeps the paper's structure whichever block it is built from: later stages read features and beliefs
    for model in (dense, separable):
        assert [s.enter[0].in_channels for s in model.stages] == [32, 32 + 22, 32 + 22]
    assert all(b.shape == (1, 22, 8, 8) for b in dense.eval()(torch.rand(1, 3, 64, 64) * 255))


@pytest.mark.slow
def test_global_context_reaches_every_cell_and_the_handedness_head_gives_one_logit() -> None:
    model = HandCPM(dataclasses.replace(SMALL, global_context=True, handedness_head=True)).eval()
    crops = torch.rand(2, 3, 64, 64) * 255
    beliefs, right = model.forward_all(crops)
    assert len(beliefs) == 3 and right is not None and right.shape == (2,)
    changed = crops.clone()
    changed[:, :, :8, :8] = 0  # a corner far from the centre, outside the centre cell's 3×3 neighbourhoods
    centre = model(crops)[0][:, :, 4, 4]
    assert not torch.allclose(centre, model(changed)[0][:, :, 4, 4])  # the summary carries it there
    assert HandCPM(dataclasses.replace(SMALL, handedness_head=False)).forward_all(crops)[1] is None
    assert torch.equal(TrainingView(model)(crops)[0][-1], beliefs[-1])


def test_handedness_loss_ignores_unknown_hands_but_keeps_the_graph() -> None:
    logit = torch.tensor([3.0, -3.0, 0.0], requires_grad=True)
    loss = handedness_loss(logit, torch.tensor([1.0, 0.0, -1.0]))
    assert float(loss.detach()) == pytest.approx(float(torch.nn.functional.softplus(torch.tensor(-3.0))))
    none_known = handedness_loss(logit, torch.tensor([-1.0, -1.0, -1.0]))
    assert float(none_known.detach()) == 0.0 and none_known.requires_grad
    assert float(handedness_loss(None, torch.tensor([1.0]))) == 0.0


def test_loss_sums_every_stage() -> None:
    target = torch.rand(2, 22, 16, 16)
    beliefs = [torch.zeros_like(target), target.clone()]
    single = cpm_loss(beliefs[:1], target)
    assert cpm_loss(beliefs, target) == pytest.approx(float(single))  # the perfect stage adds nothing
    assert cpm_loss([beliefs[0], beliefs[0]], target) == pytest.approx(2 * float(single))


def test_config_json_round_trip_and_refusals() -> None:
    assert CPMConfig.from_json(SMALL.to_json()) == SMALL
    with pytest.raises(ConfigError, match="not a handteach CPM config"):
        CPMConfig.from_json(json.dumps({"input_size": 128}))
    with pytest.raises(ConfigError, match="unknown config fields"):
        CPMConfig.from_json(json.dumps({"format": "handteach-cpm", "version": 1, "layers": 3}))
    with pytest.raises(ConfigError, match="stride"):
        CPMConfig(stride=2)
    with pytest.raises(ConfigError, match="block must be one of"):
        CPMConfig(block="transformer")
    with pytest.raises(ConfigError, match="flip_test must be true or false"):
        CPMConfig.from_json(SMALL.to_json().replace('"flip_test": false', '"flip_test": "yes"'))
    with pytest.raises(ConfigError, match="decode_power must be a number 0..8"):
        CPMConfig.from_json(SMALL.to_json().replace('"decode_power": 0.0', '"decode_power": -1.0'))
    with pytest.raises(ConfigError, match="decode_radius must be a whole number"):
        CPMConfig(decode_radius=-1)
    older = json.loads(dataclasses.replace(SMALL, block="separable").to_json())
    del older["global_context"], older["handedness_head"], older["block"]  # written before these fields existed
    del older["flip_test"], older["decode_power"], older["decode_radius"]  # older files decode the peak
    assert CPMConfig.from_json(json.dumps(older)) == dataclasses.replace(
        SMALL, global_context=False, handedness_head=False, block="separable"
    )


def test_equal_weights_save_to_equal_bytes(tmp_path: Path) -> None:
    """A rerun of the model card's command must give a byte-identical weights file."""
    model = HandCPM(SMALL).eval()
    files = {(checkpoint.save(model, tmp_path / str(i)) / checkpoint.WEIGHTS_FILE).read_bytes() for i in range(12)}
    assert len(files) == 1


@pytest.mark.slow
def test_checkpoint_round_trip_gives_identical_outputs(tmp_path: Path) -> None:
    model = HandCPM(SMALL).eval()
    checkpoint.save(model, tmp_path)
    loaded = checkpoint.load(tmp_path)
    x = torch.rand(1, 3, 64, 64) * 255
    with torch.inference_mode():
        for a, b in zip(model(x), loaded(x), strict=True):
            assert torch.equal(a, b)
    assert loaded.cfg == SMALL


def test_weights_that_do_not_match_the_config_are_refused(tmp_path: Path) -> None:
    checkpoint.save(HandCPM(SMALL), tmp_path)
    (tmp_path / "config.json").write_text(
        CPMConfig(
            input_size=64,
            stages=4,
            feature_channels=32,
            stage_channels=16,
            stem_channels=8,
            backbone_blocks=2,
            stage_blocks=1,
        ).to_json()
    )
    with pytest.raises(CheckpointError, match=r"model\.safetensors.*missing tensors"):
        checkpoint.load(tmp_path)
    (tmp_path / "config.json").write_text(
        CPMConfig(
            input_size=64,
            stages=3,
            feature_channels=48,
            stage_channels=16,
            stem_channels=8,
            backbone_blocks=2,
            stage_blocks=1,
        ).to_json()
    )
    with pytest.raises(CheckpointError, match="wrong shapes"):
        checkpoint.load(tmp_path)


def test_foreign_or_broken_files_are_refused(tmp_path: Path) -> None:
    checkpoint.save(HandCPM(SMALL), tmp_path)
    weights = tmp_path / "model.safetensors"
    save_file({"w": torch.zeros(3)}, str(weights))  # a safetensors file, but not ours
    with pytest.raises(CheckpointError, match="not a handteach CPM weights file"):
        checkpoint.load(tmp_path)
    weights.write_bytes(b"\x00garbage")
    with pytest.raises(CheckpointError, match="not a readable safetensors file"):
        checkpoint.load(tmp_path)
    (tmp_path / "config.json").unlink()
    with pytest.raises(CheckpointError, match="config.json: missing"):
        checkpoint.load(tmp_path)


@pytest.mark.slow
def test_training_state_round_trip(tmp_path: Path) -> None:
    model = HandCPM(SMALL)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    beliefs = model(torch.rand(2, 3, 64, 64) * 255)
    cpm_loss(beliefs, torch.rand(beliefs[0].shape)).backward()
    optimizer.step()
    checkpoint.save(model, tmp_path)
    checkpoint.save_training_state(optimizer, {"epoch": 3}, tmp_path)
    fresh = torch.optim.AdamW(model.parameters(), lr=1e-3)
    assert checkpoint.load_training_state(fresh, tmp_path)["epoch"] == 3
    first = next(iter(optimizer.state.values()))["exp_avg"]
    assert np.allclose(next(iter(fresh.state.values()))["exp_avg"].numpy(), first.numpy())
