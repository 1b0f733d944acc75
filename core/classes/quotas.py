"""A class's limits, set by its teacher: what each student may store (samples, bytes) and how big and long one job of
theirs may be (a model's layers, width and passes; seconds a job may run), so one student cannot fill the server or
hold its job worker (issue 63: a 190 MB CSV added 198 MB; one 8×2048-layer training held the one worker for minutes).

Kept as JSON in ``school_classes.limits`` (keys of ``ClassLimits``; a missing or unreadable key is its default, so a
class made before the limits existed has the defaults). The teacher sets them with ``python -m core class set CLASS
--samples N ...`` or on the Class page. Students only: a teacher's own projects and the server's are unbounded.

One quota for all a student stores: samples, clips, their pictures, their saved models (rows of
``project_models`` on a shared store, files in the project's folder on one server) and Scratch games
(``core.data.project_games``), counted over the projects they
own by id (``usage``): a project renamed meanwhile is still theirs and still counted.

Checked where the work is: the store's two write paths (``Store.insert_samples``, ``core.data.clips.insert_clips``)
take a ``Room`` of the project's owner and refuse the batch once it is full (all or nothing, as every write); a file
is refused by its size before a byte of it is read (``check_file``); an imported project once more in the transaction
that names it, with its models (``check_held``), and its gesture model by the class's bounds (``check_model``); a
training by its settings (``check_training``) on the Train page and again in the worker. Each refusal is one
``OverLimitError`` line for the student.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from core.data.project_rows import ProjectRows
from core.data.saved_models.model_pack import DESCRIPTIONS
from core.data.sql.database import Database
from core.data.sql.schema import StoreError
from core.io.limits import LIMITS

ASK = "ask your teacher"
MB = 1024 * 1024


@dataclass(frozen=True)
class ClassLimits:
    """One class's limits (the defaults: a class of 30 on one 2-core server with one job worker, docs/class-signin.md)."""

    samples: int = 5_000  # samples and clips a student may hold, all their projects together
    megabytes: int = 50  # what those take in the store (keypoints, pictures of hands, clips)
    layers: int = 3  # hidden layers of a gesture model
    width: int = 256  # neurons of its widest layer
    epochs: int = 300  # passes over the samples at most (the Train page's default; early stopping ends sooner)
    job_seconds: int = 60  # a job (a training, an import, ...) running longer is stopped with one line
    projects: int = 30  # projects a student may own (core.classes.making_limits)
    gestures: int = 50  # gestures (classes) in one project of theirs: a gesture model has a handful

    def __post_init__(self) -> None:
        for name, (low, high) in BOUNDS.items():
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise ValueError(f"the limit {OPTIONS[name]} must be a whole number from {low:,} to {high:,}, "
                                 f"got {value!r}")  # fmt: skip


# what a teacher may set each to: past these the server's own bounds (core.io.limits) or a day's work
BOUNDS = {"samples": (10, 10_000_000), "megabytes": (1, 100_000), "layers": (1, LIMITS.hidden_layers),
          "width": (1, LIMITS.hidden_width), "epochs": (10, 100_000), "job_seconds": (10, 86_400),
          "projects": (1, 1_000), "gestures": (2, LIMITS.classes)}  # fmt: skip
OPTIONS = {"samples": "--samples", "megabytes": "--megabytes", "layers": "--max-layers", "width": "--max-width",
           "epochs": "--max-epochs", "job_seconds": "--job-seconds", "projects": "--max-projects",
           "gestures": "--max-gestures"}  # fmt: skip
DEFAULTS = ClassLimits()


class OverLimitError(StoreError):
    """A student's store or job over their class's limit; the message is the one line they see."""


def parse_limits(text: str | None) -> ClassLimits:
    """``school_classes.limits`` as limits: each key that holds a number within ``BOUNDS``, else its default."""
    try:
        stored = json.loads(text or "{}")
    except ValueError:
        stored = {}
    values = {}
    for f in fields(ClassLimits):
        value = stored.get(f.name) if isinstance(stored, dict) else None
        low, high = BOUNDS[f.name]
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            values[f.name] = value
    return ClassLimits(**values)


def class_limits(conn: sqlite3.Connection, class_id: int) -> ClassLimits:
    row = conn.execute("SELECT limits FROM school_classes WHERE id = ?", (class_id,)).fetchone()
    return parse_limits(row[0] if row else None)


