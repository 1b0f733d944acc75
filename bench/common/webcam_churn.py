"""Tabs that come and go (#32): each opens Live, streams a few seconds and is closed mid-stream, STOP unpressed.

    .venv/bin/python bench/speed/webcam.py --churn 10 [--seconds 3]

After each tab: how long until the server let go of that stream's MediaPipe graph (its ``mediapipe/N``
threads gone), the server's threads and resident memory. Shared by ``bench/speed/webcam.py`` and the slow test
``tests/test_webcam_churn.py``.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass

from bench.common.browser import AppServer, open_live, start_webcam
from bench.common.server_threads import thread_cpu


@dataclass(frozen=True)
class Cycle:
    """One tab's life: frames it got back, seconds until its graph was freed (None: not within the wait)."""

    tab: int
    frames_back: int
    freed_after_s: float | None
    mediapipe_threads: int  # left after the wait
    threads: int  # once settled: a stream's decoder and script-run threads end a little after its graph's
    rss_mb: float
    thread_ids: tuple[int, ...] = ()  # their native ids, to name them (``server_threads``) when a count grows


def mediapipe_threads(pid: int) -> int:
    return sum(name.startswith("mediapipe/") for name, _ in thread_cpu(pid).values())


def _frames_back(page) -> int:  # noqa: ANN001 - playwright Page
    script = """sel => { const f = document.querySelector(sel); const v = f && f.contentDocument &&
                f.contentDocument.querySelector('video'); return v ? v.getVideoPlaybackQuality().totalVideoFrames : 0; }"""
    return int(page.evaluate(script, 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]') or 0)


def _settled_threads(pid: int, at_most: int, wait: float) -> dict[int, tuple[str, float]]:
    """The server's threads once their count is down to ``at_most`` or has not fallen for 3 s (``wait`` at most)."""
    started, lowest, lowest_at = time.monotonic(), None, time.monotonic()
    while True:
        threads = thread_cpu(pid)
        if lowest is None or len(threads) < lowest:
            lowest, lowest_at = len(threads), time.monotonic()
        now = time.monotonic()
        if len(threads) <= at_most or now - lowest_at >= 3.0 or now - started >= wait:
            return threads
        time.sleep(0.5)


def churn(context, server: AppServer, tabs: int, seconds: float = 3.0, wait: float = 60.0) -> list[Cycle]:  # noqa: ANN001
    """Open, stream for ``seconds`` and close ``tabs`` tabs of ``context`` one after another on Live."""
    cycles: list[Cycle] = []
    for tab in range(tabs):
        page = open_live(context, server.url)
        start_webcam(page)
        time.sleep(seconds)
        frames = _frames_back(page)
        page.close()  # mid-stream: the browser's peer connection goes with the tab
        started, freed = time.monotonic(), None
        while time.monotonic() - started < wait:
            if mediapipe_threads(server.pid) == 0:
                freed = round(time.monotonic() - started, 1)
                break
            time.sleep(0.5)
        at_most = cycles[0].threads if cycles else 0
        threads = _settled_threads(server.pid, at_most, wait=max(5.0, wait - (time.monotonic() - started)))
        cycles.append(Cycle(tab, frames, freed, mediapipe_threads(server.pid), len(threads),
                            round(server.rss_mb(), 1), tuple(sorted(threads))))  # fmt: skip
    return cycles


def print_cycles(cycles: list[Cycle]) -> dict:
    print(f"{'tab':>4}{'frames back':>12}{'freed after':>12}{'mp threads':>11}{'threads':>8}{'RSS MB':>8}")
    for c in cycles:
        freed = "never" if c.freed_after_s is None else f"{c.freed_after_s:.1f} s"
        print(f"{c.tab:>4}{c.frames_back:>12}{freed:>12}{c.mediapipe_threads:>11}{c.threads:>8}{c.rss_mb:>8.0f}")
    rss = [c.rss_mb for c in cycles]
    half = len(rss) // 2
    growth = rss[-1] - rss[half - 1] if half else 0.0
    print(f"RSS after {len(cycles)} tabs: {rss[-1]:.0f} MB; growth over the last {len(rss) - half}: {growth:+.0f} MB; "
          f"load avg {os.getloadavg()[0]:.2f}")  # fmt: skip
    return {
        "churn": [{k: v for k, v in asdict(c).items() if k != "thread_ids"} for c in cycles],
        "rss_mb": rss[-1],
        "rss_growth_last_half_mb": round(growth, 1),
    }
