"""Does one server last a class? Two checks of issue 53, a table then one JSON line.

``--mode connections``: the real server (``python -m ui.server.serve``, as ``make run``) started with its
open-files limit at ``--nofile`` (soft and hard: it cannot raise it), 1,000 idle websockets opened from
one address (127.0.0.2), held open, then a newcomer from another (127.0.0.1) asks for the page, for
``/_stcore/health`` and opens its websocket. Reports how many websockets were let in and refused, the
newcomer's times, and how much the server's log grew.

``--mode import``: a made-up kinivi CSV of ``--csv-mb`` MB (``bench/common/kinivi_file.py``, in a temp folder;
../shared has no kinivi log) imported into a real SQLite store in one thread, as the server runs it,
while another student creates a project and stores a take (30 hands with crops) every half second.
Reports the import's time, its transactions and longest lock hold, the longest Create project + take, and
this process's memory before, at its peak and a minute after the import (as a server's would be).

    python bench/server/server_limits.py [--mode connections|import|both] [--connections 1000] [--nofile 1024]
                                  [--csv-mb 190] [--settle 60]

``bench/server/classroom.py`` may call ``connections_check`` and ``import_check``; each returns a dict.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from bench.common.browser import free_port  # noqa: E402
from bench.common.kinivi_file import rows_for_megabytes, write_kinivi_file  # noqa: E402

FLOOD_ADDRESS, NEWCOMER_ADDRESS = "127.0.0.2", "127.0.0.1"


class LimitedServer:
    """The app through its launcher, its open-files limit set (soft and hard) before it starts; output in ``log``."""

    def __init__(self, data_dir: Path, log: Path, nofile: int, env: dict[str, str] | None = None) -> None:
        self.port, self.log, self.nofile = free_port(), log, nofile
        self.url = f"http://{NEWCOMER_ADDRESS}:{self.port}"
        env = {**os.environ, "HANDTEACH_DATA": str(data_dir), "HANDTEACH_KEYPOINTS": "server", **(env or {})}
        cmd = [sys.executable, "-m", "ui.server.serve", "--server.port", str(self.port),
               "--server.address", NEWCOMER_ADDRESS]  # fmt: skip
        with log.open("w") as out:
            self.process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            preexec_fn=self._limit)  # fmt: skip
        self._wait_healthy(time.monotonic() + 90)

    def _limit(self) -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (self.nofile, self.nofile))

    def _wait_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server ended ({self.process.returncode}); see {self.log}")
            if get(f"{self.url}/_stcore/health", 2.0)[0] == 200:
                return
            time.sleep(0.3)
        raise RuntimeError(f"{self.url} did not become healthy; see {self.log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def get(url: str, timeout: float) -> tuple[int, float]:
    """(HTTP status or 0 when none came, seconds)."""
    started = time.monotonic()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            reply.read()
            return reply.status, time.monotonic() - started
    except OSError:
        return 0, time.monotonic() - started


def raise_own_limit() -> None:
    """This process holds the flood's client ends: its soft limit up to its hard one."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


async def _open(url: str, source: str) -> object | None:
    """A websocket to Streamlit's stream from ``source``, or None when refused."""
    from websockets.asyncio.client import connect
    from websockets.exceptions import InvalidStatus, WebSocketException

    try:
        origin = url.replace("ws://", "http://", 1).split("/_stcore", 1)[0]  # the page's own (ui/server/origin.py)
        return await connect(url, local_addr=(source, 0), open_timeout=20, ping_interval=None, max_queue=None,
                             origin=origin)  # fmt: skip
    except (TimeoutError, InvalidStatus, WebSocketException, OSError):
        return None


async def _flood_and_visit(server: LimitedServer, connections: int) -> dict:
    stream = f"ws://{NEWCOMER_ADDRESS}:{server.port}/_stcore/stream"
    opened: list = []
    for start in range(0, connections, 50):  # 50 at a time, as fast as a script opens them
        batch = await asyncio.gather(*(_open(stream, FLOOD_ADDRESS) for _ in range(min(50, connections - start))))
        opened += [ws for ws in batch if ws is not None]
    await asyncio.sleep(3)  # the flood held open, idle, while the newcomer comes
    page = await asyncio.to_thread(get, f"{server.url}/", 10.0)
    health = await asyncio.to_thread(get, f"{server.url}/_stcore/health", 10.0)
    started = time.monotonic()
    newcomer = await _open(stream, NEWCOMER_ADDRESS)
    ws_s = time.monotonic() - started
    for ws in [*opened, newcomer]:
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()
    return {"flood_opened": len(opened), "flood_refused": connections - len(opened), "page_status": page[0],
            "page_s": round(page[1], 3), "health_status": health[0], "health_s": round(health[1], 3),
            "newcomer_websocket": newcomer is not None, "newcomer_websocket_s": round(ws_s, 3)}  # fmt: skip


