"""Nothing leaves the machine (the README's promise): extracting from photos and a video, training, and a Live
session on the server path open no connection beyond loopback.

Every process is watched twice while it runs as a user runs it (``python -m core``, ``python -m ui.server.serve``):

* a Python audit hook (a ``sitecustomize`` on ``PYTHONPATH``, so in every Python process started, the job workers
  included) writes down each ``socket.connect``, ``socket.sendto`` and ``socket.getaddrinfo`` aimed elsewhere;
* ``strace -f --seccomp-bpf -e trace=connect,sendto,sendmsg`` sees what native code (MediaPipe, WebRTC, the
  libraries' C) asks the kernel for, where strace is installed (``.ci/run`` installs it).

AF_UNIX sockets, the loopback addresses (127.0.0.0/8, ::1) and the addresses of this machine's own interfaces
(a packet sent there is delivered here: the server's WebRTC checks the candidates the browser on this machine
offers on them) are this machine; anything else fails the test, naming the process and the address. The browser (Chromium with a fake camera) is the visitor, not watched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import fake_camera_or_skip, hagrid_photos

from bench.common.browser import free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
HOOK = """
import os, sys

def _local(host):
    host = host.decode() if isinstance(host, bytes) else str(host)
    return host in ("", "localhost", "::1", "0.0.0.0", "::") or host.startswith(("127.", "::ffff:127."))

def _watch(event, args):
    if event in ("socket.connect", "socket.sendto"):
        address = args[1]
        if isinstance(address, tuple) and address and not _local(address[0]):
            _say(f"{event} {address!r}")
    elif event == "socket.getaddrinfo" and args[0] is not None and not _local(args[0]):
        _say(f"{event} {args[0]!r}")

def _say(line):
    with open(os.environ["HANDTEACH_NET_WATCH"], "a") as log:
        log.write(f"{os.getpid()} {' '.join(sys.argv)[:80]}: {line}\\n")

if os.environ.get("HANDTEACH_NET_WATCH"):
    sys.addaudithook(_watch)
"""
# strace's rendering of an IPv4 or IPv6 peer address
STRACE_ADDRESS = re.compile(r'inet_addr\("([^"]+)"\)|inet_pton\(AF_INET6, "([^"]+)"')


def _loopback(address: str) -> bool:
    return address.startswith(("127.", "::ffff:127.")) or address in ("::1", "0.0.0.0", "::")


def own_addresses() -> set[str]:
    """The addresses of this machine's own interfaces: a packet sent to one is delivered here, through loopback.
    WebRTC needs them: the browser on this machine offers its candidates there, and the server's ICE checks them."""
    ip = shutil.which("ip")
    listed = subprocess.run([ip, "-o", "addr"], capture_output=True, text=True, check=False).stdout if ip else ""
    return {match.split("/")[0] for match in re.findall(r"\binet6? (\S+)", listed)}


class Watch:
    """The environment and command prefix that watch a process, and what they saw."""

    def __init__(self, folder: Path) -> None:
        hook = folder / "hook"
        hook.mkdir(parents=True)
        (hook / "sitecustomize.py").write_text(HOOK, encoding="utf-8")
        self.audit_log = folder / "audit.log"
        self.audit_log.touch()
        self.folder = folder
        self.traces: list[Path] = []
        paths = [str(hook), str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), "HANDTEACH_NET_WATCH": str(self.audit_log)}
        self.strace = shutil.which("strace")

    def prefix(self, name: str) -> list[str]:
        if not self.strace:
            return []
        trace = self.folder / f"{name}.strace"
        self.traces.append(trace)
        return [self.strace, "-f", "-qq", "--seccomp-bpf", "-e", "trace=connect,sendto,sendmsg", "-o", str(trace), "--"]

    def elsewhere(self) -> list[str]:
        """Every connection, datagram or look-up aimed beyond this machine, as 'who: what'."""
        own = own_addresses()
        here = [f"'{address}'" for address in own]
        seen = [line for line in self.audit_log.read_text(encoding="utf-8").splitlines()
                if line and not any(f"({address}," in line for address in here)]  # fmt: skip
        for trace in self.traces:
            for line in trace.read_text(encoding="utf-8", errors="replace").splitlines():
                addresses = [a or b for a, b in STRACE_ADDRESS.findall(line)]
                if any(not _loopback(address) and address not in own for address in addresses):
                    seen.append(f"{trace.stem}: {line.strip()[:200]}")
        return seen