def limits_of(store: Database, class_id: int) -> ClassLimits:
    with store.read_connection() as conn:
        return class_limits(conn, class_id)


def set_limits(store: Database, class_id: int, **changes: int) -> ClassLimits:
    """The class's limits with ``changes`` (keys of ``ClassLimits``) applied and stored; ValueError for a bad one."""
    with store.write_transaction() as conn:
        limits = replace(class_limits(conn, class_id), **changes)
        conn.execute("UPDATE school_classes SET limits = ? WHERE id = ?", (json.dumps(asdict(limits)), class_id))
    return limits


def student_limits(conn: sqlite3.Connection, account_id: int) -> ClassLimits | None:
    """The limits of student ``account_id``'s class; None for a teacher (or an account gone)."""
    row = conn.execute("SELECT c.limits FROM accounts a JOIN school_classes c ON c.id = a.school_class_id "
                       "WHERE a.id = ? AND a.role = 'student'", (account_id,)).fetchone()  # fmt: skip
    return parse_limits(row[0]) if row else None


# every column a row's maker fills counts, its text too (a character counted as a byte; the text columns are bounded:
# core.data.sql.schema.MAX_SOURCE_NAME_CHARS): 120 kB source names once stored 127 MB against 0.71 MB counted
_SAMPLE_TEXT = (
    "length(s.handedness) + length(s.source_kind) + length(s.source_name) + length(s.backend) + length(s.skeleton)"
)
_SAMPLE_BYTES = ("length(s.pixel) + length(s.normalised) + length(s.world) + coalesce(length(s.crop_jpeg), 0) "
                 f"+ coalesce(length(s.visibility), 0) + {_SAMPLE_TEXT}")  # fmt: skip
_CLIP_BYTES = ("length(s.points) + length(s.present) + length(s.timestamps) + length(s.skeleton) "
               "+ length(s.source_kind) + length(s.source_name) + length(s.backend)")  # fmt: skip
# a project's and its gestures' names and emoji: bounded each, and counted too
_NAMES_BYTES = ("SELECT coalesce(sum(length(p.name) + (SELECT coalesce(sum(length(k.name) + length(k.emoji) + "
                "length(k.mirror)), 0) FROM classes k WHERE k.project_id = p.id)), 0) FROM projects p WHERE p.owner = ?")  # fmt: skip


def usage(conn: sqlite3.Connection, account_id: int, only: Sequence[int] | None = None,
          folders: Path | None = None) -> tuple[int, int]:  # fmt: skip
    """(samples and clips, the bytes they, the saved models and games take) in the projects of ``account_id`` (of the ids in
    ``only``, if given). ``folders``: the data folder of a store on one server, whose models are files in the
    projects' folders; a shared store's are rows, counted here too."""
    samples = bytes_ = 0
    chosen = "" if only is None else f" AND p.id IN ({','.join('?' * len(only))})"
    args = (account_id, *(only or ()))
    for table, size in (("samples", _SAMPLE_BYTES), ("clips", _CLIP_BYTES)):
        n, b = conn.execute(f"SELECT count(*), coalesce(sum({size}), 0) FROM projects p CROSS JOIN classes k "  # noqa: S608
                            f"CROSS JOIN {table} s WHERE p.owner = ? AND k.project_id = p.id AND s.class_id = k.id"
                            + chosen, args).fetchone()  # fmt: skip
        samples, bytes_ = samples + n, bytes_ + b
    (models,) = conn.execute("SELECT coalesce(sum(m.size), 0) FROM projects p JOIN project_models m ON "  # noqa: S608
                             f"m.project_id = p.id WHERE p.owner = ?{chosen}", args).fetchone()  # fmt: skip
    (games,) = conn.execute("SELECT coalesce(sum(g.size), 0) FROM projects p JOIN project_games g ON "  # noqa: S608
                            f"g.project_id = p.id WHERE p.owner = ?{chosen}", args).fetchone()  # fmt: skip
    (names,) = conn.execute(_NAMES_BYTES + chosen, args).fetchone()
    bytes_ += int(names) + int(games)
    if folders is not None:
        names = conn.execute(f"SELECT p.name FROM projects p WHERE p.owner = ?{chosen}", args).fetchall()  # noqa: S608
        models += sum(_folder_bytes(folders / "projects" / str(name)) for (name,) in names)
    return samples, bytes_ + int(models)


