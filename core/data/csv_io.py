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

**handteach**: a header (``handteach_header(skeleton)``) then one sample per row with every
field of ``Sample`` except the crop: the metadata, ``backend``, ``skeleton`` (its name), then
the K joints of that skeleton as ``px0,py0,...`` (pixel), ``nx0,...`` (normalised), ``wx0,...``
(world, NaN allowed) and ``v0,...`` (visibility, all K cells empty when the detector gives
none, as for hands). The header's columns say the skeleton (a hand file has 200, a body file
308), and every row's ``skeleton`` cell must agree. float32 values are written as
``repr(float(v))``, which reads back to the same float32 bit for bit. Files written before body
projects (``LEGACY_HEADER``: no ``skeleton`` or visibility columns, 178) are hands and still read.
A file imports only into a project of its skeleton; anything else is refused, naming the file
and both skeletons, before a row is stored.

**kinivi** holds 21-point hands only: a body project is refused, naming the format and the
project's skeleton.

Bad input raises ``CsvFormatError`` naming the file, the line and the problem. Files are
streamed both ways, so memory stays flat in the number of rows: an import validates and
inserts row by row inside one transaction, and a bad line rolls back every row before it;
an export writes rows as the store yields them, into a temporary file renamed at the end.
"""

from __future__ import annotations

import csv
import errno
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from core.data.csv_cells import (
    CsvFormatError,
    iter_rows,
    read_integer,
    read_name,
    read_number,
    read_points,
    read_visibility,
)
from core.data.schema import SOURCE_KINDS
from core.data.store import Sample, Store
from core.io.atomic import atomic_path
from core.skeletons import HAND_21, SKELETONS, Skeleton
from core.types import HANDEDNESS_VALUES, KEYPOINT_BACKENDS, Keypoints

__all__ = ["CsvFormatError", "ImportReport", "export_handteach", "export_kinivi", "handteach_header", "import_handteach",
           "import_kinivi", "kinivi_values", "open_handteach", "read_handteach", "read_kinivi", "iter_handteach"]  # fmt: skip

K = HAND_21.num_joints  # kinivi holds hands: 21 points
KINIVI_COLUMNS = 1 + K * 2
KINIVI_MAX_ABS = 1.01  # kinivi rows are divided by their largest |value|: 1 up to rounding in other tools
MAX_SIDE = 1 << 20  # image_w / image_h: far above any camera, far below what overflows anything
LATEST_TIME = 32_503_680_000.0  # created_at: 3000-01-01 in Unix seconds
_META = ("class", "handedness", "score", "image_w", "image_h", "source_kind", "source_name", "frame", "created_at")


def _point_columns(k: int) -> tuple[str, ...]:
    return (
        *(f"p{a}{j}" for j in range(k) for a in "xy"),
        *(f"n{a}{j}" for j in range(k) for a in "xyz"),
        *(f"w{a}{j}" for j in range(k) for a in "xyz"),
    )


def handteach_header(skeleton: Skeleton) -> tuple[str, ...]:
    """The header of a handteach CSV of ``skeleton``: its joint count sets the columns."""
    k = skeleton.num_joints
    return (*_META, "backend", "skeleton", *_point_columns(k), *(f"v{j}" for j in range(k)))


HANDTEACH_HEADER = handteach_header(HAND_21)
LEGACY_HEADER: tuple[str, ...] = (*_META, "backend", *_point_columns(K))  # hands, before body projects


@dataclass(frozen=True)
class _Layout:
    """Where a handteach file's cells are: its skeleton, and whether it has the skeleton and visibility columns."""

    skeleton: Skeleton
    header: tuple[str, ...]
    legacy: bool = False

    @property
    def points(self) -> int:  # first keypoint column
        return len(_META) + (1 if self.legacy else 2)


def _layouts() -> list[_Layout]:
    return [_Layout(HAND_21, LEGACY_HEADER, True), *(_Layout(s, handteach_header(s)) for s in SKELETONS.values())]


@dataclass(frozen=True)
class ImportReport:
    """What an import added: sample count, samples per class, and the classes it created."""

    n_added: int
    per_class: dict[str, int] = field(default_factory=dict)
    new_classes: tuple[str, ...] = ()


