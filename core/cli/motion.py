"""The command line in a motion project: ``extract``, ``train`` and ``infer`` hand over here, and ``evaluate-clips``.

``core.cli.commands`` sends a motion project's ``extract`` (one clip per video file), ``train`` (the
motion model) and ``infer`` (the gestures found in a video, with their times) to these handlers;
the engine work is ``core.data.project_motion``'s. torch and scikit-learn (the model, its training and
scoring) are imported inside the handlers, so registering ``evaluate-clips`` costs ``--help`` nothing.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from core.data.clips import StoredClip, add_clips, clip_counts
from core.data.csv_files.point_history import history_clips, read_point_history
from core.data.project_motion import (
    CLIP_ERRORS,
    extract_clips,
    load_motion_model,
    read_clip_labels,
    read_video_clip,
    require_motion,
    spot_video,
)
from core.data.store import Store
from core.io.video import MediaError, expand_inputs, media_kind
from core.keypoints.backend import KeypointBackend
from core.skeletons import FINGERTIP

if TYPE_CHECKING:
    from core.gestures.early_stop import EpochStats
    from core.motion.evaluate import ClipReport
    from core.motion.model import MotionModel


def _json(payload: dict) -> None:
    print(json.dumps(payload, ensure_ascii=False), flush=True)


def _error(message: str) -> None:
    from core.cli.common import print_error  # one writer of error lines

    print_error(message)


def _model(store: Store, project: str) -> MotionModel:
    model = load_motion_model(store, project)
    if model is None:
        raise ValueError(
            f"project {project!r} has no trained motion model yet; run `python -m core train -p {project}`"
        )
    return model


def extract(args: argparse.Namespace, store: Store, project: str) -> int:
    """One clip per video; exit 1 when some files were refused (each an ``error:`` line), 2 when all were."""
    report = extract_clips(store, project, args.label, args.input)
    if report.added_class:
        print(f"added class {report.class_name!r} to project {project!r}")
    print(report.summary())
    for problem in report.refused:
        _error(problem)
    _json({"stored": len(report.clip_ids), "frames": report.frames, "refused": report.refused})
    return 1 if report.refused else 0


def train(args: argparse.Namespace, store: Store, project: str) -> int:
    """The project's motion model from its clips; the last line is JSON (``val_accuracy``, ``per_class``, ...)."""
    from core.jobs import model_tasks  # scikit-learn, torch: only when training
    from core.jobs.job import JobContext
    from core.motion.train import MotionTrainConfig

    base = MotionTrainConfig()
    augment = base.augment if not args.no_mirror else replace(base.augment, mirror=0.0)
    features = replace(base.features, use_shape=False) if getattr(args, "path_only", False) else base.features
    config = replace(base, epochs=int(args.epochs), seed=int(args.seed), lr=float(args.lr),
                     val_share=float(args.val_share), augment=augment, features=features,
                     copies=0 if args.no_augment else base.copies)  # fmt: skip

    def show(stats: EpochStats) -> None:
        if stats.epoch == 1 or stats.epoch % 25 == 0:
            print(f"epoch {stats.epoch:4d}  loss {stats.train_loss:.4f}  val_loss {stats.val_loss:.4f}  "
                  f"val_acc {stats.val_accuracy:.4f}", flush=True)  # fmt: skip

    # the page's job function, here in this process (core.jobs.model_tasks): the model saved, then run on the clips
    context = JobContext(progress=lambda done, total, history=None: show(history[-1]) if history else None)
    trained = model_tasks.train_motion(context, store.data_dir, project, config)
    best = trained.history[trained.best_epoch - 1] if trained.history else None
    report = trained.report  # on the clips it learnt from
    for name, accuracy in report.per_class.items():
        print(f"  {name:>20s}: {accuracy:.4f}")
    _json({"val_accuracy": best.val_accuracy if best else None, "classes": trained.classes,
           "n_clips": trained.clips, "epochs": len(trained.history), "best_epoch": trained.best_epoch,
           "seconds": round(trained.seconds, 3), "stored_accuracy": round(report.accuracy, 4),
           "per_class": report.as_json()["per_class"], "confusion": report.confusion.tolist()})  # fmt: skip
    return 0


def infer(args: argparse.Namespace, store: Store, project: str) -> int:
    """The gestures found in each video with their times (and with ``-o`` each video annotated: skeleton,
    trail, the gesture's name when it fires); exit 1 when some files could not be read."""
    from core.cli.common import checked_outputs

    model = _model(store, project)
    backend = KeypointBackend.of_project(store, project)
    files = expand_inputs([Path(p) for p in args.input])
    outputs = checked_outputs(args, files)
    refused: list[MediaError] = []
    for path in files:
        try:
            if media_kind(path) != "video":
                raise MediaError(path, "a motion project finds gestures in videos, not in photos")
            events = spot_video(path, model, backend, output=outputs.get(path))
        except MediaError as exc:
            if len(refused) + 1 == len(files):
                raise
            refused.append(exc)
            _error(str(exc))
            continue
        if path in outputs:
            print(f"{path}: annotated video written to {outputs[path]}")
        if not events:
            print(f"{path}: no gesture found")
        for event in events:
            print(f"{path}: {event.label} from {event.start:.2f} s to {event.end:.2f} s "
                  f"(confidence {event.confidence:.2f})")  # fmt: skip
            if args.json:
                _json({"source": str(path), "label": event.label, "confidence": round(event.confidence, 4),
                       "start": round(event.start, 3), "end": round(event.end, 3)})  # fmt: skip
    return 1 if refused else 0


