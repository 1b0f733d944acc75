"""handteach's own CSV format: every stored field of a sample of any skeleton, bit-exact both ways.

A header (``handteach_header(skeleton)``) then one sample per row with every
field of ``Sample`` except the crop: the metadata, ``backend``, ``skeleton`` (its name), then
the K joints of that skeleton as ``px0,py0,...`` (pixel), ``nx0,...`` (normalised), ``wx0,...``
(world, NaN allowed) and ``v0,...`` (visibility, all K cells empty when the detector gives
none, as for hands). The header's columns say the skeleton (a hand file has 200, a body file
308), and every row's ``skeleton`` cell must agree. float32 values are written as
``repr(float(v))``, which reads back to the same float32 bit for bit. Files written before body
projects (``LEGACY_HEADER``: no ``skeleton`` or visibility columns, 178) are hands and still read.
A text cell a spreadsheet would run as a formula (a gesture named "=SUM(1+1)*cmd") is written after a single quote
(``csv_cells.text_cell``), which the reader drops again; numbers are written as they are.
A file imports only into a project of its skeleton; anything else is refused, naming the file
and both skeletons, before a row is stored.

Bad input raises ``CsvFormatError`` naming the file, the line and the problem. Files are streamed
both ways (``core.data.csv_files.csv_cells``): an import reads and checks every row, then stores them in short
transactions (``core.data.imports.batched_import``), so a bad line stores nothing; an export writes rows as the store
yields them, into a temporary file renamed at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from core.data.csv_files.csv_cells import (
    CsvFormatError,
    ImportReport,
    float_cells,
    iter_rows,
    read_integer,
    read_name,
    read_number,
    read_points,
    read_text_cell,
    read_visibility,
    store_samples,
    text_cell,
    write_atomic,
)
from core.data.sql.schema import MAX_SOURCE_NAME_CHARS, SOURCE_KINDS
from core.data.store import Sample, Store
from core.io.progress import FrameCounter, Progress, count_lines
from core.skeletons import HAND_21, SKELETONS, Skeleton
from core.types import HANDEDNESS_VALUES, KEYPOINT_BACKENDS, Keypoints

__all__ = ["HANDTEACH_HEADER", "LEGACY_HEADER", "export_handteach", "handteach_header", "import_handteach",
           "iter_handteach", "open_handteach", "read_handteach"]  # fmt: skip

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
LEGACY_HEADER: tuple[str, ...] = (*_META, "backend", *_point_columns(HAND_21.num_joints))  # hands, before body projects


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


def _layout_of(path: Path, cells: list[str]) -> _Layout:
    """The layout a header names; otherwise an error about the layout it is closest to."""
    names = tuple(c.strip() for c in cells)
    layouts = _layouts()
    for layout in layouts:
        if names == layout.header:
            return layout

    # the layout with as many columns, else today's hand layout: the first differing column is the problem
    closest = next((lay for lay in layouts if len(lay.header) == len(names)), _Layout(HAND_21, HANDTEACH_HEADER))
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
    source_name = read_text_cell(source)
    if len(source_name) > MAX_SOURCE_NAME_CHARS:  # counted in a student's quota: bounded before it is stored
        raise CsvFormatError(path, line, f"column source_name: {len(source_name):,} characters long, at most "
                                         f"{MAX_SOURCE_NAME_CHARS}")  # fmt: skip
    return Sample(
        hand,
        read_name(path, line, read_text_cell(cls), "class name"),
        kind,
        source_name,
        None if frame == "" else read_integer(path, line, "frame", frame, 0),
        created_at,
        None,
        backend,
    )


def open_handteach(path: Path | str, into: tuple[str, str] | None = None) -> tuple[Skeleton, Iterator[Sample]]:
    """The skeleton a handteach CSV's header names (read now), and its samples (ids None, no crops) as
    they are read; iterating raises at the first bad line. ``into`` = (project, its backend): a row
    whose keypoints come from another detector is a bad line, since a model never mixes two."""
    path = Path(path)
    rows = iter_rows(path)
    layout = _layout_of(path, next(rows)[1])

    def samples() -> Iterator[Sample]:
        empty = True
        for line, cells in rows:
            empty = False
            sample = _handteach_sample(path, line, cells, layout)
            if into is not None and sample.backend != into[1]:
                raise CsvFormatError(path, line, f"column backend: {sample.backend!r} keypoints, but project "
                                                 f"{into[0]!r} holds {into[1]!r} keypoints; a model never mixes "
                                                 "two detectors")  # fmt: skip
            yield sample
        if empty:
            raise CsvFormatError(path, 2, "no samples after the header")

    return layout.skeleton, samples()


def iter_handteach(path: Path | str) -> Iterator[Sample]:
    """Samples of a handteach CSV (ids None, no crops) as they are read; raises at the first bad line."""
    yield from open_handteach(path)[1]


def read_handteach(path: Path | str) -> list[Sample]:
    """Samples of a handteach CSV (ids None, no crops), without a store."""
    return list(iter_handteach(path))


def import_handteach(store: Store, project: str, path: Path | str, create_project: bool = False,
                     on_progress: Progress | None = None, cancel: threading.Event | None = None) -> ImportReport:  # fmt: skip
    """Add every sample of a handteach CSV to ``project`` (all or nothing); unknown classes are created.

    A file of another skeleton than the project's is refused before anything is stored, and a row whose
    keypoints come from another detector (``backend``) than the project's refuses the file at that line:
    a model never sees keypoints of two detectors. With ``create_project`` a missing project is created
    (a hand project of MediaPipe keypoints) in the same transaction. ``on_progress(rows done, rows)``;
    ``cancel`` set: ``core.io.progress.Stopped`` before the next row, nothing stored."""
    path = Path(path)
    new = create_project and not store.has_project(project)
    wanted = HAND_21 if new else store.project_skeleton(project)
    backend = "mediapipe" if new else store.project_backend(project)
    skeleton, _ = open_handteach(path, (project, backend))
    if skeleton != wanted:
        raise CsvFormatError(path, None, f"holds {skeleton.name} keypoints ({skeleton.num_joints} points); project "
                                         f"{project!r} holds {wanted.name} keypoints ({wanted.num_joints} points)")  # fmt: skip
    watched = on_progress is not None or cancel is not None
    counter = FrameCounter(max(0, count_lines(path) - 1), on_progress, cancel) if watched else None  # no header
    return store_samples(store, project, lambda: open_handteach(path, (project, backend))[1], create_project, counter)


def export_handteach(store: Store, project: str, path: Path | str) -> int:
    """Write every sample of ``project`` (without crops) to a handteach CSV of its skeleton; returns the rows written."""
    skeleton = store.project_skeleton(project)
    blank = [""] * skeleton.num_joints  # no visibility (hands)

    def rows() -> Iterator[Sequence[object]]:
        yield handteach_header(skeleton)
        for s in store.iter_samples(project):
            h = s.hand
            frame = "" if s.frame is None else s.frame
            meta = [text_cell(s.class_name), h.handedness, repr(float(h.score)), *h.image_size, s.source_kind]
            meta += [text_cell(s.source_name), frame, repr(float(s.created_at)), s.backend, h.skeleton.name]
            points = float_cells(h.pixel) + float_cells(h.normalised) + float_cells(h.world)
            yield meta + points + (blank if h.visibility is None else float_cells(h.visibility))

    return write_atomic(Path(path), rows()) - 1
