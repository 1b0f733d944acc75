"""Held-out checks during training and fine-tuning: PCK against the teacher, and the no-hand threshold."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import torch
from sklearn.metrics import balanced_accuracy_score

from core.cpm.architectures import HeatmapNetwork
from core.cpm.evaluation.metrics import normalised_errors, summary
from core.cpm.training.augment import IDENTITY
from core.cpm.training.dataset import BaseCrop, render
from core.cpm.upright import unturn, upright_angle
from core.types import FloatArray


@dataclass(frozen=True)
class ValidationResult:
    """Accuracy of the last stage on held-out crops, and confidences for calibration."""

    metrics: dict[str, float]  # pck_0.05, pck_0.1, pck_0.2, mean_error vs the teacher
    hand_scores: FloatArray  # (N,) mean joint confidence on crops with a hand
    empty_scores: FloatArray  # (M,) the same on crops without one


@torch.inference_mode()
def predict(model: HeatmapNetwork, crops: npt.NDArray[np.uint8], batch_size: int = 64) -> tuple[FloatArray, FloatArray]:
    """Keypoints (N, 21, 2) crop px and confidences (N, 21) of the last stage for (N, S, S, 3) uint8 crops
    (with the mirror images averaged in when ``model.cfg.flip_test``, as ``CPMEstimator`` reads them)."""
    model.eval()
    device = next(model.parameters()).device
    points, confs = [], []
    for start in range(0, len(crops), batch_size):
        batch = torch.from_numpy(np.ascontiguousarray(crops[start : start + batch_size].transpose(0, 3, 1, 2)))
        x = batch.to(device).float()
        beliefs = model(x)[-1]  # (B, 22, h, w)
        if model.cfg.flip_test:  # as the estimator reads crops: with the mirror image, its maps flipped back
            beliefs = (beliefs + model(x.flip(-1))[-1].flip(-1)) / 2
        beliefs = beliefs.cpu().numpy()
        for maps in beliefs:
            kp, conf = model.cfg.decode(maps)
            points.append(kp)
            confs.append(conf)
    empty = np.zeros((0, 21), np.float32)
    return np.asarray(points, np.float32).reshape(-1, 21, 2), np.asarray(confs, np.float32) if confs else empty


def render_fixed(bases: list[BaseCrop], model: HeatmapNetwork) -> tuple[npt.NDArray[np.uint8], FloatArray | None]:
    """Standard (unaugmented) crops (N, S, S, 3) and teacher keypoints (N, 21, 2) crop px (None for negatives)."""
    pairs = [render(b, model.cfg) for b in bases]
    crops = (
        np.stack([c for c, _ in pairs])
        if pairs
        else np.zeros((0, model.cfg.input_size, model.cfg.input_size, 3), np.uint8)
    )
    if not pairs or pairs[0][1] is None:
        return crops, None
    return crops, np.stack([p for _, p in pairs]).astype(np.float32)


def read(
    model: HeatmapNetwork, bases: list[BaseCrop], crops: npt.NDArray[np.uint8] | None = None
) -> tuple[FloatArray, FloatArray]:
    """Keypoints (N, 21, 2) in px of the standard crops of ``bases`` and confidences (N, 21), as the estimator reads them.

    An upright model reads each crop a second time, turned by the angle its first reading gives.
    ``crops``: the standard crops when already rendered.
    """
    if crops is None:
        crops, _ = render_fixed(bases, model)
    pred, conf = predict(model, crops)
    if not model.cfg.upright or not len(bases):
        return pred, conf
    angles = [upright_angle(points) for points in pred]
    turned = np.stack(
        [
            render(b, model.cfg, dataclasses.replace(IDENTITY, angle_deg=a))[0]
            for b, a in zip(bases, angles, strict=True)
        ]
    )
    pred, conf = predict(model, turned)
    size = model.cfg.input_size
    return np.stack([unturn(points, a, size) for points, a in zip(pred, angles, strict=True)]), conf


def validate(model: HeatmapNetwork, hands: list[BaseCrop], empty: list[BaseCrop]) -> ValidationResult:
    """PCK of ``model`` vs the teacher on standard crops of ``hands``; confidences on ``empty``."""
    crops, teacher = render_fixed(hands, model)
    pred, conf = read(model, hands, crops)
    metrics = summary(normalised_errors(pred, teacher)) if len(hands) else {}
    _, empty_conf = read(model, empty)
    return ValidationResult(
        metrics, conf.mean(axis=1) if len(conf) else conf, empty_conf.mean(axis=1) if len(empty_conf) else empty_conf
    )


def calibrate_threshold(hand_scores: FloatArray, empty_scores: FloatArray) -> float:
    """Mean-confidence threshold separating hand crops from empty ones (best balanced accuracy).

    Among equally good thresholds the middle one is taken, so that both sides keep a margin.
    """
    if len(hand_scores) == 0 or len(empty_scores) == 0:
        raise ValueError(
            f"calibration needs crops with and without hands, got {len(hand_scores)} and {len(empty_scores)}"
        )
    candidates = np.linspace(0.02, 0.9, 89)  # a fixed grid (not roc_curve's data points): thresholds stay round
    truth = np.r_[np.ones(len(hand_scores), bool), np.zeros(len(empty_scores), bool)]
    scores = np.r_[hand_scores, empty_scores]
    balanced = [balanced_accuracy_score(truth, scores >= t) for t in candidates]
    best = np.flatnonzero(np.isclose(balanced, max(balanced)))
    return float(round(candidates[best[len(best) // 2]], 3))
