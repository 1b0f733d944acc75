"""A child's pictures kept only when needed (core.classes.retention): keypoints only unless the class allows
crops, on every write path of samples; crops older than the class's retention deleted, keypoints kept."""

from __future__ import annotations

import sqlite3
import time
from contextlib import closing

import cv2
import numpy as np
import pytest
from pgcluster import both_databases

from core.classes.retention import DAY_S, change_rules, expire_crops
from core.classes.roster import get_class
from core.data.bundles.bundle_import import import_project
from core.data.bundles.bundle_write import export_project
from core.data.sql.schema import DB_NAME, NotFoundError, Sample, StoreError
from core.data.store import Store
from tests.classmaker import fill_project, make_class
from tests.storemaker import make_hand


def _crops(store: Store, project: str) -> list[bool]:
    return [s.crop_jpeg is not None for s in store.list_samples(project, with_crops=True)]


def test_a_class_without_crops_keeps_keypoints_only_on_every_write(tmp_path) -> None:
    fill_project(Store(tmp_path), "mine", 3, seed=0)  # no class: crops kept, as always
    export_project(Store(tmp_path), "mine", tmp_path / "mine.handteach")
    school = make_class(tmp_path, crops_allowed=False)
    ana = school.store(school.ana)
    assert _crops(ana, "ana-signs") == [False] * 20 and len(ana.list_samples("ana-signs")) == 20
    import_project(ana, tmp_path / "mine.handteach", as_name="ana-import")  # a project file's crops too
    assert _crops(ana, "ana-import") == [False] * 3
    assert _crops(Store(tmp_path), "mine") == [True] * 3  # the server's own project untouched


def test_crops_older_than_the_retention_go_and_keypoints_stay(tmp_path) -> None:
    school = make_class(tmp_path)  # crops allowed, kept 30 days
    fill_project(Store(tmp_path), "server's", 2, seed=5)
    ana = school.store(school.ana)
    before = [s.hand.pixel.tobytes() for s in ana.list_samples("ana-signs")]
    assert expire_crops(Store(tmp_path)) == 0  # all new
    assert expire_crops(Store(tmp_path), now=time.time() + 29 * DAY_S) == 0
    assert expire_crops(Store(tmp_path), now=time.time() + 31 * DAY_S) == 25  # Ana's 20, Ben's 5
    assert _crops(ana, "ana-signs") == [False] * 20
    assert [s.hand.pixel.tobytes() for s in ana.list_samples("ana-signs")] == before
    assert _crops(Store(tmp_path), "server's") == [True, True]  # no class, no retention


@pytest.mark.slow
@both_databases
def test_retention_counts_from_when_the_server_stored_a_picture_not_from_the_file(store_database, tmp_path) -> None:
    """A project file whose samples say the year 3000 kept its 40 pictures past every retention: the import kept
    the file's ``created_at``, and retention counted from it (issue 63). The server's own clock counts now."""
    school = make_class(tmp_path)  # crops allowed, kept 30 days
    year_3000 = 32_503_680_000.0
    rng = np.random.default_rng(3)
    crop = cv2.imencode(".jpg", rng.integers(0, 255, (48, 48, 3), dtype=np.uint8))[1].tobytes()
    Store(tmp_path).create_project("future")
    Store(tmp_path).add_samples("future", [Sample(make_hand(rng), "ok", "webcam", created_at=year_3000,
                                                  crop_jpeg=crop) for _ in range(40)])  # fmt: skip
    export_project(Store(tmp_path), "future", tmp_path / "future.handteach")
    ana = school.store(school.ana)
    before = time.time()
    import_project(ana, tmp_path / "future.handteach", as_name="ana-future")
    assert _crops(ana, "ana-future") == [True] * 40
    assert {s.created_at for s in ana.list_samples("ana-future")} == {year_3000}  # the file's own date, kept
    with Store(tmp_path).read_connection() as conn:  # stored now, by the database's clock
        stored = conn.execute("SELECT MIN(stored_at), MAX(stored_at) FROM samples").fetchone()
    assert before - 1 <= stored[0] <= stored[1] <= time.time() + 1
    assert expire_crops(Store(tmp_path), now=time.time() + 29 * DAY_S) == 0
    assert expire_crops(Store(tmp_path), now=time.time() + 31 * DAY_S) == 65  # the file's 40, Ana's 20, Ben's 5
    assert _crops(ana, "ana-future") == [False] * 40 and len(ana.list_samples("ana-future")) == 40


def test_a_teacher_changes_the_rules_and_pictures_go_at_once(tmp_path) -> None:
    school = make_class(tmp_path)  # crops allowed, kept 30 days
    fill_project(Store(tmp_path), "server's", 2, seed=5)
    ana = school.store(school.ana)
    keypoints = [s.hand.pixel.tobytes() for s in ana.list_samples("ana-signs")]
    changed, gone = change_rules(Store(tmp_path), "7b", crops_allowed=False)
    assert (changed.crops_allowed, changed.retention_days, gone) == (False, 30, 25)  # Ana's 20, Ben's 5
    assert _crops(ana, "ana-signs") == [False] * 20 and _crops(Store(tmp_path), "server's") == [True, True]
    assert [s.hand.pixel.tobytes() for s in ana.list_samples("ana-signs")] == keypoints
    fill_project(ana, "ana-new", 2, seed=6)
    assert _crops(ana, "ana-new") == [False, False]  # from now on, keypoints only

    assert change_rules(Store(tmp_path), "7B", crops_allowed=True)[1] == 0
    fill_project(ana, "ana-later", 2, seed=7)
    with Store(tmp_path).write_transaction() as conn:  # stored 10 days ago
        conn.execute("UPDATE samples SET stored_at = ? WHERE crop_jpeg IS NOT NULL AND class_id IN "
                     "(SELECT id FROM classes WHERE project_id = (SELECT id FROM projects WHERE name = 'ana-later'))",
                     (time.time() - 10 * DAY_S,))  # fmt: skip
    assert change_rules(Store(tmp_path), "7B", retention_days=20)[1] == 0
    assert change_rules(Store(tmp_path), "7B", retention_days=7) == (get_class(Store(tmp_path), "7B"), 2)
    with pytest.raises(StoreError, match="retention must be a whole number of days from 1 to 3650"):
        change_rules(Store(tmp_path), "7B", retention_days=0)
    with pytest.raises(NotFoundError):
        change_rules(Store(tmp_path), "8C", crops_allowed=False)


def test_an_expired_crop_leaves_no_byte_of_it_in_the_database_files(tmp_path) -> None:
    """Dropped, not only unlinked: while a server holds connections, SQLite keeps the old pages in the database
    file until a checkpoint, and freed bytes after it, unless the write zeroes them and empties the WAL (without,
    all 20 copies of Ana's picture stayed readable in handteach.sqlite after expiring them)."""
    make_class(tmp_path)
    tails = {s.crop_jpeg[-300:-236] for s in Store(tmp_path).list_samples("ana-signs", with_crops=True)}
    with closing(sqlite3.connect(tmp_path / DB_NAME)) as other:  # another session of the server, idle
        other.execute("SELECT COUNT(*) FROM samples").fetchone()  # it has read: its close alone would checkpoint
        assert len(tails) == 1 and expire_crops(Store(tmp_path), now=time.time() + 31 * DAY_S) == 25
        files = [p for p in tmp_path.rglob("*") if p.is_file()]
        assert [p.name for p in files if any(tail in p.read_bytes() for tail in tails)] == []
