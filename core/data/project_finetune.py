"""Fine-tune a project's keypoint network on the project's own hand crops, and keep the result only when it helped.

The network is the project's own (``core.data.project_cpm.project_network``: the ResNet-deconv for a resnet-deconv
project, else the CPM). The run starts from the project's current checkpoint (its fine-tuned copy, else that
network's shipped weights), trains on ``user_crops`` (MediaPipe's keypoints: those stored with MediaPipe
samples, else found by MediaPipe on the crop) and compares PCK@0.2 against MediaPipe on the held-out
crops before and after. The new weights replace the project's copy only when PCK did not
drop and the run was not stopped; they are written to a temporary folder first and renamed
into place, so the project never holds a half-written checkpoint.
"""

from __future__ import annotations

import shutil
import threading
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from core.cpm import checkpoint
from core.cpm.config import FINETUNE_EPOCHS
from core.cpm.estimator import CPMEstimator
from core.cpm.training.finetune import FinetuneReport, finetune
from core.data.project_cpm import (
    FINETUNED_FOLDER,
    has_finetuned,
    labelled_crops,
    project_checkpoint,
    project_cpm_dir,
    project_network,
    require_weights,
)
from core.data.saved_models.model_files import unpublish
from core.data.saved_models.project_folders import project_folder
from core.data.store import Store
from core.io.atomic import move, replace_folder

_TEMP_PREFIX = ".cpm-"  # temporary folders beside the project's CPM folder


@dataclass(frozen=True)
class ProjectFinetuneReport(FinetuneReport):
    """A ``FinetuneReport`` plus what happened to the project's weights."""

    saved: bool = False  # the new weights are now the project's CPM
    from_finetuned: bool = False  # the run started from the project's earlier fine-tuned copy
    relabelled_crops: int = 0  # crops whose keypoints came from the network, labelled by MediaPipe on the crop
    no_hand_crops: int = 0  # such crops skipped: MediaPipe found no hand in them

    def to_json(self) -> dict[str, float | int | bool]:
        """The numbers the CLI prints and the page shows, rounded."""
        data = asdict(self)
        for key in ("pck_before", "pck_after", "seconds"):
            data[key] = round(data[key], 4)
        return data


def _install(model_source: CPMEstimator, target: Path) -> None:
    """Write the weights beside ``target`` and swap them in with renames (no half-written folder)."""
    fresh = target.parent / f"{_TEMP_PREFIX}new-{uuid.uuid4().hex[:8]}"
    checkpoint.save(model_source.model, fresh)
    replace_folder(fresh, target, target.parent / f"{_TEMP_PREFIX}old-{uuid.uuid4().hex[:8]}")


def finetune_project(
    store: Store,
    project: str,
    epochs: int = FINETUNE_EPOCHS,
    on_progress: Callable[[int, int, float], None] | None = None,
    cancel: threading.Event | None = None,
    max_crops: int | None = None,
    min_gain: float = 0.0,
) -> ProjectFinetuneReport:
    """Fine-tune ``project``'s network on its recorded crops; save only when PCK@0.2 did not drop (``min_gain``).

    Args:
        epochs: passes over the training crops (>= 1).
        on_progress: called after each epoch with (epoch, epochs, mean loss).
        cancel: set it to stop; nothing is saved then.
        max_crops: use at most this many crops, spread over the classes (None: all).
        min_gain: save only when PCK@0.2 after - before >= this (0: not worse; negative: save anyway).

    Raises:
        ValueError: fewer than 5 usable crops (the message says what to record), ``epochs`` < 1, or the
            network's weights are missing (``MissingWeightsError`` naming the folder).
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    identity = store.project_identity(project)  # before the crops: the weights go into this project or nowhere
    crops, counts = labelled_crops(store, project, max_crops)  # a network's samples: MediaPipe labels their crops
    from_finetuned = has_finetuned(store, project)
    start = require_weights(project_checkpoint(store, project), project_network(store, project))
    estimator = CPMEstimator(start, num_threads=None)
    report = finetune(estimator, crops, epochs, on_progress, cancel)
    cancelled = report.cancelled or (cancel is not None and cancel.is_set())
    keep = not cancelled and report.epochs == epochs and report.pck_after - report.pck_before >= min_gain
    if keep:
        with project_folder(store, project, identity, "the fine-tuned network") as (_, folder):
            _install(estimator, folder / FINETUNED_FOLDER)
    fields = {**asdict(report), "cancelled": cancelled}
    return ProjectFinetuneReport(
        **fields,
        saved=keep,
        from_finetuned=from_finetuned,
        relabelled_crops=counts.relabelled,
        no_hand_crops=counts.no_hand,
    )


def reset_project_cpm(store: Store, project: str) -> bool:
    """Delete ``project``'s fine-tuned network (it goes back to the shipped weights); True if there was one."""
    if store.shared:  # the row, for every server (core.data.saved_models.model_files)
        return unpublish(store, project, FINETUNED_FOLDER)
    target = project_cpm_dir(store, project)
    existed = target.exists()
    if existed:
        old = target.parent / f"{_TEMP_PREFIX}old-{uuid.uuid4().hex[:8]}"
        move(target, old)  # gone at once for readers, even if the deletion below is slow
        shutil.rmtree(old, ignore_errors=True)
    return existed
