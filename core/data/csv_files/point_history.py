"""kinivi's point-history CSV (Kazuhito00/hand-gesture-recognition-using-mediapipe, kinivi's fork).

``point_history.csv`` rows: the label id, then 16 (x, y) index-fingertip points (32 numbers):
each point minus the first one, x divided by the image width and y by its height. kinivi's app
flips the camera frame before MediaPipe sees it, so the points are in the **user view** (the
mirrored preview; x grows to the user's right). ``point_history_classifier_label.csv`` names the
ids: line n (from 0) is id n's name, in its first column.

Every problem raises ``PointHistoryError`` naming the file, the line and what is wrong; the
file's size is checked before it is read.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.io.atomic import write_text
from core.io.limits import LimitError, check_upload_bytes
from core.motion.clip import Clip
from core.skeletons import FINGERTIP
from core.types import FloatArray

HISTORY_LENGTH = 16  # kinivi's deque of fingertip points
COLUMNS = 1 + 2 * HISTORY_LENGTH
# kinivi's app defaults (--width 960 --height 540) and a webcam's 30 fps: a row records neither, and a
# fingertip clip needs both (paths are measured in image heights, times in seconds).
KINIVI_IMAGE_SIZE = (960, 540)
KINIVI_FPS = 30.0


class PointHistoryError(ValueError):
    """A point-history or label CSV that cannot be read; the message names file, line and problem."""


@dataclass(frozen=True)
class PointHistory:
    """Rows of a point-history CSV.

    Attributes:
        paths: (N, 16, 2) float32 fingertip points, user view, relative to the first point, x / image
            width and y / image height.
        label_ids: (N,) int64, indices into ``labels``.
        labels: the class names by id.
    """

    paths: FloatArray
    label_ids: npt.NDArray[np.int64]
    labels: list[str]

    @property
    def names(self) -> list[str]:
        """The class name of each row."""
        return [self.labels[i] for i in self.label_ids]


def _text(path: Path) -> str:
    try:
        check_upload_bytes(path, path.stat().st_size)
        return path.read_bytes().decode("utf-8-sig")  # kinivi's files may start with a byte-order mark
    except FileNotFoundError:
        raise PointHistoryError(f"{path}: file not found") from None
    except LimitError as exc:
        raise PointHistoryError(str(exc)) from None
    except UnicodeDecodeError:
        raise PointHistoryError(f"{path}: not a UTF-8 text file") from None
    except OSError as exc:
        raise PointHistoryError(f"{path}: cannot be read ({exc.strerror or exc})") from None


def read_labels(path: str | Path) -> list[str]:
    """Class names by id from a label CSV (first column of each line)."""
    path = Path(path)
    names = []
    for line, row in enumerate(csv.reader(io.StringIO(_text(path))), start=1):
        name = row[0].strip() if row else ""
        if not name:
            raise PointHistoryError(f"{path}: line {line}: empty label (label id {line - 1} needs a name)")
        if name in names:
            raise PointHistoryError(f"{path}: line {line}: label {name!r} appears twice")
        names.append(name)
    if not names:
        raise PointHistoryError(f"{path}: no labels")
    return names


def read_point_history(path: str | Path, labels_path: str | Path) -> PointHistory:
    """The rows of ``path``, their label ids checked against ``labels_path``."""
    path, labels = Path(path), read_labels(labels_path)
    paths, ids = [], []
    for line, row in enumerate(csv.reader(io.StringIO(_text(path))), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if len(row) != COLUMNS:
            raise PointHistoryError(f"{path}: line {line}: {len(row)} columns, expected {COLUMNS} "
                                    f"(a label id and {HISTORY_LENGTH} x, y points)")  # fmt: skip
        try:
            label_id = int(row[0])
        except ValueError:
            raise PointHistoryError(f"{path}: line {line}: label id {row[0]!r} is not a whole number") from None
        if not 0 <= label_id < len(labels):
            raise PointHistoryError(f"{path}: line {line}: unknown label id {label_id} "
                                    f"({Path(labels_path).name} names ids 0 to {len(labels) - 1})")  # fmt: skip
        values = []
        for column, cell in enumerate(row[1:], start=2):
            try:
                value = float(cell)
            except ValueError:
                raise PointHistoryError(f"{path}: line {line}, column {column}: {cell!r} is not a number") from None
            if not math.isfinite(value):
                raise PointHistoryError(f"{path}: line {line}, column {column}: {cell!r} is not finite")
            values.append(value)
        paths.append(values)
        ids.append(label_id)
    if not paths:
        raise PointHistoryError(f"{path}: no rows")
    return PointHistory(np.array(paths, dtype=np.float32).reshape(-1, HISTORY_LENGTH, 2),
                        np.array(ids, dtype=np.int64), labels)  # fmt: skip


def write_point_history(path: str | Path, labels_path: str | Path, history: PointHistory) -> None:
    """Write both files (each replaced whole), as kinivi's app logs them."""
    if history.paths.shape[1:] != (HISTORY_LENGTH, 2) or len(history.paths) != len(history.label_ids):
        raise ValueError(f"paths must be (N, {HISTORY_LENGTH}, 2) with one label id each, "
                         f"got {history.paths.shape} and {history.label_ids.shape}")  # fmt: skip
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for label_id, row in zip(history.label_ids, history.paths.reshape(len(history.paths), -1), strict=True):
        writer.writerow([int(label_id), *(repr(float(v)) for v in row)])
    write_text(Path(path), out.getvalue())
    write_text(Path(labels_path), "".join(f"{name}\n" for name in history.labels))


def history_windows(fingertip: FloatArray, image_size: tuple[int, int], step: int = 1) -> FloatArray:
    """(T, 2) fingertip pixels (user view) → (N, 16, 2) kinivi rows: every 16-frame window, ``step`` apart.

    As kinivi's ``pre_process_point_history``: each point minus the window's first, x / width, y / height.
    """
    points = np.asarray(fingertip, dtype=np.float32)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) < HISTORY_LENGTH:
        raise ValueError(f"need (T >= {HISTORY_LENGTH}, 2) fingertip points, got {points.shape}")
    starts = range(0, len(points) - HISTORY_LENGTH + 1, step)
    windows = np.stack([points[s : s + HISTORY_LENGTH] - points[s] for s in starts])
    return (windows / np.array(image_size, dtype=np.float32)).astype(np.float32)


def history_clips(history: PointHistory, source: str, labels: list[str | None] | None = None) -> list[Clip]:
    """Each row as a ``FINGERTIP`` clip: (16, 1, 3) points, z 0, at ``KINIVI_FPS`` in a ``KINIVI_IMAGE_SIZE`` frame.

    Rows are user view and relative to their first point; a clip is unmirrored and normalised
    (``core.motion.clip``), so the path is placed around the frame's centre and x is mirrored back.
    ``labels`` overrides the rows' class names (None: a clip to classify); sources read ``<source>:<row>``.
    """
    names = history.names if labels is None else labels
    points = np.zeros((len(history.paths), HISTORY_LENGTH, 1, 3), dtype=np.float32)
    points[:, :, 0, 0] = 0.5 - history.paths[:, :, 0]
    points[:, :, 0, 1] = 0.5 + history.paths[:, :, 1]
    present = np.ones(HISTORY_LENGTH, dtype=bool)
    times = np.arange(HISTORY_LENGTH, dtype=np.float64) / KINIVI_FPS
    return [Clip(p, present, times, FINGERTIP, KINIVI_IMAGE_SIZE, name, f"{source}:{row}")
            for row, (p, name) in enumerate(zip(points, names, strict=True), start=1)]  # fmt: skip
