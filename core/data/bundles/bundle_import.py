"""Import a ``.handteach`` file as a project: everything checked first, then stored whole or not at all.

Order: the file is opened and checked (``core.data.bundles.bundle_read``: directory, sizes, manifest), the
target name is free or the viewer's own (``replace``), reserved as every project's name is
(``core.data.projects.ProjectStore.reserve_name``), the file fits in a student's quota
(``core.classes.quotas``), every sample or clip is read and checked, the model files are
written to a staging folder in the data directory and loaded from there by their own loaders (the
gesture classifier, the motion model, the CPM checkpoint: checksums, shapes, skeleton; a gesture model within a
student's class's bounds). Then the
project is stored in short transactions (issue 53: others' writes wait at most one), under a passing
name ("importing <token>"): its classes and Scratch game (checked by ``core.scratch.sb3`` first), then every sample
(crops streamed from the file and checked on the way) or clip, a slice of ``core.data.imports.batched_import.HOLD_TARGET_S`` at a time. A last transaction
deletes a replaced project, gives the new one its name and, just before the commit, renames the staged
folder into its place (an old one moved aside; on a shared store its models become the project's rows instead,
``core.data.saved_models.model_files``), and counts the student's quota once more, models included, by project id.
Anything failing deletes the passing project (through the import's own cleanup store, ``batched_import.cleanup_store``:
a sign-in that ended midway refuses the page's) and renames the folders back: no half project under the name, the replaced project untouched. A process killed
midway leaves the passing project, which can be deleted like any other.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from core.classes.quotas import ClassLimits, check_file, check_held, check_model, viewer_limits
from core.data.bundles.bundle_format import BUNDLE_LIMITS, GAME, BundleError, BundleLimits, ProjectExistsError
from core.data.bundles.bundle_read import ProjectFile, open_project_file
from core.data.clips import insert_clips
from core.data.imports.batched_import import PAUSE_S, TimedSlices, cleanup_store
from core.data.project_games import insert_game
from core.data.saved_models.model_files import publish_folder
from core.data.saved_models.project_folders import check_new_name
from core.data.sql.schema import StoreError
from core.data.store import Store
from core.gestures.catalog import validate_name
from core.io.atomic import move, write_bytes
from core.scratch.sb3 import Sb3Error, check_sb3
from core.skeletons import HAND_21

_LOG = logging.getLogger("handteach.imports")


@dataclass(frozen=True)
class ImportReport:
    """What ``import_project`` stored."""

    project: str
    samples: int
    clips: int
    classes: int
    models: tuple[str, ...]  # the model folders it brought: "model", "motion", "cpm"
    replaced: bool  # an existing project of that name was replaced


def _load_models(bundle: ProjectFile, staging: Path, limits: ClassLimits | None) -> None:
    """Write the file's model folders to ``staging`` and load each with its own loader, trusting nothing; a gesture
    model bigger than a student's class lets them train (``limits``) is refused like one they asked to train."""
    m = bundle.manifest
    for folder in m.models:
        for name in bundle.model_members(folder):
            write_bytes(staging / name, bundle.read(name))  # names matched the format's patterns: no path tricks
        try:
            hidden = _check_model(folder, staging / folder, m.skeleton.name, m.motion, m.backend)
        except ValueError as exc:  # ModelFileError, MotionModelError, CheckpointError: name the file's member
            raise BundleError(str(exc).replace(str(staging), str(bundle.path))) from None
        check_model(limits, hidden, str(bundle.path))


