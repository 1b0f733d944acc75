"""``finetune-cpm``: the project's keypoint network fine-tuned on its own hand crops (``core.data.project_finetune``):
the ResNet-deconv for a resnet-deconv project, else the CPM.

Its registration imports only the CPM's config; torch comes in when the command runs.
"""

from __future__ import annotations

import argparse
import json

from core.cpm.config import FINETUNE_EPOCHS
from core.data.store import Store
from core.gestures.catalog import DEFAULT_PROJECT


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add ``finetune-cpm`` to the main CLI's subparsers."""
    p = subparsers.add_parser(
        "finetune-cpm",
        help="improve the project's hand keypoint network (CPM or ResNet-deconv) on the hand crops of its samples",
        description="Fine-tune the project's keypoint network (the ResNet-deconv for a resnet-deconv project, else the "
        "CPM; its fine-tuned copy, else the shipped weights) on the hand crops "
        "of its webcam and photo samples, with MediaPipe's keypoints as the teacher (MediaPipe labels the crops of "
        "samples the network recorded; one where it finds no hand is skipped). One crop in five is held out; "
        "the new weights are kept only when PCK@0.2 on them does not drop. Prints a line per epoch; the last line is "
        "JSON.",
    )
    p.add_argument("--project", "-p", default=DEFAULT_PROJECT, help=f"project name (default: {DEFAULT_PROJECT})")
    p.add_argument(
        "--epochs", type=int, default=FINETUNE_EPOCHS, help="passes over the training crops (default: %(default)s)"
    )
    p.add_argument("--max-crops", type=int, metavar="N", help="at most N crops, spread over the classes (default: all)")
    p.add_argument("--reset", action="store_true",
                   help="delete the project's fine-tuned network instead (back to the default)")  # fmt: skip
    p.set_defaults(func=_run_finetune, handler=_run_finetune)


def _run_finetune(args: argparse.Namespace) -> int:
    from core.data.project_cpm import TITLES, count_crops, has_finetuned, project_network
    from core.data.project_finetune import reset_project_cpm  # torch: only when it runs
    from core.jobs import model_tasks
    from core.jobs.job import JobContext

    store = Store(getattr(args, "data", None))
    if args.project not in store.list_projects():
        raise ValueError(f"no project {args.project!r}; projects: {', '.join(store.list_projects()) or 'none'}")
    title = TITLES[project_network(store, args.project)]
    if args.reset:
        removed = reset_project_cpm(store, args.project)
        print(
            f"project {args.project!r} "
            + (f"is back to the default {title}" if removed else f"had no fine-tuned {title}")
        )
        print(json.dumps({"reset": removed, "saved": False}))
        return 0
    start = f"its fine-tuned {title}" if has_finetuned(store, args.project) else f"the default {title}"
    usable = count_crops(store, args.project).usable
    crops = usable if args.max_crops is None else min(usable, args.max_crops)
    print(f"fine-tuning {start} of project {args.project!r} on up to {crops} crops, {args.epochs} epochs", flush=True)

    def progress(epoch: int, epochs: int, loss: float | None = None) -> None:
        print(f"epoch {epoch}/{epochs}  loss {loss:.4f}", flush=True)

    # the page's job function, here in this process (core.jobs.model_tasks)
    report = model_tasks.finetune(JobContext(progress), store.data_dir, args.project, args.epochs, args.max_crops)
    verdict = "kept" if report.saved else f"not kept (PCK@0.2 dropped), the previous {title} stays"
    if report.relabelled_crops or report.no_hand_crops:
        print(f"MediaPipe labelled {report.relabelled_crops} crops the {title} had recorded; "
              f"{report.no_hand_crops} skipped, no hand found in them")  # fmt: skip
    print(f"PCK@0.2 vs MediaPipe on {report.held_out_crops} held-out crops: "
          f"{report.pck_before:.3f} -> {report.pck_after:.3f} in {report.seconds:.1f} s; new weights {verdict}")  # fmt: skip
    keys = ("pck_before", "pck_after", "seconds", "epochs", "train_crops", "held_out_crops", "saved")
    print(json.dumps({k: report.to_json()[k] for k in keys}))
    return 0
