"""A worker command killed whole, and PostgreSQL stopped for 8 s, during trainings (issue 76, items 1 and 2).

Real processes on a PostgreSQL cluster of this module's own (``tests/scaled_site.Cluster``: it can be stopped and
started again): a ``python -m core jobs worker`` command, this process as the app server (``QueueRunner``), and the
site's status read as the Class page and ``python -m core status`` read it. The page's words are checked through
``ui.jobs.remote`` (what the Train page shows), on the same status. The local pool's part: every worker of the app
server's own pool killed at once.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jobfns
import outagefns
import pytest

from core.data.sql.schema import StoreError
from core.jobs.job import (
    DATABASE_AWAY,
    MEASURE,
    TRAIN,
    WORKER_DIED,
    JobRequest,
    JobState,
    JobStatus,
    database_away_line,
)
from core.jobs.local import LocalRunner, open_load
from core.jobs.queue import QueueRunner
from core.jobs.queue_db import RUNS, connect
from core.site.heartbeat import ServerBeat
from core.site.status import ServerState, SiteStatus, read_status, summary
from ui.jobs import pool
from ui.jobs.remote import FollowedJob

# worker commands killed and a PostgreSQL cluster stopped and started: about 40 s, too long for the quick suite
pytestmark = pytest.mark.slow

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SAID_WITHIN_S = 15.0  # the bound: the student's page says what happened within this
_owners = itertools.count()


@dataclass
class Site:
    cluster: Any  # tests/scaled_site.Cluster
    url: str
    store: Path  # a data folder whose store is on ``url`` (what status reads)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    from pgcluster import SKIP_REASON, server_bin
    from scaled_site import Cluster

    from core.data.sql.database import URL_VARIABLE
    from core.data.sql.postgres import close_pools
    from core.data.store import Store

    bindir = server_bin()
    if bindir is None:
        pytest.skip(SKIP_REASON)
    cluster = Cluster(bindir)
    try:
        cluster.start()
        url = cluster.create_database()
        store = tmp_path_factory.mktemp("outage-store")
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv(URL_VARIABLE, url)
            Store(store)
        yield Site(cluster, url, store)
    finally:
        close_pools()
        cluster.stop()


@pytest.fixture
def on_site(site: Site, monkeypatch: pytest.MonkeyPatch) -> Site:
    from core.data.sql.database import URL_VARIABLE

    monkeypatch.setenv(URL_VARIABLE, site.url)
    return site


def start_command(site: Site, log: Path, workers: int = 1) -> subprocess.Popen:
    """``python -m core jobs worker`` in a process group of its own (killed whole by ``os.killpg``), quick heartbeats,
    no torch (the job functions here need none)."""
    env = {**os.environ, "HANDTEACH_DATABASE_URL": site.url, "PYTHONPATH": os.pathsep.join([str(TESTS), str(ROOT)])}
    command = [sys.executable, "-m", "core", "jobs", "worker", "--data", str(log.parent / "worker-data"),
               "--workers", str(workers), "--allow-module", "jobfns", "--allow-module", "outagefns",
               "--heartbeat-s", "0.25", "--stalled-s", "1", "--preload", ""]  # fmt: skip
    with log.open("ab") as out:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=out, stderr=out, start_new_session=True)


def stop_command(process: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(5)


def until(read: Callable[[], JobStatus | None], check: Callable[[JobStatus], bool], timeout: float) -> JobStatus:
    """``read()`` until ``check`` holds; the queue's database away meanwhile is waited out."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        with contextlib.suppress(StoreError):
            last = read()
            if last is not None and check(last):
                return last
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout} s: {last}")


def page_line(runner: Any, job: str, monkeypatch: pytest.MonkeyPatch) -> str | None:  # noqa: ANN401
    """The one line the student's page shows for ``job`` (``ui.jobs.remote``, as the Train page reads it)."""
    monkeypatch.setattr(pool, "runner", lambda: runner)
    followed = FollowedJob(TRAIN, jobfns.steps, {}, "p")
    followed._job = job
    return followed.error(followed.status())


