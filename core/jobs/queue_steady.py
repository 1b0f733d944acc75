"""A queue worker that outlives a database outage (``core.jobs.queue_worker`` runs it).

procrastinate's worker stops when one of its side tasks fails, and its heartbeat and its listener fail as soon as
the database does not answer; its job fetching raises out of its loop, and the end of a job (``finish_job``) written
while the database is away is lost, the job left 'doing' for good. Through an 8 s restart of PostgreSQL every worker
process stopped (the command started others, each failing again, a traceback a second), their jobs were failed
after as "the worker stopped", and two run rows stayed 'running'.

Here each of those waits the outage out instead: the heartbeat, the abort polling and the listener try again each
second, a fetch that failed is tried at the next poll, and a job's end is written once the database is back. What
the outage does is said once as it starts and once as it ends (``core.jobs.outage``).
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

import procrastinate
import procrastinate.worker
import psycopg

from core.data.sql.postgres import CONNECT_TIMEOUT_S
from core.jobs.outage import Outage, is_database_error

RETRY_S = 1.0  # how often a part of the worker tries the database again during an outage


class SteadyWorker(procrastinate.worker.Worker):
    """procrastinate's ``Worker`` whose side tasks and job fetching wait out a database outage (module docstring)."""

    def __init__(self, *args: Any, outage: Outage, beat_conninfo: str, **kwargs: Any) -> None:  # noqa: ANN401
        super().__init__(*args, **kwargs)
        self.outage, self.beat_conninfo = outage, beat_conninfo

    def _start_side_tasks(self) -> list[asyncio.Task[Any]]:
        side = [asyncio.create_task(self._update_heartbeat(), name="update_heartbeats"),
                asyncio.create_task(self._periodic_deferrer(), name="deferrer"),
                asyncio.create_task(self._poll_jobs_to_abort(), name="poll_jobs_to_abort")]  # fmt: skip
        if self.listen_notify:
            side.append(asyncio.create_task(self._listen(), name="listener"))
        return side

    async def _update_heartbeat(self) -> None:
        """On a connection of its own, made again at each beat until the database answers: through procrastinate's
        pool, whose reconnections back off, the heartbeats came back up to 6 s after an 8 s outage ended, and the
        sweeps took the live workers for dead."""
        conn: psycopg.AsyncConnection | None = None
        while True:
            await asyncio.sleep(self.update_heartbeat_interval)
            assert self.worker_id is not None
            try:
                if conn is None or conn.closed or conn.broken:
                    conn = await psycopg.AsyncConnection.connect(self.beat_conninfo, autocommit=True,
                                                                 connect_timeout=CONNECT_TIMEOUT_S)  # fmt: skip
                await conn.execute("SELECT procrastinate_update_heartbeat_v1(%s)", (self.worker_id,))
            except psycopg.Error as exc:
                if conn is not None:
                    with contextlib.suppress(psycopg.Error):
                        await conn.close()
                conn = None
                self.outage.down(exc)
            else:
                self.outage.up()

    async def _poll_jobs_to_abort(self) -> None:
        while True:
            await asyncio.sleep(self.abort_job_polling_interval)
            if not self._running_jobs:
                continue
            try:
                job_ids = await self.app.job_manager.list_jobs_to_abort_async()
            except Exception as exc:
                if not is_database_error(exc):
                    raise
                self.outage.down(exc)
                continue
            self._handle_abort_jobs_requested(job_ids)

    async def _listen(self) -> None:
        while True:
            try:
                await self.app.job_manager.listen_for_jobs(on_notification=self._handle_notification,
                                                           queues=self.queues)  # fmt: skip
            except Exception as exc:
                if not is_database_error(exc):
                    raise
                self.outage.down(exc)
            await asyncio.sleep(RETRY_S)  # the fetch loop polls meanwhile

    async def _fetch_and_process_jobs(self) -> None:
        try:
            await super()._fetch_and_process_jobs()
        except Exception as exc:  # the next poll fetches again
            if not is_database_error(exc):
                raise
            self.outage.down(exc)


def steady_finish(app: procrastinate.App, outage: Outage) -> None:
    """``app``'s job ends (``finish_job``) written once the database is back, not lost to an outage."""
    manager = app.job_manager
    finish = manager.finish_job

    async def finish_job(*args: Any, **kwargs: Any) -> None:  # noqa: ANN401 - procrastinate's own
        while True:
            try:
                await finish(*args, **kwargs)
            except Exception as exc:
                if not is_database_error(exc):
                    raise
                outage.down(exc)
                await asyncio.sleep(RETRY_S)
                continue
            outage.up()
            return

    manager.finish_job = finish_job  # type: ignore[method-assign] - this app's manager only
