"""Server frame rate through the real WebRTC path: headless Chromium's fake camera → the running app.

    .venv/bin/python bench/webcam.py [--page live|record] [--seconds 20] [--video FILE] [--cpm] [--backend cpm]

What it does:
1. converts the video to a 640×480 y4m (fitted inside, any shape, padded) with ffmpeg, cached under ``bench/out/``;
2. seeds a temporary data dir with two classes from HaGRID photos and trains a model
   (so the Live page classifies; skipped with ``--page record``);
3. starts the app (``python -m ui.serve``, as ``make run``) with ``HANDTEACH_TIMINGS_FILE`` set, and measures how
   long the first page takes to render after the server prints its URL;
4. opens the page in Chromium (``--use-file-for-fake-video-capture``), presses START
   (and, on Record, Record repeatedly), then reads the server-side per-frame timings the
   app writes about once a second, and the server's resident memory.

Prints a table, then one JSON line: ``{"fps": ..., "ms": {...}, "first_render_s": ..., "rss_mb": ...}``.
The helpers here are also used by ``tests/test_e2e_browser.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data"))
DEFAULT_VIDEO = SHARED / "hands" / "video" / "asl_hand.25fps.mp4"
CHROMIUM = os.environ.get("HANDTEACH_CHROMIUM", "/usr/bin/chromium")
WEBRTC_IFRAME = 'iframe[title="streamlit_webrtc.component.webrtc_streamer"]'


# -- shared helpers (bench and e2e test) ---------------------------------------------


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


# Fit inside 640×480 whatever the video's shape (16:9, 4:3, portrait): scale down (or up) until both
# sides fit, keep the aspect ratio, round to even sizes (yuv420p), then pad the rest with black.
FIT_640X480 = (
    "scale=640:480:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1"
)


def fake_camera_y4m(video: Path, cache_dir: Path, fps: int = 30) -> Path:
    """A 640×480 ``fps`` y4m of ``video`` (fitted inside and padded, any shape), cached by name and mtime."""
    if not video.exists():
        raise FileNotFoundError(f"video for the fake camera not found: {video}")
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"{video.stem}.{int(video.stat().st_mtime)}.640x480.{fps}fps.y4m"
    if target.exists():
        return target
    tmp = target.with_suffix(".part.y4m")
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(video), "-vf", f"{FIT_640X480},fps={fps}", "-pix_fmt", "yuv420p",
         "-f", "yuv4mpegpipe", str(tmp)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"ffmpeg could not make a fake camera from {video}: {done.stderr.strip()[-500:]}")
    tmp.rename(target)
    return target


def y4m_header(path: Path) -> dict[str, str]:
    """The stream header of a y4m file: {"W": "640", "H": "480", "F": "30:1", …}, and "frames" counted."""
    with path.open("rb") as file:
        header = file.readline().decode("ascii").split()
        if not header or header[0] != "YUV4MPEG2":
            raise ValueError(f"{path}: not a y4m file")
        fields = {item[0]: item[1:] for item in header[1:]}
        frame_bytes = int(fields["W"]) * int(fields["H"]) * 3 // 2  # yuv420p
        frames = 0
        while file.readline().startswith(b"FRAME"):
            frames += 1
            file.seek(frame_bytes, 1)
    return {**fields, "frames": str(frames)}


def y4m_frames(path: Path, every: int = 1, limit: int | None = None) -> Iterator:
    """RGB frames (H, W, 3) uint8 of a yuv420p y4m: every ``every``-th, at most ``limit``."""
    import cv2
    import numpy as np

    header = y4m_header(path)
    width, height = int(header["W"]), int(header["H"])
    size = width * height * 3 // 2
    with path.open("rb") as file:
        file.readline()
        index = yielded = 0
        while file.readline().startswith(b"FRAME") and (limit is None or yielded < limit):
            data = file.read(size)
            if len(data) < size:
                return
            if index % every == 0:
                yuv = np.frombuffer(data, np.uint8).reshape(height * 3 // 2, width)
                yielded += 1
                yield cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420)
            index += 1


def usable_frames(y4m: Path, every: int = 3, limit: int = 60, min_score: float = 0.5) -> tuple[int, int]:
    """(frames where MediaPipe finds one hand the Record page would keep, frames looked at) of a fake camera.

    What the browser test records comes from these frames: a video with too few of them
    cannot give enough samples, and the test says so instead of timing out.
    """
    sys.path.insert(0, str(ROOT))
    from core.data.extract import ExtractConfig, usable_hands
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    found = looked = 0
    with HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=2)) as tracker:
        for rgb in y4m_frames(y4m, every, limit):
            looked += 1
            usable, _ = usable_hands(tracker.process(rgb), ExtractConfig(hands_per_frame=1, min_score=min_score))
            found += bool(usable)
    return found, looked


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class AppServer:
    """The app through its launcher (``python -m ui.serve``, as ``make run``) in a subprocess.

    ``url_time`` is when it printed its URL.
    """

    def __init__(self, data_dir: Path, port: int | None = None, env: dict[str, str] | None = None,
                 log: Path | None = None, nice: int = 0) -> None:  # fmt: skip
        self.port = port or free_port()
        self.url = f"http://localhost:{self.port}"
        self.data_dir = data_dir
        self.extra_env = env or {}
        self.log = log or data_dir.parent / f"streamlit-{self.port}.log"
        self.process: subprocess.Popen[str] | None = None
        self.url_time: float | None = None
        self.nice = nice  # CPU niceness of the server (negative needs root)

    def start(self, timeout: float = 60.0) -> AppServer:
        env = {**os.environ, "HANDTEACH_DATA": str(self.data_dir), **self.extra_env}
        cmd = [sys.executable, "-m", "ui.serve", "--server.port", str(self.port)]
        if self.nice:
            cmd = ["nice", "-n", str(self.nice), *cmd]
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

    def cpu_seconds(self) -> float:
        """User + system CPU time the server process has used so far."""
        assert self.process is not None
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

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
    from core.data.extract import extract_to_store
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


# -- the benchmark ---------------------------------------------------------------------


def _read_timings(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, json.JSONDecodeError):
        return None


def run(page_name: str, seconds: float, video: Path, warmup: float, hands: int, nice: int, server_nice: int,
        cpm: bool = False, backend: str = "mediapipe") -> dict:  # fmt: skip
    out = ROOT / "bench" / "out"
    y4m = fake_camera_y4m(video, out)
    with tempfile.TemporaryDirectory(prefix="handteach-bench-") as tmp:
        data_dir, timings_file = Path(tmp) / "data", Path(tmp) / "timings.json"
        if page_name == "live":
            seed_project(data_dir, backend=backend)
        with browser_page(y4m, nice=nice) as page:
            server = AppServer(
                data_dir, env={"HANDTEACH_TIMINGS_FILE": str(timings_file)}, log=out / "streamlit.log", nice=server_nice
            )
            out.mkdir(parents=True, exist_ok=True)
            server.start()
            try:
                page.goto(server.url)
                wait_app_ready(page)
                first_render = time.monotonic() - (server.url_time or time.monotonic())
                page.goto(f"{server.url}/{page_name}")
                wait_app_ready(page)
                if page_name == "live" and hands == 2:
                    page.locator(".st-key-live_hands button").filter(has_text="2").click()
                    wait_app_ready(page)
                if page_name == "live" and cpm:
                    page.get_by_text("🔬 CPM belief maps").click()
                    wait_app_ready(page)
                start_webcam(page)
                cpu = _CpuMeter(server)
                samples = _measure(page, page_name, timings_file, seconds, warmup, cpu)
                rss, cores = server.rss_mb(), cpu.cores()
                page.screenshot(path=str(out / f"webcam-{page_name}.png"))
            finally:
                server.stop()
    return _summary(samples, first_render, rss, page_name, y4m, cores, _load_average())


class _CpuMeter:
    """Cores the server process used between ``start()`` and ``cores()``."""

    def __init__(self, server: AppServer) -> None:
        self.server = server
        self.start()

    def start(self) -> None:
        self.t0, self.c0 = time.monotonic(), self.server.cpu_seconds()

    def cores(self) -> float:
        return (self.server.cpu_seconds() - self.c0) / max(1e-9, time.monotonic() - self.t0)


def _load_average() -> float:
    return os.getloadavg()[0]


def _measure(page, page_name: str, timings_file: Path, seconds: float, warmup: float,  # noqa: ANN001
             cpu: _CpuMeter) -> list[dict]:  # fmt: skip
    end_warmup = time.monotonic() + warmup
    measuring = False
    samples: list[dict] = []
    last_time = None
    next_record = 0.0
    while time.monotonic() < end_warmup + seconds:
        if page_name == "record" and time.monotonic() >= next_record:
            button = page.get_by_role("button", name="⏺ Record")
            if button.is_enabled():
                button.click()
                next_record = time.monotonic() + 8.0  # countdown 3 s + 3 s of capture + margin
        time.sleep(1.0)
        if not measuring and time.monotonic() >= end_warmup:
            measuring = True
            cpu.start()
        timings = _read_timings(timings_file)
        if time.monotonic() >= end_warmup and timings and timings.get("time") != last_time:
            last_time = timings["time"]
            timings["browser"] = browser_webrtc_stats(page)
            samples.append(timings)
    return samples


def _summary(samples: list[dict], first_render: float, rss: float, page_name: str, y4m: Path, cores: float,
             load: float) -> dict:  # fmt: skip
    if not samples:
        raise RuntimeError("the app wrote no timings: did the video stream start? see bench/out/streamlit.log")
    stages = sorted({k for s in samples for k in s["ms"]})
    ms = {k: round(sum(s["ms"].get(k, 0.0) for s in samples) / len(samples), 2) for k in stages}
    fps = _frames_per_second(samples)
    print(f"page={page_name} camera={y4m.name} samples={len(samples)} (one per second)")
    print(f"{'stage':<12}{'ms/frame':>10}")
    for stage, value in ms.items():
        print(f"{stage:<12}{value:>10.2f}")
    print(f"{'fps':<12}{fps:>10.2f}\n{'first render':<12}{first_render:>9.2f}s\n{'server RSS':<12}{rss:>8.0f}MB")
    cpu_ms = cores * 1000.0 / fps if fps else float("nan")
    print(f"{'server CPU':<12}{cores:>7.2f} cores = {cpu_ms:.1f} ms of CPU per frame (all server threads)")
    print(f"{'load avg':<12}{load:>10.2f} (machine, 1 min; includes the browser and any other jobs)")
    browser = _browser_summary(samples)
    if browser:
        print(
            f"{'browser':<12} sends {browser['sent_fps']} fps at {browser['sent_size']} (limited by: "
            f"{browser['limited_by']}), gets {browser['received_fps']} fps back"
        )
    return {"browser": browser, "page": page_name, "fps": fps, "ms": ms, "first_render_s": round(first_render, 2), "rss_mb": round(rss),
            "server_cores": round(cores, 2), "server_cpu_ms_per_frame": round(cpu_ms, 1),
            "load_avg": round(load, 2)}  # fmt: skip


def _frames_per_second(samples: list[dict]) -> float:
    """Frames the server processed over the measured time (its frame counter), not a mean of window rates."""
    first, last = samples[0], samples[-1]
    span = last["time"] - first["time"]
    if len(samples) < 2 or span <= 0:
        return round(float(last["fps"]), 2)
    return round((last["frames"] - first["frames"]) / span, 2)


def _browser_summary(samples: list[dict]) -> dict:
    stats = [s.get("browser") or {} for s in samples]
    stats = [b for b in stats if b.get("sent_fps") is not None]
    if not stats:
        return {}

    def mean(key: str) -> float:
        values = [b[key] for b in stats if b.get(key) is not None]
        return round(sum(values) / len(values), 1) if values else float("nan")

    reasons = sorted({b.get("limited_by") or "none" for b in stats})
    last = stats[-1]
    return {"sent_fps": mean("sent_fps"), "received_fps": mean("received_fps"),
            "sent_size": f"{last.get('sent_width')}x{last.get('sent_height')}", "limited_by": ",".join(reasons)}  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--page", choices=["live", "record"], default="live")
    parser.add_argument("--seconds", type=float, default=20.0, help="measurement time after warm-up")
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument(
        "--hands", type=int, choices=[1, 2], default=1, help="Live: hands to follow (the app's default is 1)"
    )
    parser.add_argument(
        "--nice-browser", type=int, default=10, help="CPU niceness of the browser (0: same priority as the server)"
    )
    parser.add_argument(
        "--nice-server",
        type=int,
        default=0,
        help="CPU niceness of the server, e.g. -5 on a machine shared with other jobs",
    )
    parser.add_argument("--video", type=Path, default=Path(os.environ.get("HANDTEACH_E2E_VIDEO", DEFAULT_VIDEO)))
    parser.add_argument("--cpm", action="store_true", help="Live: with the CPM belief-map panel on")
    parser.add_argument(
        "--backend", choices=["mediapipe", "cpm"], default="mediapipe", help="Live: the project's keypoint backend"
    )
    args = parser.parse_args()
    missing = missing_tools()
    if missing:
        print(f"cannot run the webcam benchmark, missing: {', '.join(missing)}", file=sys.stderr)
        return 2
    result = run(args.page, args.seconds, args.video, args.warmup, args.hands, args.nice_browser, args.nice_server,
                 args.cpm, args.backend)  # fmt: skip
    result.update(cpm_panel=args.cpm, backend=args.backend)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
