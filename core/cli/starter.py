"""Commands of the starter package: ``train-starter``, ``evaluate-images``, and ``train --no-starter``.

``register(subparsers)`` is called by ``core.cli.main`` through ``core.cli.registry``.
"""

from __future__ import annotations

import argparse
import json
import time
from functools import partial
from pathlib import Path

from core.cli.common import open_store
from core.data.managed import check_output
from core.gestures.catalog import DEFAULT_PROJECT


def _print_json(payload: dict) -> None:
    print(json.dumps(payload, ensure_ascii=False))


def train_starter_command(args: argparse.Namespace) -> int:
    from core.starter.model import WEIGHTS_DIR, train_starter
    from core.starter.sources import DEFAULT_CACHE, shared_hands_dir

    started = time.perf_counter()
    out = check_output(args.out or WEIGHTS_DIR, args.data, folder=True)
    cache = check_output(args.cache or DEFAULT_CACHE, args.data)
    hands = shared_hands_dir(args.shared)
    if not hands.is_dir():
        raise FileNotFoundError(f"real hand data not found at {hands}; pass --shared DIR (the folder holding hands/)")
    summary = train_starter(out, hands, cache)
    seconds = time.perf_counter() - started
    print(f"wrote the starter model and set to {out} in {seconds:.1f} s")
    _print_json({"out": str(out), "seconds": round(seconds, 2), **summary})
    return 0


def evaluate_images_command(args: argparse.Namespace) -> int:
    from core.data.project import load_project_model
    from core.starter.images_eval import LabelsFileError, evaluate_images, read_labels, report_lines

    cache = check_output(args.cache, args.data) if args.cache else None
    store = open_store(args)
    if args.project == DEFAULT_PROJECT:
        store.ensure_project()  # a fresh data folder: the default project works out of the box
    model = load_project_model(store, args.project, starter_fallback=True)
    if model is None:
        raise ValueError(
            f"project {args.project!r} has no trained model (and no default classes for the starter model)"
        )
    # train_starter stamps project="starter"; a project's own model carries the project's name
    source = "the shipped starter model" if model.metadata.get("project") == "starter" else "the project's model"
    rows = read_labels(Path(args.labels))
    known = {*model.classes, "unknown"}
    foreign = sorted({r.label for r in rows} - known)
    if len(foreign) == len({r.label for r in rows}):
        raise LabelsFileError(f"{args.labels}: no row names a class of the model {model.classes} or 'unknown': "
                              f"labels {', '.join(map(repr, foreign))}")  # fmt: skip
    print(f"{len(rows)} labelled images; {source}, classes {model.classes}", flush=True)
    if foreign:
        n = sum(r.label in foreign for r in rows)
        print(f"{args.labels}: {n} rows name labels that are not classes of the model: "
              f"{', '.join(map(repr, foreign))}; counted apart, not scored", flush=True)  # fmt: skip
    notes: list[str] = []
    detect, subject = None, "hand"
    if store.project_skeleton(args.project).name == "body":  # MediaPipe Pose, the largest person of each photo
        from core.keypoints.pose import person_per_photo

        detect, subject = partial(person_per_photo, notes=notes), "person"
    report = evaluate_images(rows, model, hands=args.hands, cache_file=cache, detect=detect)
    for line in report_lines(report, subject):
        print(line)
    for note in notes:  # scored, but worth a look: the person used may not be the one labelled
        print(f"note: {note}")
    _print_json(report.summary(subject))  # a body project's JSON says no_person where a hand one says no_hand
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "train-starter",
        help="rebuild the starter set and starter model from ../shared/data; last line is JSON",
        description="Rebuild core/starter/weights: MediaPipe keypoints of the shared photos (cached), "
        "turned and procedural hands, then the starter model trained on them.",
    )
    p.add_argument("--out", metavar="DIR", help="where to write (default: core/starter/weights)")
    p.add_argument(
        "--shared", metavar="DIR", help="folder holding hands/ (default: $HANDTEACH_SHARED or ../shared/data)"
    )
    p.add_argument(
        "--cache", metavar="FILE.npz", help="MediaPipe keypoint cache (default: data/cache/starter_hands.npz)"
    )
    p.set_defaults(handler=train_starter_command)

    p = sub.add_parser(
        "evaluate-images",
        help="score the project's model (or the starter model) on labelled photos; last line is JSON",
        description="LABELS.csv has a header with 'file' and 'label' columns; files are relative to the CSV. "
        "A label is a class of the model, or 'unknown' for hands that should be rejected.",
    )
    p.add_argument("--labels", required=True, metavar="LABELS.csv")
    p.add_argument("--project", "-p", default=DEFAULT_PROJECT, help=f"project name (default: {DEFAULT_PROJECT})")
    p.add_argument(
        "--hands", type=int, default=1, choices=(1, 2),
        help="classify the largest hand, or the two largest and keep the more confident (default 1)",
    )  # fmt: skip
    p.add_argument(
        "--cache", metavar="FILE.npz", help="keep MediaPipe results in this cache (shared with train-starter's)"
    )
    p.set_defaults(handler=evaluate_images_command)

    train = sub.choices.get("train")
    if train is not None:
        train.add_argument(
            "--no-starter", action="store_true", help="train on your samples only, without the starter data"
        )
        train.add_argument(
            "--keep-starter-gestures", action="store_true",
            help="keep the starter gestures the project lists but never recorded, learnt from the starter data "
            "alone (by default they are left out and teach 'unknown')",
        )  # fmt: skip
