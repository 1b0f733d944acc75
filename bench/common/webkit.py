"""WebKitGTK (Safari's engine) driven by Selenium through WebKitWebDriver, in an Xvfb display of its own.

Debian's ``webkit2gtk-driver`` gives WebKitWebDriver and the MiniBrowser it drives; ``xvfb`` the display;
Selenium comes from PyPI (requirements-test.txt). Media capture is on and WebKit's mock cameras off: the
browser path's tab then finds no camera and offers *Try the camera again*, and ``camera_frame`` puts
``bench.common.canvas_camera`` in its place before pressing it, so real frames go through the tab's real path.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bench.common.canvas_camera import CAMERA_FRAME_TITLE, install

DRIVER = "/usr/bin/WebKitWebDriver"
MINIBROWSER = Path("/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser")
BROWSER_ARGS = ("--automation", "--enable-media-stream=true", "--enable-mock-capture-devices=false",
                "--enable-webgl=true", "--enable-webaudio=false")  # fmt: skip
# the canvas camera's rate in WebKit: at 30 frames a second the tab's work on two busy cores starved WebDriver's
# scripts (bench.common.canvas_camera.install); 10 leave it time and still give a label several frames a second
CAMERA_FPS = 10


def missing_webkit() -> list[str]:
    """What driving WebKitGTK needs and this machine lacks (empty when everything is there)."""
    missing = [name for name, path in (("webkit2gtk-driver", DRIVER), ("its MiniBrowser", str(MINIBROWSER)))
               if not Path(path).exists()]  # fmt: skip
    if shutil.which("Xvfb") is None:
        missing.append("xvfb")
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (python package)")
    return missing


def free_display() -> int:
    for number in range(90, 200):
        if not Path(f"/tmp/.X11-unix/X{number}").exists() and not Path(f"/tmp/.X{number}-lock").exists():
            return number
    raise RuntimeError("no free X display between :90 and :199")


@contextlib.contextmanager
def webkit_driver(width: int = 1280, height: int = 900) -> Iterator:
    """A Selenium WebDriver on MiniBrowser in a fresh Xvfb display; both end with the block."""
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.options import Options
    from selenium.webdriver.webkitgtk.service import Service

    display = free_display()
    xvfb = subprocess.Popen(["Xvfb", f":{display}", "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    old_display = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = f":{display}"  # the driver starts MiniBrowser with the service's environment
    driver = None
    try:
        time.sleep(0.5)
        options = Options()
        options.binary_location = str(MINIBROWSER)
        for arg in BROWSER_ARGS:
            options.add_argument(arg)
        driver = webdriver.WebKitGTK(options=options, service=Service(DRIVER))
        driver.set_window_size(width, height)
        yield driver
    finally:
        if driver is not None:
            driver.quit()
        xvfb.terminate()
        xvfb.wait(timeout=10)
        if old_display is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = old_display


def wait_for(driver, script: str, timeout: float, *args) -> object:  # noqa: ANN001 - selenium WebDriver
    """The first truthy value of ``script`` (run in the current frame) within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = driver.execute_script(script, *args)
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"still false after {timeout:.0f} s: {script[:120]}")
        time.sleep(0.25)


def camera_frame(driver, timeout: float = 90.0, fps: int = CAMERA_FPS) -> None:  # noqa: ANN001 - selenium WebDriver
    """Switch into the browser path's frame, give it the canvas camera (``fps`` frames a second) and press *Try the
    camera again*; returns once the hand model runs on the canvas's frames. The caller switches back with ``switch_to.default_content``."""
    from selenium.webdriver.common.by import By

    wait_for(driver, f"return document.querySelector('iframe[title=\"{CAMERA_FRAME_TITLE}\"]')", timeout)
    driver.switch_to.frame(driver.find_element(By.CSS_SELECTOR, f'iframe[title="{CAMERA_FRAME_TITLE}"]'))
    wait_for(driver, "const b = document.getElementById('retry'); return b && !b.hidden;", timeout)
    driver.execute_script(install(fps))
    driver.find_element(By.ID, "retry").click()
    wait_for(driver, "return window.handteach && window.handteach.state.finder && window.handteach.timing.frames > 3",
             timeout)  # fmt: skip


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError, ValueError, IndexError):
            parent = int(entry.joinpath("stat").read_text().rsplit(")", 1)[1].split()[1])
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [root]
    while todo:
        found.append(todo.pop())
        todo += children.get(found[-1], [])
    return found[1:]


def web_process_mb(driver) -> int:  # noqa: ANN001 - selenium WebDriver
    """The resident memory (VmRSS, MB) of the WebKitWebProcesses under ``driver``'s WebKitWebDriver, summed
    (Linux's /proc; 0 elsewhere). The pages' JavaScript, WASM and WebGL live there."""
    total = 0
    for pid in _descendants(driver.service.process.pid):
        with contextlib.suppress(OSError, IndexError, ValueError):  # a process gone or ending meanwhile
            proc = Path(f"/proc/{pid}")
            if proc.joinpath("comm").read_text().startswith("WebKitWebProces"):  # the kernel cuts names at 15
                total += int(proc.joinpath("status").read_text().split("VmRSS:")[1].split()[0]) // 1024
    return total


class PeakMemory:
    """The largest ``web_process_mb`` seen, sampled every ``every`` s in a thread from ``start(driver)`` to ``stop``."""

    def __init__(self, every: float = 1.0) -> None:
        self.every, self.peak_mb = every, 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, driver) -> PeakMemory:  # noqa: ANN001 - selenium WebDriver
        def sample() -> None:
            while not self._stop.wait(self.every):
                self.peak_mb = max(self.peak_mb, web_process_mb(driver))

        self._stop.clear()
        self._thread = threading.Thread(target=sample, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> int:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        return self.peak_mb
