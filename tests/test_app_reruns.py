"""One script thread per session at a time, with the app's own ``.streamlit/config.toml`` (issue 55's fallback flake).

Streamlit's default ``runner.fastReruns`` answered a rerun asked while a script ran by starting a second script
thread at once, beside the first (which stops only at its next Streamlit call). Each thread wraps the one session
state in its own lock, so the two ran the session state's rerun bookkeeping together: a tab sending a burst of
reruns (the server path's webcam starting after the browser path failed) had one thread clear the widget states
(``SessionState._compact_state``) while the other iterated them (``_call_callbacks``), "dictionary changed size
during iteration", and that run's callbacks (streamlit-webrtc's state among them) were lost.

A real Streamlit server, started as the app is (from the checkout, so with its config), runs a small page whose
Python work between two Streamlit calls takes a second; a tab's frontend, spoken over the websocket, asks for four
reruns while it works. The page's runs must follow one another, never overlap.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg

from bench.common.browser import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]  # the checkout: Streamlit reads .streamlit/config.toml from there

PAGE = """
import os, threading, time
import streamlit as st

def note(what):
    with open(os.environ["RUN_LOG"], "a") as log:
        log.write(f"{what} {threading.get_ident()} {time.monotonic()}\\n")

note("start")
time.sleep(1.0)  # Python work, no Streamlit call: a rerun asked now cannot stop this run here
note("end")
st.write("ran")
"""


def _serve(page: Path, log: Path, port: int) -> subprocess.Popen:
    command = [sys.executable, "-m", "streamlit", "run", str(page), "--server.port", str(port)]
    server = subprocess.Popen(command, cwd=ROOT, env={**os.environ, "RUN_LOG": str(log)},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    pytest.fail("streamlit did not answer within 60 s")


async def _burst_of_reruns(port: int, log: Path) -> None:
    """A tab opens the page, then asks for a rerun four times, 0.15 s apart, while the first run works."""
    rerun = BackMsg()
    rerun.rerun_script.page_name = ""
    async with websockets.connect(f"ws://localhost:{port}/_stcore/stream", subprotocols=["streamlit"]) as socket:
        await socket.send(rerun.SerializeToString())
        deadline = time.monotonic() + 30
        while "start" not in (log.read_text() if log.exists() else "") and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        for _ in range(4):
            await socket.send(rerun.SerializeToString())
            await asyncio.sleep(0.15)
        while time.monotonic() < deadline + 30:  # the runs that follow, each to its end (a second's work each)
            lines = log.read_text().split()
            if lines.count("end") >= 2 and lines.count("end") == lines.count("start"):
                break
            await asyncio.sleep(0.1)


def _runs(log: Path) -> list[tuple[float, float]]:
    """(start, end) of each run that reached its end, by its thread and order."""
    started: dict[str, float] = {}
    runs = []
    for line in log.read_text().splitlines():
        what, thread, at = line.split()
        if what == "start":
            started[thread] = float(at)
        elif thread in started:
            runs.append((started.pop(thread), float(at)))
    return sorted(runs)


def test_a_burst_of_reruns_never_runs_one_session_twice_at_once(tmp_path: Path) -> None:
    page, log, port = tmp_path / "page.py", tmp_path / "runs.log", free_port()
    page.write_text(PAGE)
    server = _serve(page, log, port)
    try:
        asyncio.run(_burst_of_reruns(port, log))
    finally:
        server.terminate()
        server.wait(timeout=30)
    runs = _runs(log)
    assert len(runs) >= 2, log.read_text()  # the page ran again after the burst
    overlaps = [(a, b) for a, b in zip(runs, runs[1:], strict=False) if b[0] < a[1]]
    assert not overlaps, f"runs of one session overlapped: {overlaps} (all: {runs})"
