"""Handlers of the command-line commands: parse nothing, print results, return an exit code.

Only the store and CSV modules are imported here: torch, scikit-learn and MediaPipe (3 s to import)
come in inside the handlers that use them, so ``--help`` and the store commands start at once
(``tests/test_cli_startup.py``).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli.common import checked_outputs, open_store, print_error, print_json, reading_store
from core.data.class_plan import STARTER, plan_classes, starter_gestures, summary_line
from core.data.counts import plural, project_counts
from core.data.csv_files import csv_io
from core.data.csv_files.two_hands import two_hands_text
from core.data.managed import check_output
from core.data.sql.database import store_exists
from core.data.sql.schema import StoreLockedError
from core.data.sql.write_lock import busy_notices
from core.data.store import Store
from core.gestures.catalog import validate_name
from core.gestures.features import keypoints_to_features
from core.gestures.train_config import TrainConfig
from core.io.limits import check_hidden
from core.jobs.job import JobContext

if TYPE_CHECKING:
    from core.gestures.classifier import GestureClassifier
    from core.gestures.early_stop import EpochStats
    from core.jobs.tasks import Trained


def extract(args: argparse.Namespace) -> int:
    """Exit 0, or 1 when some inputs were refused (each an ``error:`` line) and the others' samples stored.

    When every input is bad nothing changes, not even the class: exit 2 with one ``error:`` line per input; so
    too when the inputs that looked usable failed before a frame was read (e.g. out of memory once MediaPipe ran).
    """
    from core.data.imports.extract import (  # OpenCV, Pillow, MediaPipe: only when extracting
        ExtractConfig,
        extract_to_store,
    )

    store = open_store(args)
    project = validate_name(args.project, "project name")
    exists = store.has_project(project)
    if exists and store.project_is_motion(project):  # one clip per video file
        from core.cli import motion

        return motion.extract(args, store, project)
    label = (store.class_named(project, args.label) if exists else None) or validate_name(args.label, "class name")
    config = ExtractConfig(every_n=args.every, hands_per_frame=args.hands)
    try:
        report = extract_to_store(store, project, label, args.input, config, create_class=True,
                                  create_project=not exists)  # fmt: skip
    except StoreLockedError:
        print(f"stopped: nothing stored in project {project!r}, the database stayed locked; run the same "
              "command again", flush=True)  # fmt: skip
        raise
    if not exists and report.stored:
        print(f"created project {project!r}")
    if report.added_class:
        print(f"added class {label!r} to project {project!r}")
    print(report.summary())
    for problem in report.refused:
        print_error(str(problem))
    body = exists and store.project_skeleton(project).name == "body"  # no_person (a new project is a hand one)
    none = {"no_person": report.no_person} if body else {"no_hand": report.no_hand}
    print_json({"stored": report.stored, "frames": report.frames, **none,
                 "rejected": dict(report.rejected), "refused": report.refused})  # fmt: skip
    if report.refused:
        return 2 if not report.frames and not report.stored else 1
    return 0


def import_csv(args: argparse.Namespace) -> int:
    if args.format == "kinivi-history":  # fingertip paths: clips of a motion project
        from core.cli import motion

        return motion.import_history(args)
    if args.format == "kinivi" and not args.labels:
        raise ValueError("--labels LABELS.csv is required with --format kinivi")
    store = open_store(args)
    project = validate_name(args.project, "project name")
    create = not store.has_project(project)  # created with the import's first batch: a failed import leaves none
    with busy_notices(lambda notice: print(notice, file=sys.stderr, flush=True)):  # another write holds the store
        if args.format == "kinivi":
            report = csv_io.import_kinivi(store, project, Path(args.csv), Path(args.labels), create_project=create)
        else:
            report = csv_io.import_handteach(store, project, Path(args.csv), create_project=create)
    print(f"imported {report.n_added} samples into project {project!r}: {report.per_class}")
    print(f"stored in {report.batches} writes, the longest holding the store {report.longest_write_s:.2f} s")
    if report.two_hand_classes:
        print(f"warning: {two_hands_text(report.two_hand_classes)}", file=sys.stderr)
    return 0


def export_csv(args: argparse.Namespace) -> int:
    output = check_output(args.output, args.data)
    labels = check_output(args.labels or output.with_name(output.stem + "_labels.csv"), args.data)
    store = reading_store(args, args.project)
    if args.format == "kinivi":
        count = csv_io.export_kinivi(store, args.project, output, labels)
        print(f"wrote {count} rows to {output} and the label names to {labels}")
    else:
        count = csv_io.export_handteach(store, args.project, output)
        print(f"wrote {count} rows to {output}")
    return 0


def projects(args: argparse.Namespace) -> int:
    if args.action == "list":
        if not store_exists(args.data):
            return 0  # no database, no projects: nothing to create for a look
        store = Store(args.data, read_only=True)
        for name in store.list_projects():  # the words of the app's sidebar and Home (core/data/counts.py)
            motion = " (motion)" if store.project_is_motion(name) else ""
            print(f"{name}: {project_counts(store, name).summary()}{motion}")
        return 0
    if not args.name:
        raise ValueError(f"'projects {args.action}' needs a project name")
    if args.action in ("export", "import"):  # a whole project as one .handteach file
        from core.cli import bundle

        return bundle.export(args) if args.action == "export" else bundle.import_file(args)
    store = open_store(args)
    if args.action == "create":
        store.create_project(args.name, default_classes=not (args.empty or args.motion), backend=args.backend,
                             skeleton=args.skeleton, motion=args.motion)  # fmt: skip
    else:
        store.delete_project(args.name)
    body = args.action == "create" and args.skeleton == "body"
    print(f"{args.action}d project {args.name!r}" + (" (body poses: add classes with `classes add`)" if body else ""))
    return 0


def classes(args: argparse.Namespace) -> int:
    store = reading_store(args, args.project) if args.action == "list" else open_store(args)
    project = args.project if store.read_only else store.ensure_project(args.project)
    needed = {"list": 0, "add": 1, "delete": 1, "clear": 1, "rename": 2}[args.action]
    if len(args.names) != needed:
        raise ValueError(f"'classes {args.action}' takes {needed} name(s), got {len(args.names)}")
    if args.action == "list":
        counts = project_counts(store, project)
        for c in store.list_classes(project):
            mirror = f" (mirror: {c.mirror})" if c.mirror else ""
            print(f"{c.emoji} {c.name}".strip() + f": {plural(counts.per_class.get(c.name, 0), counts.unit)}{mirror}")
        return 0
    action = {"add": lambda n: store.add_class(project, n, emoji=args.emoji, mirror=args.mirror),
              "delete": lambda n: store.delete_class(project, n),
              "clear": lambda n: store.clear_class(project, n),
              "rename": lambda old, new: store.rename_class(project, old, new)}[args.action]  # fmt: skip
    action(*args.names)
    print(f"{args.action}: {' → '.join(args.names)} in project {project!r}")
    return 0


def _progress_printer(every: int = 25) -> Callable[[EpochStats], None]:
    def show(stats: EpochStats) -> None:
        if stats.epoch == 1 or stats.epoch % every == 0:
            print(f"epoch {stats.epoch:4d}  loss {stats.train_loss:.4f}  val_loss {stats.val_loss:.4f}  "
                  f"train_acc {stats.train_accuracy:.4f}  val_acc {stats.val_accuracy:.4f}", flush=True)  # fmt: skip

    return show


def _epoch_context() -> JobContext:
    """The train job's context on the command line: its progress (the epochs so far) printed every 25 epochs."""
    show = _progress_printer()
    return JobContext(progress=lambda done, total, history=None: show(history[-1]) if history else None)


