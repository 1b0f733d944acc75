"""The onnxruntime session the estimator runs: the same beliefs as the PyTorch network, for any batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from core.cpm import checkpoint
from core.cpm.config import CPMConfig
from core.cpm.model import HandCPM, fused_for_inference
from core.cpm.runtime import BeliefRuntime

# every test here took 0.3 s or more: all wait for the full suite (the quick tier is a minute)
pytestmark = pytest.mark.slow


def _dense_model() -> HandCPM:
    model = HandCPM(CPMConfig(input_size=64, block="dense", feature_channels=32, stage_channels=16))
    model.train()(torch.rand(4, 3, 64, 64) * 255)  # running statistics off their defaults
    return model


@pytest.mark.parametrize("which", ["shipped", "dense"])
def test_the_runtime_gives_the_networks_beliefs_for_every_stage_and_batch(which: str) -> None:
    model = (checkpoint.load(checkpoint.DEFAULT_DIR) if which == "shipped" else _dense_model()).eval()
    runtime = BeliefRuntime(fused_for_inference(model), model.cfg.input_size)
    crops = np.random.default_rng(0).uniform(0, 255, (3, 3, model.cfg.input_size, model.cfg.input_size))
    with torch.inference_mode():
        expected = torch.stack(model(torch.from_numpy(crops).float()), dim=1).numpy()
    got = runtime(crops.astype(np.float32))
    assert got.shape == expected.shape == (3, model.cfg.stages, 22, *expected.shape[-2:])
    assert np.abs(got - expected).max() < 1e-4
    assert np.allclose(runtime(crops[1:2].astype(np.float32))[0], got[1], atol=1e-5)  # batch-independent
