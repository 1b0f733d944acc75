"""The queue runner's own promises (core.jobs.queue, core.jobs.queue_worker) on the session's PostgreSQL: the bound of
waiting jobs, a worker refusing a job of another version or of a module it does not run, a wrong URL in one line,
the real job functions (a training, then its measuring) run by a queue worker, a worker's own data folder, the
priorities giving ``core.jobs.fair``'s order and a page's place and wait from it, a tab gone, ended jobs forgotten.
The scenarios both runners keep are tests/test_jobs_contract.py's; here a worker runs in the test's own process
until the queue is empty (``serve(wait=False)``), so no process starts."""

from __future__ import annotations

import asyncio
import itertools
import random
import shutil
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import jobfns
import pytest

from core.jobs import fair, wire
from core.jobs.job import (
    MEASURE,
    PRIORITY,
    SERVER_FULL,
    TRAIN,
    JobRequest,
    JobState,
    OneWaitingError,
    ServerFullError,
    other_version_line,
)
from core.jobs.queue import QueueRunner
from core.jobs.queue_db import (
    TAKE_TURN_SQL,
    TASK,
    TURN_LOCK_SQL,
    TURNS,
    WIRE_VERSION,
    WORKERS,
    QueueError,
    code_digest,
    connect,
    ensure_schema,
    job_priority,
    jobs_version,
    version_queue,
)
from core.jobs.queue_worker import WorkerConfig, prune, serve

_owners = (f"q{i}" for i in itertools.count())  # names of this module's own: the queue's turns outlive a test


@pytest.fixture
def queue(pg_cluster: Any) -> Iterator[QueueRunner]:  # noqa: ANN401 - tests/pgcluster.py's PgCluster
    runner = QueueRunner(str(pg_cluster.store_url))
    yield runner
    runner.close()


def drain(url: str, allowed: tuple[str, ...] = (*wire.TASK_MODULES, "jobfns")) -> None:
    """A queue worker in this process, running every job waiting until none is left."""
    asyncio.run(serve(WorkerConfig(url, allowed), wait=False))


def test_past_its_bound_the_queue_says_the_server_is_full(pg_cluster: Any) -> None:  # noqa: ANN401
    ensure_schema(str(pg_cluster.store_url))
    with connect(str(pg_cluster.store_url)) as conn:  # other tests' jobs may still wait in the session's queue
        waiting = conn.execute("SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'").fetchone()[0]
    runner = QueueRunner(str(pg_cluster.store_url), max_queued=waiting + 2)
    try:
        owners = [f"full-{next(_owners)}" for _ in range(3)]
        for who in owners[:2]:
            runner.submit(JobRequest(TRAIN, who, jobfns.steps, {"n": 1}))
        with pytest.raises(ServerFullError, match=f"^{SERVER_FULL}$"):
            runner.submit(JobRequest(TRAIN, owners[2], jobfns.steps, {"n": 1}))
        assert sum(runner.cancel_owner(who) for who in owners) == 2  # nothing of the third was queued
    finally:
        runner.close()


def test_a_worker_refuses_a_job_of_another_version_in_one_line(queue: QueueRunner) -> None:
    number = queue._app.configure_task(TASK, queue=version_queue(jobs_version())).defer(
        fn="jobfns:steps", kwargs={}, meta={"v": 999, "kind": TRAIN, "owner": f"old-{next(_owners)}"}
    )
    drain(queue.url)
    status = queue.status(f"{TRAIN}-{number}")
    assert status is not None and status.state is JobState.FAILED and status.error_type == "WorkerVersion"
    assert status.error == other_version_line(jobs_version(), "999") and "\n" not in status.error


def test_a_worker_runs_no_function_outside_its_modules(queue: QueueRunner) -> None:
    job = queue.submit(JobRequest(TRAIN, f"ann-{next(_owners)}", jobfns.steps, {"n": 1}))
    drain(queue.url, allowed=wire.TASK_MODULES)  # a worker started without --allow-module jobfns
    status = queue.status(job)
    assert status is not None and status.state is JobState.FAILED
    assert status.error == "this worker does not run jobs of 'jobfns:steps'"