def _folder_bytes(project: Path) -> int:
    """What the models saved in a project's folder take (one server's store): the files of its model folders."""
    total = 0
    for kind in DESCRIPTIONS:
        try:
            with os.scandir(project / kind) as entries:
                total += sum(e.stat().st_size for e in entries if e.is_file(follow_symlinks=False))
        except OSError:  # no model of that kind (or a name too long for this disk: nothing saved under it)
            continue
    return total


def _folders(store: ProjectRows) -> Path | None:
    return None if store.shared else store.data_dir


def _held(store: ProjectRows, conn: sqlite3.Connection, account_id: int, freed: Sequence[int]) -> tuple[int, int]:
    """``usage`` less the student's own projects of the ids in ``freed``: a project file replacing one of them (Replace
    on import) deletes it in the same step that names the new one, so the old one's samples are not counted twice (a
    student at 20 of 30 samples re-importing their own 20 was refused). That step counts again (``check_held``)."""
    samples, bytes_ = usage(conn, account_id, folders=_folders(store))
    if freed:
        less = usage(conn, account_id, list(freed), _folders(store))
        samples, bytes_ = samples - less[0], bytes_ - less[1]
    return samples, bytes_


def samples_line(have: int, limits: ClassLimits) -> str:
    return f"You have {have:,} samples, your class's limit: {ASK} (or delete some first)."


def bytes_line(have: int, limits: ClassLimits) -> str:
    return f"Your samples and models take {have / MB:,.1f} MB and your class's limit is {limits.megabytes:,} MB: {ASK}."


@dataclass
class Room:
    """What a student may still store, taken row by row inside one write transaction (``Store.insert_samples``)."""

    limits: ClassLimits
    samples: int  # held before this batch
    bytes: int

    def take(self, row_bytes: int) -> None:
        """One more row of ``row_bytes``; ``OverLimitError`` (the batch rolls back) once over a limit."""
        if self.samples + 1 > self.limits.samples:
            raise OverLimitError(samples_line(self.samples, self.limits))
        if self.bytes + row_bytes > self.limits.megabytes * MB:
            raise OverLimitError(bytes_line(self.bytes, self.limits))
        self.samples, self.bytes = self.samples + 1, self.bytes + row_bytes


def room(store: ProjectRows, conn: sqlite3.Connection, pid: int, freed: Sequence[int] = ()) -> Room | None:
    """The room left to the owner of project ``pid`` when a student (their projects of the ids in ``freed`` not
    counted: the write replaces them); None when nothing bounds it."""
    row = conn.execute("SELECT owner FROM projects WHERE id = ?", (pid,)).fetchone()
    limits = student_limits(conn, row[0]) if row and row[0] is not None else None
    return None if limits is None else Room(limits, *_held(store, conn, row[0], freed))


def check_held(store: ProjectRows, conn: sqlite3.Connection, pid: int) -> None:
    """Inside the write transaction that names an imported project ``pid``, after its models are in place:
    ``OverLimitError`` when its owner, a student, would hold more than their class allows. Counted by project id in
    this very transaction: what the import replaced is gone, a project renamed meanwhile is still counted."""
    left = room(store, conn, pid)
    if left is None:
        return
    if left.samples > left.limits.samples:
        raise OverLimitError(f"With this project you would have {left.samples:,} samples and your class's limit is "
                             f"{left.limits.samples:,}: {ASK} (or delete some first).")  # fmt: skip
    if left.bytes > left.limits.megabytes * MB:
        raise OverLimitError(f"With this project your samples and models would take {left.bytes / MB:,.1f} MB and "
                             f"your class's limit is {left.limits.megabytes:,} MB: {ASK}.")  # fmt: skip


def check_model_room(store: ProjectRows, conn: sqlite3.Connection, pid: int, before: int | None = None) -> int | None:
    """Inside the write transaction that saves a model of project ``pid``: the bytes its owner, a student, holds
    (None when nothing bounds them); ``OverLimitError`` when that is over their class's limit and, given ``before``
    (what they held before the save, in the same transaction), more than then: a save that adds nothing (a model's
    notes rewritten) is never refused."""
    left = room(store, conn, pid)
    if left is None:
        return None
    if left.bytes > left.limits.megabytes * MB and (before is None or left.bytes > before):
        raise OverLimitError(bytes_line(left.bytes, left.limits).removesuffix(".") + "; the model was not saved.")
    return left.bytes


