"""One queue worker process: a procrastinate worker running one job at a time (``python -m core jobs worker`` starts
N and restarts any that dies; ``core.cli.jobs``).

Its one task (``run``) calls the job function a job names (``core.jobs.wire``: by name, only from the allowed
modules, with JSON arguments) in procrastinate's worker thread, with a ``JobContext`` whose ``progress`` writes the
job's row of ``handteach_job_runs`` (at most every ``PROGRESS_EVERY_S``, and at the end) and whose ``cancel`` a
watcher thread sets when procrastinate hears an abort (LISTEN/NOTIFY: within a few tens of milliseconds) or the
job passes its time limit. A job that does not stop within ``cancel_grace_s`` has its row ended and its process
exits (as the local pool ends a worker), the command starting another.

A worker that dies fails only its own job, by procrastinate's heartbeats: every worker process (and every app
server) sweeps, each ``heartbeat_s``, the running jobs whose worker's heartbeat is older than ``stalled_s`` (or whose
worker row was pruned), and fails them with ``worker_died``'s line (``core.jobs.queue_sweep``); they are not retried
(a training that ran out of memory would again). procrastinate's ``lock`` (the owner) keeps that owner's next job
waiting until then.

**The database away** (``core.jobs.queue_steady``): the worker waits it out; a job's progress is not written
meanwhile, its end is written once the database is back, and a job that failed because it could not reach the
database (its store, or this module's own rows) says so in ``database_away_line``'s words. Every
``PRUNE_EVERY_S`` it also forgets the jobs that ended over ``KEEP_ENDED_S`` ago (their answers hold a model and its
samples; a page keeps the status it saw end).

**The data folder**: a job's ``data_dir`` argument names the folder of the app server that sent it, which a worker
on another machine does not have. A worker runs every job against its own data folder instead (``WorkerConfig.
data_dir``: ``python -m core jobs worker --data DIR``, else ``$HANDTEACH_DATA``, else the command line's default):
the store's rows are on the same PostgreSQL, so the job finds the same project, samples and viewer; what it writes
into the folder (a trained model, today) lands in the worker's folder. So a worker on the app server's machine is
given the app server's folder, and workers elsewhere see the models through the store once those live in the
database. ``data_dir`` None (a test's worker in its own process) keeps each job's own.

**Its version**: a worker takes jobs only from the queue of its own code's ``jobs_version`` (``core.jobs.queue_db``),
and says that version in ``handteach_workers`` once procrastinate registered it (and again each heartbeat, should
its row have been pruned), so pages see which versions run. A job in its queue carrying another version (a row
written by hand) is ended at once as failed, in one line (``WORKER_VERSION``), and nothing of it runs. Each job's
start takes its owner's turn (``TAKE_TURN_SQL``): their waiting jobs step behind the owners who waited longer.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import procrastinate
import procrastinate.worker
import psycopg

from core.data.sql.schema import StoreError
from core.jobs import wire
from core.jobs.job import (
    DATABASE_AWAY,
    TIME_LIMIT,
    WORKER_VERSION,
    JobContext,
    database_away_line,
    other_version_line,
    time_limit_line,
)
from core.jobs.outage import Outage, is_database_error
from core.jobs.queue_db import (
    PAYLOADS,
    QUEUE,
    RUNS,
    TASK,
    TURNS,
    WORKERS,
    conninfo,
    jobs_version,
    version_queue,
)
from core.jobs.queue_runs import JobRuns
from core.jobs.queue_steady import RETRY_S, SteadyWorker, steady_finish
from core.jobs.queue_sweep import Sweeper

PROGRESS_EVERY_S = 0.1
PRUNE_SILENT_S = 60.0  # a starting worker forgets workers this silent (not ``stalled_s``: just after an outage all are)
PRUNE_EVERY_S = 60.0
KEEP_ENDED_S = 3600.0  # an ended job's row (and its answer) stays this long: the pages' pace of each kind reads them
_PRUNE_SQL = f"""
WITH old AS (
  SELECT j.id FROM procrastinate_jobs j LEFT JOIN {RUNS} r ON r.job_id = j.id
   WHERE left(j.queue_name, %s) = %s AND j.status NOT IN ('todo', 'doing')
     AND COALESCE(r.ended, (SELECT max(e.at) FROM procrastinate_events e WHERE e.job_id = j.id), now())
         < now() - make_interval(secs => %s)),
