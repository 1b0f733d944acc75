"""Command line: ``python -m core COMMAND ...`` does everything the pages do.

Building the parser imports no engine (torch, scikit-learn, MediaPipe): each handler imports its own,
so ``--help`` and the store commands start in a fraction of the time.
"""

from __future__ import annotations

import argparse
import errno
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from core.cli import commands, registry
from core.cli.common import print_error
from core.gestures.catalog import DEFAULT_PROJECT
from core.gestures.train_config import INTEGER_FIELDS, TRAIN_LIMITS, TrainConfig, check_limit
from core.io.fds import out_of_fds, too_many_open_files_text
from core.types import KEYPOINT_BACKENDS

VERBOSE_HELP = "also show MediaPipe's own log lines (hidden by default; or set HANDTEACH_VERBOSE=1)"
NO_MEMORY = "not enough memory for this command: close other programs, or raise the memory limit (ulimit -v)"


def bounded(field: str) -> Callable[[str], float]:
    """An argparse ``type`` checking a flag against ``TRAIN_LIMITS[field]`` (the TrainConfig bounds)."""
    integer = field in INTEGER_FIELDS

    def parse(text: str) -> float:
        try:
            value: float = int(text) if integer else float(text)
            return check_limit(field, value, "value")
        except ValueError:
            low, high = TRAIN_LIMITS[field]
            span = f"an integer from {int(low)} to {int(high)}" if integer else f"a number from {low:g} to {high:g}"
            raise argparse.ArgumentTypeError(f"must be {span}, got {text!r}") from None

    return parse


def count(low: int, high: int) -> Callable[[str], int]:
    """An argparse ``type`` for an integer flag within [low, high]."""

    def parse(text: str) -> int:
        if not text.strip().isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(f"must be an integer from {low} to {high}, got {text!r}")
        return int(text)

    return parse


