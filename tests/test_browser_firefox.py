"""The browser path in Firefox (issue 55, item 4): Debian's firefox-esr driven over WebDriver BiDi (``bench.common.firefox``).

Marked ``extended``: CI does not install Firefox (about 250 MB more to install on every run, for a browser the
WebKit and Chromium tests already walk the same path in); ``make test-all`` runs it where firefox-esr is there.

Firefox under Xvfb has WebGL (Mesa's software driver) and runs the tab: on the starter model, Live labels 8 of p01's
later webcam frames (two each of four gestures, shown on ``bench.common.canvas_camera``) as Chromium does on the same
pictures. Headless Firefox makes no WebGL context at all ("Exhausted GL driver options"): the browser that cannot
find hands, which must say so in one plain line and move the student to the server path, labelling within 15 s.

Skips with the reason without firefox-esr, Xvfb, Chromium, ../shared or the built frontend.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from bench.common.browser import AppServer, chromium_args, wait_app_ready
from bench.common.canvas_camera import CAMERA_FRAME_TITLE, INIT_SCRIPT, INSTALL, data_url, labels_of, person_pictures
from bench.common.fake_camera import SHARED

pytestmark = [pytest.mark.slow, pytest.mark.extended]
PERSON = SHARED / "hands" / "webcam_people" / "p01_anupam1612"
GESTURES = ("fist", "ok", "open_palm", "thumbs_up")
WEBRTC_FRAME_TITLE = "streamlit_webrtc.component.webrtc_streamer"
STACK = re.compile(r"\bat \S+ \(|\.js:\d+|Traceback|Error:|undefined is not", re.IGNORECASE)
SERVER_LABEL = """() => { const t = (document.querySelector('.st-key-live_labels') || {}).innerText || '';
  return /Labels: .+? \\d+% \\((Left|Right)\\)/.test(t) && t; }"""
# what the tab runs on, read in its frame: WebGL's renderer, whether an OffscreenCanvas has WebGL 2, the WASM files
# fetched (tasks-vision's SIMD build or not), the tab's own frame rate and its first label's time from the frame's start (s)
TAB_REPORT = """() => { const gl = document.createElement('canvas').getContext('webgl2');
  const info = gl && gl.getExtension('WEBGL_debug_renderer_info');
  const t = window.handteach.timing;
  return { renderer: gl ? gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) : null,
    offscreen_webgl2: typeof OffscreenCanvas === 'function' && !!new OffscreenCanvas(1, 1).getContext('webgl2'),
    wasm: performance.getEntriesByType('resource').map(e => e.name.split('/').pop()).filter(n => n.endsWith('.wasm')),
    fps: window.handteach.state.fps, frames: t.frames,
    first_label_s: t.firstLabelAt ? (t.firstLabelAt - performance.timeOrigin) / 1000 : null,
    note: document.getElementById('note').textContent }; }"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - AppServer on the browser path
    from browsermaker import canvas_camera_server

    from bench.common.firefox import missing_firefox

    yield from canvas_camera_server(tmp_path_factory.mktemp("firefox"), "Firefox", missing_firefox(), PERSON)


def _pictures() -> list[Path]:
    return [p for g in GESTURES for p in person_pictures(PERSON, g, True, 2)]


def _chromium_labels(server: AppServer, pictures: list[Path]) -> tuple[list[str], dict]:
    """Live's labels in headless Chromium on ``pictures`` (the canvas camera replaces Chromium's own fake one), and
    its tab's ``TAB_REPORT``."""
    from playwright.sync_api import sync_playwright

    args = [a for a in chromium_args(Path("unused.y4m")) if not a.startswith("--use-file-for-fake-video-capture")]
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            context.add_init_script(INIT_SCRIPT)
            page = context.new_page()
            page.goto(f"{server.url}/live")
            wait_app_ready(page)
            page.wait_for_selector(f'iframe[title="{CAMERA_FRAME_TITLE}"]', timeout=60_000)
            frame = next(f for f in page.frames if "handteach_camera" in (f.url or ""))
            frame.wait_for_function("() => window.handteach && window.handteach.state.session", timeout=90_000)
            return labels_of(frame.evaluate, pictures), frame.evaluate(TAB_REPORT)
        finally:
            browser.close()


