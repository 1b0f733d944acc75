"""Each app server's heartbeat: a row of ``server_settings`` (key ``app_server:HOST:PORT``, a JSON value) rewritten
every ``BEAT_S`` by a daemon thread of the server (``Heartbeat``; started by ``ui.server.heartbeat``), saying who it
is (host, port, process), how loaded it is (load average, open tabs) and, where its jobs run in its own process
pool, that pool's jobs. ``core.site.status`` reads every row: a server silent ``GONE_S`` is shown as gone, never
deleted by a reader (the teacher should see that a server went quiet); a writer deletes rows silent ``FORGET_S``,
and a server that stops cleanly deletes its own.

Times are the database's clock on PostgreSQL (servers on several machines, one clock to compare) and this machine's
on SQLite (every server of one SQLite store runs on the machine holding its file). A row needs no schema migration:
``server_settings`` is a key-value table every store has.
"""

from __future__ import annotations

import contextlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from core.data.sql.database import Database, store_exists
from core.data.sql.schema import StoreError
from core.jobs.local import PoolLoad

PREFIX = "app_server:"  # server_settings' keys of the heartbeats
BEAT_S = 5.0  # how often a server writes its row
GONE_S = 30.0  # a server silent this long is shown as gone (six missed beats: not a slow write)
FORGET_S = 86_400.0  # a row silent a day is deleted by the next server that writes its own
STOP_WAIT_S = 3.0  # how long a stopping server waits to take its row away
_LOGGER = logging.getLogger("core.site.heartbeat")


@dataclass(frozen=True)
class ServerBeat:
    """One app server as its last heartbeat said. ``started`` and ``seen`` are seconds since the epoch on the
    database's clock (``db_now``), set by ``write_beat``."""

    host: str
    port: int
    pid: int
    tabs: int  # browser tabs connected to it now
    load1: float | None  # the machine's load average over a minute (None where the system has none)
    cores: int  # the cores this server's process may use
    local: PoolLoad | None = None  # its own job pool's state; None where its jobs go to the queue, or none ran yet
    started: float = 0.0
    seen: float = 0.0

    @property
    def name(self) -> str:
        return f"{self.host}:{self.port}"


def key_of(name: str) -> str:
    return PREFIX + name


def to_value(beat: ServerBeat) -> str:
    return json.dumps(asdict(beat), sort_keys=True)


def from_value(value: str) -> ServerBeat | None:
    """The beat a row holds; None for a row this version cannot read (written by another, or damaged)."""
    try:
        fields: dict[str, Any] = json.loads(value)
        local = fields.pop("local", None)
        return ServerBeat(**fields, local=PoolLoad(**local) if local is not None else None)
    except (TypeError, ValueError, AttributeError):
        return None


def db_now(conn: Any, shared: bool) -> float:  # noqa: ANN401 - the store's connection, either database's
    """Now, in seconds since the epoch, on the clock the heartbeats use: PostgreSQL's on a shared store."""
    if shared:
        return float(conn.raw.execute("SELECT EXTRACT(EPOCH FROM now())::float8").fetchone()[0])
    return time.time()


def beat_rows(conn: Any) -> list[tuple[str, str]]:  # noqa: ANN401 - the store's connection, either database's
    """Every heartbeat row (key, value), as the store's connection reads them (SQLite's words, rewritten there)."""
    return conn.execute(f"SELECT key, value FROM server_settings WHERE substr(key, 1, {len(PREFIX)}) = ? ORDER BY key",
                        (PREFIX,)).fetchall()  # fmt: skip