def _check_model(folder: str, path: Path, skeleton: str, motion: bool, backend: str) -> tuple[int, ...]:
    """Load the model saved in ``path`` with its own loader; a gesture model's hidden layer sizes (else ())."""
    if folder == "model":
        from core.gestures.classifier import GestureClassifier

        model = GestureClassifier.load(path)
        if motion or model.feature_config.skeleton != skeleton:
            raise ValueError(f"{path}: a gesture model of {model.feature_config.skeleton} keypoints cannot serve "
                             f"a {'motion' if motion else skeleton} project")  # fmt: skip
        return model.hidden
    elif folder == "motion":
        from core.motion.model import MotionModel

        motion_model = MotionModel.load(path)
        if not motion or motion_model.skeleton.name != skeleton:
            raise ValueError(f"{path}: a motion model of {motion_model.skeleton.name} keypoints cannot serve this "
                             "project")  # fmt: skip
    else:
        from core.cpm import checkpoint
        from core.cpm.architectures import arch_of
        from core.data.project_cpm import TITLES, network_of_backend

        if skeleton != HAND_21.name:
            raise ValueError(f"{path}: a fine-tuned CPM (a hand model) in a {skeleton} project")
        found, wanted = arch_of(checkpoint.load(path).cfg), network_of_backend(backend)
        if found != wanted:  # a project runs its own network: the other's weights would never be used
            raise ValueError(f"{path}: a fine-tuned {TITLES[found]} in a project that runs the {TITLES[wanted]}")
    return ()


class _FolderSwap:
    """Puts the staged folder in the project's place, the old folders (the replaced project's, and a stray one
    of the new name) moved aside until told to drop them or to undo."""

    def __init__(self, staged: Path, target: Path, old: list[Path], aside: Path) -> None:
        self.staged, self.target, self.aside = staged, target, aside
        self.old = list(dict.fromkeys(old))  # one folder once, in order
        self.moved: list[tuple[Path, Path]] = []  # (from, to), in the order done

    def _move(self, source: Path, target: Path) -> None:
        move(source, target)
        self.moved.append((source, target))

    def run(self) -> None:
        for i, folder in enumerate(self.old):
            if folder.exists():
                self._move(folder, self.aside.with_name(f"{self.aside.name}-{i}"))
        if self.staged.exists():
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self._move(self.staged, self.target)

    def undo(self) -> None:
        for source, target in reversed(self.moved):
            move(target, source)
        self.moved.clear()

    def drop_old(self) -> None:
        for source, target in self.moved:
            if source != self.staged:
                shutil.rmtree(target, ignore_errors=True)


def _checked_game(bundle: ProjectFile) -> bytes | None:
    """The file's Scratch game, checked as any .sb3 from anywhere (``core.scratch.sb3``), or None: a file without one
    (every file before the games) imports as before."""
    if GAME not in bundle.manifest.members:
        return None
    data = bundle.read(GAME)  # its size was bounded by the directory, its SHA-256 is the manifest's
    try:
        check_sb3(data)
    except Sb3Error as exc:
        raise BundleError(f"{bundle.path}: its Scratch game ({GAME}): {exc}") from None
    return data


def _store(store: Store, bundle: ProjectFile, name: str, rows: list, replace: bool, swap: _FolderSwap,
           token: str, freed: list[int], game: bytes | None) -> bool:  # fmt: skip
    """Rows in short transactions into a project of a passing name, then one short transaction gives it its name
    (the replaced project deleted in it) and puts its folder in place; anything failing deletes the passing one.
    ``freed``: the ids of the projects it replaces, not counted against a student's limits meanwhile. Returns
    whether it replaced a project."""
    m = bundle.manifest
    passing = f"importing {token}"
    with store.write_transaction() as conn:
        pid = store.insert_project(conn, passing, m.backend, m.skeleton.name, m.motion, m.classes, m.created_at)
        if game is not None:  # counted with the rest once the project is named (check_held)
            insert_game(conn, pid, game)
    try:
        slices = TimedSlices(rows if m.motion else bundle.crops(rows, check_images=False))
        while not slices.done:
            with store.write_transaction() as conn:
                if m.motion:
                    insert_clips(store, conn, passing, slices.slice(), freed=freed)
                else:
                    store.insert_samples(conn, passing, slices.slice(), False, lambda *_: None, freed)
            time.sleep(PAUSE_S)  # a waiting writer gets in (core.data.imports.batched_import)
        replaced = _name_it(store, pid, name, replace, swap)
    except BaseException:
        _drop_passing(store, passing)
        raise
    swap.drop_old()
    return replaced


