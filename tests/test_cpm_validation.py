"""core.cpm.training.validation: the no-hand threshold calibrated on held-out crops."""

from __future__ import annotations

import numpy as np
import pytest

from core.cpm.training.validation import calibrate_threshold


def test_the_threshold_separates_hands_from_empty_crops_from_the_middle_of_the_gap() -> None:
    hands = np.array([0.70, 0.80, 0.90], np.float32)
    empty = np.array([0.10, 0.20, 0.30], np.float32)
    # every grid step from 0.31 to 0.70 separates them perfectly: the middle one keeps a margin each side
    assert calibrate_threshold(hands, empty) == pytest.approx(0.5, abs=0.011)


def test_overlapping_scores_get_the_best_balanced_accuracy() -> None:
    rng = np.random.default_rng(0)
    hands, empty = rng.normal(0.6, 0.1, 400).astype(np.float32), rng.normal(0.3, 0.1, 100).astype(np.float32)
    chosen = calibrate_threshold(hands, empty)

    def balanced(t: float) -> float:
        return ((hands >= t).mean() + (empty < t).mean()) / 2

    assert 0.35 < chosen < 0.55  # the classes cross at 0.45; unequal counts must not pull it
    assert balanced(chosen) >= max(balanced(t) for t in np.linspace(0.02, 0.9, 89)) - 1e-9


def test_calibration_needs_both_kinds_of_crop() -> None:
    with pytest.raises(ValueError, match="with and without hands, got 0 and 2"):
        calibrate_threshold(np.zeros(0, np.float32), np.ones(2, np.float32))


@pytest.mark.slow
def test_predict_reads_crops_as_the_estimator_does_with_flip_test_and_its_decode() -> None:
    import torch

    from core.cpm.config import CPMConfig
    from core.cpm.estimator import CPMEstimator
    from core.cpm.heatmaps import decode
    from core.cpm.model import HandCPM
    from core.cpm.training.validation import predict

    torch.manual_seed(0)
    model = HandCPM(CPMConfig(flip_test=True, decode_power=2.0, decode_radius=3)).eval()
    crops = np.random.default_rng(0).integers(0, 255, (3, 128, 128, 3), dtype=np.uint8)
    points, conf = predict(model, crops)
    reader = CPMEstimator()
    reader.model = model
    for crop, p, c in zip(crops, points, conf, strict=True):
        want_p, want_c = reader.cfg.decode(reader.beliefs(crop)[-1])  # the config's mean, as validation reads it
        assert not np.allclose(want_p, decode(reader.beliefs(crop)[-1], model.cfg.stride)[0], atol=1e-3)
        np.testing.assert_allclose(p, want_p, atol=1e-3)
        np.testing.assert_allclose(c, want_c, atol=1e-4)
