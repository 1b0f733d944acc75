"""``bench/server/outsider.py --rerun-flood``: sign-in pages without an account from several addresses, each under its
socket's and its address's limits, while a signed-in student loads pages (issue 68, item 3). A table, then one JSON
line (``mode``, ``sockets``, ``addresses``, ``victim_page_p95_s``, …).

``--sockets`` raw websockets (bench/server/raw_tab.py) open the sign-in page from ``--addresses`` loopback addresses
(127.0.0.2, 127.0.0.3, …), spread over them in turn, and each sends ``--rate`` whole-page reruns a second for
``--seconds``, in a process of its own. Meanwhile the student (127.0.0.1, the session cookie of a real sign-in) opens
a new tab every ``--every`` seconds (a reload: a new session, its first run timed until it ended; 60 s at most, then
counted as 60 s), and between two of them a fresh student opens the URL and signs in (``fresh_signin_p95_s``,
``fresh_refused``: bench/server/outsider_door.py). ``mode`` embedded: one app server on SQLite. ``mode`` scaled
(``--app-servers K``): K app servers on one PostgreSQL store (a throwaway cluster, or ``--database-url``'s server:
bench/server/scaled_class.py), each its own data folder, behind nginx running ``deploy/nginx-servers.conf``
(tests/scaled_site.py): every tab goes through it, and nginx spreads them. The machine's load average before and
after is said with the numbers.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import websockets

from bench.common.browser import AppServer
from bench.server.raw_tab import RawTab, rerun_message

STUDENT_ADDRESS = "127.0.0.1"
PAGE_TIMEOUT_S = 60.0


def flood_addresses(count: int) -> list[str]:
    """``count`` loopback addresses, 127.0.0.2 on (the student is 127.0.0.1)."""
    return [f"127.0.0.{2 + i}" for i in range(count)]


async def _flood_one(tab: RawTab, until: float, rate: float) -> int:
    """Whole-page reruns at ``rate`` a second (in bursts every 50 ms) until ``until`` or the server closes it."""
    sent, message, started = 0, rerun_message(), time.monotonic()
    while time.monotonic() < until:
        for _ in range(int((time.monotonic() - started) * rate) - sent):
            if not await tab.send(message):
                return sent
            sent += 1
        await asyncio.sleep(0.05)
    return sent


async def _flood(bases: list[str], sockets: int, addresses: list[str], seconds: float, rate: float) -> list[int]:
    """[reruns sent, sockets opened, sockets refused, page runs the server ended for them while they flooded]."""
    tabs, refused = [], 0
    for i in range(sockets):
        tab = RawTab(bases[i % len(bases)], source=addresses[i % len(addresses)])
        try:
            tabs.append(await tab.open())
        except (websockets.InvalidStatus, OSError, TimeoutError):  # refused in the handshake (403)
            refused += 1
    with contextlib.suppress(TimeoutError):  # their sign-in pages run once (the site's budget may hold some back)
        await asyncio.wait_for(asyncio.gather(*(t.page(PAGE_TIMEOUT_S) for t in tabs), return_exceptions=True), 30)
    until, runs = time.monotonic() + seconds, sum(t.finished for t in tabs)
    sent = sum(await asyncio.gather(*(_flood_one(tab, until, rate) for tab in tabs)))
    runs = sum(t.finished for t in tabs) - runs
    for tab in tabs:
        await tab.close()
    return [sent, len(tabs), refused, runs]


def _flood_process(bases: list[str], sockets: int, addresses: list[str], seconds: float, rate: float,
                   out: Any) -> None:  # noqa: ANN401 - a multiprocessing Array  # fmt: skip
    """The flood in a process of its own: the student's timings are not the flood's event loop's."""
    out[:] = asyncio.run(_flood(bases, sockets, addresses, seconds, rate))


async def _visit(base: str, cookie: str) -> float:
    """The student's new tab on ``base``: seconds until its first run ended (``PAGE_TIMEOUT_S`` at most)."""
    started = time.monotonic()
    try:
        visitor = await RawTab(base, cookie).open(timeout=PAGE_TIMEOUT_S)
        try:
            return await visitor.page(timeout=PAGE_TIMEOUT_S)
        finally:
            await visitor.close()
    except (TimeoutError, websockets.InvalidStatus, OSError):
        return max(PAGE_TIMEOUT_S, time.monotonic() - started)


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(0.95 * len(ordered)) - 1)]


