"""The install's look at PyTorch's CPU index (the Makefile's torch_cpu_answers): only an index that answers 200 is
taken, and one that never answers costs a few seconds, not a hang. Run through make itself, against loopback."""

from __future__ import annotations

import http.server
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PROBE = "probe: ; @if $(call torch_cpu_answers," + sys.executable + "); then echo answers; else echo silent; fi"

pytestmark = [
    pytest.mark.slow,  # every test here took 0.3 s or more: all wait for the full suite
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the CPU index is looked at on Linux only"),
]


def probe(index: str, wait_s: int = 5) -> tuple[str, float]:
    started = time.monotonic()
    done = subprocess.run(["make", "-s", "--no-print-directory", "--eval", PROBE, "probe", f"TORCH_CPU_INDEX={index}",
                           f"TORCH_CPU_WAIT={wait_s}"], cwd=ROOT, capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip(), time.monotonic() - started


@contextmanager
def index_server(status: int) -> Iterator[str]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            self.send_response(status if self.path == "/whl/cpu/torch/" else 404)
            self.end_headers()
            self.wfile.write(b"<a href='torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl'>torch</a>")

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/whl/cpu"
    finally:
        server.shutdown()
        server.server_close()


def test_an_index_that_answers_is_taken_and_one_that_refuses_is_not() -> None:
    with index_server(200) as index:
        assert probe(index)[0] == "answers"
    with index_server(404) as index:
        assert probe(index)[0] == "silent"
    with socket.socket() as closed:  # a port nothing listens on: refused at once
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    said, seconds = probe(f"http://127.0.0.1:{port}/whl/cpu")
    assert said == "silent" and seconds < 5, seconds


def test_an_index_that_never_answers_costs_seconds_not_a_hang() -> None:
    # a socket that takes the connection (the kernel's backlog) and never says a word, as a firewalled proxy does
    with socket.socket() as mute:
        mute.bind(("127.0.0.1", 0))
        mute.listen(8)
        said, seconds = probe(f"http://127.0.0.1:{mute.getsockname()[1]}/whl/cpu", wait_s=1)  # make's own: 5 s
    assert said == "silent"
    assert seconds < 4, f"the CPU index check, bounded at 1 s, took {seconds:.1f} s"
