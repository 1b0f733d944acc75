"""CSV import and export: the kinivi keypoint format and handteach's own full format.

**kinivi** (Kazuhito00/hand-gesture-recognition-using-mediapipe and its English fork):
``keypoint.csv`` has no header; a row is an integer label id and 42 numbers, the 21
landmarks' (x, y) in pixels of the *mirrored* (selfie) image, i.e. the **user view**,
relative to the wrist, flattened and divided by the largest absolute value of the 42.
``keypoint_classifier_label.csv`` holds one label name per line; line i names id i.
Our pixel space is the unmirrored frame, so an imported row becomes a ``Keypoints`` with
``pixel = [[-x, y], ...]``, ``image_size = (1, 1)``, ``normalised[:, :2] = pixel``, z = 0,
world NaN (no depth), handedness "Unknown", score 1.0. Exported numbers are computed in
float32 and written with ``repr``, so kinivi → store → kinivi → store → kinivi is exact:
re-normalising already-normalised values divides by exactly 1.0. A file's first import
keeps its values to float32 precision (the store holds float32).

**handteach** (``core.data.csv_files.csv_handteach``, re-exported here): every stored field of a sample of
any skeleton. **kinivi** holds 21-point hands only: a body project is refused, naming the format
and the project's skeleton.

Bad input raises ``CsvFormatError`` naming the file, the line and the problem. Files are
streamed both ways, so memory stays flat in the number of rows: an import reads and checks
every row, then reads the file again and stores it in short transactions
(``core.data.imports.batched_import``), so a bad line stores nothing and other writers wait at most
a batch; an export writes rows as the store yields them, into a temporary file renamed at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import numpy as np

from core.data.csv_files.csv_cells import (
    CsvFormatError,
    ImportReport,
    float_cells,
    iter_rows,
    read_integer,
    read_name,
    read_points,
    read_text_cell,
    store_samples,
    text_cell,
    write_atomic,
)
from core.data.csv_files.csv_handteach import (
    HANDTEACH_HEADER,
    LEGACY_HEADER,
    export_handteach,
    handteach_header,
    import_handteach,
    iter_handteach,
    open_handteach,
    read_handteach,
)
from core.data.csv_files.two_hands import TwoHandCheck
from core.data.store import Sample, Store
from core.io.progress import FrameCounter, Progress, count_lines
from core.skeletons import HAND_21
from core.types import Keypoints

__all__ = ["HANDTEACH_HEADER", "LEGACY_HEADER", "CsvFormatError", "ImportReport", "export_handteach", "export_kinivi",
           "handteach_header", "import_handteach", "import_kinivi", "iter_handteach", "kinivi_hand", "kinivi_label_name",
           "kinivi_values", "open_handteach", "read_handteach", "read_kinivi"]  # fmt: skip

K = HAND_21.num_joints  # kinivi holds hands: 21 points
KINIVI_COLUMNS = 1 + K * 2
KINIVI_MAX_ABS = 1.01  # kinivi rows are divided by their largest |value|: 1 up to rounding in other tools


def _hands_only(store: Store, project: str, path: Path, form: str) -> None:
    """Refuse a project of another skeleton: the kinivi format holds 21-point hands."""
    skeleton = store.project_skeleton(project)
    if skeleton != HAND_21:
        raise CsvFormatError(path, None, f"the {form} CSV format holds hand keypoints (21 points); project "
                                         f"{project!r} holds {skeleton.name} keypoints")  # fmt: skip


# -- kinivi ------------------------------------------------------------------------------


def _read_labels(labels_csv: Path) -> list[str]:
    """Label names by id; line i (1-based) names id i - 1. Blank lines keep their id."""
    return [read_text_cell(cells[0].strip()) if cells else "" for _, cells in iter_rows(labels_csv, keep_blank=True)]


def kinivi_label_name(label: str) -> str:
    """The class name a kinivi label is stored under: a path separator becomes "-" ("Mute/Next Slide" →
    "Mute-Next Slide"), since class names become folder names; real label files use "/" as "or"."""
    return label.replace("/", "-").replace("\\", "-")


def _kinivi_row(path: Path, line: int, cells: list[str], labels: list[str], labels_csv: Path) -> tuple[str, np.ndarray]:
    """(class name, (21, 2) float32 user-view points) of one keypoint.csv row."""
    if len(cells) != KINIVI_COLUMNS:
        raise CsvFormatError(path, line, f"expected {KINIVI_COLUMNS} columns (label id + 42 numbers), got {len(cells)}")
    label_id = read_integer(path, line, "1 (label id)", cells[0], 0)
    if label_id >= len(labels) or not labels[label_id]:
        raise CsvFormatError(
            path, line, f"label id {label_id} has no name in {labels_csv} (line {label_id + 1}; it has {len(labels)})"
        )
    name = read_name(labels_csv, label_id + 1, kinivi_label_name(labels[label_id]), "label name")
    points = read_points(path, line, cells, 1, (K, 2), allow_nan=False)
    if not points.any():
        raise CsvFormatError(path, line, "all 42 numbers are zero")
    if np.abs(points).max() > KINIVI_MAX_ABS:
        worst = float(np.abs(points).max())
        raise CsvFormatError(
            path, line, f"value {worst:g} is outside [-1, 1] (kinivi rows are scaled by their largest value)"
        )
    return name, points


def _parse_kinivi(keypoint_csv: Path, labels_csv: Path) -> Iterator[tuple[int, str, np.ndarray]]:
    keypoint_csv, labels_csv = Path(keypoint_csv), Path(labels_csv)
    labels = _read_labels(labels_csv)
    for line, cells in iter_rows(keypoint_csv):
        yield (line, *_kinivi_row(keypoint_csv, line, cells, labels, labels_csv))


def read_kinivi(keypoint_csv: Path | str, labels_csv: Path | str) -> tuple[np.ndarray, list[str]]:
    """Kinivi keypoints without a store: ((N, 21, 2) float32 user view as in the file, class name per row)."""
    parsed = list(_parse_kinivi(Path(keypoint_csv), Path(labels_csv)))
    return np.stack([p for _, _, p in parsed]).astype(np.float32), [name for _, name, _ in parsed]


def kinivi_hand(user_view: np.ndarray) -> Keypoints:
    """The hand of one kinivi row ((21, 2) user view, as ``read_kinivi`` gives it): 2D, no depth."""
    pixel = user_view.astype(np.float32).copy()
    pixel[:, 0] = -pixel[:, 0]  # user view (mirrored) → unmirrored frame
    normalised = np.concatenate([pixel, np.zeros((K, 1), np.float32)], axis=1)
    world = np.full((K, 3), np.nan, np.float32)
    return Keypoints(pixel, normalised, world, "Unknown", 1.0, (1, 1))


def import_kinivi(store: Store, project: str, keypoint_csv: Path | str, labels_csv: Path | str,
                  create_project: bool = False, on_progress: Progress | None = None,
                  cancel: threading.Event | None = None) -> ImportReport:  # fmt: skip
    """Add every row of a kinivi file to ``project`` (all or nothing); unknown labels become classes.
    With ``create_project`` a missing project is created (a hand project) in the same transaction.
    ``on_progress(rows done, rows)``; ``cancel`` set: ``core.io.progress.Stopped``, nothing stored.

    Each sample has ``source_kind="csv"``, ``source_name`` = the keypoint file's name and
    ``frame`` = the row's 1-based line number.
    """
    keypoint_csv = Path(keypoint_csv)
    if not (create_project and not store.has_project(project)):
        _hands_only(store, project, keypoint_csv, "kinivi")
    checks: list[TwoHandCheck] = []  # one per reading of the file; the first one's is read after both

    def samples() -> Iterator[Sample]:
        check = TwoHandCheck()
        checks.append(check)
        for line, name, points in _parse_kinivi(keypoint_csv, Path(labels_csv)):
            if len(checks) == 1:
                check.add(name, points)
            yield Sample(kinivi_hand(points), name, "csv", keypoint_csv.name, line)

    watched = on_progress is not None or cancel is not None
    counter = FrameCounter(count_lines(keypoint_csv), on_progress, cancel) if watched else None
    report = store_samples(store, project, samples, create_project, counter)
    return replace(report, two_hand_classes=checks[0].alternating())


def kinivi_values(hand: Keypoints) -> np.ndarray | None:
    """(42,) float32 kinivi row of ``hand`` (user view, wrist-relative, ÷ max |value|), None if degenerate."""
    xy = hand.pixel.astype(np.float32).copy()
    xy[:, 0] = -xy[:, 0]
    relative = (xy - xy[0]).reshape(-1) + np.float32(0.0)  # + 0 turns -0.0 into 0.0
    scale = np.abs(relative).max()
    return None if scale == 0 else relative / scale


def export_kinivi(store: Store, project: str, keypoint_csv: Path | str, labels_csv: Path | str) -> int:
    """Write ``project`` as kinivi files; ids follow the class order. Returns the rows written.

    Every class is listed in the labels file (even empty ones) so ids stay stable;
    degenerate hands (every point on the wrist) have no kinivi form and are skipped.
    """
    _hands_only(store, project, Path(keypoint_csv), "kinivi")
    ids = {c.name: i for i, c in enumerate(store.list_classes(project))}
    values = ((ids[s.class_name], kinivi_values(s.hand)) for s in store.iter_samples(project))
    write_atomic(Path(labels_csv), [[text_cell(name)] for name in ids])  # a name read as a formula: as text
    return write_atomic(Path(keypoint_csv), ([i, *float_cells(v)] for i, v in values if v is not None))
