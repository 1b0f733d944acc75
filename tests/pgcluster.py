"""A throwaway PostgreSQL cluster for the store's tests: ``initdb`` + ``pg_ctl`` in a temporary folder, one per test
session, stopped by its PID at the end; each test starts on an empty store.

PostgreSQL refuses to run as root (as the tests do on CI), so the cluster then runs as the ``postgres`` OS user
(``runuser``) in a folder it owns. It listens on a free loopback port only (no Unix socket), trusts loopback
connections (nothing else can reach it) and skips fsync: what the tests check is the store's SQL and its locks, not
the disk. Where no PostgreSQL server binaries are installed the tests that need one are skipped, saying so.

A pytest plugin (``conftest.py``'s ``pytest_plugins``): ``pg_cluster`` (the session's cluster, started on first
use, with one database migrated to the store's schema), ``pg_url`` (that database emptied for this test, set as
``HANDTEACH_DATABASE_URL``; the store's connection pool stays open from test to test) and ``database`` (each of "sqlite" and "postgresql" in turn: a test module's ``store``
fixture built on it runs its tests against both). Emptied, not copied: ``TRUNCATE ... RESTART IDENTITY`` takes
about 40 ms where ``CREATE DATABASE ... TEMPLATE`` took 0.3-1.5 s a test on a busy 2-core machine (it checkpoints);
the tests of one process run one after another, so each still has the database to itself.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

SKIP_REASON = "PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql"
START_WAIT_S = 30.0
DATABASES = ("sqlite", "postgresql")


def server_bin() -> Path | None:
    """The folder holding ``initdb`` and ``pg_ctl``: on PATH, else the newest of Debian's /usr/lib/postgresql/N/bin."""
    found = shutil.which("pg_ctl")
    if found and shutil.which("initdb"):
        return Path(found).parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parts[-3]))
    return versions[-1].parent if versions else None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PgCluster:
    """One running cluster; ``database()`` gives each test a fresh database (see the module docstring)."""

    def __init__(self, bindir: Path) -> None:
        self.bindir = bindir
        self.root = Path(tempfile.mkdtemp(prefix="handteach-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.pid: int | None = None
        self.store_url = ""  # the database holding the store's schema, once ``pg_cluster`` made it
        self.admin: Any = None  # a psycopg connection to it that empties it before each test
        self._names = itertools.count()
        self._as_postgres = os.geteuid() == 0
        if self._as_postgres:
            shutil.chown(self.root, "postgres", "postgres")

    def _run(self, *args: str) -> None:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self._as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode:
            raise RuntimeError(f"{' '.join(args[:2])} failed: {(done.stderr or done.stdout).strip()[-500:]}")

    def start(self) -> None:
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8",
                  "--locale=C.UTF-8")  # fmt: skip
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories='' "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 "
                   "-c wal_level=minimal -c max_wal_senders=0")  # fmt: skip
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-o", options, "-w", "-t",
                  str(int(START_WAIT_S)), "start")  # fmt: skip
        self.pid = int((self.data / "postmaster.pid").read_text().split()[0])

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, template: str = "template0") -> str:
        """A new empty database (a copy of ``template``); returns its URL."""
        import psycopg

        name = f"t{next(self._names)}"
        with psycopg.connect(self.url(), autocommit=True) as conn:
            # FILE_COPY: a copy of the template's few files, faster here than logging each of its pages (WAL_LOG)
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}" STRATEGY FILE_COPY')
        return self.url(name)

    def stop(self) -> None:
        """Fast shutdown by the postmaster's PID (SIGINT), then its folder is removed."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGINT)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and _alive(self.pid):
                time.sleep(0.02)
            if _alive(self.pid):
                os.kill(self.pid, signal.SIGKILL)
            self.pid = None
        shutil.rmtree(self.root, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    with contextlib.suppress(OSError):  # a zombie: ended, not yet reaped by its parent (pg_ctl's, long gone)
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    return True


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PgCluster]:
    """The session's cluster, with a template database already migrated to the store's schema."""
    bindir = server_bin()
    if bindir is None:
        pytest.skip(SKIP_REASON)
    from core.data.sql.database import URL_VARIABLE
    from core.data.sql.postgres import close_pools
    from core.data.store import Store

    cluster = PgCluster(bindir)
    try:
        cluster.start()
        cluster.store_url = cluster.create_database()
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(URL_VARIABLE, cluster.store_url)
            Store(tmp_path_factory.mktemp("pg-store"))
        yield cluster
    finally:
        close_pools()
        if cluster.admin is not None:
            cluster.admin.close()
        cluster.stop()


@pytest.fixture
def pg_url(pg_cluster: PgCluster, monkeypatch: pytest.MonkeyPatch) -> str:
    """The session's database, emptied for this test (no row, ids from 1, the current schema version);
    ``HANDTEACH_DATABASE_URL`` names it."""
    import psycopg

    from core.data.sql.database import URL_VARIABLE
    from core.data.sql.postgres import VERSION_TABLE
    from core.data.sql.schema import SCHEMA_VERSION

    url, conn = pg_cluster.store_url, pg_cluster.admin
    if conn is None:
        conn = pg_cluster.admin = psycopg.connect(url, autocommit=True)
        conn.execute("SET lock_timeout = '10s'")  # a connection a test left open would hold the tables: said, not hung
    tables = [r[0] for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")]
    conn.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    conn.execute(f"INSERT INTO {VERSION_TABLE} (version) VALUES (%s)", (SCHEMA_VERSION,))
    monkeypatch.setenv(URL_VARIABLE, url)
    return url


@pytest.fixture(params=DATABASES)
def database(request: pytest.FixtureRequest) -> str:
    """ "sqlite" (no URL set: the data directory's file) and "postgresql" (``pg_url``) in turn."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_url")
    return str(request.param)


@pytest.fixture
def store_database(request: pytest.FixtureRequest) -> str:
    """The database a test's store is on: "sqlite" (no URL set), or each of both in turn for a test marked
    ``both_databases`` (its other fixtures that make a store ask for this one first, so it is set before)."""
    which = str(getattr(request, "param", "sqlite"))
    if which == "postgresql":
        request.getfixturevalue("pg_url")
    return which


# a test (or a module's ``pytestmark``) run on SQLite and on PostgreSQL: chosen tests, where ``database`` runs all
both_databases = pytest.mark.parametrize("store_database", DATABASES, indirect=True)
