"""Workers of two versions on one queue (``core.jobs.queue_db``: a queue and locks for each version): a worker of
other code left running beside the new release's never takes, let alone fails, its jobs; while no worker of a
server's version runs, its waiting jobs and the site's status say so, naming both versions and the command that
starts a matching worker. Worker processes started as ``python -m core jobs worker``, one from a copy of ``core``
with a file changed (tests/test_jobs_contract.py's ``other_checkout``)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import jobfns
import pytest
from test_jobs_contract import ended, other_checkout, start_queue_workers, stop_queue_workers

from core.data.sql.database import Database
from core.jobs.job import TRAIN, WORKER_COMMAND, JobRequest, JobState, no_worker_line
from core.jobs.queue import QueueRunner
from core.jobs.queue_db import LIVE_VERSIONS_SQL, WORKERS, connect
from core.site.status import read_status, summary

pytestmark = pytest.mark.slow  # two worker commands


def _versions(url: str) -> dict[str, int]:
    with connect(url) as conn:
        return {v: n for v, n in conn.execute(LIVE_VERSIONS_SQL, (5.0,)).fetchall()}


def _until(check: Any, timeout: float = 60.0) -> Any:  # noqa: ANN401
    end = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < end, "never happened"
        time.sleep(0.1)
    return found


# extended: two code versions of workers at once: test_jobs_queue covers a worker refusing another version's job
@pytest.mark.extended
def test_an_old_worker_beside_a_new_one_leaves_it_every_training(pg_url: str, tmp_path: Path) -> None:
    runner = QueueRunner(pg_url)
    old = start_queue_workers(pg_url, tmp_path / "old-data", workers=1, pythonpath=other_checkout(tmp_path / "old"))
    new = None
    try:
        old_version = _until(lambda: [v for v in _versions(pg_url) if v != runner.version])[0]
        trainings = [runner.submit(JobRequest(TRAIN, f"v{i}-{time.monotonic_ns()}", jobfns.steps,
                                              {"n": 3, "step_s": 0.05})) for i in range(4)]  # fmt: skip
        time.sleep(2.5)  # the old worker polls every second: time enough to take any of them
        line = no_worker_line(runner.version, [old_version])
        for job in trainings:
            status = runner.status(job)
            assert status.state is JobState.QUEUED and status.held == line and status.wait_s is None
        assert old_version in line and runner.version in line and line.endswith(WORKER_COMMAND)
        site = summary(read_status(Database(tmp_path / "app")), runner.version)
        assert line in site, site
        new = start_queue_workers(pg_url, tmp_path / "new-data", workers=1)
        results = [ended(runner, job, timeout=90) for job in trainings]
        assert [r.state for r in results] == [JobState.DONE] * 4, [r.error for r in results]
        with connect(pg_url) as conn:
            old_pids = {r[0] for r in conn.execute(f"SELECT pid FROM {WORKERS} WHERE version = %s", (old_version,))}
        assert old_pids and not old_pids & {r.result["pid"] for r in results}  # none ran on the old worker
        time.sleep(2.5)  # the runner's view of the workers refreshed: one of its version runs now
        assert not runner.held_line()
        assert line not in summary(read_status(Database(tmp_path / "app")), runner.version)
    finally:
        runner.close()
        stop_queue_workers(old)
        if new is not None:
            stop_queue_workers(new)