def _project(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--project", "-p", default=DEFAULT_PROJECT, help=f"project name (default: {DEFAULT_PROJECT})")


def _add(sub: argparse._SubParsersAction, name: str, handler: Callable[[argparse.Namespace], int],
         help_text: str) -> argparse.ArgumentParser:  # fmt: skip
    parser = sub.add_parser(name, help=help_text, description=help_text)
    parser.set_defaults(handler=handler)
    return parser


def _data_commands(sub: argparse._SubParsersAction) -> None:
    p = _add(sub, "extract", commands.extract, "add samples of one class from images, folders or videos")
    p.add_argument("-i", "--input", nargs="+", required=True, metavar="PATH", help="images, videos or folders")
    p.add_argument("--label", required=True,
                   help="class of the samples ('OK' joins a class 'ok'; created if the project lacks it)")  # fmt: skip
    p.epilog = (
        "Unusable inputs are skipped and listed as 'error: <file>: <problem>' lines; the others' "
        "samples are stored and the exit code is 1. When no input is usable nothing changes: exit 2."
    )
    p.add_argument("--every", type=count(1, 100_000), default=5, metavar="N",
                   help="videos: keep every Nth frame (default 5)")  # fmt: skip
    p.add_argument("--hands", type=int, default=1, choices=(1, 2), help="hands per frame to keep (default 1)")
    _project(p)

    p = _add(
        sub,
        "import",
        commands.import_csv,
        "add samples from a CSV file of labelled keypoints (kinivi's or handteach's)",
    )
    p.add_argument("csv", metavar="FILE.csv", help="kinivi: keypoint.csv; kinivi-history: point_history.csv "
                   "(into a motion project of fingertip paths, created if missing); handteach: an exported CSV")  # fmt: skip
    p.add_argument("--format", required=True, choices=("kinivi", "kinivi-history", "handteach"))
    p.add_argument("--labels", metavar="LABELS.csv", help="kinivi: keypoint_classifier_label.csv (one name a line)")
    _project(p)

    p = _add(sub, "export", commands.export_csv, "write a project's samples to a CSV file (kinivi's or handteach's)")
    p.add_argument("-o", "--output", required=True, metavar="FILE.csv")
    p.add_argument("--format", required=True, choices=("kinivi", "handteach"))
    p.add_argument("--labels", metavar="LABELS.csv", help="kinivi: where to write the label names")
    _project(p)

    p = _add(sub, "projects", commands.projects, "list, create, delete, export or import projects")
    p.add_argument("action", choices=("list", "create", "delete", "export", "import"), nargs="?", default="list")
    p.add_argument("name", nargs="?", help="the project; import: the .handteach file")
    p.add_argument("-o", "--output", metavar="FILE.handteach",
                   help="export: the file to write (default NAME.handteach here): the whole project, samples with "
                   "their crops or clips, classes and models")  # fmt: skip
    p.add_argument("--as", dest="as_name", metavar="NEW", help="import: under this name instead of the file's")
    p.add_argument("--replace", action="store_true",
                   help="import: replace a project of that name, whole (without it, a taken name is refused)")  # fmt: skip
    p.add_argument("--empty", action="store_true", help="create: without the eight default classes")
    p.add_argument("--backend", choices=KEYPOINT_BACKENDS, default="mediapipe",
                   help="create: where the project's hand keypoints come from (default mediapipe; fixed later)")  # fmt: skip
    p.add_argument("--skeleton", choices=("hand", "body"), default="hand",
                   help="create: hand gestures (21 points) or body poses (MediaPipe Pose, 33 points); fixed later")  # fmt: skip
    p.add_argument("--motion", action="store_true",
                   help="create: a project of motion gestures (swipes, waves): its samples are clips; fixed later")  # fmt: skip

    p = _add(sub, "classes", commands.classes, "list, add, rename, delete or clear the classes of a project")
    p.add_argument("action", choices=("list", "add", "rename", "delete", "clear"), nargs="?", default="list")
    p.add_argument("names", nargs="*", help="add NAME | rename OLD NEW | delete NAME | clear NAME")
    p.add_argument("--emoji", default="")
    p.add_argument("--mirror", default="", help="add: the class a mirrored sample belongs to (default: itself)")
    _project(p)


def _model_commands(sub: argparse._SubParsersAction) -> None:
    p = _add(sub, "train", commands.train, "train the project's gesture model on its samples; last line is JSON")
    p.add_argument("--epochs", type=bounded("epochs"), default=TrainConfig.epochs)
    p.add_argument("--seed", type=bounded("seed"), default=TrainConfig.seed)
    p.add_argument("--hidden", type=int, nargs="+", default=[128, 64], metavar="N", help="hidden layer sizes")
    p.add_argument("--lr", type=bounded("learning_rate"), default=TrainConfig.learning_rate, help="learning rate")
    p.add_argument("--val-share", type=bounded("val_share"), default=TrainConfig.val_share,
                   help="share of samples held out for validation")  # fmt: skip
    p.add_argument("--force", action="store_true",
                   help="save the new model even when it is far worse than the saved one on the same samples")  # fmt: skip
    p.add_argument("--no-augment", action="store_true", help="no random rotation, stretch and jitter")
    p.add_argument("--no-mirror", action="store_true", help="no mirrored copies for the other hand")
    p.add_argument("--path-only", action="store_true",
                   help="motion projects: learn from the path alone, not the hand's shape (better on new people)")  # fmt: skip
    p.add_argument("--measure", action="store_true",
                   help="then measure the saved model as the Train page does: each sample tested by a model trained "
                   "without it (k rounds); the JSON gains 'measured'")  # fmt: skip
    _project(p)

    p = _add(
        sub,
        "evaluate",
        commands.evaluate,
        "score the project's model on a CSV file of labelled keypoints; last line is JSON",
    )
    p.add_argument("--csv", required=True, metavar="FILE.csv")
    p.add_argument("--format", required=True, choices=("kinivi", "kinivi-history", "handteach"))
    p.add_argument("--labels", metavar="LABELS.csv", help="kinivi: label names, one a line")
    _project(p)

    p = _add(
        sub,
        "infer",
        commands.infer,
        "recognise gestures in images or videos: annotated copies (-o) or JSON lines (--json)",
    )
    p.add_argument("-i", "--input", nargs="+", required=True, metavar="PATH", help="images, videos or folders")
    p.add_argument("-o", "--output", metavar="OUT", help="annotated file (one input) or folder")
    p.add_argument("--json", action="store_true", help="print one JSON line per frame")
    p.add_argument(
        "--every", type=count(1, 100_000), default=1, metavar="N", help="videos: every Nth frame (default 1)"
    )
    _project(p)

    p = _add(sub, "export-onnx", commands.export_onnx,
             "save the project's model as one ONNX file, to run on MediaPipe landmarks without handteach")  # fmt: skip
    p.add_argument("-o", "--output", required=True, metavar="MODEL.onnx",
                   help="inputs: landmarks (batch, K, 3) normalised, image_size [width, height]; "
                   "outputs: probabilities, class_index; classes and threshold in the metadata")  # fmt: skip
    _project(p)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m core", description="handteach: teach a computer hand gestures.")
    parser.add_argument("--data", metavar="DIR", help="data directory (default: $HANDTEACH_DATA or data/user)")
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _data_commands(sub)
    _model_commands(sub)
    for register in registry.registrations():
        register(sub)
    for command in sub.choices.values():  # after the command too; SUPPRESS: absent there keeps the global one
        command.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return parser


def main(argv: Sequence[str] | None = None, quiet_native: bool = False) -> int:
    """Run one command; our errors (bad input, files, the store) and the machine's (out of memory or of open
    files) print ``error: <what>: <problem>`` and exit 2. Anything else is a bug and keeps its traceback.

    ``quiet_native``: the process's own entry (``entry``), where MediaPipe's log lines leave stderr unless
    ``--verbose``; a caller running commands in its own process (a test) keeps its stderr as it is."""
    args = build_parser().parse_args(argv)
    if quiet_native and not args.verbose:
        from core.keypoints.native_logs import quiet_native_logs

        quiet_native_logs()
    try:
        if args.data is not None and Path(args.data).exists() and not Path(args.data).is_dir():
            raise ValueError(f"{args.data}: not a folder (--data names the data directory)")
        return int(args.handler(args) or 0)
    except ValueError as error:  # StoreError, CsvFormatError, ModelFileError, ... name their file or value
        print_error(str(error))
        return 2
    except OSError as error:
        if out_of_fds(error):  # a file that could not be opened for want of descriptors, not for what it is
            print_error(f"{error.filename or 'a file'}: {too_many_open_files_text()}")
            return 2
        if error.errno == errno.ENOMEM:  # e.g. a module imported late, under a memory limit
            print_error(f"{error.filename}: {NO_MEMORY}" if error.filename else NO_MEMORY)
            return 2
        if error.filename is None:
            raise
        problem = error.strerror or type(error).__name__
        print_error(f"{error.filename}: {problem}")
        return 2
    except MemoryError:  # the machine's limit, not a bug: what writes is one transaction or an atomic file
        print_error(NO_MEMORY)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry(argv: Sequence[str] | None = None) -> int:
    """``python -m core`` and ``handteach``: ``main`` as the process itself, MediaPipe's log lines quiet."""
    return main(argv, quiet_native=True)


def run() -> None:
    """The ``handteach`` console script (pyproject.toml): ``entry`` with the process's arguments."""
    sys.exit(entry())