def import_history(args: argparse.Namespace) -> int:
    """kinivi's point-history CSV into a motion project of fingertip paths (created with that skeleton).

    The whole file is read and checked before the store is opened; the clips go in one transaction, so
    a bad row (column count, text, unknown label id) or a project of another kind changes nothing.
    """
    from core.cli.common import open_store

    if not args.labels:
        raise ValueError("--labels LABELS.csv is required with --format kinivi-history")
    csv_path = Path(args.csv)
    clips = history_clips(read_point_history(csv_path, args.labels), csv_path.name)
    store = open_store(args)
    project, created = args.project, args.project not in store.list_projects()
    if created:
        store.create_project(project, default_classes=False, skeleton=FINGERTIP.name, motion=True)
    try:
        require_motion(store, project)
        add_clips(store, project, [StoredClip(c, "csv", "mediapipe") for c in clips], create_classes=True)
    except Exception:
        if created:  # the project this command made goes with its failed import
            store.delete_project(project)
        raise
    counts = clip_counts(store, project)
    print(f"imported {len(clips)} fingertip clips into {'new ' if created else ''}project {project!r}: {counts}")
    _json({"imported": len(clips), "project": project, "created": created, "per_class": counts})
    return 0


def evaluate_history(args: argparse.Namespace) -> int:
    """A fingertip project's motion model on a kinivi point-history CSV; the last line is JSON."""
    from core.cli.common import reading_store
    from core.motion.evaluate import evaluate_clips  # scikit-learn: only when scoring

    if not args.labels:
        raise ValueError("--labels LABELS.csv is required with --format kinivi-history")
    csv_path = Path(args.csv)
    history = read_point_history(csv_path, args.labels)
    store = reading_store(args, args.project)
    require_motion(store, args.project)
    model = _model(store, args.project)
    if model.skeleton != FINGERTIP:
        raise ValueError(f"{csv_path}: a point history holds fingertip paths; the model of project {args.project!r} "
                         f"is for {model.skeleton.name} keypoints (import the history into a new project)")  # fmt: skip
    labels = [_class_of(name, model.classes, Path(args.labels)) for name in history.labels]
    clips = history_clips(history, csv_path.name, [labels[i] for i in history.label_ids])
    report = evaluate_clips(model, clips, model.classes)
    print_report(report)
    _json(report.as_json() | {"n": len(clips)})
    return 0


def _class_of(label: str, classes: list[str], csv_path: Path) -> str:
    by_key = {name.casefold(): name for name in classes}
    if label.casefold() not in by_key:
        raise ValueError(f"{csv_path}: label {label!r} is not a class of the model ({', '.join(classes)})")
    return by_key[label.casefold()]


def print_report(report: ClipReport) -> None:
    print(f"accuracy {report.accuracy:.4f} on {len(report.predictions)} clips")
    for name, recall in report.per_class.items():
        print(f"  {name:>20s}: {recall:.4f}")
    width = max(len(name) for name in report.labels)
    print("confusion (rows: true class, columns: predicted)")
    print(" " * (width + 2) + " ".join(f"{name[:8]:>8s}" for name in report.labels))
    for name, row in zip(report.labels, report.confusion, strict=True):
        print(f"  {name:>{width}s} " + " ".join(f"{int(n):8d}" for n in row))


def evaluate_clips_command(args: argparse.Namespace) -> int:
    """Accuracy on labelled videos (one clip each); exit 1 when some could not be clips, 2 when none could."""
    from core.cli.common import reading_store
    from core.motion.evaluate import evaluate_clips  # scikit-learn: only when scoring

    store = reading_store(args, args.project)
    require_motion(store, args.project)
    model = _model(store, args.project)
    csv_path = Path(args.labels)
    pairs = [(path, _class_of(label, model.classes, csv_path)) for path, label in read_clip_labels(csv_path)]
    backend = KeypointBackend.of_project(store, args.project)
    clips, refused = [], []
    for path, label in pairs:
        try:
            clips.append(read_video_clip(path, backend, label))
        except CLIP_ERRORS as exc:
            refused.append(str(exc))
    if not clips:
        raise ValueError("\nerror: ".join(refused))
    for problem in refused:
        _error(problem)
    report = evaluate_clips(model, clips, model.classes)
    print_report(report)
    _json(report.as_json() | {"n": len(clips), "refused": refused})
    return 1 if refused else 0


def register(sub: argparse._SubParsersAction) -> None:
    help_text = "score a motion project's model on labelled videos (a file,label CSV); last line is JSON"
    p = sub.add_parser("evaluate-clips", help=help_text, description=help_text)
    p.set_defaults(handler=evaluate_clips_command)
    p.add_argument("--labels", required=True, metavar="CLIPS.csv",
                   help="'file,label' rows; paths absolute or relative to the CSV; each video is one clip")  # fmt: skip
    p.add_argument("--project", "-p", required=True, help="the motion project whose model is evaluated")


def is_motion(store: Store, project: str) -> bool:
    """True for an existing motion project (a missing one is the static handlers' to create or refuse)."""
    return project in store.list_projects() and store.project_is_motion(project)