def _drop_passing(store: Store, passing: str) -> None:
    """Delete the passing project this import made, through the import's own cleanup store: a page's store refuses
    every write once its sign-in ended (a *Sign out* mid-import), which left a half project ``importing …``."""
    try:
        cleanup_store(store).delete_project(passing)
    except (StoreError, OSError) as exc:
        _LOG.warning("a project file's import stopped, and its half-stored project %r could not be removed: %s",
                     passing, exc)  # fmt: skip


def _name_it(store: Store, pid: int, name: str, replace: bool, swap: _FolderSwap) -> bool:
    """The last transaction: the name reserved as every project's is (``ProjectStore.reserve_name``: a classmate's
    first project's name refused, a taken one said "taken"), the replaced project deleted, the models put in place,
    and the student's quota counted once more, by project id, with the models (``check_held``): a project renamed
    while the rows went in still counts. Returns whether it replaced a project."""
    try:
        with store.write_transaction() as conn:
            old = store.reserve_name(conn, name, replace, besides=pid)
            if old is not None:
                conn.execute("DELETE FROM projects WHERE id = ?", (old,))
            conn.execute("UPDATE projects SET name = ? WHERE id = ?", (name, pid))
            if store.shared:  # its models become its rows, for every server (core.data.saved_models.model_files)
                publish_folder(conn, pid, swap.staged)
            else:
                swap.run()  # a failed commit or quota below undoes it
            check_held(store, conn, pid)
    except BaseException:
        swap.undo()
        raise
    return old is not None


def import_project(store: Store, path: str | os.PathLike[str], as_name: str | None = None, replace: bool = False,
                   limits: BundleLimits = BUNDLE_LIMITS) -> ImportReport:  # fmt: skip
    """Store the project in the file ``path`` under its own name or ``as_name``; returns what was stored.

    Raises ``BundleError`` naming the file (and member) for anything wrong with it, ``ProjectExistsError``
    when the name is taken and ``replace`` is False; in every case nothing is stored or changed.
    """
    with open_project_file(path, limits) as bundle:
        m = bundle.manifest
        name = check_new_name(validate_name(as_name if as_name is not None else m.name, "project name"))
        with store.read_connection() as conn:  # before the long checks; the last transaction checks again
            own = store.own_named(conn, name)
            if own is not None and not replace:
                raise ProjectExistsError(bundle.path, own[1])  # one's own: "Replace" would take its place
            store.reserve_name(conn, name, replace)  # refused: a first project's name, taken, a look-alike
        freed = [] if own is None else [own[0]]  # what it replaces goes when it is named: not counted meanwhile
        limits = None
        if store.viewer is not None:  # a student's file over what their class lets them store: before it is read
            # by what it holds unpacked (its directory's sizes, checked): 4.7 MB of zip carried 200 MB of text
            unpacked = max(Path(path).stat().st_size, sum(info.file_size for info in bundle.infos.values()))
            check_file(store, store.viewer.account_id, str(bundle.path), unpacked, m.samples + m.clips, freed)
            limits = viewer_limits(store, store.viewer.account_id)
        rows = bundle.clips() if m.motion else bundle.samples()
        if not m.motion:
            for _ in bundle.crops(rows):  # every crop checked before anything is stored; read again to store
                pass
        game = _checked_game(bundle)
        token, projects = uuid.uuid4().hex[:12], store.data_dir / "projects"
        staging = store.data_dir / f".import-{token}"
        try:
            _load_models(bundle, staging, limits)
            old = ([] if own is None else [projects / own[1]]) + [projects / name]
            swap = _FolderSwap(staging, projects / name, old, store.data_dir / f".replaced-{token}")
            replaced = _store(store, bundle, name, rows, replace, swap, token, freed, game)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return ImportReport(name, m.samples, m.clips, len(m.classes), m.models, replaced)
