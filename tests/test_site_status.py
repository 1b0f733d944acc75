"""The site's status (core.site.status) on real stores: on SQLite each app server's own pool from its heartbeat,
a silent server shown as gone and kept; on PostgreSQL the job queue (jobs running and waiting by kind, the longest
wait) and its workers, real ``python -m core jobs worker`` processes, each with the job it runs, a worker silent
past its time shown as gone, and a database with no queue yet said so; and ``summary``'s sentence for each."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import jobfns
import pytest
from test_jobs_contract import start_queue_workers, stop_queue_workers

from core.data.sql.database import URL_VARIABLE
from core.data.store import Store
from core.jobs.job import IMPORT, TRAIN, JobRequest, no_worker_line
from core.jobs.local import PoolLoad
from core.jobs.queue_db import jobs_version
from core.site.heartbeat import GONE_S, ServerBeat, key_of, to_value, write_beat
from core.site.status import (
    NO_QUEUE,
    NO_QUEUE_YET,
    NO_SERVER,
    WORKER_GONE_S,
    QueueState,
    ServerState,
    SiteStatus,
    jobs_text,
    read_status,
    seconds_text,
    summary,
)

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent


def _beat(port: int, local: PoolLoad | None = None) -> ServerBeat:
    return ServerBeat("web1", port, 4000 + port % 100, 2, 0.8, 4, local)


def _old_beat(store: Store, port: int, silent_s: float) -> None:
    """A server last heard ``silent_s`` ago, as its own last write left its row."""
    now = write_beat(store, _beat(1)).seen  # the clock the rows use
    with store.write_transaction() as conn:
        old = ServerBeat("web2", port, 77, 0, 0.1, 2, None, now - silent_s - 60, now - silent_s)
        conn.execute("INSERT INTO server_settings (key, value) VALUES (?, ?)", (key_of(old.name), to_value(old)))
        conn.execute("DELETE FROM server_settings WHERE key = ?", (key_of("web1:1"),))


def test_sqlite_one_server_its_own_pool_and_a_silent_one_shown_gone(tmp_path: Path) -> None:
    store = Store(tmp_path)
    status = read_status(store)
    assert (status.shared, status.servers, status.queue, status.notes) == (False, (), None, (NO_QUEUE, NO_SERVER))
    assert summary(status) == f"No app server has reported in the last {GONE_S:.0f} s."
    write_beat(store, _beat(8501, PoolLoad(2, 2, {TRAIN: 1}, {TRAIN: 2}, 40.2)))
    _old_beat(store, 8502, GONE_S + 5)
    status = read_status(store)
    assert [(s.beat.name, s.gone) for s in status.servers] == [("web1:8501", False), ("web2:8502", True)]
    assert status.servers[1].silent_s >= GONE_S + 5 and status.servers[1].up_s == 60
    assert summary(status) == (
        "One server (1 other not heard from): 1 training running, 2 trainings waiting (longest 40 s)."
    )
    assert len(read_status(store).servers) == 2  # a reader never deletes the silent one


def _until(store: Store, check: Callable[[SiteStatus], bool], timeout: float = 60.0) -> SiteStatus:
    end = time.monotonic() + timeout
    status = read_status(store)
    while not check(status):
        assert time.monotonic() < end, f"the status never got there: {status}"
        time.sleep(0.1)
        status = read_status(store)
    return status


@pytest.fixture
def queue(pg_url: str) -> Iterator[Any]:
    """The queue runner on the test's database, its queue emptied (other tests' jobs and workers gone)."""
    from core.jobs.queue import QueueRunner
    from core.jobs.queue_db import RUNS, SCHEMA, connect

    runner = QueueRunner(pg_url)
    with connect(pg_url) as conn:
        conn.execute(f"TRUNCATE procrastinate_events, procrastinate_periodic_defers, procrastinate_jobs, {RUNS}, "
                     f"procrastinate_workers RESTART IDENTITY CASCADE")  # fmt: skip
        assert conn.execute("SHOW search_path").fetchone()[0] == SCHEMA
    yield runner
    runner.close()


@pytest.mark.slow
def test_postgresql_the_queue_its_workers_and_each_job_they_run(queue: Any, pg_url: str,  # noqa: ANN401
                                                                tmp_path: Path) -> None:  # fmt: skip
    from core.jobs.queue_db import connect

    store = Store(tmp_path / "data")
    write_beat(store, _beat(8501))
    status = read_status(store)
    assert status.workers == () and summary(status) == "1 app server, 0 workers, nothing waiting."
    process = start_queue_workers(pg_url, tmp_path / "data")
    try:
        _until(store, lambda s: len(s.workers) == 2)
        long = {"n": 400, "step_s": 0.05}
        running = [queue.submit(JobRequest(TRAIN, f"ann-{i}", jobfns.steps, long)) for i in range(2)]
        _until(store, lambda s: s.queue is not None and s.queue.running == {TRAIN: 2})
        waiting = [queue.submit(JobRequest(kind, who, jobfns.steps, long)) for kind, who in
                   ((TRAIN, "cy"), (IMPORT, "dee"))]  # fmt: skip
        status = _until(store, lambda s: s.queue is not None and sum(s.queue.waiting.values()) == 2)
        assert status.queue is not None and status.queue.waiting == {TRAIN: 1, IMPORT: 1}
        assert status.queue.running == {TRAIN: 2} and status.queue.oldest_wait_s is not None
        assert sorted(w.job for w in status.workers) == sorted(running)  # "train-N": the ids the pages follow
        assert {w.pid for w in status.workers} == set(queue.worker_pids()) and all(not w.gone for w in status.workers)
        assert all(w.job_s is not None and w.job_s >= 0 for w in status.workers)
        assert [w.version for w in status.workers] == [jobs_version()] * 2
        assert status.queue.waiting_versions == {jobs_version(): 2}
        assert re.fullmatch(r"1 app server, 2 workers, 2 trainings running, 2 jobs \(1 import, 1 training\) waiting "
                            r"\(longest \d+ s\)\.", summary(status)), summary(status)  # fmt: skip
        for job in running + waiting:
            queue.cancel(job)
        status = _until(store, lambda s: s.queue == QueueState({}, {}, None) and all(w.job is None for w in s.workers))
        assert len(status.workers) == 2 and summary(status) == "1 app server, 2 workers, nothing waiting."
    finally:
        stop_queue_workers(process)
    assert read_status(store).workers == ()  # a worker that stops cleanly takes its row away
    with connect(pg_url) as conn:  # a worker that went silent (its machine lost): shown gone until the queue prunes it
        conn.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now() - interval '1 minute')")
    queue.submit(JobRequest(TRAIN, "eve", jobfns.steps, {"n": 1}))
    status = read_status(store)
    assert [(w.gone, w.job) for w in status.workers] == [(True, None)] and status.workers[0].silent_s >= 60
    assert status.workers[0].silent_s > WORKER_GONE_S
    assert summary(status).startswith("1 app server, 0 workers, 1 training waiting (longest ")
    assert summary(status).endswith(" " + no_worker_line(jobs_version(), []))  # its versions and the command
    assert summary(status, "").endswith("No worker is running: the jobs wait until one starts.")


def test_postgresql_without_a_queue_yet_says_so(pg_cluster: Any, tmp_path: Path,  # noqa: ANN401
                                                monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    monkeypatch.setenv(URL_VARIABLE, pg_cluster.create_database())
    store = Store(tmp_path)
    status = read_status(store)
    assert (status.shared, status.queue, status.workers, status.notes) == (True, None, (), (NO_QUEUE_YET, NO_SERVER))
    assert summary(status) == "0 app servers; no job queue yet."


def test_the_words_for_durations_kinds_and_the_servers_own_pools() -> None:
    assert [seconds_text(s) for s in (0.4, 40.4, 89, 150, 5400, 7500)] == [
        "0 s", "40 s", "89 s", "2 min", "1 h 30 min", "2 h 5 min"]  # fmt: skip
    assert jobs_text({}) == "" and jobs_text({TRAIN: 1}) == "1 training"
    several = jobs_text({"curve": 1, TRAIN: 3, IMPORT: 1, "extract": 0})  # the most first, then by kind
    assert several == "5 jobs (3 trainings, 1 learning curve, 1 import)"
    busy = ServerBeat("web1", 8501, 1, 4, 0.5, 4, PoolLoad(2, 2, {TRAIN: 2}, {"measure": 1}, 7.0), 0.0, 100.0)
    idle = ServerBeat("web2", 8501, 2, 0, 0.1, 4, PoolLoad(2, 2, {}, {}, None), 0.0, 100.0)
    servers = (ServerState(busy, 1.0, False), ServerState(idle, 2.0, False))
    shared = SiteStatus(True, servers, None, (), (NO_QUEUE_YET,))
    assert summary(shared) == ("2 app servers; no job queue yet. In the app servers' own pools: 2 trainings running, "
                               "1 accuracy measurement waiting (longest 7 s).")  # fmt: skip
    assert summary(SiteStatus(False, servers, None, (), ())) == (
        "2 servers on this machine: 2 trainings running, 1 accuracy measurement waiting (longest 7 s); no job "
        "running, nothing waiting.")  # fmt: skip
