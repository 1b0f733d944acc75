"""Projects and their classes in the store's database (``ProjectStore``; ``Store`` adds samples).

A project fixes its keypoint backend, its skeleton (``core.skeletons``: only a hand project gets
the default gesture classes and may take the CPM) and whether it holds motion gestures. Class
names are unique regardless of case and surrounding spaces, and none looks just like another of its project
(``check_gesture_free``); a project's name is given through one reservation (``ProjectStore.reserve_name``).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from pathlib import Path

from core.classes.access import VISIBLE_IDS, Viewer, access_of, check_access, check_free, require_account, visible_args
from core.classes.making_limits import check_new_gesture, check_new_project
from core.data.project_names import check_gesture_free, class_rows, project_clash, same_gesture, same_name
from core.data.saved_models.project_folders import (
    check_new_name,
    folder_exists,
    folder_moved_aside,
    new_identity,
    require_folder,
)
from core.data.sql.database import Database
from core.data.sql.emoji import validate_emoji
from core.data.sql.schema import DuplicateNameError, NotFoundError, StoreError, stored_skeleton
from core.gestures.catalog import DEFAULT_CLASSES, DEFAULT_PROJECT, GestureClass, validate_name
from core.io.atomic import move
from core.skeletons import HAND_21, Skeleton
from core.types import KEYPOINT_BACKENDS, NETWORK_BACKENDS, NETWORK_TITLES


class ProjectStore(Database):
    """Projects and classes of one data directory; every method is one read or one transaction.

    With a ``viewer`` (a signed-in member of a class, ``core.classes.access``) every project named is checked on
    the way in (``project_id``): read on a read connection, changed inside a write transaction.
    """

    def __init__(self, data_dir: Path | str | None = None, read_only: bool = False,
                 viewer: Viewer | None = None) -> None:  # fmt: skip
        super().__init__(data_dir, read_only)
        self.viewer = viewer

    # -- projects ------------------------------------------------------------------

    def project_id(self, conn: sqlite3.Connection, project: str) -> int:
        """The row id of ``project`` on ``conn`` (one of ``read_connection`` / ``write_transaction``); NotFoundError.

        The one door to a project's rows: with a viewer, a project they may not read is not found, and inside a
        write transaction one they may not change raises ``NotYoursError``."""
        name = validate_name(project, "project name")
        row = conn.execute("SELECT id FROM projects WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise NotFoundError(f"no project named {name!r}" + (" here" if self.viewer else ""))
        if self.viewer is not None:
            check_access(conn, self.viewer, row[0], name, change=conn.in_transaction)
        return row[0]

    def reserve_name(self, conn: sqlite3.Connection, name: str, replace: bool = False,
                     besides: int | None = None) -> int | None:  # fmt: skip
        """Inside the write transaction that gives a project the name ``name`` (create, rename, import, remix, a first
        project): the one check of every way a project is named. The id of the viewer's own project of that name,
        which the caller replaces (only with ``replace``), or None; else refused in one line (``check_free``): a
        name kept for someone's first project, or one taken by or looking just like another project (``besides``:
        the project being renamed), only "taken" where that project is not the viewer's own."""
        found = project_clash(conn, name, besides)
        if not (replace and found is not None and found[2]):
            check_free(conn, self.viewer, name, found)
            return None
        check_free(conn, self.viewer, name, None)  # a first project's name is kept whatever it replaces
        if self.viewer is not None:  # Replace only one's own
            if access_of(conn, self.viewer, found[0]) is None:
                check_free(conn, self.viewer, name, found)  # "taken", as typed
            check_access(conn, self.viewer, found[0], name, change=True)  # NotYoursError: one they may only read
        return found[0]

    def own_named(self, conn: sqlite3.Connection, name: str) -> tuple[int, str] | None:
        """(id, name as stored) of the viewer's own project named ``name`` regardless of case (any project with no
        viewer), or None."""
        found = project_clash(conn, name)
        if found is None or not found[2]:
            return None
        if self.viewer is not None and access_of(conn, self.viewer, found[0]) != "own":
            return None
        return found[0], found[1]

    def list_projects(self) -> list[str]:
        """Every project's name; with a viewer, those they may read (their own, and their class's shared ones or,
        for its teacher, all of the class's)."""
        with self.read_connection() as conn:
            if self.viewer is None:
                return [r[0] for r in conn.execute("SELECT name FROM projects ORDER BY name")]
            query = f"SELECT name FROM projects WHERE id IN ({VISIBLE_IDS}) ORDER BY name"
            return [r[0] for r in conn.execute(query, visible_args(self.viewer))]

    def create_project(
        self,
        name: str,
        default_classes: bool = True,
        backend: str = "mediapipe",
        skeleton: str = "hand",
        motion: bool = False,
    ) -> str:
        """Create a project; returns the cleaned name.

        ``skeleton`` names the keypoint layout its samples must have (``core.skeletons``); only a hand
        project gets ``DEFAULT_CLASSES`` (unless told not to) and may take the CPM backend, a hand model.
        ``motion`` marks a project of motion gestures (clips), fixed like the skeleton.
        """
        name, layout = validate_name(name, "project name"), stored_skeleton(skeleton)
        classes = DEFAULT_CLASSES if default_classes and layout == HAND_21 else ()
        # a folder of that name was left by an older handteach: its model is not this project's
        with folder_moved_aside(self.data_dir, name) as stray, self.write_transaction() as conn:
            self.insert_project(conn, name, backend, layout.name, motion, classes)
            stray.move()
        return name

    def insert_project(self, conn: sqlite3.Connection, name: str, backend: str, skeleton: str, motion: bool,
                       classes: Sequence[GestureClass], created_at: float | None = None,
                       replace: bool = False) -> int:  # fmt: skip
        """Inside a ``write_transaction``: a new project row with ``classes`` in order; returns its id.

        The one writer of project rows (``create_project``, and ``core.data.bundles.bundle_import``, which adds the
        samples in the same transaction). ``replace`` deletes a project of that name first (its classes
        and rows cascade; its folder is the caller's); without it a taken name raises ``DuplicateNameError``.
        The name becomes a folder's: over ``project_folders.MAX_NAME_BYTES`` bytes it is refused.
        """
        name = check_new_name(validate_name(name, "project name"))
        if backend not in KEYPOINT_BACKENDS:
            raise ValueError(f"unknown keypoint backend {backend!r}: choose one of {', '.join(KEYPOINT_BACKENDS)}")
        layout = stored_skeleton(skeleton)
        if layout != HAND_21 and backend in NETWORK_BACKENDS:
            raise StoreError(
                f"backend {backend!r} cannot serve the {layout.name} project {name!r}: "
                f"the {NETWORK_TITLES[backend]} is a hand model"
            )
        rows = class_rows(classes)
        require_account(conn, self.viewer)  # deleted since the page checked: said, not SQLite's "FOREIGN KEY"
        old = self.reserve_name(conn, name, replace)
        check_new_project(conn, None if self.viewer is None else self.viewer.account_id, len(rows), old)
        if old is not None:
            conn.execute("DELETE FROM projects WHERE id = ?", (old,))
        cur = conn.execute(
            "INSERT INTO projects (name, backend, created_at, skeleton, motion, uid, owner) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (name, backend, time.time() if created_at is None else float(created_at), layout.name, int(bool(motion)),
             new_identity(), None if self.viewer is None else self.viewer.account_id),
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO classes (project_id, name, emoji, mirror, position) VALUES (?, ?, ?, ?, ?)",
            [(cur.lastrowid, *row, i) for i, row in enumerate(rows)],
        )
        return int(cur.lastrowid)

    def has_project(self, name: str) -> bool:
        """Whether ``name`` is a project (a read: creates nothing)."""
        return validate_name(name, "project name") in self.list_projects()

    def ensure_project(self, name: str = DEFAULT_PROJECT) -> str:
        """The project ``name`` (or one whose name differs only in case: returned as stored), created with the
        default classes if there is none yet."""
        name = validate_name(name, "project name")
        if name in self.list_projects():
            return name  # a read: works while another program writes
        try:
            return self.create_project(name)
        except DuplicateNameError:  # made meanwhile, or "Default" beside "default"
            return same_name(name, self.list_projects()) or name

    def delete_project(self, name: str) -> None:
        """Delete a project, its classes, samples and its folder (saved models), the folder moved aside in the same
        transaction: a training that saves afterwards finds the project gone (``core.data.saved_models.project_folders``)."""
        aside = folder_moved_aside(self.data_dir, validate_name(name, "project name"))
        with aside as folder, self.write_transaction() as conn:
            conn.execute("DELETE FROM projects WHERE id = ?", (self.project_id(conn, name),))
            folder.move()

    def rename_project(self, old: str, new: str) -> str:
        """Rename a project and its folder; returns the cleaned new name."""
        old, new = validate_name(old, "project name"), validate_name(new, "new project name")
        check_new_name(new, "new project name")
        old_dir, new_dir = self.data_dir / "projects" / old, self.data_dir / "projects" / new
        with self.write_transaction() as conn:
            pid = self.project_id(conn, old)
            self.reserve_name(conn, new, besides=pid)
            if new_dir.exists() and new.casefold() != old.casefold():
                raise DuplicateNameError(f"a project named {new!r} already exists")
            conn.execute("UPDATE projects SET name = ? WHERE id = ?", (new, pid))
            if folder_exists(old_dir):  # inside the transaction: a failed move rolls the rename back
                move(old_dir, new_dir)
        return new

    def _project_column(self, name: str, column: str) -> object:
        with self.read_connection() as conn:
            pid = self.project_id(conn, name)
            return conn.execute(f"SELECT {column} FROM projects WHERE id = ?", (pid,)).fetchone()[0]

    def project_identity(self, name: str) -> str:
        """What tells this project from one that took its name since (``core.data.saved_models.project_folders``)."""
        return str(self._project_column(name, "uid"))

    def project_backend(self, name: str) -> str:
        return str(self._project_column(name, "backend"))

    def project_skeleton(self, name: str) -> Skeleton:
        """The keypoint layout every sample of the project has."""
        return stored_skeleton(str(self._project_column(name, "skeleton")))

    def project_is_motion(self, name: str) -> bool:
        return bool(self._project_column(name, "motion"))

    def project_created_at(self, name: str) -> float:
        """When the project was created (Unix seconds)."""
        created = self._project_column(name, "created_at")
        return float(created) if isinstance(created, int | float) else 0.0

    def project_dir(self, project: str, create: bool = True) -> Path:
        """``data_dir/projects/<project>``, created on demand unless ``create`` is False (the model lives there);
        ``project_folders.UnusableNameError`` for a stored name too long for a folder on this disk."""
        with self.read_connection() as conn:
            self.project_id(conn, project)
        path = require_folder(self.data_dir, validate_name(project))  # a name too long for a folder: said
        if create:
            path.mkdir(parents=True, exist_ok=True)
        return path

    # -- classes --------------------------------------------------------------------

    @staticmethod
    def class_ids(conn: sqlite3.Connection, pid: int) -> dict[str, int]:
        """Class name → row id of the project ``pid``, in display order (on a connection of this store's)."""
        rows = conn.execute("SELECT name, id FROM classes WHERE project_id = ? ORDER BY position, id", (pid,))
        return dict(rows.fetchall())

    def _class_id(self, conn: sqlite3.Connection, project: str, name: str) -> tuple[int, int]:
        """(project id, class id) of a class, or NotFoundError naming what is missing."""
        name = validate_name(name, "class name")
        pid = self.project_id(conn, project)
        ids = self.class_ids(conn, pid)
        stored = same_gesture(name, ids)
        if stored is None:
            raise NotFoundError(f"project {project!r} has no class named {name!r}")
        return pid, ids[stored]

    def class_named(self, project: str, name: str) -> str | None:
        """The stored name of the class ``name`` denotes ("OK" and " ok " denote "ok"), or None."""
        name = validate_name(name, "class name")
        with self.read_connection() as conn:
            return same_gesture(name, self.class_ids(conn, self.project_id(conn, project)))

    def list_classes(self, project: str) -> list[GestureClass]:
        """The classes of ``project`` in display order."""
        with self.read_connection() as conn:
            pid = self.project_id(conn, project)
            rows = conn.execute(
                "SELECT name, emoji, mirror FROM classes WHERE project_id = ? ORDER BY position, id", (pid,)
            )
            return [GestureClass(*r) for r in rows]

    def add_class(self, project: str, name: str, emoji: str = "", mirror: str = "") -> GestureClass:
        """Append a class; ``mirror`` names its mirror partner (may be added later), "" for symmetric."""
        with self.write_transaction() as conn:
            gesture = self._insert_class(conn, self.project_id(conn, project), name, emoji, mirror)
        return gesture

    def _insert_class(self, conn: sqlite3.Connection, pid: int, name: str, emoji: str, mirror: str) -> GestureClass:
        name = validate_name(name, "class name")
        mirror = validate_name(mirror, "mirror") if mirror else ""
        gesture = GestureClass(name, validate_emoji(emoji), "" if mirror == name else mirror)
        existing = self.class_ids(conn, pid)
        check_gesture_free(gesture.name, existing)
        check_new_gesture(conn, pid)  # a student's class bounds the gestures of a project (core.classes.making_limits)
        if gesture.mirror and gesture.mirror not in existing:
            raise NotFoundError(f"mirror {gesture.mirror!r}: the project has no class of that name; add it first")
        (position,) = conn.execute("SELECT COALESCE(MAX(position) + 1, 0) FROM classes WHERE project_id = ?", (pid,))
        conn.execute(
            "INSERT INTO classes (project_id, name, emoji, mirror, position) VALUES (?, ?, ?, ?, ?)",
            (pid, gesture.name, gesture.emoji, gesture.mirror, position[0]),
        )
        return gesture

    def rename_class(self, project: str, old: str, new: str) -> str:
        """Rename a class, keeping its samples; mirror references to it follow. Returns the new name."""
        new = validate_name(new, "new class name")
        with self.write_transaction() as conn:
            pid, cid = self._class_id(conn, project, old)
            check_gesture_free(new, (n for n, i in self.class_ids(conn, pid).items() if i != cid))
            (old,) = conn.execute("SELECT name FROM classes WHERE id = ?", (cid,)).fetchone()  # as stored
            conn.execute("UPDATE classes SET name = ? WHERE id = ?", (new, cid))
            conn.execute("UPDATE classes SET mirror = ? WHERE project_id = ? AND mirror = ?", (new, pid, old))
        return new

    def delete_class(self, project: str, name: str) -> None:
        """Delete a class and its samples; classes that named it as mirror become symmetric."""
        with self.write_transaction() as conn:
            pid, cid = self._class_id(conn, project, name)
            (name,) = conn.execute("SELECT name FROM classes WHERE id = ?", (cid,)).fetchone()  # as stored
            conn.execute("DELETE FROM classes WHERE id = ?", (cid,))
            conn.execute("UPDATE classes SET mirror = '' WHERE project_id = ? AND mirror = ?", (pid, name))

    def clear_class(self, project: str, name: str) -> int:
        """Delete the samples (or a motion project's clips) of a class, keep the class; returns how many were deleted."""
        with self.write_transaction() as conn:
            _, cid = self._class_id(conn, project, name)
            clips = conn.execute("DELETE FROM clips WHERE class_id = ?", (cid,)).rowcount
            return clips + conn.execute("DELETE FROM samples WHERE class_id = ?", (cid,)).rowcount

    def class_for_label(self, conn: sqlite3.Connection, project: str, pid: int, ids: dict[str, int], name: str,
                        create: bool) -> int:  # fmt: skip
        """Class id for a sample (or clip) labelled ``name``, inside a ``write_transaction``; ``ids`` (``class_ids``,
        name → id) gains a class created here (only with ``create``, else NotFoundError).

        A label matching a class regardless of case, or shown as it is, joins it: a kinivi "OK" is the default
        project's "ok", its "Thumbs up" the default "thumbs_up".
        """
        stored = same_gesture(name, ids)
        if stored is None:
            if not create:
                raise NotFoundError(f"project {project!r} has no class named {name!r}")
            self._insert_class(conn, pid, name, "", "")
            ids.update(self.class_ids(conn, pid))
            stored = name
        return ids[stored]
