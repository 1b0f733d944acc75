"""Issue 47, hostile and clumsy input, third round: identities that must not be taken over by a newcomer.

2: a training run saves only into the project it started from (not into one that replaced it).
3: a sample or clip id is never given again, so a stale tick cannot delete a newer row.
7: a project name must fit the folder it makes (bytes, not characters).

Each case runs on a real SQLite store file; the races run real processes.
"""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from handmaker import make_hand
from test_clips import make_clip

from core.data.clips import StoredClip, add_clips, delete_clips, list_clips
from core.data.schema import DB_NAME, INSERT_SAMPLE, MIGRATIONS, Sample, sample_to_row
from core.data.store import Store

REPO = Path(__file__).resolve().parents[1]


def _sample(label: str, i: int) -> Sample:
    return Sample(make_hand(), label, "webcam", created_at=1.7e9 + i)


# -- 3: ids are never given again -------------------------------------------------------------


def test_3_the_id_of_a_deleted_newest_sample_is_not_given_to_the_next_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.ensure_project()
    ids = store.add_samples("default", [_sample("fist", i) for i in range(3)])
    assert store.delete_samples([ids[-1]]) == 1  # tab B deletes the newest crop tab A has ticked
    (new,) = store.add_samples("default", [_sample("fist", 9)])  # extract stores a new one
    assert new not in ids, f"the new sample got the deleted sample's id {new}: a stale tick would delete it"
    assert store.delete_samples([ids[-1]]) == 0 and len(store.list_samples("default")) == 3


def test_3_the_id_of_a_deleted_newest_clip_is_not_given_to_the_next_one(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    store.create_project("moves", default_classes=False, motion=True)
    store.add_class("moves", "swipe_left")
    ids = add_clips(store, "moves", [StoredClip(make_clip(seed=i)) for i in range(3)])
    assert delete_clips(store, [ids[-1]]) == 1
    (new,) = add_clips(store, "moves", [StoredClip(make_clip(seed=9))])
    assert new not in ids, f"the new clip got the deleted clip's id {new}"
    assert delete_clips(store, [ids[-1]]) == 0 and len(list_clips(store, "moves")) == 3


def _schema_3_store(data: Path) -> list[tuple]:
    """A store as handteach wrote it at schema version 3, with gaps in its sample ids; returns its sample rows."""
    data.mkdir(parents=True)
    with closing(sqlite3.connect(data / DB_NAME)) as conn, conn:
        for steps in MIGRATIONS[:3]:
            for statement in steps:
                conn.execute(statement)
        conn.execute("PRAGMA user_version = 3")
        conn.execute("INSERT INTO projects (name, backend, created_at) VALUES ('a', 'mediapipe', 1.0)")
        conn.execute("INSERT INTO projects (name, backend, created_at) VALUES ('b', 'mediapipe', 2.0)")
        conn.execute("INSERT INTO classes (project_id, name, emoji, mirror, position) VALUES (1, 'ok', '👌', '', 0)")
        conn.execute("INSERT INTO classes (project_id, name, emoji, mirror, position) VALUES (2, 'ok', '', '', 0)")
        for sid, cid in ((3, 1), (7, 2), (40, 1)):
            conn.execute(INSERT_SAMPLE.replace("(class_id,", "(id, class_id,").replace("VALUES (", "VALUES (?, "),
                         (sid, cid, *sample_to_row(_sample("ok", sid))))  # fmt: skip
        return conn.execute("SELECT * FROM samples ORDER BY id").fetchall()


def test_3_a_schema_3_store_migrates_keeping_every_row_and_id_and_then_never_reuses_one(tmp_path: Path) -> None:
    data = tmp_path / "data"
    before = _schema_3_store(data)
    store = Store(data)
    with closing(sqlite3.connect(store.path)) as conn:
        assert conn.execute("SELECT * FROM samples ORDER BY id").fetchall() == before, "every row, every id"
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    assert [s.id for s in store.list_samples("a")] == [3, 40] and [s.id for s in store.list_samples("b")] == [7]
    assert store.delete_samples([40]) == 1
    (new,) = store.add_samples("b", [_sample("ok", 99)])
    assert new > 40, f"id {new} reused after the migration"


@pytest.mark.slow
def test_3_a_stale_tick_on_record_deletes_nothing_else_and_says_the_sample_was_gone(data_dir: Path) -> None:
    from streamlit.testing.v1 import AppTest  # here: a module importing it makes every test of it slow

    store = Store(data_dir)
    store.ensure_project()
    ids = store.add_samples("default", [_sample("fist", i) for i in range(3)])
    tab_a = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    tab_a.switch_page("pages/record.py")
    tab_a.run()
    tab_a.radio(key="record_class").set_value("fist").run()
    tab_a.checkbox(key=f"gallery_fist_sel_{ids[-1]}").check().run()  # the newest crop
    store.delete_samples([ids[-1]])  # tab B
    (new,) = store.add_samples("default", [_sample("fist", 9)])  # a new photo, extracted meanwhile
    tab_a.button(key="gallery_fist_delete").click().run()
    assert not tab_a.exception, [e.message for e in tab_a.exception]
    assert new in [s.id for s in store.list_samples("default")], "the new photo, never shown to tab A, was deleted"
    said = [w.value for w in tab_a.warning] + [s.value for s in tab_a.success]
    assert "1 of the selected samples was already deleted elsewhere; nothing else was deleted." in said, said
