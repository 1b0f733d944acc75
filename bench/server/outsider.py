"""What an outsider with no account can do to a class's server (issue 63, items 5, 6, 7 and 13), a table then one
JSON line. The real server (``python -m ui.server.serve``) on a fresh class (a teacher, a student), one job worker.

``--mode cache``: a signed-in student's page runs (the job runner starts its worker); then, ``--rounds`` times, an
outsider's sign-in page sends Streamlit's ``clear_cache`` and the student's next page runs. Counts the server's job
workers after each round (each was about 0.5 GB once torch is in).

``--mode uploads``: an outsider's sign-in page (its XSRF cookie, its session id) PUTs ``--uploads`` files of
``--upload-mb`` MB to ``/_stcore/upload_file/<its session>/<a file id never issued>``, then asks for file ids as an
uploader does; the student's Home page (an uploader) asks for one and uploads 1 MB. Statuses, the server's memory growth.

``--mode flood``: ``--sockets`` sign-in pages from one address (127.0.0.2) send ``--rate`` reruns a second each
(10 × 100: the issue's 926 a second) for ``--seconds``, while a signed-in student from another address (127.0.0.1) opens a page every 2 s. Reruns sent,
the server's cores, the student's page times.

``--mode garbage``: an outsider's page sends one frame of bytes that are no ``BackMsg``, then ``--frames`` more.
Whether anything that came back names an exception, a stack line or a path; the server log's growth.

``--rerun-flood``: ``--sockets`` sign-in pages from ``--addresses`` loopback addresses at ``--rate`` reruns a second
each, under every per-socket and per-address limit, while the student loads pages and fresh students sign in; with
``--app-servers K`` (and ``--database-url``) on K app servers sharing PostgreSQL behind nginx
(bench/server/rerun_flood.py).

``--door``: ``--idle-sockets`` idle websockets without an account from ``--addresses`` loopback addresses, each opened
again when closed, while ``--fresh`` fresh students sign in and the signed-in student loads pages; ``--app-servers K``
as above (bench/server/outsider_door.py).

    .venv/bin/python -m bench.server.outsider [--mode cache|uploads|flood|garbage|all]
    .venv/bin/python -m bench.server.outsider --rerun-flood --sockets 250 --addresses 5 --rate 4 [--app-servers 2]
    .venv/bin/python -m bench.server.outsider --door --idle-sockets 300 --addresses 5 [--app-servers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run as a file from the checkout (bench/server/README.md)

from bench.common.browser import AppServer  # noqa: E402
from bench.server.raw_tab import RawTab, clear_cache_message, rerun_message  # noqa: E402
from core.classes.roster import add_student, create_class  # noqa: E402
from core.classes.session import session_token  # noqa: E402
from core.classes.signin import sign_in  # noqa: E402
from core.data.store import Store  # noqa: E402

STUDENT, PASSWORD = "Ana", "ana-bench-pass"
FLOOD_ADDRESS, STUDENT_ADDRESS = "127.0.0.2", "127.0.0.1"
PATH_MARKERS = ("Traceback", 'File "', "site-packages", "DecodeError", str(Path(__file__).resolve().parents[2]))


def student_cookie(data_dir: Path) -> str:
    """A class with one student on ``data_dir``; the ``Cookie`` header of that student signed in."""
    store = Store(data_dir)
    school = create_class(store, "Bench outsiders", "Bench Teacher", "bench-teacher-pass", crops_allowed=False)
    add_student(store, school.name, STUDENT, PASSWORD)
    viewer = sign_in(store, school.code, STUDENT, PASSWORD, STUDENT_ADDRESS)
    return f"handteach_session={session_token(store, viewer)}"


def job_workers(server_pid: int) -> int:
    """The server's job worker processes (``python -m core.jobs.worker``), read from /proc."""
    found = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            command = (entry / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        found += ppid == server_pid and b"core.jobs.worker" in command
    return found


async def clear_cache_rounds(server: AppServer, cookie: str, rounds: int) -> dict[str, Any]:
    base = f"http://{STUDENT_ADDRESS}:{server.port}"
    student = await RawTab(base, cookie).open()
    await student.page()
    await asyncio.sleep(1.0)
    workers = [job_workers(server.pid)]
    for _ in range(rounds):
        outsider = await RawTab(base).open()
        await outsider.page()
        await outsider.send(clear_cache_message())
        await asyncio.sleep(0.5)
        await outsider.close()
        again = await RawTab(base, cookie).open()  # the student's next page (a reload: a new session)
        await again.page()
        await again.close()
        await asyncio.sleep(1.0)
        workers.append(job_workers(server.pid))
    await student.close()
    return {"workers_per_round": workers, "workers_added": workers[-1] - workers[0]}


def put_file(base: str, session_id: str, file_id: str, xsrf: str, megabytes: float) -> tuple[int, float]:
    """(status, seconds) of one multipart PUT of ``megabytes`` MB, streamed; 0 when the server cut it off unanswered."""
    boundary = uuid.uuid4().hex
    head = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n").encode()  # fmt: skip
    tail = f"\r\n--{boundary}--\r\n".encode()
    size = int(megabytes * 2**20)
    connection = http.client.HTTPConnection(base.removeprefix("http://"), timeout=120)
    started = time.monotonic()
    try:
        connection.putrequest("PUT", f"/_stcore/upload_file/{session_id}/{file_id}")
        for name, value in (("Content-Type", f"multipart/form-data; boundary={boundary}"),
                            ("Content-Length", str(len(head) + size + len(tail))),
                            ("Cookie", f"_streamlit_xsrf={xsrf}"), ("X-Xsrftoken", xsrf)):  # fmt: skip
            connection.putheader(name, value)
        connection.endheaders()
        connection.send(head)
        chunk = b"1," * 2**19  # 1 MB of a CSV's look
        for _ in range(size // len(chunk)):
            connection.send(chunk)
        connection.send(tail)
    except OSError:
        pass  # refused before the whole body went: the answer may still be there
    try:
        status = connection.getresponse().status
    except (OSError, http.client.HTTPException):
        status = 0
    connection.close()
    return status, time.monotonic() - started


def xsrf_cookie(base: str) -> str:
    """The XSRF token Streamlit gives anyone who asks for ``/_stcore/health`` (its uploads want it back)."""
    with urllib.request.urlopen(f"{base}/_stcore/health", timeout=30) as reply:
        cookies = reply.headers.get_all("Set-Cookie") or []
    return next((c.split(";", 1)[0].split("=", 1)[1] for c in cookies if c.startswith("_streamlit_xsrf=")), "")


async def outsider_uploads(server: AppServer, cookie: str, uploads: int, megabytes: float) -> dict[str, Any]:
    """An outsider's sign-in page PUTs ``uploads`` files to ids never issued and asks for ids; then the student's
    Home page (its "Project file" uploader) asks for one and PUTs 1 MB."""
    base = f"http://{STUDENT_ADDRESS}:{server.port}"
    xsrf = xsrf_cookie(base)
    outsider = await RawTab(base, f"_streamlit_xsrf={xsrf}").open()
    await outsider.page()
    before = server.rss_mb()
    answers = [await asyncio.to_thread(put_file, base, outsider.session_id, str(uuid.uuid4()), xsrf, megabytes)
               for _ in range(uploads)]  # fmt: skip
    await asyncio.sleep(1.0)
    grown = server.rss_mb() - before
    given = await outsider.file_ids_for(["big.csv"], timeout=3.0)
    await outsider.close()
    student = await RawTab(base, f"{cookie}; _streamlit_xsrf={xsrf}").open()
    await student.page()
    ids = await student.file_ids_for(["gestures.handteach"])
    status = (await asyncio.to_thread(put_file, base, student.session_id, ids[0], xsrf, 1.0))[0] if ids else 0
    await student.close()
    return {"upload_statuses": [status for status, _ in answers], "upload_s": [round(s, 2) for _, s in answers],
            "rss_growth_mb": round(grown, 1), "outsider_ids_given": len(given),
            "student_ids_given": len(ids), "student_upload_status": status}  # fmt: skip


async def _flood_one(tab: RawTab, until: float, rate: float) -> int:
    """Reruns at ``rate`` a second (in bursts every 50 ms) until ``until`` or until the server closes the socket."""
    sent, message, started = 0, rerun_message(), time.monotonic()
    while time.monotonic() < until:
        due = int((time.monotonic() - started) * rate) - sent
        for _ in range(due):
            if not await tab.send(message):
                return sent
            sent += 1
        await asyncio.sleep(0.05)
    return sent


async def _flood_tabs(base: str, sockets: int, seconds: float, rate: float) -> int:
    flooders = [await RawTab(base, source=FLOOD_ADDRESS).open() for _ in range(sockets)]
    for tab in flooders:
        await tab.page()
    until = time.monotonic() + seconds
    sent = sum(await asyncio.gather(*(_flood_one(tab, until, rate) for tab in flooders)))
    for tab in flooders:
        await tab.close()
    return sent


def _flood_process(base: str, sockets: int, seconds: float, rate: float, sent: Any) -> None:
    """The flood in a process of its own: the student's timings are not this script's own event loop's."""
    sent.value = asyncio.run(_flood_tabs(base, sockets, seconds, rate))


async def _visit(base: str, cookie: str, timeout: float) -> float:
    try:
        visitor = await RawTab(base, cookie).open(timeout=timeout)
        try:
            return await visitor.page(timeout=timeout)
        finally:
            await visitor.close()
    except TimeoutError:
        return float("inf")


async def rerun_flood(server: AppServer, cookie: str, sockets: int, seconds: float, rate: float) -> dict[str, Any]:
    base = f"http://{STUDENT_ADDRESS}:{server.port}"
    alone = [await _visit(base, cookie, 60.0) for _ in range(3)][-1]
    context = multiprocessing.get_context("spawn")
    sent = context.Value("q", 0)
    flood = context.Process(target=_flood_process, args=(base, sockets, seconds, rate, sent))
    flood.start()
    await asyncio.sleep(3.0)  # its pages opened, its flood begun
    cpu, started = server.cpu_seconds(), time.monotonic()
    pages: list[float] = []
    while not pages or (flood.is_alive() and time.monotonic() < started + seconds - 4):
        # at least one visit: the guard may have closed every flooding socket (about 2 s) before the first
        pages.append(await _visit(base, cookie, 60.0))
        await asyncio.sleep(2.0)
    cores = (server.cpu_seconds() - cpu) / (time.monotonic() - started)
    await asyncio.to_thread(flood.join, seconds + 120)
    return {"flood_sockets": sockets, "rate_per_socket": rate, "reruns_sent": sent.value, "server_cores": round(cores, 2),
            "student_page_alone_s": round(alone, 3), "student_pages": len(pages),
            "student_page_max_s": round(max(pages), 2), "student_page_median_s": round(statistics.median(pages), 2)}  # fmt: skip


async def garbage_frames(server: AppServer, frames: int) -> dict[str, Any]:
    base = f"http://{STUDENT_ADDRESS}:{server.port}"
    outsider = await RawTab(base).open()
    await outsider.page()
    log_before = server.log.stat().st_size
    await outsider.send(os.urandom(64) + b"\xff\xff\xff")  # a length past the frame: no protobuf parses it
    await asyncio.sleep(1.0)
    first_texts = list(outsider.texts)
    for _ in range(frames):
        await outsider.send(b"\xff\xff\xff" + os.urandom(32))
    await asyncio.sleep(1.5)
    grown = server.log.stat().st_size - log_before
    answered = await RawTab(base).open()
    page_s = await answered.page()
    await answered.close()
    await outsider.close()
    text = "\n".join(first_texts + outsider.texts)
    log = server.log.read_text(encoding="utf-8", errors="replace")
    return {"garbage_frames": frames + 1, "texts_back": len(first_texts + outsider.texts),
            "path_or_stack_back": any(marker in text for marker in PATH_MARKERS),
            "log_growth_bytes": grown, "log_tracebacks": log.count("Traceback"),
            "socket_closed": outsider.closed, "next_page_s": round(page_s, 3)}  # fmt: skip


@contextlib.contextmanager
def class_server(folder: Path, env: dict[str, str] | None = None) -> Iterator[tuple[AppServer, str]]:
    """The served app on a class in ``folder`` (one job worker, ``env`` more), and its student's ``Cookie`` header."""
    cookie = student_cookie(folder / "data")
    server = AppServer(folder / "data", env={"HANDTEACH_JOB_WORKERS": "1", **(env or {})},
                       log=folder / "server.log").start()  # fmt: skip
    try:
        yield server, cookie
    finally:
        server.stop()


def outsider_check(mode: str, rounds: int = 4, uploads: int = 4, upload_mb: float = 100.0, sockets: int = 10,
                   seconds: float = 25.0, rate: float = 100.0, frames: int = 1000) -> dict[str, Any]:  # fmt: skip
    """One ``mode`` (see the module docstring) on a fresh server; its numbers."""
    with tempfile.TemporaryDirectory(prefix="handteach-outsider-") as tmp, class_server(Path(tmp)) as (server, cookie):
        if mode == "cache":
            return asyncio.run(clear_cache_rounds(server, cookie, rounds))
        if mode == "uploads":
            return asyncio.run(outsider_uploads(server, cookie, uploads, upload_mb))
        if mode == "flood":
            return asyncio.run(rerun_flood(server, cookie, sockets, seconds, rate))
        return asyncio.run(garbage_frames(server, frames))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("cache", "uploads", "flood", "garbage", "all"), default="all")
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--uploads", type=int, default=4)
    parser.add_argument("--upload-mb", type=float, default=100.0)
    parser.add_argument("--sockets", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=25.0)
    parser.add_argument("--rate", type=float, default=100.0, help="flood: reruns a second from each socket")
    parser.add_argument("--frames", type=int, default=1000)
    parser.add_argument("--rerun-flood", action="store_true", help="sign-in pages from several addresses")
    parser.add_argument("--addresses", type=int, default=5, help="rerun flood: loopback addresses, 127.0.0.2 on")
    parser.add_argument("--every", type=float, default=1.0, help="rerun flood: seconds between the student's pages")
    parser.add_argument("--app-servers", type=int, default=0, help="rerun flood, door: K app servers behind nginx")
    parser.add_argument("--database-url", default=None, help="rerun flood, door: a PostgreSQL server for them")
    parser.add_argument("--door", action="store_true", help="idle sockets without an account held while fresh "
                        "students sign in")  # fmt: skip
    parser.add_argument("--idle-sockets", type=int, default=300, help="door: the outsiders' sockets")
    parser.add_argument("--fresh", type=int, default=20, help="door: fresh students signing in, one after another")
    args = parser.parse_args()
    if args.door:
        from bench.server.outsider_door import door

        scaled = bool(args.app_servers or args.database_url)
        result = door(args.idle_sockets, args.addresses, args.fresh, max(1, args.app_servers or 2 * scaled),
                      args.database_url, scaled)  # fmt: skip
        for key, value in result.items():
            print(f"{key:24s} {value}")
        print(json.dumps(result))
        return 0
    if args.rerun_flood:
        from bench.server.rerun_flood import rerun_flood

        scaled = bool(args.app_servers or args.database_url)
        result = rerun_flood(args.sockets, args.addresses, args.seconds, args.rate, args.every,
                             max(1, args.app_servers or 2 * scaled), args.database_url, scaled)  # fmt: skip
        for key, value in result.items():
            print(f"{key:24s} {value}")
        print(json.dumps(result))
        return 0
    modes = ("cache", "uploads", "flood", "garbage") if args.mode == "all" else (args.mode,)
    found: dict[str, Any] = {}
    for mode in modes:
        result = outsider_check(mode, args.rounds, args.uploads, args.upload_mb, args.sockets, args.seconds,
                                args.rate, args.frames)  # fmt: skip
        for key, value in result.items():
            print(f"{mode:8s} {key:24s} {value}")
        found[mode] = result
    print(json.dumps(found))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