def test_arguments_that_cannot_travel_as_json_are_refused_when_sent(queue: QueueRunner) -> None:
    with pytest.raises(wire.WireError, match="^a function cannot travel as JSON"):
        queue.submit(JobRequest(TRAIN, f"ann-{next(_owners)}", jobfns.steps, {"n": lambda: 1}))
    with pytest.raises(wire.WireError, match="must be a module-level function"):
        queue.submit(JobRequest(TRAIN, f"ann-{next(_owners)}", lambda context: None))


def test_a_wrong_database_url_is_one_line_without_its_password() -> None:
    with pytest.raises(QueueError) as caught:
        QueueRunner("postgresql://teacher:s3cret@127.0.0.1:1/school")
    message = str(caught.value)
    assert message.startswith("cannot reach the job queue's database postgresql://teacher@127.0.0.1:1/school: ")
    assert "s3cret" not in message and "\n" not in message


@pytest.mark.slow
@pytest.mark.extended  # torch and two trainings: seconds
def test_a_training_and_its_measuring_run_on_a_queue_worker(pg_url: str, tmp_path: Path) -> None:
    from handmaker import pointing_hand
    from storemaker import handmade_project

    from core.gestures.classifier import GestureClassifier
    from core.gestures.training import TrainConfig
    from core.jobs import tasks
    from core.jobs.job import MEASURE

    handmade_project(tmp_path, {"pointing_right": (pointing_hand(180.0), 12), "open_palm": (None, 12)})
    runner, who, config = QueueRunner(pg_url), f"ann-{next(_owners)}", TrainConfig(epochs=40)
    try:
        job = runner.submit(JobRequest(TRAIN, who, tasks.train, {"data_dir": str(tmp_path), "project": "default",
                                                                 "config": config}))  # fmt: skip
        drain(pg_url)
        done = runner.status(job)
        assert done is not None and done.state is JobState.DONE, done
        trained = done.result
        assert isinstance(trained, tasks.Trained) and isinstance(trained.result.classifier, GestureClassifier)
        assert trained.dataset.labels.count("open_palm") == 12 and done.total == len(trained.result.history)
        kwargs = {"data_dir": str(tmp_path), "project": "default", "config": config, "dataset": trained.dataset,
                  "result": trained.result}  # fmt: skip
        measuring = runner.submit(JobRequest(MEASURE, who, tasks.measure, kwargs))
        drain(pg_url)
        measured = runner.status(measuring)
        assert measured is not None and measured.state is JobState.DONE, measured
        assert measured.result.recorded and measured.result.crossval.figure.total == 24
    finally:
        runner.close()


def test_the_queues_priorities_start_jobs_in_the_local_pools_order() -> None:
    """procrastinate starts the highest priority, then the oldest: with ``job_priority`` that is ``core.jobs.fair``'s
    order (trainings first, then the owner whose last job started longest ago, then the oldest job)."""
    rng = random.Random(65)
    for _ in range(200):
        owners = [f"o{i}" for i in range(rng.randint(1, 6))]
        turns = {o: rng.randint(1, 50) for o in owners if rng.random() < 0.7}  # the others never ran
        queued = [fair.Waiting(str(seq), rng.choice(sorted(PRIORITY)), rng.choice(owners), seq)
                  for seq in range(rng.randint(1, 12))]  # fmt: skip
        by_priority = sorted(queued, key=lambda w: (-job_priority(PRIORITY[w.kind], turns.get(w.owner, 0)), w.seq))
        assert by_priority[0] == fair.pick(queued, set(), turns)


def test_ended_jobs_are_forgotten_after_a_while(queue: QueueRunner) -> None:
    who = f"ann-{next(_owners)}"
    done = queue.submit(JobRequest(TRAIN, who, jobfns.steps, {"n": 1, "step_s": 0.0}))
    drain(queue.url)
    waiting = queue.submit(JobRequest(TRAIN, who, jobfns.steps, {"n": 1}, key="2"))
    asyncio.run(prune(queue.url, keep_s=3600.0))
    assert queue.status(done).state is JobState.DONE  # ended just now: kept
    with connect(queue.url) as conn:
        assert conn.execute(f"SELECT count(*) FROM {TURNS} WHERE owner = %s", (who,)).fetchone()[0] == 1
        asyncio.run(prune(queue.url, keep_s=0.0))
        assert conn.execute(f"SELECT count(*) FROM {TURNS} WHERE owner = %s", (who,)).fetchone()[0] == 0
    kept = queue.status(done)
    assert kept is not None and kept.state is JobState.DONE  # this server keeps an ended status it read (its page's)
    queue.keep_ended_s = 0.0  # kept no longer: what the database holds is read
    assert queue.status(done) is None and queue.status(waiting).state is JobState.QUEUED
    assert queue.cancel_owner(who) == 1