gone AS (DELETE FROM procrastinate_jobs WHERE id IN (SELECT id FROM old) RETURNING id)
DELETE FROM {RUNS} WHERE job_id IN (SELECT id FROM gone)"""
# a payload no waiting job names (its job was cancelled or failed before it started), once as old as an ended job kept
_PRUNE_PAYLOADS_SQL = f"""
DELETE FROM {PAYLOADS} p WHERE p.created < now() - make_interval(secs => %s)
   AND NOT EXISTS (SELECT 1 FROM procrastinate_jobs j WHERE j.status = 'todo' AND j.args->>'payload' = p.key)"""
# this process's version, once procrastinate registered its worker (%s: its id twice, the version, host, pid)
_SAY_VERSION_SQL = f"""
INSERT INTO {WORKERS} (worker_id, version, host, pid)
SELECT %s, %s, %s, %s WHERE EXISTS (SELECT 1 FROM procrastinate_workers WHERE id = %s)
ON CONFLICT (worker_id) DO NOTHING"""
_LOGGER = logging.getLogger("core.jobs.queue_worker")


@dataclass(frozen=True)
class WorkerConfig:
    url: str
    allowed: tuple[str, ...] = wire.TASK_MODULES  # modules whose job functions this worker runs
    heartbeat_s: float = 1.0
    stalled_s: float = 5.0  # a worker silent this long is dead: its job fails
    cancel_grace_s: float = 10.0
    data_dir: Path | None = None  # every job's store folder (see the module docstring); None: the job's own


def _watch(ctx: procrastinate.JobContext, cancel: threading.Event, limit_s: float, timed_out: threading.Event,
           finished: threading.Event, grace_s: float, on_stuck: Any) -> None:  # fmt: skip  # noqa: ANN401
    """Sets ``cancel`` on an abort or past ``limit_s``; calls ``on_stuck`` when the job outlives ``grace_s`` after."""
    started, asked = time.monotonic(), None
    while not finished.wait(0.02):
        if asked is None and (ctx.should_abort() or (limit_s > 0 and time.monotonic() - started > limit_s)):
            if not ctx.should_abort():
                timed_out.set()
            cancel.set()
            asked = time.monotonic()
        if asked is not None and time.monotonic() - asked > grace_s:
            on_stuck()
            return


def make_app(config: WorkerConfig, outage: Outage | None = None) -> procrastinate.App:
    """A procrastinate app whose one task runs our job functions; ``outage``: this process's view of the database."""
    outage = outage or Outage(config.url)
    app = procrastinate.App(
        connector=procrastinate.PsycopgConnector(conninfo=conninfo(config.url), min_size=1, max_size=3)
    )
    steady_finish(app, outage)
    runs = JobRuns(config.url, outage)

    @app.task(name=TASK, queue=version_queue(jobs_version()), pass_context=True)
    def run(context: procrastinate.JobContext, fn: str, meta: dict[str, Any], **rest: Any) -> None:  # noqa: ANN401
        job_id = int(context.job.id or 0)
        kind, sent_by = str(meta.get("kind", "")), str(meta.get("v", "?"))
        try:
            runs.start(job_id)
            if sent_by != jobs_version():  # whatever else it carries, in whichever layout: nothing of it is run
                runs.end(job_id, "failed", error=other_version_line(jobs_version(), sent_by),
                         error_type=WORKER_VERSION)  # fmt: skip
                return
            kwargs = runs.payload(str(rest.get("payload", "")))
            runs.take_turn(str(meta.get("owner", "")))
        except (psycopg.Error, StoreError) as exc:  # the database went as the job started: said as such
            if not is_database_error(exc):
                raise
            runs.end(job_id, "failed", error=database_away_line(kind), error_type=DATABASE_AWAY)
            return
        _run_one(runs, context, job_id, kind, fn, kwargs, float(meta.get("limit_s") or 0), config)

    return app


