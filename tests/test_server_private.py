"""What ``python -m ui.server.serve`` adds to Streamlit's routes: ``/_stcore/metrics`` is not served and every answer
says only the app's own pages may frame it (ui.server.private), the browser path's files go gzipped once and are
revalidated (ui.server.assets)."""

from __future__ import annotations

import contextlib
import gzip
import http.server
import re
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.common.browser import CHROMIUM, AppServer
from ui.browser.component import BUILD_COMMAND, BUILD_DIR, missing_assets
from ui.server.assets import COMPONENT_NAME


def _status(url: str, **headers: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("served")
    served = AppServer(folder / "data", log=folder / "streamlit.log").start()  # python -m ui.server.serve
    yield served
    served.stop()


@pytest.mark.slow
def test_the_served_app_answers_metrics_with_404_and_health_still_with_ok(server: AppServer) -> None:
    status, body = _status(f"{server.url}/_stcore/metrics")
    assert (status, body) == (404, b"Not found")
    assert _status(f"{server.url}/_stcore/metrics/")[0] == 404
    assert _status(f"{server.url}/_stcore/health") == (200, b"ok")


@pytest.mark.slow
def test_the_served_app_sends_the_hand_model_gzipped_then_answers_304(server: AppServer) -> None:
    if missing_assets():
        pytest.skip(f"the browser path is not built ({BUILD_COMMAND})")
    url = f"{server.url}/component/{COMPONENT_NAME}/hand_landmarker.task"
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Accept-Encoding": "gzip"}), timeout=30) as reply:
        etag, body = reply.headers["ETag"], reply.read()
        assert reply.headers["Content-Encoding"] == "gzip" and reply.headers["Cache-Control"] == "no-cache"
    assert gzip.decompress(body) == (BUILD_DIR / "hand_landmarker.task").read_bytes()
    assert _status(url, **{"If-None-Match": etag, "Accept-Encoding": "gzip"}) == (304, b"")


def _headers(url: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            return reply.status, {k.lower(): v for k, v in reply.headers.items()}, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


@pytest.mark.slow
def test_every_kind_of_route_says_only_the_apps_own_pages_may_frame_it(server: AppServer) -> None:
    """A page, Streamlit's static files, the component's frame and files, media (pictures, downloads), the health
    check, a hidden route and an unknown one: each answer carries both framing headers."""
    status, headers, page = _headers(f"{server.url}/")
    assert status == 200
    script = re.search(rb'src="\.?/?(static/js/[^"]+\.js)"', page)
    assert script is not None, page[:500]
    routes = ["/", "/train", f"/{script.group(1).decode()}", "/_stcore/health", "/_stcore/host-config",
              "/_stcore/metrics", f"/component/{COMPONENT_NAME}/index.html", f"/component/{COMPONENT_NAME}/app.js",
              "/media/0123456789abcdef.png", "/media/0123456789abcdef.csv", "/no/such/route"]  # fmt: skip
    for route in routes:
        status, headers, _ = _headers(f"{server.url}{route}")
        assert headers.get("content-security-policy") == "frame-ancestors 'self'", (route, status, headers)
        assert headers.get("x-frame-options") == "SAMEORIGIN", (route, status)
    assert _headers(f"{server.url}/", "HEAD")[1].get("x-frame-options") == "SAMEORIGIN"


@contextlib.contextmanager
def _page_framing(url: str) -> Iterator[str]:
    """A page on another loopback port of the same host whose only content is a frame of ``url``."""
    html = f'<!doctype html><title>elsewhere</title><iframe id="app" src="{url}" width="800" height="600"></iframe>'

    class Framing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            body = html.encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    elsewhere = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Framing)
    threading.Thread(target=elsewhere.serve_forever, daemon=True).start()
    try:
        yield f"http://localhost:{elsewhere.server_address[1]}/"
    finally:
        elsewhere.shutdown()
        elsewhere.server_close()


@pytest.mark.slow
def test_a_page_of_another_port_cannot_frame_the_app_and_the_app_frames_its_own(server: AppServer) -> None:
    """Issue 74: a page on another port framed the signed-in app and one click there pressed Sign out. Chromium now
    refuses to show the app in that frame; a frame of the app's own origin still shows."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no chromium at {CHROMIUM}")
    with _page_framing(f"{server.url}/") as elsewhere, sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        try:
            page = browser.new_page()
            refusals: list[str] = []
            page.on("console", lambda message: refusals.append(message.text) if "frame" in message.text else None)
            page.goto(elsewhere)
            app_frame = next(frame for frame in page.frames if frame != page.main_frame)
            for _ in range(150):  # until the frame's answer came: the app's address, or Chromium's error page
                if app_frame.url not in ("", "about:blank"):
                    break
                page.wait_for_timeout(100)
            assert app_frame.url.startswith("chrome-error:"), app_frame.url
            assert page.frame_locator("#app").locator('[data-testid="stApp"]').count() == 0
            assert any("frame-ancestors" in text for text in refusals), refusals
            page.goto(f"{server.url}/_stcore/health")
            page.evaluate("""() => new Promise(done => { const own = document.createElement('iframe');
                own.onload = done; own.src = '/_stcore/host-config'; document.body.append(own); })""")
            own = next(frame for frame in page.frames if frame != page.main_frame)
            assert own.url == f"{server.url}/_stcore/host-config" and "allowedOrigins" in own.content()
        finally:
            browser.close()
