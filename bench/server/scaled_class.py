"""A school past one machine (issue 65): the classroom benchmark on PostgreSQL, its job queue and K "machines".

``bench/server/classroom.py --app-servers K --workers K`` runs the same class twice in one run, each time on a fresh
copy of one database (the same projects, the same hands):

* **one machine**: one app server (``python -m ui.server.serve``) and one job worker (``python -m core jobs worker
  --workers 1``), both pinned to core 0 with ``taskset``;
* **K machines**: K app servers and K job workers, machine i's server and worker pinned to core ``i mod cores``,
  each with a data folder of its own (the models are rows of the store; a folder holds only a server's copies).

Each time one student trains alone first (``train_alone_s``: press → model row saved), then ``--students`` scripted
students (bench/server/scripted_tab.py, the real Train button), spread over the app servers in turn, press Train
within ``--spread`` seconds while an observer's Chromium loads the Record page every ``--every`` seconds through each
app server in turn (``page_load_p95_s``). A training counts when its project's model row is saved after the press;
``trainings_per_min`` is the trainings over the time from the first press to the last model saved. Afterwards every
project's model must load through a server's fresh folder and hold its samples (``lost_or_corrupt``).

The database is a throwaway cluster (``tests/pgcluster.py``: loopback, fsync off) unless ``--database-url`` names a
server whose role may create databases (``handteach_bench_*``, dropped at the end). The driver (scripted students,
Chromium) and PostgreSQL are not pinned: on a 2-core machine they share the machines' cores.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from bench.common import classroom_data as data
from bench.common.browser import CHROMIUM, AppServer
from bench.server.class_pages import load_page, p95
from bench.server.scripted_tab import ScriptedTab

ROOT = Path(__file__).resolve().parents[2]
SAVED_SQL = """SELECT p.name, m.saved_at FROM project_models m JOIN projects p ON p.id = m.project_id
                WHERE m.kind = 'model'"""


class Databases:
    """Databases made for the run on a throwaway cluster, or on the server ``url`` names (dropped at the end)."""

    def __init__(self, url: str | None) -> None:
        self.cluster, self.url, self.made = None, url, []
        if url is None:
            from tests.pgcluster import PgCluster, server_bin

            bindir = server_bin()
            if bindir is None:
                raise SystemExit("the scaled benchmark needs PostgreSQL's server binaries (apt-get install postgresql) "
                                 "or --database-url")  # fmt: skip
            self.cluster = PgCluster(bindir)
            self.cluster.start()
            self.url = self.cluster.url()

    def create(self, template: str = "template0") -> str:
        """A new database copied from ``template`` (a name); its URL."""
        import psycopg

        name = f"handteach_bench_{os.getpid()}_{len(self.made)}"
        with psycopg.connect(self.url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        self.made.append(name)
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{name}"))

    def close(self) -> None:
        import psycopg

        if self.cluster is not None:
            self.cluster.stop()
            return
        with psycopg.connect(self.url, autocommit=True) as conn:
            for name in self.made:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def shared_store(database_url: str | None) -> Iterator[str]:
    """A fresh database for the run (see ``Databases``), named by the app's store variable while the block runs, so
    that what the block makes in this process lands on the store the servers share; its URL."""
    from core.data.sql.database import URL_VARIABLE

    databases = Databases(database_url)
    kept = os.environ.get(URL_VARIABLE)
    try:
        url = databases.create()
        os.environ[URL_VARIABLE] = url
        yield url
    finally:
        if kept is None:
            os.environ.pop(URL_VARIABLE, None)
        else:
            os.environ[URL_VARIABLE] = kept
        databases.close()


@dataclass
class Machine:
    """One app server and one job worker pinned to ``cpu``, each with a data folder of its own."""

    server: AppServer
    worker: subprocess.Popen
    cpu: int

    def stop(self) -> None:
        self.server.stop()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.worker.pid, 15)
        try:
            self.worker.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.worker.pid, 9)


def _start_machine(url: str, root: Path, cpu: int) -> Machine:
    from core.data.sql.database import URL_VARIABLE

    env = {URL_VARIABLE: url}  # one checkout: every server and worker of the run is of one version by itself
    server_dir, worker_dir = root / "server" / "data", root / "worker" / "data"
    server_dir.mkdir(parents=True)
    worker_dir.mkdir(parents=True)
    log = (root / "worker.log").open("ab")
    worker = subprocess.Popen(["taskset", "-c", str(cpu), sys.executable, "-m", "core", "--data", str(worker_dir),
                               "jobs", "worker", "--workers", "1"], cwd=ROOT, env={**os.environ, **env},
                              stdout=log, stderr=log, start_new_session=True)  # fmt: skip
    server = AppServer(server_dir, env=env, keypoints="browser", cpus=str(cpu)).start(timeout=180)
    return Machine(server, worker, cpu)


@contextlib.contextmanager
def machines(url: str, root: Path, count: int) -> Iterator[list[Machine]]:
    """``count`` machines on the store ``url``, started together, stopped on exit."""
    cores = os.cpu_count() or 1
    with ThreadPoolExecutor(count) as pool:
        started = list(pool.map(lambda i: _start_machine(url, root / f"machine{i}", i % cores), range(count)))
    try:
        yield started
    finally:
        for machine in started:
            machine.stop()


def saved_models(url: str) -> dict[str, float]:
    """Project name → when its model row was last saved (Unix seconds)."""
    import psycopg

    with psycopg.connect(url) as conn:
        return dict(conn.execute(SAVED_SQL).fetchall())


async def wait_saved(url: str, projects: list[str], since: dict[str, float], timeout: float) -> dict[str, float]:
    """Project → when its model was saved after ``since[project]``, for those saved within ``timeout``."""
    deadline, saved = time.monotonic() + timeout, {}
    while time.monotonic() < deadline and len(saved) < len(projects):
        rows = await asyncio.to_thread(saved_models, url)
        saved.update({p: rows[p] for p in projects if p not in saved and rows.get(p, 0.0) >= since[p]})
        await asyncio.sleep(0.5)
    return saved


async def one_class(args: argparse.Namespace, url: str, fleet: list[Machine]) -> dict:
    """The class on ``fleet``: train alone, then every student at once with the observer loading pages."""
    from playwright.async_api import async_playwright

    servers = [m.server.url for m in fleet]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        observer = await browser.new_context()
        pages = [f"{s}/record?project={data.OBSERVER}" for s in servers]
        for page in pages:
            await load_page(observer, page)  # each server's first page fills the browser's cache
        before = [await load_page(observer, pages[i % len(pages)]) for i in range(3)]
        alone_tab = ScriptedTab(servers[0], "train", f"project={data.student(0)}")
        await alone_tab.open(timeout=180)
        pressed = time.time()
        await alone_tab.press("Start training", timeout=60)
        alone = await wait_saved(url, [data.student(0)], {data.student(0): pressed}, args.timeout)
        await alone_tab.close()
        students = [data.student(i) for i in range(1, args.students + 1)]
        tabs = [ScriptedTab(servers[i % len(servers)], "train", f"project={p}") for i, p in enumerate(students)]
        await asyncio.gather(*(tab.open(timeout=300) for tab in tabs))
        errors = [e for tab in tabs for e in tab.errors]
        if errors:
            raise RuntimeError(f"a Train page showed an error: {errors[0]}")
        stop, loads = asyncio.Event(), []

        async def observe() -> None:
            turn = 0
            while not stop.is_set():
                loads.append(await load_page(observer, pages[turn % len(pages)]))
                turn += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), args.every)

        presses: dict[str, float] = {}

        async def press(i: int, tab: ScriptedTab) -> None:
            await asyncio.sleep(args.spread * i / max(1, len(tabs) - 1))
            presses[students[i]] = time.time()
            await tab.press("Start training", timeout=120)

        watcher = asyncio.create_task(observe())
        await asyncio.gather(*(press(i, tab) for i, tab in enumerate(tabs)))
        saved = await wait_saved(url, students, presses, args.timeout)
        stop.set()
        await watcher
        await asyncio.gather(*(tab.close() for tab in tabs))
        await browser.close()
    first = min(presses.values())
    waits = [saved[p] - presses[p] for p in saved]
    span = max(saved.values(), default=first) - first
    return {"before": before, "loads": loads, "alone": alone.get(data.student(0), pressed) - pressed if alone else None,
            "trainings": len(saved), "waits": waits, "span_s": span,
            "per_min": 60.0 * len(saved) / span if span > 0 else 0.0}  # fmt: skip


def _lost_or_corrupt(url: str, root: Path, args: argparse.Namespace) -> list[str]:
    """``classroom_data.lost_or_corrupt`` through a fresh folder on ``url`` (every model read from its row)."""
    from core.data.sql.database import URL_VARIABLE
    from core.data.sql.postgres import close_pools

    os.environ[URL_VARIABLE] = url
    try:
        folder = root / "check" / "data"
        folder.mkdir(parents=True)
        return data.lost_or_corrupt(folder, [data.student(i) for i in range(args.students + 1)], args.samples)
    finally:
        close_pools()
        del os.environ[URL_VARIABLE]


def _build(databases: Databases, root: Path, args: argparse.Namespace) -> str:
    """The projects, once, in a database of their own; its name (a template for each configuration's copy)."""
    from core.data.sql.database import URL_VARIABLE
    from core.data.sql.postgres import close_pools
    from core.keypoints.native_logs import quiet_native_logs

    quiet_native_logs()
    url = databases.create()
    os.environ[URL_VARIABLE] = url
    try:
        data.build(root / "build" / "data", args.students, args.samples)
    finally:
        close_pools()  # a template database must have no connection when it is copied
        del os.environ[URL_VARIABLE]
    return urlsplit(url).path.lstrip("/")


def configurations(app_servers: int) -> list[int]:
    """The machines of each run: one, then ``app_servers``; ``--app-servers 1`` is the one machine, run once (both
    runs wrote one folder before: ``FileExistsError``)."""
    return sorted({1, app_servers})


def run_scaled(args: argparse.Namespace) -> dict:
    """Both configurations (one machine, then ``args.app_servers``); the issue's fields and each one's figures."""
    if shutil.which("taskset") is None:
        raise SystemExit("the scaled benchmark pins each machine to a core with taskset (util-linux)")
    root = Path(tempfile.mkdtemp(prefix="scaled-class-"))
    databases = Databases(args.database_url)
    runs: dict[int, dict] = {}
    try:
        started = time.monotonic()
        template = _build(databases, root, args)
        print(f"projects ready in {time.monotonic() - started:.0f} s", flush=True)
        for count in configurations(args.app_servers):
            url = databases.create(template)
            with machines(url, root / f"k{count}", count) as fleet:
                print(f"{count} machine(s) up; the class trains", flush=True)
                run = asyncio.run(one_class(args, url, fleet))
            run["problems"] = _lost_or_corrupt(url, root / f"k{count}", args)
            runs[count] = run
            print(f"{count} machine(s): {run['trainings']} trainings in {run['span_s']:.0f} s", flush=True)
    finally:
        databases.close()
        shutil.rmtree(root, ignore_errors=True)
    one, many = runs[1], runs[args.app_servers]
    problems = one["problems"] + (many["problems"] if many is not one else [])
    return {
        "students": args.students, "app_servers": args.app_servers, "workers": args.app_servers,
        "trainings": many["trainings"],
        "page_load_p95_s": round(p95(many["loads"]), 2), "page_load_before_s": round(min(many["before"]), 2),
        "train_wait_max_s": round(max(many["waits"]), 1) if many["waits"] else None,
        "train_alone_s": round(many["alone"], 1) if many["alone"] is not None else None,
        "lost_or_corrupt": len(problems),
        "trainings_per_min": round(many["per_min"], 2),
        "one_machine_trainings": one["trainings"], "one_machine_trainings_per_min": round(one["per_min"], 2),
        "one_machine_page_load_p95_s": round(p95(one["loads"]), 2),
        "one_machine_train_wait_max_s": round(max(one["waits"]), 1) if one["waits"] else None,
        "speedup": round(many["per_min"] / one["per_min"], 2) if one["per_min"] else None,
        "problems": problems[:5],
    }  # fmt: skip
