"""Fine-tune a CPM on the user's own hand crops (keypoints from MediaPipe), in seconds to minutes.

A fifth of the crops (every fifth one) is held out: PCK against MediaPipe on them
is measured before and after, so the app can show whether fine-tuning helped.
Batch-norm statistics stay frozen: 200 crops are too few to re-estimate them.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt
import torch

from core.cpm import checkpoint
from core.cpm.architectures import HeatmapNetwork
from core.cpm.config import FINETUNE_EPOCHS
from core.cpm.estimator import CPMEstimator
from core.cpm.model import cpm_loss
from core.cpm.training.augment import CropAugmentConfig
from core.cpm.training.dataset import BaseCrop, DistillationSet, base_crop
from core.cpm.training.validation import validate
from core.io import crops as cropping
from core.types import FloatArray

UserCrop = tuple[npt.NDArray[np.uint8], FloatArray]  # (H, W, 3) uint8 RGB crop, (21, 2) keypoints in its px
GENTLE = CropAugmentConfig(max_rotation_deg=25.0, scale_range=(0.85, 1.2), max_shift=0.08, negative_fraction=0.1)
GENTLE_UPRIGHT = dataclasses.replace(GENTLE, upright_prob=0.75)  # an upright model mostly reads hands upright


@dataclass(frozen=True)
class FinetuneReport:
    """Outcome of one fine-tuning run."""

    pck_before: float  # PCK@0.2 vs MediaPipe on the held-out crops, before
    pck_after: float  # the same after (equals before when cancelled)
    seconds: float  # wall time of the whole run
    epochs: int  # epochs completed
    train_crops: int
    held_out_crops: int
    cancelled: bool = False


def _to_bases(crops: Sequence[UserCrop], margin: float) -> list[BaseCrop]:
    bases = []
    for index, (rgb, keypoints) in enumerate(crops):
        points = np.asarray(keypoints, np.float32)
        if rgb.ndim != 3 or rgb.shape[2] != 3 or points.shape != (21, 2):
            raise ValueError(
                f"crop {index}: expected an (H, W, 3) RGB crop and (21, 2) keypoints, got {rgb.shape} and {points.shape}"
            )
        window = cropping.window_from_box(cropping.keypoint_box(points), margin)
        bases.append(base_crop(rgb, points, window, f"user crop {index}"))
    return bases


def _freeze_batchnorm(model: HeatmapNetwork) -> None:
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.eval()


def finetune(
    estimator_or_ckpt: CPMEstimator | str | Path,
    crops: Sequence[UserCrop],
    epochs: int = FINETUNE_EPOCHS,
    on_progress: Callable[[int, int, float], None] | None = None,
    cancel: threading.Event | None = None,
    lr: float = 5e-4,
    batch_size: int = 16,
    out_dir: str | Path | None = None,
) -> FinetuneReport:
    """Fine-tune on ``crops``; an estimator gets the new weights in place (only if not cancelled).

    Args:
        estimator_or_ckpt: a loaded ``CPMEstimator`` or a checkpoint folder.
        crops: (crop RGB, keypoints (21, 2) in crop px) pairs, e.g. the app's 192×192 sample crops.
        epochs: passes over the training crops.
        on_progress: called after each epoch with (epoch, epochs, mean loss).
        cancel: set it to stop after the current batch; the original weights are kept.
        out_dir: if given, the fine-tuned checkpoint is saved there.
    """
    started = time.time()
    if len(crops) < 5:
        raise ValueError(f"fine-tuning needs at least 5 crops (1 in 5 is held out), got {len(crops)}")
    source = (
        estimator_or_ckpt.model if isinstance(estimator_or_ckpt, CPMEstimator) else checkpoint.load(estimator_or_ckpt)
    )
    model = copy.deepcopy(source).cpu()
    bases = _to_bases(crops, model.cfg.margin)
    held_out, train_bases = bases[::5], [b for i, b in enumerate(bases) if i % 5]
    before = validate(model, held_out, []).metrics["pck_0.2"]
    loader = torch.utils.data.DataLoader(
        DistillationSet(train_bases, [], model.cfg, GENTLE_UPRIGHT if model.cfg.upright else GENTLE),
        batch_size,
        shuffle=True,
    )
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    done = 0
    for epoch in range(1, epochs + 1):
        model.train()
        _freeze_batchnorm(model)
        losses = []
        for batch, targets, *_ in loader:
            if cancel is not None and cancel.is_set():
                return FinetuneReport(
                    before, before, time.time() - started, done, len(train_bases), len(held_out), True
                )
            loss = cpm_loss(model(batch.float()), targets)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        done = epoch
        if on_progress:
            on_progress(epoch, epochs, float(np.mean(losses)))
    model.eval()
    after = validate(model, held_out, []).metrics["pck_0.2"]
    if isinstance(estimator_or_ckpt, CPMEstimator):
        estimator_or_ckpt.model = model
    if out_dir is not None:
        checkpoint.save(model, out_dir)
    return FinetuneReport(before, after, time.time() - started, done, len(train_bases), len(held_out))
