"""Tabs closed all at once (#47): does the server let go of their WebRTC sessions?

    .venv/bin/python bench/server/webrtc_sessions.py [--tabs 8] [--connecting 2] [--rounds 2] [--seconds 3] [--wait 60]

Opens Live in ``--tabs`` tabs of one headless Chromium (the fake camera), presses START in each, streams
``--seconds``, then closes every tab without STOP, as a user closing the browser would, and ``--connecting``
more tabs each closed right after START (its ICE checks unfinished); ``--rounds`` times.
Before the first round one tab is streamed and closed alone, so the start counts what any streamed server
holds (the aiortc event loop's executor threads, MediaPipe's loaded model). Then the server's UDP sockets
(aiortc's ICE sockets), threads, file descriptors and resident memory are read every ``--every`` seconds for
``--wait`` seconds. Prints a table and one JSON line:
``{"tabs": ..., "rounds": ..., "start": {...}, "closed": {...}, "end": {...}, "settled_after_s": ..., ...}``;
``settled_after_s`` is when sockets, threads and descriptors were first all within 10% of the start (null: never).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.browser import (  # noqa: E402
    WEBRTC_IFRAME,
    AppServer,
    browser_page,
    missing_tools,
    open_live,
    start_webcam,
    wait_app_ready,
)
from bench.common.fake_camera import DEFAULT_VIDEO, ROOT, fake_camera_y4m  # noqa: E402
from bench.common.server_resources import Resources, resources  # noqa: E402


def stream_tabs(context, server: AppServer, tabs: int, seconds: float) -> list:  # noqa: ANN001 - playwright
    """``tabs`` tabs on Live, each streaming; returns the pages (the caller closes them)."""
    pages = []
    for _ in range(tabs):
        page = open_live(context, server.url)
        start_webcam(page)
        pages.append(page)
    time.sleep(seconds)
    return pages


def leave_while_connecting(context, server: AppServer, tabs: int) -> None:  # noqa: ANN001 - playwright
    """``tabs`` tabs on Live, each closed as soon as START made the server open its ICE sockets."""
    for _ in range(tabs):
        page = open_live(context, server.url)
        before = resources(server.pid).udp
        page.frame_locator(WEBRTC_IFRAME).first.get_by_role("button", name="START").click()
        deadline = time.monotonic() + 30
        while resources(server.pid).udp == before and time.monotonic() < deadline:
            time.sleep(0.05)
        page.close()


def close_all(pages: list) -> None:
    for page in pages:  # back to back, mid-stream, STOP unpressed: the browser's peer connections go with them
        page.close()


def settled(now: Resources, start: Resources, slack: float = 0.1) -> bool:
    """Sockets, threads and descriptors back within ``slack`` of ``start`` (one more thread or descriptor is)."""
    pairs = ((now.threads, start.threads), (now.fds, start.fds))
    near = all(value <= max(base * (1 + slack), base + 1) for value, base in pairs)
    return near and now.udp <= start.udp * (1 + slack)


def watch(pid: int, start: Resources, wait: float, every: float,
          until_settled: bool = False) -> tuple[list[tuple[float, Resources]], float | None]:  # fmt: skip
    """Readings every ``every`` s for ``wait`` s (``until_settled``: or until settled); when they first were
    settled (None: never)."""
    began, readings, settled_at = time.monotonic(), [], None
    while True:
        elapsed = round(time.monotonic() - began, 1)
        now = resources(pid)
        readings.append((elapsed, now))
        if settled_at is None and settled(now, start):
            settled_at = elapsed
        if elapsed >= wait or (until_settled and settled_at is not None):
            return readings, settled_at
        time.sleep(every)


def warm_up(context, server: AppServer, tabs: int = 1) -> Resources:  # noqa: ANN001
    """``tabs`` tabs streamed at once and closed, then the server left until its sockets are gone (at most 60 s):
    the pools that grow with concurrent streams (the encoder's executor threads) stay, so stream as many tabs
    at once as the round measured against this start will."""
    close_all(stream_tabs(context, server, tabs, 2.0))
    deadline = time.monotonic() + 60
    while resources(server.pid).udp and time.monotonic() < deadline:
        time.sleep(1)
    time.sleep(2)  # the frame thread and the session's observer end after the sockets
    return resources(server.pid)


def print_table(start: Resources, rows: list[tuple[str, Resources]]) -> None:
    print(f"{'when':>16}{'UDP':>6}{'threads':>9}{'fds':>6}{'RSS MB':>8}")
    for when, r in [("start", start), *rows]:
        print(f"{when:>16}{r.udp:>6}{r.threads:>9}{r.fds:>6}{r.rss_mb:>8.0f}")


def run(tabs: int, rounds: int, seconds: float, wait: float, every: float, video: Path, nice: int,
        connecting: int = 0) -> dict:  # fmt: skip
    y4m = fake_camera_y4m(video, ROOT / "bench" / "out")
    with tempfile.TemporaryDirectory(prefix="handteach-sessions-") as tmp, browser_page(y4m, nice=nice) as page:
        server = AppServer(Path(tmp) / "data", log=ROOT / "bench" / "out" / "streamlit-sessions.log").start()
        try:
            page.goto(server.url)
            wait_app_ready(page)
            start = warm_up(page.context, server)
            rows = []
            for number in range(1, rounds + 1):
                pages = stream_tabs(page.context, server, tabs, seconds)
                rows.append((f"round {number} open", resources(server.pid)))
                close_all(pages)
                leave_while_connecting(page.context, server, connecting)
                rows.append((f"round {number} closed", resources(server.pid)))
            readings, settled_at = watch(server.pid, start, wait, every)
            rows += [(f"+{elapsed:.0f} s", r) for elapsed, r in readings]
            alive = server.process is not None and server.process.poll() is None
        finally:
            server.stop()
    print_table(start, rows)
    return {"tabs": tabs, "connecting": connecting, "rounds": rounds, "seconds": seconds, "start": asdict(start),
            "closed": asdict(rows[2 * rounds - 1][1]), "end": asdict(readings[-1][1]),
            "settled_after_s": settled_at, "server_alive": alive, "load_avg": round(os.getloadavg()[0], 2),
            "readings": [{"s": s, **asdict(r)} for s, r in readings]}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tabs", type=int, default=8, help="tabs streaming at once in each round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--connecting", type=int, default=0,
                        help="and in each round this many tabs closed right after START, while ICE still checks")  # fmt: skip
    parser.add_argument("--seconds", type=float, default=3.0, help="streaming time before the tabs close")
    parser.add_argument("--wait", type=float, default=60.0, help="how long the server is watched after the last close")
    parser.add_argument("--every", type=float, default=5.0, help="seconds between readings")
    parser.add_argument("--video", type=Path, default=Path(os.environ.get("HANDTEACH_E2E_VIDEO", DEFAULT_VIDEO)))
    parser.add_argument("--nice-browser", type=int, default=10, help="CPU niceness of the browser")
    args = parser.parse_args()
    missing = missing_tools()
    if missing:
        print(f"cannot run the benchmark, missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    result = run(args.tabs, args.rounds, args.seconds, args.wait, args.every, args.video, args.nice_browser,
                 args.connecting)  # fmt: skip
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
