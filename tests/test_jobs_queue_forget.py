"""What the job queue on PostgreSQL forgets, on the session's real PostgreSQL with a real queue worker (in a thread
of this process, ``serve(wait=False)``): a deleted student's jobs (``core.jobs.queue_purge``: their rows, arguments,
turns, and no answer written by the worker still running one), and the waiting jobs of a version nobody runs any
more (``core.jobs.queue_versions``), which no longer fill the new release's queue."""

from __future__ import annotations

import itertools
import threading
import time
from pathlib import Path
from typing import Any

import jobfns
import pytest
from psycopg.types.json import Jsonb
from test_jobs_queue import a_worker_of, drain

from core.classes.removal import delete_student
from core.data.store import Store
from core.jobs import queue as queue_module
from core.jobs.job import MEASURE, TRAIN, VERSION_GONE, JobRequest, JobState, account_owner, version_gone_line
from core.jobs.queue import QueueRunner
from core.jobs.queue_db import PAYLOADS, RUNS, TASK, TURNS, connect, version_queue
from core.jobs.queue_versions import SENDERS
from tests.classmaker import make_class

_versions = (f"3.gone{i}-{time.monotonic_ns()}" for i in itertools.count())  # a version of no code of this run


def _until(check: Any, timeout: float = 30.0) -> Any:  # noqa: ANN401
    end = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < end, "never happened"
        time.sleep(0.05)
    return found


def _job_rows(url: str, owner: str) -> list[tuple[int, dict, str]]:
    with connect(url) as conn:
        return conn.execute("SELECT id, args->'meta', status FROM procrastinate_jobs WHERE args->'meta'->>'owner' = %s",
                            (owner,)).fetchall()  # fmt: skip


@pytest.mark.slow
def test_a_deleted_students_jobs_leave_nothing_of_theirs_in_the_queue(pg_url: str, tmp_path: Path) -> None:
    school = make_class(tmp_path)
    ben = account_owner(school.ben.account_id)
    runner = QueueRunner(pg_url)
    try:
        ended = runner.submit(JobRequest(TRAIN, ben, jobfns.steps, {"n": 1, "step_s": 0.0}, key="ben-signs/1"))
        drain(pg_url)
        assert runner.status(ended).result["done"] == 1  # an answer kept for his page
        running = runner.submit(JobRequest(TRAIN, ben, jobfns.steps, {"n": 400, "step_s": 0.02}, key="ben-signs/2",
                                           session="ben-tab"))  # fmt: skip
        waiting = runner.submit(JobRequest(MEASURE, ben, jobfns.steps, {"n": 1}, key="ben-signs/3"))
        with connect(pg_url) as conn:
            payloads = [r[0] for r in conn.execute("SELECT args->>'payload' FROM procrastinate_jobs "
                                                   "WHERE args->'meta'->>'owner' = %s", (ben,))]  # fmt: skip
        worker = threading.Thread(target=drain, args=(pg_url,))
        worker.start()
        _until(lambda: runner.status(running).state is JobState.RUNNING)
        receipt = delete_student(Store(tmp_path), "7B", "Ben", runner)
        assert receipt.jobs == 2
        worker.join(60)
        assert not worker.is_alive()
        rows = _job_rows(pg_url, ben)  # deleted; one a worker still held keeps no key nor tab
        assert len(rows) <= 1 and all("key" not in meta and "session" not in meta for _, meta, _ in rows), rows
        numbers = [int(job.rpartition("-")[2]) for job in (ended, running, waiting)]
        with connect(pg_url) as conn:
            written = conn.execute(f"SELECT job_id, result, detail FROM {RUNS} WHERE job_id = ANY(%s) AND "
                                   "(result IS NOT NULL OR detail IS NOT NULL)", (numbers,)).fetchall()  # fmt: skip
            assert written == []  # the cancelled training's answer was never written, the ended one's deleted
            assert conn.execute(f"SELECT count(*) FROM {PAYLOADS} WHERE key = ANY(%s)", (payloads,)).fetchone()[0] == 0
            assert conn.execute(f"SELECT count(*) FROM {TURNS} WHERE owner = %s", (ben,)).fetchone()[0] == 0
    finally:
        runner.close()