def test_a_killed_worker_command_ends_its_training_within_15_s_and_every_view_says_so(
    on_site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    from core.cli.status import CHECKOUT, table
    from core.data.sql.database import Database

    command = start_command(on_site, tmp_path / "worker.log")
    runner = QueueRunner(on_site.url)
    try:
        job = runner.submit(JobRequest(TRAIN, f"ann-{next(_owners)}", jobfns.steps, {"n": 2000, "step_s": 0.05}))
        until(lambda: runner.status(job), lambda s: s.state is JobState.RUNNING and s.done >= 2, 60)
        os.killpg(command.pid, signal.SIGKILL)  # the command and every worker it started, at once
        killed = time.monotonic()
        command.wait(10)
        ended = until(lambda: runner.status(job), lambda s: s.ended, SAID_WITHIN_S + 5)
        took = time.monotonic() - killed
        print(f"killed worker command: the training ended {took:.1f} s after")
        assert ended.state is JobState.FAILED and ended.error == WORKER_DIED and took <= SAID_WITHIN_S, (took, ended)
        assert page_line(runner, job, monkeypatch) == WORKER_DIED  # the page's words, said alone
        status = read_status(Database(on_site.store, read_only=True))  # the Class page's and status's one read
        assert status.queue is not None and not status.queue.running, status.queue
        assert all(w.gone and w.job is None for w in status.workers), status.workers
        said = summary(status, whose=CHECKOUT)
        assert "running" not in said.split(".")[0], said  # "0 workers, nothing waiting." : no training said running
        assert table(status, "here")[0] == said  # ``python -m core status`` says the same sentence
    finally:
        runner.close()
        stop_command(command)


def test_every_worker_of_the_local_pool_killed_ends_its_job_and_the_pool_says_so() -> None:
    runner = LocalRunner(workers=2, preload=())
    try:
        runner.warm()
        job = runner.submit(JobRequest(TRAIN, "bea", jobfns.steps, {"n": 2000, "step_s": 0.05}))
        until(lambda: runner.status(job), lambda s: s.state is JobState.RUNNING and s.done >= 2, 60)
        for pid in runner.worker_pids():
            os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        ended = until(lambda: runner.status(job), lambda s: s.ended, SAID_WITHIN_S)
        print(f"local pool killed: the training ended {time.monotonic() - killed:.1f} s after")
        assert ended.state is JobState.FAILED and ended.error == WORKER_DIED
        load = open_load()
        assert load is not None and not load.running
        beat = ServerBeat("here", 8501, os.getpid(), 1, None, 2, load, 1.0, 2.0)
        said = summary(SiteStatus(False, (ServerState(beat, 0.0, False),), None, (), ()))
        assert "no job running" in said, said  # the Class page's sentence for the pool: nothing said to run
    finally:
        runner.close()


def test_postgresql_away_8_s_fails_no_job_as_a_dead_worker_names_the_database_and_the_next_training_works(
    on_site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:  # fmt: skip
    log, go_on = tmp_path / "worker.log", tmp_path / "go-on"
    command = start_command(on_site, log, workers=2)
    runner = QueueRunner(on_site.url)
    try:
        training = runner.submit(JobRequest(TRAIN, f"cy-{next(_owners)}", jobfns.steps, {"n": 300, "step_s": 0.05}))
        check = runner.submit(JobRequest(MEASURE, f"di-{next(_owners)}", outagefns.reads_after, {"go_on": str(go_on)}))
        for job in (training, check):
            until(lambda job=job: runner.status(job), lambda s: s.state is JobState.RUNNING and s.done >= 1, 60)
        on_site.cluster.stop_server()
        try:
            go_on.touch()  # the accuracy check reads the database now, while it is away
            time.sleep(8)
        finally:
            on_site.cluster.start_again()
        trained = until(lambda: runner.status(training), lambda s: s.ended, 60)
        assert trained.state is JobState.DONE and trained.done == 300, trained  # it went on through the outage
        measured = until(lambda: runner.status(check), lambda s: s.ended, 30)
        assert measured.state is JobState.FAILED and measured.error_type == DATABASE_AWAY, measured
        assert measured.error == database_away_line(MEASURE) and "database could not be reached" in measured.error
        assert page_line(runner, check, monkeypatch) == database_away_line(MEASURE)  # said alone, on the page
        with connect(on_site.url) as conn:
            running = conn.execute(f"SELECT count(*) FROM {RUNS} WHERE ended IS NULL").fetchone()[0]
        assert running == 0  # no run row left 'running'
        written = log.read_text(errors="replace")
        assert "Traceback" not in written, written[-3000:]
        assert written.count("the database cannot be reached") <= 2, written[-3000:]  # once per worker process
        assert "worker process(es) ended" not in written, written[-3000:]  # no worker stopped for the outage
        again = runner.submit(JobRequest(TRAIN, f"cy-{next(_owners)}", jobfns.steps, {"n": 3}))
        assert until(lambda: runner.status(again), lambda s: s.ended, 30).state is JobState.DONE
    finally:
        runner.close()
        stop_command(command)