def _write_atomic(path: Path, rows: Iterable[Sequence[object]]) -> int:
    """Write CSV rows as they come through a temporary file (``core.io.atomic``), so a crash never
    leaves half a file behind and memory stays flat; returns the rows written. A missing folder is
    an error naming the file, not created: a typo in ``-o`` should not make directories."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"no folder {str(path.parent)!r} to write into", str(path))
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _hands_only(store: Store, project: str, path: Path, form: str) -> None:
    """Refuse a project of another skeleton: the kinivi format holds 21-point hands."""
    skeleton = store.project_skeleton(project)
    if skeleton != HAND_21:
        raise CsvFormatError(path, None, f"the {form} CSV format holds hand keypoints (21 points); project "
                                         f"{project!r} holds {skeleton.name} keypoints")  # fmt: skip


def _floats(values: np.ndarray) -> list[str]:
    # float32 → float64 is exact, and repr is the shortest text that reads back to it.
    return [repr(v) for v in np.asarray(values, dtype=np.float32).reshape(-1).tolist()]


def _store_samples(store: Store, project: str, samples: Iterable[Sample]) -> ImportReport:
    """Stream ``samples`` into one all-or-nothing transaction: a bad row rolls back every row."""
    before = {c.name for c in store.list_classes(project)}
    per_class = dict(store.add_sample_stream(project, samples, create_classes=True))
    return ImportReport(sum(per_class.values()), per_class, tuple(n for n in per_class if n not in before))


# -- kinivi ------------------------------------------------------------------------------


def _read_labels(labels_csv: Path) -> list[str]:
    """Label names by id; line i (1-based) names id i - 1. Blank lines keep their id."""
    return [cells[0].strip() if cells else "" for _, cells in iter_rows(labels_csv, keep_blank=True)]


def _kinivi_row(path: Path, line: int, cells: list[str], labels: list[str], labels_csv: Path) -> tuple[str, np.ndarray]:
    """(class name, (21, 2) float32 user-view points) of one keypoint.csv row."""
    if len(cells) != KINIVI_COLUMNS:
        raise CsvFormatError(path, line, f"expected {KINIVI_COLUMNS} columns (label id + 42 numbers), got {len(cells)}")
    label_id = read_integer(path, line, "1 (label id)", cells[0], 0)
    if label_id >= len(labels) or not labels[label_id]:
        raise CsvFormatError(
            path, line, f"label id {label_id} has no name in {labels_csv} (line {label_id + 1}; it has {len(labels)})"
        )
    name = read_name(labels_csv, label_id + 1, labels[label_id], "label name")
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
    labels = _read_labels(labels_csv)
    for line, cells in iter_rows(keypoint_csv):
        yield (line, *_kinivi_row(Path(keypoint_csv), line, cells, labels, Path(labels_csv)))


def read_kinivi(keypoint_csv: Path | str, labels_csv: Path | str) -> tuple[np.ndarray, list[str]]:
    """Kinivi keypoints without a store: ((N, 21, 2) float32 user view as in the file, class name per row)."""
    parsed = list(_parse_kinivi(Path(keypoint_csv), Path(labels_csv)))
    return np.stack([p for _, _, p in parsed]).astype(np.float32), [name for _, name, _ in parsed]


def _kinivi_hand(user_view: np.ndarray) -> Keypoints:
    pixel = user_view.astype(np.float32).copy()
    pixel[:, 0] = -pixel[:, 0]  # user view (mirrored) → unmirrored frame
    normalised = np.concatenate([pixel, np.zeros((K, 1), np.float32)], axis=1)
    world = np.full((K, 3), np.nan, np.float32)
    return Keypoints(pixel, normalised, world, "Unknown", 1.0, (1, 1))


def import_kinivi(store: Store, project: str, keypoint_csv: Path | str, labels_csv: Path | str) -> ImportReport:
    """Add every row of a kinivi file to ``project`` (all or nothing); unknown labels become classes.

    Each sample has ``source_kind="csv"``, ``source_name`` = the keypoint file's name and
    ``frame`` = the row's 1-based line number.
    """
    keypoint_csv = Path(keypoint_csv)
    _hands_only(store, project, keypoint_csv, "kinivi")
    parsed = _parse_kinivi(keypoint_csv, Path(labels_csv))
    samples = (Sample(_kinivi_hand(p), name, "csv", keypoint_csv.name, line) for line, name, p in parsed)
    return _store_samples(store, project, samples)


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
    _write_atomic(Path(labels_csv), [[name] for name in ids])
    return _write_atomic(Path(keypoint_csv), ([i, *_floats(v)] for i, v in values if v is not None))


# -- handteach -------------------------------------------------------------------------


def _layout_of(path: Path, cells: list[str]) -> _Layout:
    """The layout a header names; otherwise an error about the layout it is closest to."""
    names = tuple(c.strip() for c in cells)
    layouts = _layouts()
    for layout in layouts:
        if names == layout.header:
            return layout

    # the layout with as many columns, else today's hand layout: the first differing column is the problem
    closest = next((lay for lay in layouts if len(lay.header) == len(names)), layouts[1])
    for i, (want, got) in enumerate(zip(closest.header, cells, strict=False)):
        if want != got.strip():
            raise CsvFormatError(path, 1, f"bad header: column {i + 1} should be {want!r}, got {got!r}")
    raise CsvFormatError(path, 1, f"bad header: expected {len(closest.header)} columns for "
                                  f"{closest.skeleton.name} keypoints, got {len(cells)}")  # fmt: skip


def _handteach_sample(path: Path, line: int, cells: list[str], layout: _Layout) -> Sample:
    if len(cells) != len(layout.header):
        raise CsvFormatError(path, line, f"expected {len(layout.header)} columns, got {len(cells)}")
    cls, handedness, score, width, height, kind, source, frame, created, backend = cells[: len(_META) + 1]
    skeleton, k, p0 = layout.skeleton, layout.skeleton.num_joints, layout.points
    if not layout.legacy and cells[p0 - 1] != skeleton.name:
        raise CsvFormatError(path, line, f"column skeleton: {cells[p0 - 1][:40]!r}, but the header has the columns "
                                         f"of {skeleton.name} keypoints ({k} points)")  # fmt: skip
    if handedness not in HANDEDNESS_VALUES:
        raise CsvFormatError(path, line, f"column handedness: {handedness!r} is not one of {HANDEDNESS_VALUES}")
    if kind not in SOURCE_KINDS:
        raise CsvFormatError(path, line, f"column source_kind: {kind!r} is not one of {SOURCE_KINDS}")
    score_value = read_number(path, line, "score", score)
    if not 0.0 <= score_value <= 1.0:
        raise CsvFormatError(path, line, f"column score: {score!r} is not in [0, 1]")
    if backend not in KEYPOINT_BACKENDS:
        raise CsvFormatError(path, line, f"column backend: {backend[:40]!r} is not one of {KEYPOINT_BACKENDS}")
    created_at = read_number(path, line, "created_at", created)
    if not 0.0 <= created_at <= LATEST_TIME:
        raise CsvFormatError(path, line, f"column created_at: {created[:40]!r} is not a Unix time from 1970 to 3000")
    hand = Keypoints(
        pixel=read_points(path, line, cells, p0, (k, 2), allow_nan=False),
        normalised=read_points(path, line, cells, p0 + 2 * k, (k, 3), allow_nan=False),
        world=read_points(path, line, cells, p0 + 5 * k, (k, 3), allow_nan=True),
        handedness=handedness,
        score=score_value,
        image_size=(
            read_integer(path, line, "image_w", width, 1, MAX_SIDE),
            read_integer(path, line, "image_h", height, 1, MAX_SIDE),
        ),
        skeleton=skeleton,
        visibility=None if layout.legacy else read_visibility(path, line, cells, p0 + 8 * k, k),
    )
    return Sample(
        hand,
        read_name(path, line, cls, "class name"),
        kind,
        source,
        None if frame == "" else read_integer(path, line, "frame", frame, 0),
        created_at,
        None,
        backend,
    )


def open_handteach(path: Path | str) -> tuple[Skeleton, Iterator[Sample]]:
    """The skeleton a handteach CSV's header names (read now), and its samples (ids None, no crops) as
    they are read; iterating raises at the first bad line."""
    path = Path(path)
    rows = iter_rows(path)
    layout = _layout_of(path, next(rows)[1])

    def samples() -> Iterator[Sample]:
        empty = True
        for line, cells in rows:
            empty = False
            yield _handteach_sample(path, line, cells, layout)
        if empty:
            raise CsvFormatError(path, 2, "no samples after the header")

    return layout.skeleton, samples()


def iter_handteach(path: Path | str) -> Iterator[Sample]:
    """Samples of a handteach CSV (ids None, no crops) as they are read; raises at the first bad line."""
    yield from open_handteach(path)[1]


def read_handteach(path: Path | str) -> list[Sample]:
    """Samples of a handteach CSV (ids None, no crops), without a store."""
    return list(iter_handteach(path))


def import_handteach(store: Store, project: str, path: Path | str) -> ImportReport:
    """Add every sample of a handteach CSV to ``project`` (all or nothing); unknown classes are created.

    A file of another skeleton than the project's is refused before anything is stored."""
    path = Path(path)
    skeleton, samples = open_handteach(path)
    wanted = store.project_skeleton(project)
    if skeleton != wanted:
        raise CsvFormatError(path, None, f"holds {skeleton.name} keypoints ({skeleton.num_joints} points); project "
                                         f"{project!r} holds {wanted.name} keypoints ({wanted.num_joints} points)")  # fmt: skip
    return _store_samples(store, project, samples)


def export_handteach(store: Store, project: str, path: Path | str) -> int:
    """Write every sample of ``project`` (without crops) to a handteach CSV of its skeleton; returns the rows written."""
    skeleton = store.project_skeleton(project)
    blank = [""] * skeleton.num_joints  # no visibility (hands)

    def rows() -> Iterator[Sequence[object]]:
        yield handteach_header(skeleton)
        for s in store.iter_samples(project):
            h = s.hand
            frame = "" if s.frame is None else s.frame
            meta = [s.class_name, h.handedness, repr(float(h.score)), h.image_size[0], h.image_size[1], s.source_kind]
            meta += [s.source_name, frame, repr(float(s.created_at)), s.backend, h.skeleton.name]
            points = _floats(h.pixel) + _floats(h.normalised) + _floats(h.world)
            yield meta + points + (blank if h.visibility is None else _floats(h.visibility))

    return _write_atomic(Path(path), rows()) - 1