def _run_one(runs: JobRuns, context: procrastinate.JobContext, job_id: int, kind: str, fn_name: str, kwargs: Any,
             limit_s: float, config: WorkerConfig) -> None:  # fmt: skip  # noqa: ANN401
    cancel, timed_out, finished = threading.Event(), threading.Event(), threading.Event()
    last = [0.0]

    def progress(done: int, total: int, detail: Any = None) -> None:  # noqa: ANN401 - the job's own payload
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY_S or (total and done >= total):
            last[0] = now
            runs.progress(job_id, int(done), int(total), detail)

    def stuck() -> None:  # it ignored its cancel: ended here, and this process goes (the command starts another)
        if timed_out.is_set():
            runs.end(job_id, "failed", error=time_limit_line(kind, limit_s), error_type=TIME_LIMIT)
        else:
            runs.end(job_id, "cancelled")
        with contextlib.suppress(psycopg.Error):
            runs.write("SELECT procrastinate_finish_job_v1(%s, 'aborted', false)", (job_id,))
        os._exit(3)

    watcher = threading.Thread(target=_watch, args=(context, cancel, limit_s, timed_out, finished,
                                                    config.cancel_grace_s, stuck), daemon=True)  # fmt: skip
    watcher.start()
    try:
        fn = wire.resolve(fn_name, config.allowed)
        arguments = wire.decode(kwargs)
        if config.data_dir is not None and "data_dir" in arguments:  # the sender's folder: this machine's instead
            arguments["data_dir"] = str(config.data_dir)
        result = fn(JobContext(progress, cancel), **arguments)
        answer = wire.encode(result)
    except Exception as exc:  # the page shows it in one line; the worker lives on
        if is_database_error(exc):  # its store could not reach the database: not the job's own failure
            runs.end(job_id, "failed", error=database_away_line(kind), error_type=DATABASE_AWAY)
            return
        bases = tuple(c.__name__ for c in type(exc).__mro__[1:] if c not in (Exception, BaseException, object))
        runs.end(job_id, "failed", error=str(exc) or type(exc).__name__, error_type=type(exc).__name__, bases=bases)
        return
    finally:
        finished.set()
    if timed_out.is_set():
        runs.end(job_id, "failed", error=time_limit_line(kind, limit_s), error_type=TIME_LIMIT)
    else:
        runs.end(job_id, "cancelled" if cancel.is_set() else "done", result=answer)
    if cancel.is_set() and context.should_abort():
        raise procrastinate.exceptions.JobAborted  # procrastinate's row says "aborted" too


async def prune(url: str, keep_s: float = KEEP_ENDED_S) -> None:
    """Forget the jobs that ended over ``keep_s`` ago (procrastinate's rows and ours), and the turns of owners whose
    last job started before: they would go before every owner who ran since anyway (a signed-out tab is an owner)."""
    async with await psycopg.AsyncConnection.connect(conninfo(url), autocommit=True) as conn:
        await conn.execute(_PRUNE_SQL, (len(QUEUE), QUEUE, keep_s))
        await conn.execute(f"DELETE FROM {TURNS} WHERE at < now() - make_interval(secs => %s)", (keep_s,))
        await conn.execute(_PRUNE_PAYLOADS_SQL, (keep_s,))


async def say_version(url: str, worker: procrastinate.worker.Worker) -> bool:
    """Write this process's version as ``worker``'s, once procrastinate registered it; whether it was (again)."""
    if worker.worker_id is None:
        return False
    async with await psycopg.AsyncConnection.connect(conninfo(url), autocommit=True) as conn:
        await conn.execute(_SAY_VERSION_SQL, (worker.worker_id, jobs_version(), socket.gethostname(), os.getpid(),
                                              worker.worker_id))  # fmt: skip
    return True


async def _say_version_soon(url: str, worker: procrastinate.worker.Worker) -> None:
    """The version said as soon as the worker is registered: a page waiting for a worker of its version sees it."""
    while not await say_version(url, worker):
        await asyncio.sleep(0.02)