def _core(watch: Watch, data: Path, name: str, *args: str) -> None:
    command = [*watch.prefix(name), sys.executable, "-m", "core", "--data", str(data), *args]
    done = subprocess.run(command, cwd=ROOT, env=watch.env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, f"{name}: {done.stdout[-2000:]}{done.stderr[-2000:]}"


def test_extracting_training_and_live_on_the_server_path_connect_to_nothing_beyond_loopback(tmp_path: Path) -> None:
    from bench.common.browser import browser_page, start_webcam, wait_app_ready
    from bench.common.fake_camera import DEFAULT_VIDEO

    y4m = fake_camera_or_skip(DEFAULT_VIDEO, tmp_path / "camera")
    watch, data = Watch(tmp_path / "watch"), tmp_path / "data"
    _core(watch, data, "extract-photos", "extract", "--label", "like", "-i", *map(str, hagrid_photos("like", 6)))
    _core(watch, data, "extract-video", "extract", "--label", "asl", "--every", "25", "-i", str(DEFAULT_VIDEO))
    _core(watch, data, "train", "train")

    port = free_port()
    server_command = [*watch.prefix("server"), sys.executable, "-m", "ui.server.serve", "--server.port", str(port)]
    env = {**watch.env, "HANDTEACH_DATA": str(data), "HANDTEACH_KEYPOINTS": "server"}
    with (tmp_path / "server.log").open("w") as log:
        server = subprocess.Popen(server_command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(port, server)
        with browser_page(y4m, width=1280, height=720) as page:
            page.goto(f"http://localhost:{port}/live")
            wait_app_ready(page)
            start_webcam(page)
            page.locator(".st-key-live_card_0").wait_for(timeout=90_000)  # the server found a hand and answered
            time.sleep(3)  # a few more seconds of the stream
    finally:
        _stop(server)
    assert watch.elsewhere() == [], "a connection beyond this machine:\n" + "\n".join(watch.elsewhere())
    if watch.strace:  # it watched: the server's WebRTC datagrams to the browser's candidates are in its trace
        trace = (tmp_path / "watch" / "server.strace").read_text(encoding="utf-8", errors="replace")
        assert STRACE_ADDRESS.search(trace), "strace saw no datagram of the server's WebRTC: it did not watch"


def _wait_healthy(port: int, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("the app server did not answer on its health address")


def _stop(server: subprocess.Popen) -> None:
    """The server itself first (under strace, the process started is strace: it ends when its tracee does)."""
    children = Path(f"/proc/{server.pid}/task/{server.pid}/children")
    pids = [int(pid) for pid in children.read_text().split()] if children.exists() else []
    for pid in pids or [server.pid]:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)
    try:
        server.wait(30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(10)


def test_the_watch_names_a_connect_beyond_this_machine(tmp_path: Path) -> None:
    """The watch can fail: a UDP socket connected to a documentation address (connect sends no packet for UDP) is
    named by the audit hook, and by strace where it is installed."""
    watch = Watch(tmp_path / "watch")
    code = "import socket; socket.socket(socket.AF_INET, socket.SOCK_DGRAM).connect(('198.51.100.7', 9))"
    command = [*watch.prefix("probe"), sys.executable, "-c", code]
    subprocess.run(command, cwd=ROOT, env=watch.env, check=True, timeout=60)
    seen = watch.elsewhere()
    assert any("socket.connect ('198.51.100.7', 9)" in line for line in seen), seen
    assert not watch.strace or any(line.startswith("probe:") and "198.51.100.7" in line for line in seen), seen
