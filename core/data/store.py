"""SQLite store: projects → classes → samples, one ``handteach.sqlite`` per data directory.

``Store`` is the one entry point: connections and migrations (``core.data.sql.database``), projects
and classes (``core.data.projects``), and here the samples.

Keypoints are kept as raw little-endian float32 bytes, so a ``Keypoints`` read back is
bit-identical to the one written (NaN world points included). Coordinate spaces
are those of ``core.types``: ``pixel`` (K, 2) unmirrored-frame pixels,
``normalised`` (K, 3), ``world`` (K, 3) metres or NaN, ``visibility`` (K,) or none, K being
the joints of the sample's skeleton. A project has one skeleton (hand or body) and holds
samples of that skeleton only.

Every write is one transaction (``core.data.sql.database``): ``add_samples`` writes a batch in a
single one, validating each sample as it goes, so a bad sample rolls back the batch and leaves
nothing behind.

Other rows of a class (``core.data.clips``) go through the same public helpers as samples:
``read_connection`` / ``write_transaction`` (``Database``), ``project_id``, ``class_ids`` and
``class_for_label`` (``ProjectStore``), and here ``rows_where``, ``delete_rows``, ``relabel_rows``
and ``rows_per_class``, each taking the table (``ClassRows``).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from typing import Literal

from core.classes.access import rows_clause
from core.classes.quotas import room, row_bytes
from core.classes.retention import keeps_crops
from core.data.projects import ProjectStore
from core.data.saved_models.project_folders import name_now
from core.data.sql.schema import (
    DB_NAME,
    INSERT_SAMPLE,
    MIGRATIONS,
    SAMPLE_COLUMN_COUNT,
    SAMPLE_COLUMNS,
    SCHEMA_VERSION,
    DuplicateNameError,
    NotFoundError,
    Sample,
    StoreError,
    StoreLockedError,
    row_to_sample,
    sample_to_row,
)
from core.gestures.catalog import DEFAULT_CLASSES, validate_name
from core.types import Keypoints

ClassRows = Literal["samples", "clips"]  # the tables whose rows belong to a class (their SQL names)

__all__ = ["DB_NAME", "MIGRATIONS", "SCHEMA_VERSION", "ClassRows", "DuplicateNameError", "NotFoundError", "Sample",
           "Store", "StoreError", "StoreLockedError"]  # fmt: skip


class Store(ProjectStore):
    """All projects, classes and samples of one data directory (see the module docstring)."""

    # -- samples ----------------------------------------------------------------------

    def add_sample(self, project: str, sample: Sample) -> int:
        """Store one sample of an existing class; returns its id."""
        return self.add_samples(project, [sample])[0]

    def add_samples(self, project: str, samples: Iterable[Sample], create_classes: bool = False,
                    create_project: bool = False, identity: str | None = None) -> list[int]:  # fmt: skip
        """Store a batch in one transaction (all or nothing); returns the new ids in order.

        With ``create_classes``, classes missing from the project are appended (used by CSV
        import); otherwise a sample of an unknown class raises ``NotFoundError``. With
        ``create_project`` a missing project is created (a hand project with the default classes)
        in the same transaction. A sample whose skeleton is not the project's refuses the batch.
        ``identity`` (``project_identity`` when a take began): the batch goes into that project, under its name now,
        or nowhere (``ProjectReplacedError``: deleted or replaced meanwhile, e.g. its student deleted mid-take).
        """
        ids: list[int] = []
        self._insert_samples(project, samples, create_classes, lambda sid, _: ids.append(sid), create_project,
                             identity)  # fmt: skip
        return ids

    def add_sample_stream(self, project: str, samples: Iterable[Sample], create_classes: bool = False,
                          create_project: bool = False) -> Counter[str]:  # fmt: skip
        """``add_samples`` for a stream of any length (a 1M-row CSV import); returns samples per class.

        Memory stays flat: each sample is validated and inserted as it comes, and anything raised,
        by a sample or by ``samples`` itself, rolls back the whole batch.
        """
        per_class: Counter[str] = Counter()
        self._insert_samples(
            project, samples, create_classes, lambda _, name: per_class.update((name,)), create_project
        )
        return per_class

    def _insert_samples(self, project: str, samples: Iterable[Sample], create_classes: bool,
                        inserted: Callable[[int, str], object], create_project: bool = False,
                        identity: str | None = None) -> None:  # fmt: skip
        """One transaction of ``insert_samples``; with ``create_project`` a missing project is created in it."""
        with self.write_transaction() as conn:
            if identity is not None:  # checked with the write lock held: no delete can come between
                project = name_now(self, conn, project, identity, "the take", "recording")
            try:
                self.project_id(conn, project)
            except NotFoundError:
                if not create_project:
                    raise
                self.insert_project(conn, project, "mediapipe", "hand", False, DEFAULT_CLASSES)
            self.insert_samples(conn, project, samples, create_classes, inserted)

    def insert_samples(self, conn: sqlite3.Connection, project: str, samples: Iterable[Sample], create_classes: bool,
                       inserted: Callable[[int, str], object], freed: Sequence[int] = ()) -> None:  # fmt: skip
        """The one write path of samples, inside a ``write_transaction`` (``core.data.bundles.bundle_import`` creates the
        project in the same one); ``inserted(id, stored class name)`` after each; ``freed``: the ids of the owner's projects
        this write replaces (not counted against their limits)."""
        pid = self.project_id(conn, project)
        skeleton, motion = conn.execute("SELECT skeleton, motion FROM projects WHERE id = ?", (pid,)).fetchone()
        if motion:  # its gestures are clips (core.data.clips)
            raise StoreError(f"project {project!r} is a motion project: it holds clips of motion gestures, "
                             "not single-frame samples")  # fmt: skip
        ids = self.class_ids(conn, pid)
        names = {i: n for n, i in ids.items()}
        crops = keeps_crops(conn, pid)  # a class's projects keep keypoints only unless its teacher allows crops
        left = room(
            self, conn, pid, freed
        )  # a student's samples and bytes within their class's limits (core.classes.quotas)
        for sample in samples:
            if not crops and isinstance(sample, Sample) and sample.crop_jpeg is not None:
                sample = replace(sample, crop_jpeg=None)
            row, name = sample_to_row(sample), validate_name(sample.class_name, "class name")
            if sample.hand.skeleton.name != skeleton:  # raising rolls back the samples already inserted
                raise StoreError(
                    f"a {sample.hand.skeleton.name} sample cannot enter the {skeleton} project {project!r}"
                )
            if left is not None:  # over the limit: OverLimitError, the batch rolls back
                left.take(row_bytes(row))
            cid = self.class_for_label(conn, project, pid, ids, name, create_classes)
            inserted(int(conn.execute(INSERT_SAMPLE, (cid, *row)).lastrowid), names.setdefault(cid, name))

    def iter_samples(
        self, project: str, class_name: str | None = None, with_crops: bool = False, batch: int = 256
    ) -> Iterator[Sample]:
        """Samples of a project (or of one class), oldest first, read ``batch`` rows at a time (flat memory)."""
        cols = SAMPLE_COLUMNS + (", s.crop_jpeg" if with_crops else "")
        with self.read_connection() as conn:
            where, arg = self.rows_where(conn, project, class_name, "s.class_id")
            cursor = conn.execute(
                f"SELECT {cols} FROM samples s JOIN classes c ON c.id = s.class_id WHERE {where} ORDER BY s.id", (arg,)
            )
            while rows := cursor.fetchmany(batch):
                yield from (_sample(r, with_crops) for r in rows)

    def rows_where(
        self, conn: sqlite3.Connection, project: str, class_name: str | None, class_column: str
    ) -> tuple[str, int]:
        """The WHERE condition and its argument for the rows of a project (joined to ``classes c``) or, with
        ``class_name``, of that class (``class_column``: the rows' class id): samples and clips are chosen alike.
        Raises NotFoundError for an unknown project or class."""
        if class_name is None:
            return "c.project_id = ?", self.project_id(conn, project)
        return f"{class_column} = ?", self._class_id(conn, project, class_name)[1]

    def list_samples(self, project: str, class_name: str | None = None, with_crops: bool = False) -> list[Sample]:
        """Samples of a project (or of one class), oldest first."""
        return list(self.iter_samples(project, class_name, with_crops))

    def get_sample(self, sample_id: int, with_crop: bool = True) -> Sample:
        """One sample by id; with a viewer, only one of a project they may read."""
        scope, args = rows_clause(self.viewer, "s.class_id", change=False)
        with self.read_connection() as conn:
            row = conn.execute(
                f"SELECT {SAMPLE_COLUMNS}, s.crop_jpeg FROM samples s JOIN classes c ON c.id = s.class_id "
                f"WHERE s.id = ?{scope}",
                (int(sample_id), *args),
            ).fetchone()
        if row is None:
            raise NotFoundError(f"no sample with id {sample_id}")
        return _sample(row, with_crop)

    def delete_samples(self, ids: Iterable[int]) -> int:
        """Delete samples by id (unknown ids are ignored); returns how many were deleted."""
        return self.delete_rows("samples", ids)

    def relabel_samples(self, ids: Iterable[int], project: str, new_class: str) -> int:
        """Move samples of ``project`` to ``new_class``; all ids must belong to the project."""
        return self.relabel_rows("samples", ids, project, new_class)

    # Samples and clips are both rows of a class: these serve both tables (``core.data.clips`` too).
    def delete_rows(self, table: ClassRows, ids: Iterable[int]) -> int:
        """Delete rows of ``table`` by id in one transaction (unknown ids, and with a viewer ids of rows not theirs,
        are ignored); returns how many were deleted."""
        ids = [int(i) for i in ids]
        scope, args = rows_clause(self.viewer, "class_id", change=True)
        with self.write_transaction() as conn:
            return sum(conn.execute(f"DELETE FROM {table} WHERE id = ?{scope}", (i, *args)).rowcount for i in ids)

    def relabel_rows(self, table: ClassRows, ids: Iterable[int], project: str, new_class: str) -> int:
        """Move rows of ``table`` to ``new_class`` of ``project``, all or none: an id outside the project raises
        NotFoundError naming it, and nothing moves. Returns how many were moved."""
        ids = sorted({int(i) for i in ids})
        with self.write_transaction() as conn:
            pid, cid = self._class_id(conn, project, new_class)
            for i in ids:
                changed = conn.execute(
                    f"UPDATE {table} SET class_id = ? WHERE id = ? AND class_id IN "
                    "(SELECT id FROM classes WHERE project_id = ?)",
                    (cid, i, pid),
                ).rowcount
                if not changed:  # raising rolls back the ones already moved
                    raise NotFoundError(f"project {project!r} has no {table[:-1]} with id {i}")
        return len(ids)

    def rows_per_class(self, table: ClassRows, project: str) -> dict[str, int]:
        """Rows of ``table`` per class of ``project``, every class included (zeros too), in display order."""
        with self.read_connection() as conn:
            pid = self.project_id(conn, project)
            rows = conn.execute(
                f"SELECT c.name, COUNT(r.id) FROM classes c LEFT JOIN {table} r ON r.class_id = c.id "
                "WHERE c.project_id = ? GROUP BY c.id ORDER BY c.position, c.id",
                (pid,),
            )
            return dict(rows.fetchall())

    def class_counts(self, project: str) -> dict[str, int]:
        """Samples per class, every class included (zeros too), in display order."""
        return self.rows_per_class("samples", project)

    def sample_arrays(self, project: str) -> tuple[list[Keypoints], list[str]]:
        """Every hand of the project with its class name, oldest first, without crops (for training)."""
        samples = self.list_samples(project)
        return [s.hand for s in samples], [s.class_name for s in samples]


def _sample(row: Sequence, with_crop: bool) -> Sample:
    """A row of ``SAMPLE_COLUMNS``, with the crop column appended when ``with_crop``."""
    return row_to_sample(row[:SAMPLE_COLUMN_COUNT], row[SAMPLE_COLUMN_COUNT] if with_crop else None)