def connections_check(connections: int = 1000, nofile: int = 1024, env: dict[str, str] | None = None) -> dict:
    """The ``connections`` mode (see the module docstring); the server's log is kept only in the result's numbers."""
    raise_own_limit()
    with tempfile.TemporaryDirectory(prefix="server-limits-") as tmp:
        log = Path(tmp) / "server.log"
        server = LimitedServer(Path(tmp) / "data", log, nofile, env)
        try:
            before = log.stat().st_size
            result = asyncio.run(_flood_and_visit(server, connections))
            time.sleep(1)
            grown = log.stat().st_size - before
        finally:
            server.stop()
        text = log.read_text(encoding="utf-8", errors="replace")
    limit_line = next((line for line in text.splitlines() if line.startswith("Open files:")), "")
    return {"connections": connections, "nofile": nofile, **result, "log_growth_bytes": grown,
            "tracebacks": text.count("Traceback"), "open_files_line": limit_line}  # fmt: skip


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


class _RssWatch:
    """This process's resident memory: before, its peak (read every 0.2 s) and the last reading."""

    def __init__(self) -> None:
        self.before = self.peak = self.last = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        while not self._stop.wait(0.2):
            self.last = rss_mb()
            self.peak = max(self.peak, self.last)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()
        self.last = rss_mb()


def _take(store: object, project: str, rng: np.random.Generator) -> None:
    from core.data.sql.schema import Sample
    from core.types import Keypoints

    samples = []
    for _ in range(30):  # a take: 30 hands with their crops
        pixel = rng.normal(300, 60, (21, 2)).astype(np.float32)
        normalised = np.concatenate([pixel / 640, np.zeros((21, 1))], axis=1).astype(np.float32)
        hand = Keypoints(pixel, normalised, np.full((21, 3), np.nan, np.float32), "Right", 0.9, (640, 480))
        samples.append(Sample(hand, "ok", "webcam", crop_jpeg=bytes(rng.integers(0, 256, 6_000, dtype=np.uint8))))
    store.add_samples(project, samples)  # type: ignore[attr-defined]


def import_check(csv_mb: float = 190.0, settle_s: float = 60.0) -> dict:
    """The ``import`` mode (see the module docstring)."""
    from core.data.csv_files import csv_io
    from core.data.store import Store

    with tempfile.TemporaryDirectory(prefix="server-limits-") as tmp:
        rows = rows_for_megabytes(csv_mb)
        keypoints, labels = write_kinivi_file(Path(tmp), rows)
        size_mb = keypoints.stat().st_size / 1e6
        store, done, result = Store(Path(tmp) / "data"), threading.Event(), {}

        def run() -> None:
            started = time.monotonic()
            try:
                result["report"] = csv_io.import_kinivi(store, "big log", keypoints, labels, create_project=True)
            finally:
                result["seconds"] = time.monotonic() - started
                done.set()

        rss = _RssWatch()
        importer = threading.Thread(target=run)
        importer.start()
        rng, waits = np.random.default_rng(1), []
        while not done.is_set():
            started = time.monotonic()
            _take(store, store.create_project(f"student {len(waits)}"), rng)
            waits.append(time.monotonic() - started)
            time.sleep(0.5)
        importer.join()
        time.sleep(settle_s)  # does the memory come back, as a server's would after the import?
        rss.stop()
    report = result["report"]
    return {"csv_mb": round(size_mb, 1), "rows": rows, "import_s": round(result["seconds"], 1),
            "stored": report.n_added, "transactions": report.batches,
            "longest_lock_hold_s": round(report.longest_write_s, 3), "create_and_take": len(waits),
            "create_and_take_max_s": round(max(waits, default=0.0), 3),
            "create_and_take_p50_s": round(float(np.median(waits)) if waits else 0.0, 3),
            "rss_before_mb": rss.before, "rss_peak_mb": rss.peak, f"rss_{settle_s:.0f}s_after_mb": rss.last}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=("connections", "import", "both"), default="both")
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--nofile", type=int, default=1024)
    parser.add_argument("--csv-mb", type=float, default=190.0)
    parser.add_argument("--settle", type=float, default=60.0,
                        help="seconds the memory is watched after the import (default 60)")  # fmt: skip
    args = parser.parse_args()
    results: dict = {}
    if args.mode in ("connections", "both"):
        results["connections"] = connections_check(args.connections, args.nofile)
    if args.mode in ("import", "both"):
        results["import"] = import_check(args.csv_mb, args.settle)
    for mode, numbers in results.items():
        print(f"{mode}:")
        for key, value in numbers.items():
            print(f"  {key:<28} {value}")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
