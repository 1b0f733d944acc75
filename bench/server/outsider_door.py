"""``bench/server/outsider.py --door``: outsiders hold idle websockets without an account from several addresses
while fresh students open the URL and sign in, and a signed-in student loads pages (issue 74, item 1). A table, then
one JSON line (``mode``, ``idle_sockets``, ``addresses``, ``fresh_signin_p95_s``, ``fresh_refused``,
``victim_page_p95_s``, …).

``--idle-sockets`` raw websockets (bench/server/raw_tab.py) from ``--addresses`` loopback addresses (127.0.0.2, …, in
turn) open the sign-in page's stream and send nothing, in a process of their own; one the server closes or refuses
is opened again a second later, for as long as the run lasts (the outsiders hold their sockets). Once they are open,
``--fresh`` times: a fresh student (127.0.0.1, no cookie) opens the stream, runs the sign-in page, types the class
code, name and password and presses *Sign in*; timed until the signed-in page's run ended ("Signed in: …" drawn),
``PAGE_TIMEOUT_S`` at most; a refused handshake or a closed socket counts as refused. Then the signed-in student
(a real sign-in's cookie) opens a new tab, timed until its first run ended. ``mode`` embedded: one app server on
SQLite; scaled (``--app-servers K``): K app servers on PostgreSQL (a throwaway cluster, or ``--database-url``'s
server) behind nginx running ``deploy/nginx-servers.conf`` (tests/scaled_site.py), every tab through nginx; the
outsiders send one route cookie, so that all of them land on one app server.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import websockets

from bench.common.browser import AppServer, free_port
from bench.server.raw_tab import RawTab
from bench.server.rerun_flood import PAGE_TIMEOUT_S, STUDENT_ADDRESS, app_servers, flood_addresses, p95

FRESH, FRESH_PASSWORD = "Fay Fresh", "fay-bench-pass"
OUTSIDER_ROUTE = "handteach_route=outsiders"  # one route cookie: nginx sends every outsider to one app server
RETRY_S = 1.0


async def _hold(base: str, source: str, cookie: str, until: float, counts: Any) -> None:  # noqa: ANN401 - an Array
    """One outsider's socket, opened again ``RETRY_S`` after each refusal or close until ``until``.
    ``counts``: [open now, opened, refused, closed by the server]."""
    while time.monotonic() < until:
        tab = RawTab(base, cookie, source=source)
        try:
            await tab.open(timeout=30)
        except (websockets.InvalidStatus, OSError, TimeoutError):
            counts[2] += 1
            await asyncio.sleep(RETRY_S)
            continue
        counts[0] += 1
        counts[1] += 1
        while not tab.closed and time.monotonic() < until:
            await asyncio.sleep(0.2)
        counts[0] -= 1
        counts[3] += tab.closed
        await tab.close()
        await asyncio.sleep(RETRY_S)


async def _outsiders(base: str, sockets: int, addresses: list[str], cookie: str, seconds: float, counts: Any) -> None:  # noqa: ANN401
    until = time.monotonic() + seconds
    holders = []
    for i in range(sockets):
        holders.append(asyncio.create_task(_hold(base, addresses[i % len(addresses)], cookie, until, counts)))
        await asyncio.sleep(0.005)  # a few hundred a second: the server's accept queue is no part of the check
    await asyncio.gather(*holders)


def _outsiders_process(base: str, sockets: int, addresses: list[str], cookie: str, seconds: float,
                       counts: Any) -> None:  # noqa: ANN401 - a multiprocessing Array  # fmt: skip
    asyncio.run(_outsiders(base, sockets, addresses, cookie, seconds, counts))


async def fresh_signin(base: str, code: str) -> float | None:
    """A fresh student's sign-in from the URL opened to the signed-in page drawn: seconds, None when refused."""
    started = time.monotonic()
    tab = RawTab(base, source=STUDENT_ADDRESS)
    try:
        await tab.open(timeout=PAGE_TIMEOUT_S)
        await tab.page(timeout=PAGE_TIMEOUT_S)
        values = {"Class code": code, "Your name": FRESH, "Password": FRESH_PASSWORD}
        await tab.press("Sign in", values, timeout=max(1.0, PAGE_TIMEOUT_S - (time.monotonic() - started)))
        if not any(text.startswith("Signed in:") for text in tab.shown):
            return None
        return time.monotonic() - started
    except (websockets.InvalidStatus, OSError, TimeoutError, KeyError):
        return None
    finally:
        await tab.close()


async def victim_page(base: str, cookie: str) -> float:
    """The signed-in student's new tab: seconds until its first run ended (``PAGE_TIMEOUT_S`` at most)."""
    started = time.monotonic()
    tab = RawTab(base, cookie, source=STUDENT_ADDRESS)
    try:
        await tab.open(timeout=PAGE_TIMEOUT_S)
        return await tab.page(timeout=PAGE_TIMEOUT_S)
    except (websockets.InvalidStatus, OSError, TimeoutError):
        return max(PAGE_TIMEOUT_S, time.monotonic() - started)
    finally:
        await tab.close()