@pytest.mark.slow
def test_the_version_is_the_code_a_worker_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two copies of ``core`` (an app server's checkout and a worker's) are one version by themselves; one file
    changed makes another; nothing in the environment changes it (a variable set on one side only failed every
    training of a worker started as the docs said)."""
    core = Path(__file__).resolve().parents[1] / "core"
    copy = tmp_path / "core"
    shutil.copytree(core, copy, ignore=shutil.ignore_patterns("__pycache__"))
    again = tmp_path / "again" / "core"
    shutil.copytree(core, again, ignore=shutil.ignore_patterns("__pycache__"))
    assert code_digest(copy) == code_digest(core) == code_digest(again)
    (copy / "jobs" / "tasks.py").write_text((copy / "jobs" / "tasks.py").read_text() + "\n# patched\n")
    assert code_digest(copy) != code_digest(core)
    assert jobs_version() == f"{WIRE_VERSION}.{code_digest(core)}"
    monkeypatch.setenv("HANDTEACH_JOBS_VERSION", "2026-11")  # the older docs' variable: no longer read
    assert jobs_version() == f"{WIRE_VERSION}.{code_digest(core)}"


def test_a_worker_runs_each_job_against_its_own_data_folder(queue: QueueRunner, tmp_path: Path) -> None:
    sent = queue.submit(JobRequest(TRAIN, f"ann-{next(_owners)}", jobfns.data_folder, {"data_dir": "/srv/app-server"}))
    asyncio.run(serve(WorkerConfig(queue.url, (*wire.TASK_MODULES, "jobfns"), data_dir=tmp_path / "mine"), wait=False))
    assert queue.status(sent).result == str(tmp_path / "mine")


@pytest.mark.slow
def test_a_tab_that_goes_has_its_jobs_cancelled_by_its_server(pg_cluster: Any) -> None:  # noqa: ANN401
    gone: set[str] = set()
    runner = QueueRunner(str(pg_cluster.store_url), session_alive=lambda tab: tab not in gone, tab_grace_s=0.2)
    try:
        who = f"ann-{next(_owners)}"
        kept = runner.submit(JobRequest(TRAIN, who, jobfns.steps, {"n": 1}, session="tab-1"))
        left = runner.submit(JobRequest(TRAIN, f"ben-{next(_owners)}", jobfns.steps, {"n": 1}, session="tab-2"))
        gone.add("tab-2")
        deadline = time.monotonic() + 30
        while runner.status(left).state is not JobState.CANCELLED:
            assert time.monotonic() < deadline, runner.status(left)
            time.sleep(0.05)
        assert runner.status(kept).state is JobState.QUEUED
        assert runner.cancel_owner(who) == 1
    finally:
        runner.close()


@contextmanager
def a_worker_of(url: str, version: str) -> Iterator[int]:
    """procrastinate's row of a worker alive, saying ``version`` (as a worker process does); gone after."""
    with connect(url) as conn:
        worker = conn.execute("SELECT * FROM procrastinate_register_worker_v1()").fetchone()[0]
        conn.execute(f"INSERT INTO {WORKERS} (worker_id, version) VALUES (%s, %s)", (worker, version))
        try:
            yield worker
        finally:
            conn.execute("SELECT procrastinate_unregister_worker_v1(%s)", (worker,))


def test_a_waiting_jobs_place_and_wait_follow_the_local_pools_order(queue: QueueRunner) -> None:
    ann, ben = f"ann-{next(_owners)}", f"ben-{next(_owners)}"
    measuring = queue.submit(JobRequest(MEASURE, ann, jobfns.steps, {"n": 1}))  # a figure: after every training
    anns = queue.submit(JobRequest(TRAIN, ann, jobfns.steps, {"n": 1}))
    bens = queue.submit(JobRequest(TRAIN, ben, jobfns.steps, {"n": 1}))
    assert queue.status(anns).held  # no worker yet: said, and not kept for the next ask
    with a_worker_of(queue.url, queue.version):
        places = [queue.status(job) for job in (anns, bens, measuring)]
    assert [p.ahead - places[0].ahead for p in places] == [0, 1, 2]
    assert all(p.state is JobState.QUEUED and p.wait_s is not None and not p.held for p in places)
    assert places[0].wait_s <= places[1].wait_s <= places[2].wait_s
    assert queue.cancel_owner(ann) + queue.cancel_owner(ben) == 3


