"""``python -m core jobs worker --workers N``: queue workers on any machine that reaches the database.

With ``HANDTEACH_DATABASE_URL`` set, the app servers send their long work (training, measuring, imports) to a job
queue on that PostgreSQL (``core.jobs.queue``, procrastinate); this command runs N worker processes for it
(``core.jobs.queue_worker``), each one job at a time, and starts a new one in place of any that dies (killed, out
of memory, or ended for ignoring a cancel). Its job fails, in one line, once its heartbeat is missed
(``--stalled-s``); the others' go on. SIGINT or SIGTERM stops them after their running jobs. Each job runs against
this machine's data folder (``--data DIR``, before or after ``jobs worker``; else ``$HANDTEACH_DATA``), not the
folder of the app server that sent it (``core.jobs.queue_worker``'s docstring says why).
Registered by ``core.cli.registry``; it imports only the job modules.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from core.data.sql.schema import StoreError

WATCH_S = 0.2  # how often the command looks for a worker process that ended


def register(sub: argparse._SubParsersAction) -> None:
    jobs = sub.add_parser("jobs", help="the job queue's workers (with HANDTEACH_DATABASE_URL)")
    actions = jobs.add_subparsers(dest="jobs_action", required=True, metavar="ACTION")
    worker = actions.add_parser("worker", help="run N worker processes for the job queue until stopped")
    worker.add_argument("--data", metavar="DIR", default=argparse.SUPPRESS,
                        help="this machine's data directory, which every job uses (default: $HANDTEACH_DATA or "
                        "data/user); the store's rows are the database's")  # fmt: skip
    worker.add_argument("--workers", type=_workers, default=None,
                        help="worker processes (default: $HANDTEACH_JOB_WORKERS, else the cores less one)")  # fmt: skip
    worker.add_argument("--heartbeat-s", type=float, default=1.0, help="seconds between a worker's heartbeats")
    worker.add_argument("--stalled-s", type=float, default=5.0,
                        help="a worker silent this long is dead: its job fails (default 5)")  # fmt: skip
    worker.add_argument("--cancel-grace-s", type=float, default=10.0,
                        help="a job still running this long after Stop has its process ended (default 10)")  # fmt: skip
    worker.add_argument("--allow-module", action="append", default=[], metavar="MODULE",
                        help="also run job functions of MODULE (tests); the job modules of core.jobs always")  # fmt: skip
    worker.add_argument("--preload", action="append", default=None, metavar="MODULE",
                        help="modules each worker imports before its first job (default: torch and the store)")  # fmt: skip
    worker.set_defaults(handler=_worker)


def _workers(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 256:
        raise argparse.ArgumentTypeError(f"--workers must be a whole number from 1 to 256, got {text!r}")
    return int(text)


@dataclass
class _Pool:
    command: list[str]
    env: dict[str, str]
    size: int
    procs: list[subprocess.Popen] = field(default_factory=list)
    stopping: bool = False

    def start(self) -> subprocess.Popen:
        return subprocess.Popen(self.command, env=self.env)

    def keep(self) -> None:
        """Start the missing workers: a dead one's place is taken."""
        alive = [p for p in self.procs if p.poll() is None]
        died = len(self.procs) - len(alive)
        if died:
            print(f"jobs worker: {died} worker process(es) ended; starting {'another' if died == 1 else died}",
                  file=sys.stderr, flush=True)  # fmt: skip
        self.procs = alive + [self.start() for _ in range(self.size - len(alive))]

    def stop(self, *_: object) -> None:
        self.stopping = True
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)


def _worker(args: argparse.Namespace) -> int:
    from core.data.sql.database import database_url
    from core.data.sql.schema import default_data_dir
    from core.jobs.procs import ROOT, THREAD_VARIABLES
    from core.jobs.queue_db import ensure_schema
    from core.jobs.runner import default_workers, worker_threads

    url = database_url()
    if not url:
        raise StoreError("the job queue lives on PostgreSQL: set HANDTEACH_DATABASE_URL=postgresql://... first")
    data = Path(args.data) if args.data else default_data_dir()
    if data.exists() and not data.is_dir():
        raise StoreError(f"{data}: not a folder (--data names the data directory)")
    ensure_schema(url)  # a wrong or unreachable URL: one line here, before any process starts
    data = data.resolve()  # before the chdir below
    data.mkdir(parents=True, exist_ok=True)
    size = args.workers or default_workers()
    # -c, not -m: procrastinate warns of an app made in ``__main__`` (its tasks' names would differ)
    command = [sys.executable, "-c", "import sys; from core.jobs.queue_worker import main; main(sys.argv[1:])",
               "--data", str(data), "--heartbeat-s", str(args.heartbeat_s),
               "--stalled-s", str(args.stalled_s), "--cancel-grace-s", str(args.cancel_grace_s)]  # fmt: skip
    command += [a for m in args.allow_module for a in ("--allow", m)]
    command += [a for m in (args.preload or []) for a in ("--preload", m)]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    for name in THREAD_VARIABLES:
        env.setdefault(name, str(worker_threads(size)))
    os.chdir(ROOT)
    pool = _Pool(command, env, size)
    signal.signal(signal.SIGTERM, pool.stop)
    signal.signal(signal.SIGINT, pool.stop)
    print(f"jobs worker: {size} worker process(es) on the queue, data folder {data}", file=sys.stderr, flush=True)
    while not pool.stopping:
        pool.keep()
        time.sleep(WATCH_S)
    for proc in pool.procs:
        proc.wait()
    return 0