def _defer(runner: QueueRunner, version: str, owner: str) -> int:
    """A waiting training in ``version``'s queue, as an app server of that version sends one."""
    payload = f"gone-{time.monotonic_ns()}"
    with connect(runner.url) as conn:
        conn.execute(f"INSERT INTO {PAYLOADS} (key, kwargs) VALUES (%s, %s)", (payload, Jsonb({"n": 1})))
    return runner._app.configure_task(TASK, queue=version_queue(version)).defer(
        fn="jobfns:steps", payload=payload, meta={"v": version, "kind": TRAIN, "owner": owner, "rank": 0}
    )


@pytest.mark.slow
def test_an_old_releases_waiting_jobs_neither_fill_the_queue_nor_wait_forever(
    pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(queue_module, "BEAT_S", 0.2, raising=False)
    ours = QueueRunner(pg_url)
    with connect(pg_url) as conn:
        mine = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo' AND queue_name = %s",
                            (ours.queue,)).fetchone()[0]  # fmt: skip
    ours.close()
    gone, served, worked = next(_versions), next(_versions), next(_versions)
    runner = QueueRunner(pg_url, max_queued=mine + 1, session_alive=lambda tab: True)
    try:
        left = [_defer(runner, gone, f"old-{i}") for i in range(3)]  # the previous release's, nobody runs them
        kept = _defer(runner, served, "old-server")  # its app server still serves pages (no worker yet)
        busy = _defer(runner, worked, "old-worker")  # a worker of its version still runs
        with connect(pg_url) as conn:
            conn.execute(f"INSERT INTO {SENDERS} (host, pid, version) VALUES ('elsewhere', 1, %s)", (served,))
        with a_worker_of(pg_url, worked):
            mine = runner.submit(JobRequest(TRAIN, f"new-{time.monotonic_ns()}", jobfns.steps, {"n": 1}))
            assert runner.status(mine).state is JobState.QUEUED  # not "the server is full"
            status = _until(lambda: (s := runner.status(f"{TRAIN}-{left[0]}")).ended and s)
            assert status.state is JobState.FAILED and status.error_type == VERSION_GONE
            assert status.error == version_gone_line(TRAIN, gone) and "\n" not in status.error
            assert all(runner.status(f"{TRAIN}-{n}").state is JobState.FAILED for n in left)
            for number in (kept, busy):
                assert runner.status(f"{TRAIN}-{number}").state is JobState.QUEUED
        runner.cancel(mine)
        with connect(pg_url) as conn:
            assert conn.execute(f"SELECT count(*) FROM {PAYLOADS} WHERE key LIKE 'gone-%%' AND key IN "
                                "(SELECT args->>'payload' FROM procrastinate_jobs WHERE id = ANY(%s))",
                                (left,)).fetchone()[0] == 0  # fmt: skip
            conn.execute(f"DELETE FROM {SENDERS} WHERE host = 'elsewhere'")
            conn.execute("UPDATE procrastinate_jobs SET status = 'cancelled' WHERE id = ANY(%s)", ([kept, busy],))
    finally:
        runner.close()


def test_a_gone_tabs_running_job_leaves_no_answer(pg_url: str) -> None:
    runner = QueueRunner(pg_url)
    try:
        who = f"tab-{time.monotonic_ns()}"
        running = runner.submit(JobRequest(TRAIN, who, jobfns.steps, {"n": 400, "step_s": 0.02}, session="gone-tab"))
        worker = threading.Thread(target=drain, args=(pg_url,))
        worker.start()
        _until(lambda: runner.status(running).state is JobState.RUNNING)
        assert runner.cancel_session("gone-tab") == 1  # what the server does once the tab is gone
        worker.join(60)
        assert not worker.is_alive()
        runner.keep_ended_s = 0.0  # what the database holds, not what this server saw
        status = runner.status(running)
        assert status.state is JobState.CANCELLED and status.result is None and status.detail is None
    finally:
        runner.close()