def row_bytes(row: tuple) -> int:
    """The bytes a stored row's blobs and text take (what ``usage`` sums: a character of text as a byte)."""
    return sum(len(v) for v in row if isinstance(v, bytes | bytearray | memoryview | str))


def viewer_room(store: Database, account_id: int, freed: Sequence[int] = ()) -> Room | None:
    """``room`` of a signed-in student (None: a teacher, or no class)."""
    with store.read_connection() as conn:
        limits = student_limits(conn, account_id)
        return None if limits is None else Room(limits, *_held(store, conn, account_id, freed))


def check_file(store: Database, account_id: int | None, name: str, size: int, samples: int = 0,
               freed: Sequence[int] = ()) -> None:  # fmt: skip
    """Refuse a file of ``size`` bytes (``samples`` rows, when its header says) that could not fit in what the student
    may still store (less their projects of the ids in ``freed``, which it replaces): checked before a byte of it is read,
    so a 190 MB file is never parsed to be refused."""
    left = None if account_id is None else viewer_room(store, account_id, freed)
    if left is None:
        return
    free_mb = max(0, left.limits.megabytes * MB - left.bytes) / MB
    if size and size > left.limits.megabytes * MB - left.bytes:
        raise OverLimitError(f"{name} is {size / MB:,.1f} MB; your class's limit of {left.limits.megabytes:,} MB "
                             f"leaves you {free_mb:,.1f} MB: {ASK}.")  # fmt: skip
    if samples and left.samples + samples > left.limits.samples:
        raise OverLimitError(f"{name} holds {samples:,} samples; you have {left.samples:,} of your class's limit "
                             f"of {left.limits.samples:,}: {ASK}.")  # fmt: skip


def check_training(limits: ClassLimits | None, hidden: tuple[int, ...], epochs: int) -> None:
    """Refuse a gesture model bigger or a training longer than the class allows (``None``: no class, no bound)."""
    if limits is None:
        return
    if len(hidden) > limits.layers or max(hidden, default=0) > limits.width:
        raise OverLimitError(f"Hidden layer sizes: your class allows at most {limits.layers} layers of at most "
                             f"{limits.width:,} neurons: {ASK} for more.")  # fmt: skip
    if epochs > limits.epochs:
        raise OverLimitError(f"Passes over the samples: your class allows at most {limits.epochs:,}: {ASK} for more.")


def check_model(limits: ClassLimits | None, hidden: tuple[int, ...], where: str) -> None:
    """Refuse a gesture model brought in a file (``where``) bigger than the class lets its students train."""
    if limits is not None and (len(hidden) > limits.layers or max(hidden, default=0) > limits.width):
        raise OverLimitError(f"{where} holds a gesture model of {len(hidden)} layers of up to {max(hidden):,} "
                             f"neurons; your class allows {limits.layers} layers of {limits.width:,}: {ASK}.")  # fmt: skip


def viewer_limits(store: Database, account_id: int | None) -> ClassLimits | None:
    """The limits of the signed-in person ``account_id`` when a student; None for a teacher or with no class."""
    if account_id is None:
        return None
    with store.read_connection() as conn:
        return student_limits(conn, account_id)


def check_viewer_training(store: Database, account_id: int | None, hidden: tuple[int, ...], epochs: int) -> None:
    """``check_training`` for the signed-in person ``account_id`` (the worker checks again what the page sent)."""
    if account_id is None:
        return
    with store.read_connection() as conn:
        check_training(student_limits(conn, account_id), hidden, epochs)


def job_seconds(store: Database, account_id: int | None) -> float:
    """How long a job of ``account_id`` may run (0: unbounded, a teacher or no class)."""
    if account_id is None:
        return 0.0
    with store.read_connection() as conn:
        limits = student_limits(conn, account_id)
    return float(limits.job_seconds) if limits is not None else 0.0


def limits_text(limits: ClassLimits) -> str:
    """One line of a class's limits (``class list``, the Class page)."""
    return (f"Each student: at most {limits.samples:,} samples and {limits.megabytes:,} MB; models of at most "
            f"{limits.layers} layers of {limits.width:,}, {limits.epochs:,} passes; a job stops after "
            f"{limits.job_seconds:,} s; {limits.projects:,} projects of {limits.gestures:,} gestures")  # fmt: skip