def _steps_context(doing: str, unit: str) -> JobContext:
    """A job's context printing ``measuring: round N of M`` as its steps (folds, trainings) end."""
    return JobContext(
        progress=lambda done, total, _=None: done and print(f"{doing}: {unit} {done} of {total}", flush=True)
    )


def train(args: argparse.Namespace) -> int:
    check_hidden("--hidden", args.hidden)  # refused before the store is opened or any tensor is built
    store = open_store(args)
    if args.project in store.list_projects() and store.project_is_motion(args.project):
        from core.cli import motion

        return motion.train(args, store, args.project)
    if getattr(args, "path_only", False):
        raise ValueError(f"--path-only: project {args.project!r} is not a motion project")
    from core.jobs import tasks  # torch, scikit-learn: only when training

    config = TrainConfig(epochs=args.epochs, seed=args.seed, hidden=tuple(args.hidden), learning_rate=args.lr,
                         val_share=args.val_share, augment=not args.no_augment, mirror=not args.no_mirror)  # fmt: skip
    starter = not getattr(args, "no_starter", True)  # the flag exists when core.starter is installed
    keep = starter and getattr(args, "keep_starter_gestures", False)
    mirrors = {c.name: c.mirror_partner for c in store.list_classes(args.project)}
    plans = plan_classes(store.class_counts(args.project), mirrors, config.mirror,
                         starter_gestures() if starter else None, keep)  # fmt: skip
    print(summary_line(plans, starter), flush=True)
    # the job the Train page sends to a worker, run here in the command's own process
    trained = tasks.train(_epoch_context(), store.data_dir, args.project, config, starter, keep)
    result = trained.result
    for name, accuracy in result.per_class.items():
        print(f"  {name:>20s}: {accuracy:.4f}")
    # 0: --no-starter, or no class of the project is a starter gesture
    print(f"starter rows used: {result.starter_rows}")
    if result.mirror_landings:
        from core.gestures.mirror_weights import mirror_landings_text

        print(f"note: {mirror_landings_text(result.mirror_landings)}", file=sys.stderr)
    print_json({"val_accuracy": result.val_accuracy, "classes": result.classes, "n_samples": result.n_samples,
                 "starter_rows": result.starter_rows, "mirror_landings": result.mirror_landings,
                 "seconds": round(result.seconds, 3), "epochs": len(result.history), "per_class": result.per_class,
                 "confusion": result.confusion.tolist(), "skipped_classes": list(result.skipped_classes),
                 "left_out": list(result.skipped_classes),
                 "from_starter_alone": [p.name for p in plans if p.reason == STARTER],
                 **(_measured(trained, store, args.project, config, starter, keep) if getattr(args, "measure", False) else {})})  # fmt: skip
    return 0