async def measure(servers: list[AppServer], cookie: str, sockets: int, addresses: int, seconds: float, rate: float,
                  every: float, code: str = "", front: str = "") -> dict[str, Any]:  # fmt: skip
    """``code``: the class's, for the fresh students (none without it); ``front``: nginx's URL, every tab through it."""
    from bench.server.outsider_door import fresh_signin

    bases = [front] if front else [f"http://{STUDENT_ADDRESS}:{server.port}" for server in servers]
    alone = [await _visit(bases[i % len(bases)], cookie) for i in range(6)][1:]  # the first warms the server
    load_before = os.getloadavg()[0]
    context = multiprocessing.get_context("spawn")
    out = context.Array("q", 4)
    flood = context.Process(target=_flood_process, args=(bases, sockets, flood_addresses(addresses), seconds, rate,
                                                         out))  # fmt: skip
    flood.start()
    await asyncio.sleep(min(10.0, seconds / 4))  # its sockets open, its pages run once, its reruns begun
    cpu, started = sum(s.cpu_seconds() for s in servers), time.monotonic()
    pages: list[float] = []
    signins: list[float | None] = []
    while not pages or (flood.is_alive() and time.monotonic() < started + seconds - 4):
        pages.append(await _visit(bases[len(pages) % len(bases)], cookie))
        if code:
            signins.append(await fresh_signin(bases[len(signins) % len(bases)], code))
        await asyncio.sleep(every)
    cores = (sum(s.cpu_seconds() for s in servers) - cpu) / (time.monotonic() - started)
    await asyncio.to_thread(flood.join, seconds + 120)
    sent, opened, refused, runs = list(out)
    return {"sockets": sockets, "addresses": addresses, "rate_per_socket": rate, "app_servers": len(servers),
            "reruns_sent": sent, "flood_page_runs": runs, "flood_page_runs_per_s": round(runs / seconds, 1),
            "flood_sockets_open": opened, "flood_sockets_refused": refused,
            "server_cores": round(cores, 2), "victim_page_alone_p95_s": round(p95(alone), 2), "victim_pages": len(pages),
            "victim_page_median_s": round(statistics.median(pages), 2), "victim_page_p95_s": round(p95(pages), 2),
            "victim_page_max_s": round(max(pages), 2), "fresh": len(signins),
            "fresh_refused": sum(s is None for s in signins),
            "fresh_signin_p95_s": round(p95([PAGE_TIMEOUT_S if s is None else s for s in signins]), 2) if signins else None,
            "load1_before": round(load_before, 1),
            "load1_after": round(os.getloadavg()[0], 1), "machine_cores": os.cpu_count()}  # fmt: skip


@contextlib.contextmanager
def app_servers(folder: Path, count: int, env: dict[str, str]) -> Iterator[list[AppServer]]:
    started: list[AppServer] = []
    try:
        for i in range(count):
            data = folder / f"server{i}" / "data"
            data.mkdir(parents=True, exist_ok=True)
            started.append(AppServer(data, env={"HANDTEACH_JOB_WORKERS": "1", **env},
                                     log=folder / f"server{i}.log").start(timeout=180))  # fmt: skip
        time.sleep(6.0 if count > 1 else 0.0)  # each server's heartbeat counted the others (core.site.heartbeat)
        yield started
    finally:
        for server in started:
            server.stop()


def rerun_flood(sockets: int, addresses: int, seconds: float, rate: float, every: float, servers_wanted: int = 1,
                database_url: str | None = None, scaled: bool = False) -> dict[str, Any]:  # fmt: skip
    """One run (see the module docstring) on a fresh class; its numbers."""
    from bench.server.outsider_door import make_class, nginx_front
    from core.data.sql.database import URL_VARIABLE

    with tempfile.TemporaryDirectory(prefix="handteach-rerun-flood-") as tmp:
        folder = Path(tmp)
        if not scaled:
            code, cookie = make_class(folder / "server0" / "data")
            with app_servers(folder, 1, {}) as servers:
                found = asyncio.run(measure(servers, cookie, sockets, addresses, seconds, rate, every, code))
            return {"mode": "embedded", **found}
        from bench.server.scaled_class import shared_store

        with shared_store(database_url) as url:
            code, cookie = make_class(folder / "maker")
            env = {URL_VARIABLE: url, "HANDTEACH_TRUSTED_PROXIES": "127.0.0.1"}  # nginx names each client
            with app_servers(folder, servers_wanted, env) as servers, nginx_front(folder, servers) as front:
                found = asyncio.run(measure(servers, cookie, sockets, addresses, seconds, rate, every, code, front))
        return {"mode": "scaled", **found}
