"""The app in a subprocess and headless Chromium on it, with the fake camera: shared by
``bench/speed/webcam.py`` and the browser tests (``tests/test_e2e_browser.py``, ``tests/test_browser_live.py``)."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from bench.common.fake_camera import ROOT, SHARED

CHROMIUM = os.environ.get("HANDTEACH_CHROMIUM", "/usr/bin/chromium")
WEBRTC_IFRAME = 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]'


def missing_tools() -> list[str]:
    """What the browser path needs and this machine lacks (empty when everything is there)."""
    missing = []
    if not Path(CHROMIUM).exists():
        missing.append(f"chromium ({CHROMIUM})")
    if shutil.which("ffmpeg") is None:
        missing.append("ffmpeg")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("playwright (python package)")
    return missing


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AppServer:
    """The app through its launcher (``python -m ui.server.serve``, as ``make run``) in a subprocess.

    ``url_time`` is when it printed its URL.
    """

    def __init__(self, data_dir: Path, port: int | None = None, env: dict[str, str] | None = None,
                 log: Path | None = None, nice: int = 0, keypoints: str = "server", cpus: str = "") -> None:  # fmt: skip
        self.port = port or free_port()
        self.url = f"http://localhost:{self.port}"
        self.data_dir = data_dir
        # the server path (WebRTC) unless a caller tests the browser path: most tests and benches stream to the server
        self.extra_env = {"HANDTEACH_KEYPOINTS": keypoints, **(env or {})}
        self.log = log or data_dir.parent / f"streamlit-{self.port}.log"
        self.process: subprocess.Popen[str] | None = None
        self.url_time: float | None = None
        self.nice = nice  # CPU niceness of the server (negative needs root)
        self.cpus = cpus  # "0", "0-1": the cores the server (and its worker processes) may run on (taskset); "": any

    def start(self, timeout: float = 60.0) -> AppServer:
        env = {**os.environ, "HANDTEACH_DATA": str(self.data_dir), **self.extra_env}
        cmd = [sys.executable, "-m", "ui.server.serve", "--server.port", str(self.port)]
        if self.nice:
            cmd = ["nice", "-n", str(self.nice), *cmd]
        if self.cpus:
            cmd = ["taskset", "-c", self.cpus, *cmd]
        self.process = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1
        )
        deadline = time.monotonic() + timeout
        with self.log.open("w") as log:
            assert self.process.stdout is not None
            for line in self.process.stdout:
                log.write(line)
                if "URL:" in line and self.url_time is None:
                    self.url_time = time.monotonic()
                    break
                if time.monotonic() > deadline:
                    break
        if self.url_time is None:
            self.stop()
            raise RuntimeError(f"streamlit did not print its URL within {timeout:.0f} s; see {self.log}")
        self._drain()
        self._wait_healthy(deadline)
        return self

    def _drain(self) -> None:
        """Keep reading the server's output into the log so its pipe never fills."""
        import threading

        def pump() -> None:
            assert self.process is not None and self.process.stdout is not None
            with self.log.open("a") as log:
                for line in self.process.stdout:
                    log.write(line)
                    log.flush()

        threading.Thread(target=pump, daemon=True).start()

    def _wait_healthy(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return
            time.sleep(0.2)
        raise RuntimeError(f"{self.url} did not become healthy; see {self.log}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def settle(self, window_s: float = 0.5, busy_share: float = 0.05, most_s: float = 60.0) -> float:
        """Wait until the server has done its start (its warm-up's imports: ``ui/server/warm.py``), as a server a class
        visits has: until it used under ``busy_share`` of a core over ``window_s``. The seconds waited."""
        started = time.monotonic()
        while time.monotonic() - started < most_s:
            before = self.cpu_seconds()
            time.sleep(window_s)
            if self.cpu_seconds() - before < busy_share * window_s:
                break
        return time.monotonic() - started

    def rss_mb(self) -> float:
        """Resident memory of the server process in MiB (from /proc)."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
        return float("nan")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def chromium_args(y4m: Path) -> list[str]:
    return [
        "--use-fake-ui-for-media-stream",
        "--use-fake-device-for-media-stream",
        f"--use-file-for-fake-video-capture={y4m}",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--autoplay-policy=no-user-gesture-required",
    ]


@contextlib.contextmanager
def browser_page(y4m: Path, width: int = 1400, height: int = 1000, nice: int = 0) -> Iterator:
    """A Playwright page in headless Debian Chromium with the fake camera.

    ``nice`` > 0 runs the browser at a lower CPU priority (a wrapper script), so that on a
    small machine the server, not the test client, gets the cores it would have in production.
    """
    from playwright.sync_api import sync_playwright

    executable = CHROMIUM
    if nice:
        wrapper = Path(tempfile.gettempdir()) / f"handteach-chromium-nice{nice}.sh"
        wrapper.write_text(f'#!/bin/sh\nexec nice -n {int(nice)} {CHROMIUM} "$@"\n')
        wrapper.chmod(0o755)
        executable = str(wrapper)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True, args=chromium_args(y4m))
        try:
            context = browser.new_context(viewport={"width": width, "height": height})
            context.grant_permissions(["camera"])
            context.add_init_script(_KEEP_PEER_CONNECTIONS)
            yield context.new_page()
        finally:
            browser.close()


# Keeps every RTCPeerConnection a frame makes, so the bench can read the browser's WebRTC stats.
_KEEP_PEER_CONNECTIONS = """
(() => { const Native = window.RTCPeerConnection; if (!Native) return; window.__handteachPcs = [];
  window.RTCPeerConnection = function (...args) { const pc = new Native(...args); window.__handteachPcs.push(pc); return pc; };
  window.RTCPeerConnection.prototype = Native.prototype; })();
"""


def browser_webrtc_stats(page) -> dict:  # noqa: ANN001 - playwright Page
    """The browser's view of the stream: frames it sends (and why it limits them) and frames it gets back."""
    script = """async () => { const out = {}; for (const pc of (window.__handteachPcs || [])) {
        (await pc.getStats()).forEach(r => { if (r.type === 'outbound-rtp' && r.kind === 'video')
            Object.assign(out, {sent_fps: r.framesPerSecond, sent_width: r.frameWidth, sent_height: r.frameHeight,
                                frames_sent: r.framesSent, limited_by: r.qualityLimitationReason});
          if (r.type === 'inbound-rtp' && r.kind === 'video')
            Object.assign(out, {received_fps: r.framesPerSecond, frames_received: r.framesReceived,
                                received_width: r.frameWidth}); }); } return out; }"""
    for frame in page.frames:
        if "streamlit_webrtc" in (frame.url or "") or frame.name:
            try:
                stats = frame.evaluate(script)
            except Exception:  # noqa: BLE001 - a frame without the component
                continue
            if stats:
                return stats
    return {}


def wait_app_ready(page, timeout_ms: int = 60_000) -> None:  # noqa: ANN001 - playwright Page
    """Until Streamlit has rendered the page and finished running the script."""
    page.wait_for_selector('[data-testid="stApp"]', timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stMainBlockContainer"] h1', timeout=timeout_ms)
    page.wait_for_function(
        '() => !document.querySelector(\'[data-testid="stStatusWidget"] [data-testid="stStatusWidgetRunningIcon"]\')',
        timeout=timeout_ms,
    )


def follow_link(page, name: str, timeout_ms: int = 60_000) -> None:  # noqa: ANN001 - playwright Page
    """Opens the page whose sidebar link is ``name`` and waits until its own run finished. Its heading is awaited
    first: just after the click the last page's heading still shows and no run has begun, so a wait for the app alone
    returned at once, and a click made then was undone when this page's run came after it (CI was left on Record)."""
    page.locator('[data-testid="stSidebarNav"]').get_by_role("link", name=name).first.click()
    heading = page.locator('[data-testid="stMainBlockContainer"] h1')
    try:
        heading.filter(has_text=re.compile(rf"{re.escape(name)}\s*$")).first.wait_for(timeout=timeout_ms)
    except Exception as late:  # noqa: BLE001 - said with what the page shows instead: a slow page, or a lost click
        shown = heading.all_inner_texts() if heading.count() else []
        raise AssertionError(f"{name!r} did not open in {timeout_ms / 1000:g} s: the page at {page.url} shows "
                             f"the headings {shown}") from late  # fmt: skip
    wait_app_ready(page, timeout_ms)


def open_live(context, url: str):  # noqa: ANN001, ANN201 - playwright BrowserContext and Page
    """A new tab of ``context`` on the app's Live page at ``url``, rendered and idle (its webcam not started)."""
    page = context.new_page()
    page.goto(f"{url}/live")
    wait_app_ready(page)
    return page


def start_webcam(page, timeout_ms: int = 60_000) -> None:  # noqa: ANN001
    """Press START in the streamlit-webrtc component and wait until the returned video plays."""
    frame = page.frame_locator(WEBRTC_IFRAME).first
    frame.get_by_role("button", name="START").click(timeout=timeout_ms)
    frame.get_by_role("button", name="STOP").wait_for(timeout=timeout_ms)
    page.wait_for_function(
        """sel => { const f = document.querySelector(sel); const v = f && f.contentDocument &&
               f.contentDocument.querySelector('video'); return v && v.readyState >= 2 && v.currentTime > 0.5; }""",
        arg=WEBRTC_IFRAME,
        timeout=timeout_ms,
    )


def seed_project(data_dir: Path, per_class: int = 15, backend: str = "mediapipe") -> list[str]:
    """Two classes of HaGRID photos in the default project (keypoints from ``backend``), and a trained model.

    Returns the class names.
    """
    sys.path.insert(0, str(ROOT))
    from core.data.imports.extract import extract_to_store
    from core.data.project import train_project
    from core.data.store import Store

    store = Store(data_dir)
    project = store.ensure_project()
    if backend != store.project_backend(project):
        store.delete_project(project)
        project = store.create_project(project, backend=backend)
    pairs = {"thumbs_up": "like", "open_palm": "palm"}
    for name, folder in pairs.items():
        images = sorted((SHARED / "hands" / "hagrid_380" / "images" / folder).glob("*.jpg"))[:per_class]
        if not images:
            raise FileNotFoundError(f"no HaGRID images in {SHARED / 'hands' / 'hagrid_380'}")
        extract_to_store(store, project, name, images)
    train_project(store, project)
    return list(pairs)