async def _watch_stalled(config: WorkerConfig, worker: procrastinate.worker.Worker, outage: Outage) -> None:
    parent, pruned = os.getppid(), time.monotonic()
    sweeper = Sweeper(config.url, config.stalled_s, outage)
    with contextlib.suppress(Exception):  # the database away: said at a later beat
        await _say_version_soon(config.url, worker)
    while True:
        await asyncio.sleep(config.heartbeat_s)
        if os.getppid() != parent:  # the command that started this process went: so does it
            os._exit(0)
        await asyncio.to_thread(sweeper.once)  # a connection that waits out a lost packet holds no heartbeat
        if outage.away:
            continue
        try:
            await say_version(config.url, worker)  # again: a row pruned with a worker thought stalled comes back
            if time.monotonic() - pruned > PRUNE_EVERY_S:
                pruned = time.monotonic()
                await prune(config.url)
        except Exception as exc:  # a check that failed is tried again next beat; the worker goes on
            if not is_database_error(exc):
                _LOGGER.exception("the worker's watch failed")
            outage.down(exc)


async def serve(config: WorkerConfig, wait: bool = True) -> None:
    """Run jobs until stopped (SIGINT/SIGTERM: the running job finishes first); ``wait=False``: until none is left
    to start (a test's worker in its own process). Started while the database is away, it waits for it."""
    outage = Outage(config.url)
    while True:
        try:
            return await _serve(config, wait, outage)
        except Exception as exc:
            if not is_database_error(exc):
                raise
            outage.down(exc)
            await asyncio.sleep(RETRY_S)


async def _serve(config: WorkerConfig, wait: bool, outage: Outage) -> None:
    app = make_app(config, outage)
    async with app.open_async():
        # procrastinate's Worker (what ``run_worker_async`` makes), waiting out outages (``core.jobs.queue_steady``),
        # made here so that its id can be said with its version
        worker = SteadyWorker(app=app, queues=[version_queue(jobs_version())], concurrency=1,
                              name=f"handteach-{os.getpid()}", wait=wait, install_signal_handlers=wait,
                              update_heartbeat_interval=config.heartbeat_s,
                              stalled_worker_timeout=max(config.stalled_s, PRUNE_SILENT_S),
                              abort_job_polling_interval=1.0, fetch_job_polling_interval=1.0, outage=outage,
                              beat_conninfo=conninfo(config.url))  # fmt: skip
        watch = asyncio.create_task(_watch_stalled(config, worker, outage))
        try:
            await worker.run()
        finally:
            watch.cancel()


PRELOAD = ("core.data.project", "core.data.project_accuracy", "core.starter")  # torch and the store, before a job


def main(argv: list[str]) -> None:
    """One worker process on ``$HANDTEACH_DATABASE_URL`` (never on the command line, where ``ps`` shows it), with
    ``argv`` ``--data DIR [--allow MODULE]... [--preload MODULE]... [--heartbeat-s S] [--stalled-s S]
    [--cancel-grace-s S]``.
    Started by ``python -m core jobs worker`` (``core.cli.jobs``)."""
    import argparse
    import importlib

    from core.data.sql.database import database_url
    from core.keypoints.native_logs import quiet_native_logs

    parser = argparse.ArgumentParser(prog="core.jobs.queue_worker")
    parser.add_argument("--data", default=None)
    parser.add_argument("--allow", action="append", default=[])
    parser.add_argument("--preload", action="append", default=None)
    parser.add_argument("--heartbeat-s", type=float, default=WorkerConfig.heartbeat_s)
    parser.add_argument("--stalled-s", type=float, default=WorkerConfig.stalled_s)
    parser.add_argument("--cancel-grace-s", type=float, default=WorkerConfig.cancel_grace_s)
    args = parser.parse_args(argv)
    quiet_native_logs()
    # the pool's line at each failed reconnect, several a second during an outage: ``Outage`` says it once instead
    logging.getLogger("psycopg.pool").setLevel(logging.ERROR)
    for name in PRELOAD if args.preload is None else [p for p in args.preload if p]:
        importlib.import_module(name)
    config = WorkerConfig(database_url(), (*wire.TASK_MODULES, *args.allow), args.heartbeat_s, args.stalled_s,
                          args.cancel_grace_s, Path(args.data) if args.data else None)  # fmt: skip
    asyncio.run(serve(config))
