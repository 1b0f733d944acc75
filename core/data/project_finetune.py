"""Fine-tune a project's CPM on the project's own hand crops, and keep the result only when it helped.

The run starts from the project's current checkpoint (its fine-tuned copy, else the shipped
weights), trains on ``user_crops`` and compares PCK@0.2 against MediaPipe on the held-out
crops before and after. The new weights replace the project's copy only when PCK did not
drop and the run was not stopped; they are written to a temporary folder first and renamed
into place, so the project never holds a half-written checkpoint.
"""

from __future__ import annotations

import argparse
import json
import os
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
from core.data.project_cpm import count_crops, has_finetuned, project_checkpoint, project_cpm_dir, user_crops
from core.data.store import Store

_TEMP_PREFIX = ".cpm-"  # temporary folders beside the project's CPM folder


@dataclass(frozen=True)
class ProjectFinetuneReport(FinetuneReport):
    """A ``FinetuneReport`` plus what happened to the project's weights."""

    saved: bool = False  # the new weights are now the project's CPM
    from_finetuned: bool = False  # the run started from the project's earlier fine-tuned copy

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
    old = target.parent / f"{_TEMP_PREFIX}old-{uuid.uuid4().hex[:8]}"
    if target.exists():
        os.replace(target, old)
    os.replace(fresh, target)
    shutil.rmtree(old, ignore_errors=True)


def finetune_project(
    store: Store,
    project: str,
    epochs: int = FINETUNE_EPOCHS,
    on_progress: Callable[[int, int, float], None] | None = None,
    cancel: threading.Event | None = None,
    max_crops: int | None = None,
    min_gain: float = 0.0,
) -> ProjectFinetuneReport:
    """Fine-tune ``project``'s CPM on its recorded crops; save only when PCK@0.2 did not drop (``min_gain``).

    Args:
        epochs: passes over the training crops (>= 1).
        on_progress: called after each epoch with (epoch, epochs, mean loss).
        cancel: set it to stop; nothing is saved then.
        max_crops: use at most this many crops, spread over the classes (None: all).
        min_gain: save only when PCK@0.2 after - before >= this (0: not worse; negative: save anyway).

    Raises:
        ValueError: fewer than 5 usable crops (the message says what to record), or ``epochs`` < 1.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    crops = user_crops(store, project, max_crops)
    from_finetuned = has_finetuned(store, project)
    estimator = CPMEstimator(project_checkpoint(store, project), num_threads=None)
    report = finetune(estimator, crops, epochs, on_progress, cancel)
    cancelled = report.cancelled or (cancel is not None and cancel.is_set())
    keep = not cancelled and report.epochs == epochs and report.pck_after - report.pck_before >= min_gain
    if keep:
        _install(estimator, project_cpm_dir(store, project))
    fields = {**asdict(report), "cancelled": cancelled}
    return ProjectFinetuneReport(**fields, saved=keep, from_finetuned=from_finetuned)


def reset_project_cpm(store: Store, project: str) -> bool:
    """Delete ``project``'s fine-tuned CPM (it goes back to the shipped weights); True if there was one."""
    target = project_cpm_dir(store, project)
    existed = target.exists()
    if existed:
        old = target.parent / f"{_TEMP_PREFIX}old-{uuid.uuid4().hex[:8]}"
        os.replace(target, old)  # gone at once for readers, even if the deletion below is slow
        shutil.rmtree(old, ignore_errors=True)
    return existed


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``finetune-cpm`` to the main CLI's subparsers."""
    p = subparsers.add_parser(
        "finetune-cpm",
        help="fine-tune the CPM on the project's own recorded hand crops",
        description="Fine-tune the project's CPM (its fine-tuned copy, else the shipped weights) on the hand crops "
        "of its webcam and photo samples, with MediaPipe's keypoints as the teacher. One crop in five is held out; "
        "the new weights are kept only when PCK@0.2 on them does not drop. Prints a line per epoch; the last line is "
        "JSON.",
    )
    p.add_argument("--project", "-p", default="default", help="project name (default: %(default)s)")
    p.add_argument(
        "--epochs", type=int, default=FINETUNE_EPOCHS, help="passes over the training crops (default: %(default)s)"
    )
    p.add_argument("--max-crops", type=int, metavar="N", help="at most N crops, spread over the classes (default: all)")
    p.add_argument("--reset", action="store_true", help="delete the project's fine-tuned CPM instead (back to default)")
    p.set_defaults(func=_run_finetune, handler=_run_finetune)


def _run_finetune(args: argparse.Namespace) -> int:
    store = Store(getattr(args, "data", None))
    if args.project not in store.list_projects():
        raise ValueError(f"no project {args.project!r}; projects: {', '.join(store.list_projects()) or 'none'}")
    if args.reset:
        removed = reset_project_cpm(store, args.project)
        print(f"project {args.project!r} " + ("is back to the default CPM" if removed else "had no fine-tuned CPM"))
        print(json.dumps({"reset": removed, "saved": False}))
        return 0
    start = "its fine-tuned CPM" if has_finetuned(store, args.project) else "the default CPM"
    usable = count_crops(store, args.project).usable
    crops = usable if args.max_crops is None else min(usable, args.max_crops)
    print(f"fine-tuning {start} of project {args.project!r} on up to {crops} crops, {args.epochs} epochs", flush=True)

    def progress(epoch: int, epochs: int, loss: float) -> None:
        print(f"epoch {epoch}/{epochs}  loss {loss:.4f}", flush=True)

    report = finetune_project(store, args.project, args.epochs, progress, max_crops=args.max_crops)
    verdict = "kept" if report.saved else "not kept (PCK@0.2 dropped), the previous CPM stays"
    print(f"PCK@0.2 vs MediaPipe on {report.held_out_crops} held-out crops: "
          f"{report.pck_before:.3f} -> {report.pck_after:.3f} in {report.seconds:.1f} s; new weights {verdict}")  # fmt: skip
    keys = ("pck_before", "pck_after", "seconds", "epochs", "train_crops", "held_out_crops", "saved")
    print(json.dumps({k: report.to_json()[k] for k in keys}))
    return 0