def test_firefox_labels_a_real_hand_as_chromium_does(server: AppServer, tmp_path: Path) -> None:
    """Live in Firefox on the starter model: the tab runs the hand model and the ONNX on p01's frames, as Chromium."""
    from bench.common.firefox import firefox

    shown = _pictures()
    started = time.monotonic()
    with firefox() as ff:
        ff.preload(INIT_SCRIPT)
        try:
            ff.navigate(f"{server.url}/live")
            frame = ff.frame(CAMERA_FRAME_TITLE, 90)
            ff.wait_for("() => window.handteach && window.handteach.state.session && window.handteach.timing.frames > 3",
                        90, frame)  # fmt: skip
            labels = labels_of(lambda script, arg=None: ff.call(script, arg, frame), shown)
            report = ff.call(TAB_REPORT, None, frame)
        except Exception:
            ff.screenshot(tmp_path / "firefox-live.png")
            raise
        errors = list(ff.errors)
    in_firefox = time.monotonic() - started
    chromium, chromium_report = _chromium_labels(server, shown)
    agree = sum(f == c for f, c in zip(labels, chromium, strict=True)) / len(labels)
    print(f"firefox {labels}\nchromium {chromium}\nagree {agree:.0%}; firefox's tab {report}; chromium's tab {chromium_report}; console errors {errors[:3]}; "
          f"{in_firefox:.0f} s in Firefox, {time.monotonic() - started - in_firefox:.0f} s in Chromium")  # fmt: skip
    assert report["renderer"], report  # the tab ran on WebGL, not on a fallback
    assert sum(label != "none" for label in labels) >= len(shown) - 1, labels  # the hand is found
    assert agree >= 0.95, list(zip(labels, chromium, strict=True))
    assert not report["note"], report  # nothing said under the video: the tab runs


def test_firefox_without_webgl_moves_to_the_server_path(server: AppServer, tmp_path: Path) -> None:
    """Headless Firefox has no WebGL: one plain line in the sidebar, and the server path labels the hand.

    The canvas camera plays p01's thumbs-up in both frames. Two prefs are for this machine, not for Firefox: a camera
    that is not Firefox's own leaves the page without camera permission, so Firefox hides its host addresses behind
    mDNS names, which the server's WebRTC cannot resolve; and the server, on this machine, offers only loopback
    addresses, which Firefox leaves out unless told (both: "ICE failed", no video)."""
    from bench.common.firefox import firefox

    prefs = {"media.peerconnection.ice.obfuscate_host_addresses": False, "media.peerconnection.ice.loopback": True}
    thumbs = [data_url(p) for p in person_pictures(PERSON, "thumbs_up", True, 5)]
    with firefox(headless=True, prefs=prefs) as ff:
        ff.preload(f"if (window.frameElement && /handteach_camera|webrtc_streamer/.test(window.frameElement.title)) "
                   f"{{ {INSTALL} }}")  # fmt: skip
        try:
            started = time.monotonic()
            ff.navigate(f"{server.url}/live")
            ff.wait_for("() => document.body.innerText.includes('This browser could not find hands')", 90)
            said = time.monotonic()
            sidebar = str(ff.call("() => document.querySelector('[data-testid=stSidebar]').innerText"))
            ff.call("u => window.handteachCamera.show(u)", thumbs, ff.frame(WEBRTC_FRAME_TITLE, 30))
            label = ff.wait_for(SERVER_LABEL, 60)
            late = time.monotonic() - said
        except Exception:
            ff.screenshot(tmp_path / "firefox-headless.png")
            raise
    line = [part for part in sidebar.split("This browser could not find hands")[1].split("\n") if part.strip()][:2]
    print(f"fallback line {said - started:.1f} s after navigating; server path's first label {late:.1f} s after it: "
          f"{str(label).splitlines()[-1]}; sidebar {line}")  # fmt: skip
    assert "WebGL is off or missing" in sidebar, sidebar
    assert not any(STACK.search(part) for part in line), line
    # the issue asks 10 s (3.3 s measured); 15 s leaves room for another process beside it, as test_browser_failures
    assert late <= 15.0, f"the server path's first label came {late:.1f} s after the fallback's line"