def _measured(trained: Trained, store: Store, project: str, config: TrainConfig, starter: bool, keep: bool) -> dict:
    """``train --measure``: the saved model's k-fold figure (the Train page's headline), as the JSON's fields."""
    from core.jobs import tasks

    if trained.result.cancelled:
        return {}
    measured = tasks.measure(_steps_context("measuring", "round"), store.data_dir, project, config, trained.dataset,
                             trained.result, starter, keep)  # fmt: skip
    cv = measured.crossval
    if cv is None:
        return {"measured": None, "measured_note": measured.note}
    return {"measured": {"correct": cv.figure.correct, "total": cv.figure.total, "low": round(cv.figure.low, 4),
                         "high": round(cv.figure.high, 4), "folds": cv.folds}}  # fmt: skip


def _require_model(store: Store, project: str) -> GestureClassifier:
    """The project's model; an untrained project with default gestures gets the starter model."""
    from core.data.project import load_project_model  # torch: only the commands that use a model

    model = load_project_model(store, project, starter_fallback=True)
    if model is None:
        raise ValueError(f"project {project!r} has no trained model yet; run `python -m core train -p {project}`")
    return model


def evaluate(args: argparse.Namespace) -> int:
    if args.format == "kinivi-history":
        from core.cli import motion

        return motion.evaluate_history(args)
    from core.data.project import features_of  # torch, scikit-learn: only when evaluating
    from core.gestures.training import evaluate as evaluate_model

    store = reading_store(args, args.project)
    model = _require_model(store, args.project)
    if args.format == "kinivi":
        if not args.labels:
            raise ValueError("--labels LABELS.csv is required with --format kinivi")
        points, labels = csv_io.read_kinivi(Path(args.csv), Path(args.labels))
        if model.feature_config.use_depth:
            raise ValueError("this model was trained with depth (3D keypoints); a kinivi CSV holds only 2D points")
        features = keypoints_to_features(points, model.feature_config)
    else:
        skeleton, rows = csv_io.open_handteach(Path(args.csv))
        if skeleton.name != model.feature_config.skeleton:
            raise ValueError(f"{args.csv}: holds {skeleton.name} keypoints; the model of project {args.project!r} "
                             f"reads {model.feature_config.skeleton} keypoints")  # fmt: skip
        samples = list(rows)
        labels = [s.class_name for s in samples]
        features = features_of([s.hand for s in samples], model.feature_config)
    # A CSV's "OK" is the model's "ok", as on import (class names are unique regardless of case)
    by_key = {name.casefold(): name for name in model.classes}
    labels = [by_key.get(label.strip().casefold(), label) for label in labels]
    report = evaluate_model(model, features, labels)
    print(f"accuracy {report.accuracy:.4f} on {report.n} samples")
    print_json({"accuracy": report.accuracy, "per_class": report.per_class, "n": report.n,
                 "confusion": report.confusion.tolist()})  # fmt: skip
    return 0