def write_beat(db: Database, beat: ServerBeat) -> ServerBeat:
    """Write ``beat`` as its server's row, stamped ``seen`` now (and ``started`` now on its first), and delete the
    rows silent ``FORGET_S``; the beat as written."""
    with db.write_transaction() as conn:
        now = db_now(conn, db.shared)
        written = replace(beat, started=beat.started or now, seen=now)
        conn.execute("INSERT INTO server_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = "
                     "excluded.value", (key_of(written.name), to_value(written)))  # fmt: skip
        old = [(key,) for key, value in beat_rows(conn)
               if (other := from_value(value)) is not None and now - other.seen > FORGET_S]  # fmt: skip
        if old:
            conn.executemany("DELETE FROM server_settings WHERE key = ?", old)
    return written


def live_servers(db: Database) -> int:
    """How many app servers serve the site now: heartbeats fresher than ``GONE_S`` (at least one, this one, before
    its first beat); what shares a site-wide budget between them (``ui.server.outsiders``)."""
    with db.read_connection() as conn:
        now = db_now(conn, db.shared)
        rows = beat_rows(conn)
    return max(1, sum(1 for _, value in rows if (beat := from_value(value)) is not None and now - beat.seen <= GONE_S))


def remove_beat(db: Database, name: str) -> None:
    """A server that stops cleanly takes its row away: it is not gone, it was stopped."""
    with db.write_transaction() as conn:
        conn.execute("DELETE FROM server_settings WHERE key = ?", (key_of(name),))


class Heartbeat:
    """The daemon thread writing one server's row every ``every_s``. ``facts()`` says the server's state now, or None
    while it cannot yet (not serving yet: no beat then). Nothing is written before the data folder's store exists
    (the heartbeat never creates one); a write that fails (the database away, the disk full) is logged once and
    tried again at the next beat: a server never stops for its heartbeat."""

    def __init__(self, where: Callable[[], Path | str | None], facts: Callable[[], ServerBeat | None],
                 every_s: float = BEAT_S) -> None:  # fmt: skip
        """``where()``: the server's data folder (None: the default), asked until its store exists."""
        self.where, self.facts, self.every_s = where, facts, every_s
        self._db: Database | None = None
        self._started = 0.0  # the first beat's time: kept, so a server's age survives a failed write
        self._name: str | None = None
        self.servers = 1  # the app servers serving the site, as the last beat read them (``live_servers``)
        self._said: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="handteach-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def beat(self) -> ServerBeat | None:
        """One beat now; the beat written, or None (nothing to say yet, no store, or the write failed)."""
        try:
            beat = self.facts()
            if beat is None:
                return None
            if self._db is None:
                data_dir = self.where()
                if not store_exists(data_dir):
                    return None
                self._db = Database(data_dir)
            written = write_beat(self._db, replace(beat, started=self._started))
        except (StoreError, OSError) as exc:  # the database away, a full disk: said once, tried again
            self._say(f"the server's heartbeat was not written: {exc}")
            return None
        except Exception as exc:  # a bug must not end the thread: logged once, the next beat tries again
            self._say(f"the server's heartbeat failed: {type(exc).__name__}: {exc}", trace=True)
            return None
        self._started, self._name = written.started, written.name
        with contextlib.suppress(StoreError, OSError):  # the count of the last beat that read it stays meanwhile
            self.servers = live_servers(self._db)
        return written

    def stop(self) -> None:
        """End the thread and take this server's row away (a clean stop)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(STOP_WAIT_S)  # a beat stuck on the database is a daemon: it goes with the process
        if self._db is not None and self._name is not None:
            db, name = self._db, self._name

            def remove() -> None:
                with contextlib.suppress(StoreError, OSError):  # left for readers to show as gone
                    remove_beat(db, name)

            # a database away would hold the server's exit for the store's whole lock wait: a few seconds, then gone
            leaving = threading.Thread(target=remove, name="handteach-heartbeat-stop", daemon=True)
            leaving.start()
            leaving.join(STOP_WAIT_S)

    def _run(self) -> None:
        while True:
            self.beat()
            if self._stop.wait(self.every_s):
                return

    def _say(self, line: str, trace: bool = False) -> None:
        if line not in self._said:
            self._said.add(line)
            _LOGGER.warning(line, exc_info=trace)
