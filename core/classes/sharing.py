"""Sharing a project with one's class, read-only, and remixing a shared one into a project of one's own.

The owner shares (``access.share_project``); classmates then see it among ``shared_with_me`` and may read it
(``access``: the store refuses every change). *Remix* copies it into a new project the remixer owns, in one
transaction: its gestures (names, emoji, mirror pairs, order), samples and clips, with their dates, and its Scratch
game (``core.data.project_games``, counted in the remixer's quota). Each crop
comes along only where the remixer's class allows pictures (``Store.insert_samples`` asks
``retention.keeps_crops``, as for every sample). The model does not: it was trained and measured on the owner's
project and is tied to it (``project_folders``: a model belongs to one project identity); training the copy takes
seconds and makes a model measured on what the remixer holds.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from core.classes.access import Access, check_access
from core.classes.names import clash
from core.data.clips import insert_clips, iter_clips
from core.data.project_games import GameStamp, load_game, store_game
from core.data.saved_models.project_folders import folder_moved_aside
from core.data.store import Store
from core.gestures.catalog import validate_name


@dataclass(frozen=True)
class SharedProject:
    """A classmate's project shared with the viewer's class: its name and its owner's, both as typed."""

    name: str
    owner: str


@dataclass(frozen=True)
class Remix:
    """What a remix copied into ``name``: samples (``crops`` of them with their picture) and clips."""

    name: str
    samples: int
    crops: int
    clips: int
    game: bool = False  # the project's Scratch game came along


def shared_with_me(store: Store) -> list[SharedProject]:
    """The projects classmates of the store's viewer share with their class (not the viewer's own), by name;
    none with no viewer."""
    viewer = store.viewer
    if viewer is None:
        return []
    with store.read_connection() as conn:
        rows = conn.execute(
            "SELECT p.name, a.name FROM projects p JOIN accounts a ON a.id = p.owner "
            "WHERE p.shared = 1 AND a.school_class_id = ? AND p.owner != ? ORDER BY p.name",
            (viewer.class_id, viewer.account_id),
        )
        return [SharedProject(name, owner) for name, owner in rows]


def project_access(store: Store, project: str) -> Access:
    """Why the store's viewer may read ``project``: "own" (always, with no viewer), "teacher" or "shared";
    ``NotFoundError`` for one they may not see."""
    if store.viewer is None:
        return "own"
    with store.read_connection() as conn:
        return check_access(conn, store.viewer, store.project_id(conn, project), project, change=False)


def is_shared(store: Store, project: str) -> bool:
    """Whether ``project`` is shared with its owner's class (a read: its owner, teacher and classmates may ask)."""
    with store.read_connection() as conn:
        pid = store.project_id(conn, project)
        return bool(conn.execute("SELECT shared FROM projects WHERE id = ?", (pid,)).fetchone()[0])


def owner_name(store: Store, project: str) -> str | None:
    """The name of ``project``'s owner as the teacher typed it; None for the server's own."""
    with store.read_connection() as conn:
        pid = store.project_id(conn, project)
        row = conn.execute("SELECT a.name FROM projects p JOIN accounts a ON a.id = p.owner WHERE p.id = ?", (pid,))
        found = row.fetchone()
        return None if found is None else str(found[0])


def remix_name(store: Store, source: str) -> str:
    """A free name for a remix of ``source``: "<source> (remix)", then "(remix 2)", … (never taken by anyone, nor
    looking like a name taken: ``core.classes.names.clash``, as the store's reservation checks)."""
    taken = _names(store)
    n = 1
    while clash(name := f"{source} (remix)" if n == 1 else f"{source} (remix {n})", taken) is not None:
        n += 1
    return name


def remix_project(store: Store, source: str, name: str) -> Remix:
    """Copy ``source`` (a project the store's viewer may read) into a new project ``name`` they own; see the module.

    One transaction: a name taken raises ``DuplicateNameError`` and nothing is made."""
    name = validate_name(name, "project name")
    backend, skeleton = store.project_backend(source), store.project_skeleton(source).name
    motion, classes = store.project_is_motion(source), store.list_classes(source)
    counted = {"samples": 0, "crops": 0}
    game = load_game(store, source)  # read as the remixer may: a project they may read

    def inserted(_sid: int, _name: str) -> None:
        counted["samples"] += 1

    with folder_moved_aside(store.data_dir, name) as stray, store.write_transaction() as conn:
        pid = store.insert_project(conn, name, backend, skeleton, motion, classes)
        if motion:
            clips = len(insert_clips(store, conn, name, iter_clips(store, source)))
        else:
            clips = 0
            store.insert_samples(conn, name, store.iter_samples(source, with_crops=True), False, inserted)
        counted["crops"] = conn.execute(
            "SELECT count(*) FROM samples WHERE crop_jpeg IS NOT NULL AND class_id IN "
            "(SELECT id FROM classes WHERE project_id = ?)",
            (pid,),
        ).fetchone()[0]
        if game is not None:  # the remixer's own now, within their quota
            store_game(store, conn, pid, game.data, GameStamp(game.digest, len(game.data), time.time()))
        stray.move()
    return Remix(name, counted["samples"], counted["crops"], clips, game is not None)


def _names(store: Store) -> list[str]:
    """Every project name on the server: a remix's name must be free for everyone (a name is a folder)."""
    with store.read_connection() as conn:
        return [r[0] for r in conn.execute("SELECT name FROM projects")]