@pytest.mark.slow
def test_a_job_sent_as_its_owners_turn_is_taken_gets_the_new_turn(queue: QueueRunner) -> None:
    """A worker starting one of ann's jobs takes her turn while she sends another: whichever commits first, the job
    sent steps behind the owners who waited longer (without the owner's lock it kept the priority of "never ran" and
    went before a classmate's training)."""
    who = f"ann-{next(_owners)}"
    sent: list[str] = []
    with connect(queue.url) as taking:
        with taking.transaction():  # the worker's turn, taken and not yet committed
            taking.execute(TURN_LOCK_SQL, (who,))
            taking.execute(TAKE_TURN_SQL, (who, who))
            thread = threading.Thread(target=lambda: sent.append(queue.submit(JobRequest(TRAIN, who, jobfns.steps,
                                                                                      {"n": 1}))))  # fmt: skip
            thread.start()
            time.sleep(0.5)  # the job is in by now; its priority waits for the turn
        thread.join(10)
        number = int(sent[0].rsplit("-", 1)[1])
        priority = taking.execute("SELECT priority FROM procrastinate_jobs WHERE id = %s", (number,)).fetchone()[0]
        assert priority == job_priority(PRIORITY[TRAIN], _turn_of(taking, who)) < 0
    assert queue.cancel_owner(who) == 1


@pytest.mark.slow
def test_a_script_sending_every_kind_at_once_from_many_threads_gets_one_place_a_kind_and_the_same_turn(
    queue: QueueRunner,
) -> None:
    """A student's script sends 48 jobs from 16 threads at once, 8 of each kind, while a worker takes her turn over
    and over: one waits for each kind, every other is refused in one line, nothing else goes wrong (no deadlock on
    her lock), and every waiting job ends with her latest turn's priority. (The race a lone job loses without the
    lock is forced by the test above; at this pace it did not show in three runs without it.)"""
    who = f"ann-{next(_owners)}"
    kinds = sorted(PRIORITY)
    requests = [JobRequest(kind, who, jobfns.steps, {"n": 1}, key=f"{kind}-{i}") for i in range(8) for kind in kinds]
    stop, errors = threading.Event(), []

    def take_turns() -> None:  # as a worker starting one of her jobs does, again and again
        with connect(queue.url) as conn:
            while not stop.is_set():
                with conn.transaction():
                    conn.execute(TURN_LOCK_SQL, (who,))
                    conn.execute(TAKE_TURN_SQL, (who, who))

    def send(request: JobRequest) -> str | None:
        try:
            return queue.submit(request)
        except OneWaitingError:
            return None
        except Exception as exc:  # noqa: BLE001 - any other answer is the failure this test looks for
            errors.append(exc)
            return None

    turner = threading.Thread(target=take_turns)
    turner.start()
    try:
        with ThreadPoolExecutor(16) as pool:
            sent = [job for job in pool.map(send, requests) if job is not None]
    finally:
        stop.set()
        turner.join(10)
    assert errors == [] and len(sent) == len(kinds), (errors, sent)
    with connect(queue.url) as conn:
        turn = _turn_of(conn, who)
        priorities = {conn.execute("SELECT args->'meta'->>'kind', priority FROM procrastinate_jobs WHERE id = %s",
                                   (int(job.rsplit("-", 1)[1]),)).fetchone() for job in sent}  # fmt: skip
    assert priorities == {(kind, job_priority(PRIORITY[kind], turn)) for kind in kinds}
    assert queue.cancel_owner(who) == len(kinds)


def _turn_of(conn: Any, owner: str) -> int:  # noqa: ANN401 - a psycopg connection
    return int(conn.execute(f"SELECT turn FROM {TURNS} WHERE owner = %s", (owner,)).fetchone()[0])
