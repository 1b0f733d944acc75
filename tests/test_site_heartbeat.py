"""An app server's heartbeat row (core.site.heartbeat) on a real store, SQLite and PostgreSQL: written and rewritten
with its first time kept, a row silent a day deleted by the next writer (and never by a reader), a clean stop taking
its own away, nothing written (nor a store created) before the store exists, and a database that cannot be reached
said once in the log while the thread lives on."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from pgcluster import both_databases

from core.data.sql.database import URL_VARIABLE, Database
from core.data.sql.schema import DB_NAME
from core.data.store import Store
from core.jobs.local import PoolLoad
from core.site.heartbeat import FORGET_S, Heartbeat, ServerBeat, beat_rows, from_value, key_of, remove_beat, to_value
from core.site.heartbeat import write_beat as write


def _beat(port: int = 8501, **changes: object) -> ServerBeat:
    fields: dict = {"host": "web1", "port": port, "pid": 4242, "tabs": 3, "load1": 0.5, "cores": 4, **changes}
    return ServerBeat(**fields)


def _rows(db: Database) -> dict[str, ServerBeat | None]:
    with db.read_connection() as conn:
        return {key: from_value(value) for key, value in beat_rows(conn)}


@both_databases
def test_a_beat_is_one_row_rewritten_with_its_first_time_kept(store_database: str, tmp_path: Path) -> None:
    db = Store(tmp_path)
    pool = PoolLoad(2, 2, {"train": 1}, {"train": 2, "import": 1}, 12.5)
    first = write(db, _beat(local=pool))
    assert first.started == first.seen > 0
    again = write(db, _beat(tabs=5, local=pool, started=first.started))
    assert again.started == first.started and again.seen >= first.seen
    assert _rows(db) == {"app_server:web1:8501": again}  # one row a server, its pool's state read back whole
    assert again.local == pool and again.tabs == 5


@both_databases
def test_the_next_writer_forgets_rows_silent_a_day_and_a_clean_stop_takes_its_own(store_database: str,
                                                                                   tmp_path: Path) -> None:  # fmt: skip
    db = Store(tmp_path)
    now = write(db, _beat(8502)).seen
    with db.write_transaction() as conn:
        for port, silent in ((8503, FORGET_S + 60), (8504, FORGET_S - 60)):
            old = _beat(port, started=now - silent - 10, seen=now - silent)
            conn.execute("INSERT INTO server_settings (key, value) VALUES (?, ?)", (key_of(old.name), to_value(old)))
        conn.execute("INSERT INTO server_settings (key, value) VALUES (?, ?)", (key_of("web9:1"), "{not json"))
    assert len(_rows(db)) == 4  # reading deletes nothing
    write(db, _beat(8501))
    rows = _rows(db)
    assert sorted(rows) == [key_of(f"web1:{p}") for p in (8501, 8502, 8504)] + [key_of("web9:1")]
    assert rows[key_of("web9:1")] is None  # a row this version cannot read is skipped, never a crash
    remove_beat(db, "web1:8502")
    assert key_of("web1:8502") not in _rows(db)


def test_no_beat_and_no_store_made_before_the_store_exists(tmp_path: Path) -> None:
    data = tmp_path / "data"
    heartbeat = Heartbeat(lambda: data, _beat)
    assert heartbeat.beat() is None and not data.exists()  # the heartbeat never creates a store
    assert Heartbeat(lambda: data, lambda: None).beat() is None  # not serving yet: nothing to say
    Store(data)
    written = heartbeat.beat()
    assert written is not None and written.name == "web1:8501" and (data / DB_NAME).is_file()
    assert heartbeat.beat().started == written.started  # its age runs from the first beat
    heartbeat.stop()  # never started as a thread: the clean stop still takes the row away
    assert _rows(Database(data)) == {}


def test_the_thread_beats_until_stopped_and_then_its_row_goes(tmp_path: Path) -> None:
    db = Store(tmp_path)
    heartbeat = Heartbeat(lambda: tmp_path, _beat, every_s=0.05).start()
    try:
        beat = None
        for _ in range(400):  # the first beat is written as the thread starts, then one every 0.05 s
            beat = _rows(db).get(key_of("web1:8501"))
            if beat is not None and beat.seen > beat.started:
                break
            heartbeat._stop.wait(0.05)
        assert beat is not None and beat.seen > beat.started, "a later beat rewrote the row"
    finally:
        heartbeat.stop()
    assert _rows(db) == {}


def test_an_unreachable_database_is_said_once_and_the_thread_lives_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(URL_VARIABLE, "postgresql://teacher:s3cret@127.0.0.1:1/school")
    heartbeat = Heartbeat(lambda: tmp_path, _beat)
    with caplog.at_level(logging.WARNING, logger="core.site.heartbeat"):
        assert heartbeat.beat() is None and heartbeat.beat() is None
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and said[0].startswith("the server's heartbeat was not written: ")
    assert "127.0.0.1:1/school" in said[0] and "s3cret" not in said[0]
