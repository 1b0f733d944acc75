"""Debian's Firefox ESR driven over WebDriver BiDi, which Firefox (129 and later) speaks itself: no geckodriver.

Debian has no geckodriver, and Playwright's Firefox and Selenium Manager's geckodriver come from outside the
registries the project may use, so this module starts ``firefox-esr --remote-debugging-port=PORT`` (in Xvfb, or
``--headless``) and talks BiDi over a websocket (the ``websockets`` package): a preload script (the canvas camera, in every
frame as it is made), navigate, call a function in a frame, a screenshot. The profile's ``user.js`` turns on
Firefox's fake camera without a prompt (a test pattern, no hand: ``bench.common.canvas_camera`` replaces it).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.common.browser import free_port
from bench.common.webkit import free_display

FIREFOX = Path("/usr/bin/firefox-esr")
PREFS = {
    "media.navigator.streams.fake": True,  # a camera without hardware
    "media.navigator.permission.disabled": True,  # and without the prompt
    "media.autoplay.default": 0,  # a muted video plays without a click (the tab's own <video>)
    "browser.shell.checkDefaultBrowser": False,
    "datareporting.policy.dataSubmissionEnabled": False,
    "toolkit.telemetry.reportingpolicy.firstRun": False,
    "app.update.disabledForTesting": True,
    "browser.aboutwelcome.enabled": False,
}


class BiDiError(RuntimeError):
    """A BiDi command Firefox answered with an error (its error code and message)."""


def missing_firefox() -> list[str]:
    """What driving Firefox needs and this machine lacks (empty when everything is there)."""
    missing = [] if FIREFOX.exists() else [f"firefox-esr ({FIREFOX}; `apt-get install firefox-esr`)"]
    if shutil.which("Xvfb") is None:
        missing.append("xvfb")
    try:
        import websockets.sync.client  # noqa: F401
    except ImportError:
        missing.append("websockets (python package)")
    return missing


def _local(value: object) -> dict:
    """A Python value as a BiDi LocalValue (strings, numbers, booleans, None, lists, str-keyed dicts)."""
    if value is None:
        return {"type": "null"}
    if isinstance(value, bool):
        return {"type": "boolean", "value": value}
    if isinstance(value, int | float):
        return {"type": "number", "value": value}
    if isinstance(value, str):
        return {"type": "string", "value": value}
    if isinstance(value, list | tuple):
        return {"type": "array", "value": [_local(v) for v in value]}
    if isinstance(value, dict):
        return {"type": "object", "value": [[str(k), _local(v)] for k, v in value.items()]}
    raise TypeError(f"no BiDi value for {type(value).__name__}")


def _python(remote: dict) -> object:
    """A BiDi RemoteValue as a Python value (objects other than plain ones and arrays come back as their type)."""
    kind, value = remote.get("type"), remote.get("value")
    if kind in ("string", "boolean"):
        return value
    if kind == "number":
        return float(value) if isinstance(value, str) else value  # "NaN", "Infinity", "-0"
    if kind in ("null", "undefined"):
        return None
    if kind in ("array", "set"):
        return [_python(v) for v in value or []]
    if kind in ("object", "map"):
        return {k if isinstance(k, str) else str(_python(k)): _python(v) for k, v in value or []}
    return f"<{kind}>"


@dataclass
class Firefox:
    """One Firefox and its BiDi session; ``context`` is the tab's top browsing context.

    ``errors`` collects the console's error lines (log.entryAdded) from every frame, for the report."""

    process: subprocess.Popen
    socket: object  # websockets.sync.client.ClientConnection
    context: str = ""
    errors: list[str] = field(default_factory=list)
    _ids: Iterator[int] = field(default_factory=itertools.count)

    def command(self, method: str, params: dict, timeout: float = 60.0) -> dict:
        """Send one BiDi command and wait for its answer; events met meanwhile are kept (``errors``)."""
        sent = next(self._ids)
        self.socket.send(json.dumps({"id": sent, "method": method, "params": params}))
        deadline = time.monotonic() + timeout
        while True:
            message = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if message.get("type") == "event":
                self._event(message)
            elif message.get("id") == sent:
                if message.get("type") == "error":
                    raise BiDiError(f"{method}: {message.get('error')}: {message.get('message')}")
                return message["result"]

    def _event(self, message: dict) -> None:
        if message.get("method") == "log.entryAdded" and message["params"].get("level") == "error":
            self.errors.append(str(message["params"].get("text", ""))[:300])

    def navigate(self, url: str) -> None:
        self.command("browsingContext.navigate", {"context": self.context, "url": url, "wait": "complete"})

    def preload(self, statements: str) -> None:
        """Run ``statements`` in every frame as its document is made, before the page's own scripts."""
        self.command("script.addPreloadScript", {"functionDeclaration": f"() => {{ {statements} }}"})

    def call(self, function: str, arg: object = None, context: str | None = None, timeout: float = 60.0) -> object:
        """``function(arg)`` (JavaScript source) in ``context`` (the tab when None), awaited; its value in Python."""
        result = self.command("script.callFunction", {
            "functionDeclaration": function, "arguments": [_local(arg)], "awaitPromise": True,
            "target": {"context": context or self.context}, "resultOwnership": "none"}, timeout)  # fmt: skip
        if result.get("type") == "exception":
            details = result.get("exceptionDetails", {})
            raise BiDiError(f"script threw: {details.get('text', details)}")
        return _python(result["result"])

    def frame(self, title: str, timeout: float = 60.0) -> str:
        """The browsing context of the iframe titled ``title`` (a Streamlit component), once it exists."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            tree = self.command("browsingContext.getTree", {"root": self.context})["contexts"]
            for child in tree[0].get("children") or []:
                with contextlib.suppress(BiDiError):  # a frame navigating away meanwhile
                    found = self.call("() => window.frameElement && window.frameElement.title", None, child["context"])
                    if found == title:
                        return child["context"]
            time.sleep(0.5)
        raise TimeoutError(f"no frame titled {title} after {timeout:.0f} s")

    def wait_for(self, function: str, timeout: float, context: str | None = None, arg: object = None) -> object:
        """The first truthy value of ``function(arg)`` in ``context`` within ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            value = self.call(function, arg, context)
            if value:
                return value
            if time.monotonic() > deadline:
                raise TimeoutError(f"still false after {timeout:.0f} s: {function[:120]}")
            time.sleep(0.25)

    def screenshot(self, path: Path) -> None:
        import base64

        data = self.command("browsingContext.captureScreenshot", {"context": self.context})["data"]
        path.write_bytes(base64.b64decode(data))