async def measure(base: str, code: str, cookie: str, sockets: int, addresses: int, fresh: int,
                  outsider_cookie: str = "") -> dict[str, Any]:  # fmt: skip
    alone = [await victim_page(base, cookie) for _ in range(3)][1:]  # the first warms the server
    seconds = 40.0 + fresh * 8.0  # outlasts the fresh students (the process is ended when they are done)
    context = multiprocessing.get_context("spawn")
    counts = context.Array("q", 4)
    holders = context.Process(target=_outsiders_process, args=(base, sockets, flood_addresses(addresses),
                                                                outsider_cookie, seconds, counts))  # fmt: skip
    holders.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and counts[1] + counts[2] < sockets:
        await asyncio.sleep(0.5)
    await asyncio.sleep(2.0)  # the last handshakes answered
    held_before, signins, pages, held_low = counts[0], [], [], counts[0]
    for _ in range(fresh):
        signins.append(await fresh_signin(base, code))
        pages.append(await victim_page(base, cookie))
        held_low = min(held_low, counts[0])
        await asyncio.sleep(0.5)
    held_after = counts[0]
    holders.terminate()
    holders.join(10)
    served = [s for s in signins if s is not None] or [PAGE_TIMEOUT_S]
    return {"idle_sockets": sockets, "addresses": addresses, "outsiders_open_before": held_before,
            "outsiders_open_after": held_after, "outsiders_open_least": held_low, "outsider_handshakes": counts[1],
            "outsider_refused": counts[2], "outsiders_closed": counts[3], "fresh": fresh,
            "fresh_refused": sum(s is None for s in signins), "fresh_signin_median_s": round(statistics.median(served), 2),
            "fresh_signin_p95_s": round(p95(served), 2) if len(served) == len(signins) else PAGE_TIMEOUT_S,
            "victim_page_alone_s": round(max(alone), 2), "victim_page_p95_s": round(p95(pages), 2),
            "victim_page_max_s": round(max(pages), 2), "load1_after": round(os.getloadavg()[0], 1)}  # fmt: skip


def make_class(data_dir: Path) -> tuple[str, str]:
    """The bench's class on ``data_dir`` (or the database ``HANDTEACH_DATABASE_URL`` names) with the signed-in student
    and the fresh one; (its code, the signed-in student's ``Cookie`` header)."""
    from bench.server.outsider import student_cookie

    cookie = student_cookie(data_dir)
    return add_fresh_student(data_dir), cookie


def add_fresh_student(data_dir: Path) -> str:
    """The fresh student, added to the one class on ``data_dir``; the class's code."""
    from core.classes.roster import add_student, list_classes
    from core.data.store import Store

    store = Store(data_dir)
    school = list_classes(store)[0]
    add_student(store, school.name, FRESH, FRESH_PASSWORD)
    return school.code


@contextlib.contextmanager
def nginx_front(folder: Path, servers: list[AppServer]) -> Iterator[str]:
    """nginx in front of ``servers`` as the test site runs it (tests/scaled_site.py); its https URL."""
    from tests.scaled_site import _stop, run_nginx

    prefix = folder / "nginx"
    prefix.mkdir()
    port = free_port()
    nginx = run_nginx(prefix, port, [s.port for s in servers])
    try:
        yield f"https://127.0.0.1:{port}"
    finally:
        _stop(nginx)


def door(sockets: int, addresses: int, fresh: int, servers_wanted: int = 1, database_url: str | None = None,
         scaled: bool = False) -> dict[str, Any]:  # fmt: skip
    """One run (see the module docstring) on a fresh class; its numbers."""
    with tempfile.TemporaryDirectory(prefix="handteach-door-") as tmp:
        folder = Path(tmp)
        if not scaled:
            code, cookie = make_class(folder / "server0" / "data")
            with app_servers(folder, 1, {}) as servers:
                found = asyncio.run(measure(f"http://{STUDENT_ADDRESS}:{servers[0].port}", code, cookie, sockets,
                                            addresses, fresh))  # fmt: skip
            return {"mode": "embedded", "app_servers": 1, **found}
        from bench.server.scaled_class import shared_store
        from core.data.sql.database import URL_VARIABLE

        with shared_store(database_url) as url:
            code, cookie = make_class(folder / "maker")
            env = {URL_VARIABLE: url, "HANDTEACH_TRUSTED_PROXIES": "127.0.0.1"}  # nginx names each client
            with app_servers(folder, servers_wanted, env) as servers, nginx_front(folder, servers) as base:
                found = asyncio.run(measure(base, code, cookie, sockets, addresses, fresh, OUTSIDER_ROUTE))
        return {"mode": "scaled", "app_servers": servers_wanted, **found}