def export_onnx(args: argparse.Namespace) -> int:
    """The project's model (the starter model for an untrained default project) as ONNX on MediaPipe landmarks."""
    from core.gestures import onnx_export  # torch.onnx: only here

    output = check_output(args.output, args.data)
    store = reading_store(args, args.project)
    if args.project in store.list_projects() and store.project_is_motion(args.project):
        raise ValueError(f"project {args.project!r}: {onnx_export.MOTION_REFUSAL}")
    model = _require_model(store, args.project)
    path = onnx_export.export_onnx(model, output, store.list_classes(args.project))
    names = ", ".join(model.classes)
    print(f"wrote {path}: {model.feature_config.skeleton} landmarks → {len(model.classes)} classes ({names}), "
          f"threshold {model.threshold:g}")  # fmt: skip
    return 0


def infer(args: argparse.Namespace) -> int:
    """Exit 0; 1 when some files could not be read (each an ``error:`` line) and the others were done; 2 for none."""
    # torch, MediaPipe, OpenCV: only when inferring
    from core.gestures.inference import annotate_file
    from core.io.video import MediaError, expand_inputs, media_kind
    from core.keypoints.backend import KeypointBackend
    from core.keypoints.landmarks import TrackerConfig

    if args.output:  # a folder, or one annotated file (named with a suffix); each file is checked below too
        check_output(args.output, args.data, folder=not Path(args.output).suffix)
    store = reading_store(args, args.project)
    if args.project in store.list_projects() and store.project_is_motion(args.project):
        from core.cli import motion

        return motion.infer(args, store, args.project)
    model = _require_model(store, args.project)
    files = expand_inputs([Path(p) for p in args.input])
    for path in files:
        media_kind(path)
    outputs = checked_outputs(args, files)
    backend = KeypointBackend.of_project(store, args.project)  # the keypoints the model learned on
    refused: list[MediaError] = []
    for path in files:
        photo = media_kind(path) == "image"
        source = backend.source(TrackerConfig(static_image_mode=photo, zoom_out_photos=photo))
        try:
            for line in annotate_file(path, source, model, outputs.get(path), every_n=args.every):
                if args.json:
                    print_json(line)
        except MediaError as exc:  # one unreadable photo among many: say so and go on with the others
            if len(refused) + 1 == len(files):
                raise
            refused.append(exc)
            print_error(str(exc))
            continue
        finally:
            source.close()
        if path in outputs:
            print(f"wrote {outputs[path]}", flush=True)
    return 1 if refused else 0