def _listening(process: subprocess.Popen, timeout: float) -> str:
    """The websocket address Firefox prints once its BiDi server listens (it reads its stderr till then)."""
    found: list[str] = []
    ready = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:  # drained to the end: a full pipe would stall Firefox
            if not found and "WebDriver BiDi listening on" in line:
                found.append(line.split("listening on", 1)[1].strip())
                ready.set()

    threading.Thread(target=read, daemon=True).start()
    if not ready.wait(timeout):
        raise RuntimeError(f"firefox-esr printed no BiDi address in {timeout:.0f} s")
    return found[0]


@contextlib.contextmanager
def firefox(width: int = 1280, height: int = 900, prefs: dict | None = None, headless: bool = False,
            timeout: float = 60.0) -> Iterator[Firefox]:  # fmt: skip
    """A Firefox ESR in a fresh profile (``PREFS`` and ``prefs``), its BiDi session open on one tab.

    In an Xvfb display of its own unless ``headless``: headless Firefox on Linux makes no WebGL context at all
    ("Exhausted GL driver options"), where under Xvfb it draws WebGL with Mesa's software driver, as a laptop's
    Firefox has WebGL; headless is the browser that cannot find hands."""
    from websockets.sync.client import connect

    profile = _profile({**PREFS, **(prefs or {})})
    xvfb, process = _launch(profile, width, height, headless)
    closed = False
    try:
        address = _listening(process, timeout)
        with connect(f"{address}/session", max_size=None, open_timeout=timeout) as socket:
            browser = Firefox(process, socket)
            browser.command("session.new", {"capabilities": {}})
            browser.context = browser.command("browsingContext.getTree", {"maxDepth": 0})["contexts"][0]["context"]
            browser.command("browsingContext.setViewport",
                            {"context": browser.context, "viewport": {"width": width, "height": height}})  # fmt: skip
            browser.command("session.subscribe", {"events": ["log.entryAdded"]})
            yield browser
            with contextlib.suppress(Exception):  # Firefox may close the socket as it goes
                browser.command("browser.close", {}, timeout=10)
                closed = True
    finally:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(10 if closed else 0.1)  # after a failure nothing asked Firefox to close
        if process.poll() is None:
            process.kill()
            process.wait(10)
        if xvfb is not None:
            xvfb.terminate()
            xvfb.wait(timeout=10)
        shutil.rmtree(profile, ignore_errors=True)


def _profile(prefs: dict) -> Path:
    """A fresh profile folder whose user.js sets ``prefs``."""
    profile = Path(tempfile.mkdtemp(prefix="handteach-firefox-"))
    lines = [f"user_pref({json.dumps(k)}, {json.dumps(v)});" for k, v in prefs.items()]
    profile.joinpath("user.js").write_text("\n".join(lines) + "\n")
    return profile


def _launch(profile: Path, width: int, height: int, headless: bool) -> tuple[subprocess.Popen | None, subprocess.Popen]:
    """Xvfb (unless ``headless``) and Firefox on ``profile`` with its BiDi server on a free port."""
    env, xvfb = dict(os.environ), None
    if not headless:
        env["DISPLAY"] = f":{free_display()}"
        xvfb = subprocess.Popen(["Xvfb", env["DISPLAY"], "-screen", "0", f"{width}x{height}x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(0.5)  # the display's socket appears before Firefox asks for it
    command = [str(FIREFOX), *(["--headless"] if headless else []), "--no-remote",
               f"--remote-debugging-port={free_port()}", "--profile", str(profile), "about:blank"]  # fmt: skip
    return xvfb, subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
