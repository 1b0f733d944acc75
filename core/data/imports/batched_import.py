"""An import in short writes: every row read and checked first, then stored in batches of well under a second.

A class shares one store: an import holding the write lock for its whole file (24 s for 238,020 kinivi
rows) made every other student's *Create project* or take wait, and fail after 30 s. Here the rows are
read twice from the file, never held together (flat memory in the number of rows):

1. **check**: every row parsed and held to the store's own rules (class name, the project's skeleton, not
   a motion project); a bad row refuses the file before anything is stored.
2. **store**: the file read again, as it comes, into one transaction after another, each ended once it
   has held the lock ``HOLD_TARGET_S``; a pause follows each commit so a waiting writer
   (``core.data.sql.write_lock`` polls every 5 ms) gets in between two batches.

Anything raised during 2 (a cancel, the file changed since 1, a full disk, the student's sign-in ended) deletes
what the import stored, its new classes and a project it created: nothing is left of it. The import undoes its own
rows through a plain store (``cleanup_store``), never the page's sign-in-checked one: a *Sign out* or a *New
password* mid-import made that store refuse the undo too, and the rows stayed. It has authority over exactly the
rows it wrote (their ids, the classes it filled, a project it made), and an undo that fails anyway is logged in one
line, never passed over. A process killed during 2 leaves the batches committed so far, each whole: samples, never
half of one.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from core.data.sql.schema import Sample, StoreError, sample_to_row
from core.data.store import Store
from core.gestures.catalog import DEFAULT_CLASSES, validate_name
from core.io.progress import FrameCounter, Stopped
from core.skeletons import HAND_21

HOLD_TARGET_S = 0.1  # the lock held per batch: others wait about this behind an import (more on a busy machine)
DELETE_BATCH = 5_000  # rows deleted per transaction when a failed import is undone
PAUSE_S = 0.02  # after each commit: four polls of a waiting writer
_LOG = logging.getLogger("handteach.imports")


@dataclass(frozen=True)
class BatchReport:
    """What a batched import stored: samples per stored class name, its batches and the longest lock hold."""

    per_class: dict[str, int]
    batches: int
    longest_hold_s: float


class _Halves:
    """Progress over both passes as rows: each row counts a half when checked and a half when stored."""

    def __init__(self, counter: FrameCounter | None) -> None:
        self.counter, self.halves = counter, 0

    def step(self) -> None:
        if self.counter is None:
            return
        if self.counter.cancelled:
            raise Stopped
        self.halves += 1
        if self.halves % 2 == 0:
            self.counter()


def _check(store: Store, project: str, read: Callable[[], Iterable[Sample]], create_project: bool,
           progress: _Halves) -> None:  # fmt: skip
    """Pass 1: every row as the store would check it (``Store.insert_samples``), nothing written."""
    new = create_project and not store.has_project(project)
    if not new and store.project_is_motion(project):
        raise StoreError(f"project {project!r} is a motion project: it holds clips of motion gestures, "
                         "not single-frame samples")  # fmt: skip
    skeleton = HAND_21 if new else store.project_skeleton(project)
    for sample in read():
        sample_to_row(sample)
        validate_name(sample.class_name, "class name")
        if sample.hand.skeleton.name != skeleton.name:
            raise StoreError(
                f"a {sample.hand.skeleton.name} sample cannot enter the {skeleton.name} project {project!r}"
            )
        progress.step()


_END = object()
T = TypeVar("T")


class TimedSlices(Generic[T]):
    """Items of one reading in slices of ``HOLD_TARGET_S`` each, one transaction each (also
    ``core.data.bundles.bundle_import``'s); ``step`` is called for each item taken."""

    def __init__(self, items: Iterable[T], step: Callable[[], None] = lambda: None) -> None:
        self.items, self.step = iter(items), step
        self.next: object = next(self.items, _END)  # read ahead: no transaction is begun for no item

    @property
    def done(self) -> bool:
        return self.next is _END

    def until(self, deadline: float) -> Iterator[T]:
        """Items until ``deadline`` (one at least) or the reading's end."""
        while self.next is not _END:
            item = self.next
            self.step()
            yield item  # type: ignore[misc]
            self.next = next(self.items, _END)
            if time.monotonic() >= deadline:
                return

    def slice(self) -> Iterator[T]:
        """The next slice, timed from now: call it just after the transaction took the lock."""
        return self.until(time.monotonic() + HOLD_TARGET_S)


def store_in_batches(store: Store, project: str, read: Callable[[], Iterable[Sample]], create_project: bool = False,
                     counter: FrameCounter | None = None) -> BatchReport:  # fmt: skip
    """Check every sample ``read()`` yields, then store them in short transactions (see the module docstring).

    ``read`` is called twice and must yield the same samples both times (a file read from its start).
    ``counter`` counts rows; once cancelled, ``Stopped``, and nothing of the import stays.
    """
    progress = _Halves(counter)
    _check(store, project, read, create_project, progress)
    created = create_project and not store.has_project(project)
    before = set() if created else {c.name for c in store.list_classes(project)}
    ids: list[int] = []
    per_class: Counter[str] = Counter()
    longest, batches = 0.0, 0
    try:
        slices: TimedSlices[Sample] = TimedSlices(read(), progress.step)
        while not slices.done:
            held = _write(store, project, slices, created and not batches, ids, per_class)
            batches, longest = batches + 1, max(longest, held)
            time.sleep(PAUSE_S)
    except BaseException:
        _undo(store, project, ids, created, set(per_class) - before)
        raise
    return BatchReport(dict(per_class), batches, longest)


def _write(store: Store, project: str, slices: TimedSlices[Sample], create_project: bool, ids: list[int],
           per_class: Counter[str]) -> float:  # fmt: skip
    """One slice in one transaction (the first creates a new project in it); returns the seconds it held the lock."""

    def inserted(sample_id: int, name: str) -> None:  # the stored name: a row's "OK" joins the class "ok"
        ids.append(sample_id)
        per_class[name] += 1

    with store.write_transaction() as conn:
        started = time.monotonic()
        if create_project:
            store.insert_project(conn, project, "mediapipe", HAND_21.name, False, DEFAULT_CLASSES)
        store.insert_samples(conn, project, slices.slice(), True, inserted)
    return time.monotonic() - started


def cleanup_store(store: Store) -> Store:
    """The store an import undoes its own rows with: ``store``'s viewer (nothing of anyone else's is reachable), without
    the sign-in check of a page's store (``core.classes.session_store``), which refuses every write once the sign-in
    ended, the undo included. Only ever given the ids and names the import itself wrote."""
    return Store(store.data_dir, viewer=store.viewer)


def _undo(store: Store, project: str, ids: list[int], created: bool, filled: set[str]) -> None:
    """Remove what a failed import stored (``ids``; ``filled``: the classes it made and stored rows into), in short
    transactions too, through ``cleanup_store``; a failure here is logged in one line and leaves the first error."""
    try:
        store = cleanup_store(store)
        if created and ids:
            store.delete_project(project)
            return
        for start in range(0, len(ids), DELETE_BATCH):
            store.delete_samples(ids[start : start + DELETE_BATCH])
        counts = store.class_counts(project) if filled else {}
        for name in filled:
            if not counts.get(name):
                store.delete_class(project, name)
    except (StoreError, OSError) as exc:
        _LOG.warning("an import into project %r stopped, and %d samples it stored could not be removed: %s",
                     project, len(ids), exc)  # fmt: skip
