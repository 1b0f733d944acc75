"""The browser path as a class reaches it (issue 46), in real Chromium with the fake camera on the shared ASL video:

* over HTTPS behind nginx on loopback (a self-signed certificate, websocket upgrades, no STUN or TURN:
  ``bench/server/https_proxy.py``) at a name that is not localhost, Live's tab gets the camera and draws a label,
  and the page's card shows it;
* the same app over plain http at that name is no secure context: the camera is refused, the tab says why
  and the page offers the upload path;
* a camera the person denied: Live and Record say so and offer the upload path, whose button opens it.

One app and one browser for all; each check its own context. The HTTPS check skips without nginx
(``.ci/run`` installs ``nginx-light``); all skip without chromium, ffmpeg, playwright, the video or the built
frontend. The quick test keeps docs/https.md's nginx recipe the one tested here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import fake_camera_or_skip

from bench.common.browser import CHROMIUM, AppServer, chromium_args, wait_app_ready
from bench.common.fake_camera import DEFAULT_VIDEO
from bench.common.webcam_browser import camera_frame, chromium
from bench.server.https_proxy import HOSTNAME, RESOLVE, UPGRADE_MAP, check, https_proxy, nginx_missing, nginx_site
from ui.browser.component import BUILD_COMMAND, missing_assets

ROOT = Path(__file__).resolve().parents[1]
DOC, CONF = ROOT / "docs" / "https.md", ROOT / "deploy" / "nginx-https.conf"
BLOCKED = "The camera is blocked for this page"
INSECURE = "or localhost pages"  # the page writes "https:" with a word joiner (no autolink)


def test_the_https_recipe_copies_the_tested_nginx_config() -> None:
    """docs/https.md copies deploy/nginx-https.conf, and shows it whole: the server block tested below, and its map."""
    conf, doc = CONF.read_text(encoding="utf-8"), DOC.read_text(encoding="utf-8")
    site = nginx_site("443", 8501, Path("/etc/ssl/handteach/cert.pem"), Path("/etc/ssl/handteach/key.pem"),
                      "handteach.school.example")  # fmt: skip
    assert site in conf and UPGRADE_MAP in conf and f"```nginx\n{conf}```" in doc
    assert "sudo cp deploy/nginx-https.conf /etc/nginx/sites-enabled/handteach" in doc


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory):  # noqa: ANN201 - (app server, playwright browser, y4m)
    if missing_assets():
        pytest.skip(f"the browser path is not built ({', '.join(missing_assets())} missing): run `{BUILD_COMMAND}`")
    y4m = fake_camera_or_skip(DEFAULT_VIDEO, tmp_path_factory.mktemp("y4m"))
    server = AppServer(tmp_path_factory.mktemp("access") / "data", keypoints="browser").start()
    try:
        with chromium(y4m, extra_args=[RESOLVE]) as browser:
            yield server, browser, y4m
    finally:
        server.stop()


def _offers_files(page, warning: str, button: str, uploader: str) -> None:  # noqa: ANN001 - playwright Page
    """The page repeats the camera's problem, and its button opens the upload path."""
    page.get_by_text(warning).first.wait_for(timeout=60_000)
    page.get_by_role("button", name=button).click()
    page.get_by_text(uploader).first.wait_for(timeout=30_000)


# extended: HTTPS through nginx: the websocket through nginx is in test_browser_scaled, plain HTTP here
@pytest.mark.extended
@pytest.mark.slow
def test_live_over_https_behind_nginx(served) -> None:  # noqa: ANN001
    if reason := nginx_missing():
        pytest.skip(f"the HTTPS proxy needs {reason}")
    server, browser, _ = served
    with https_proxy(server.port) as proxy:
        seen = check(proxy, browser)
    print(f"https via nginx: first label drawn {seen['drawn_s']} s, on the card {seen['card_s']} s")
    assert seen["secure_context"] and seen["protocol"] == "https:"
    assert seen["drawn_s"] > 0 and seen["card_s"] > 0


@pytest.mark.slow
def test_plain_http_on_the_network_offers_files(served) -> None:  # noqa: ANN001
    server, browser, _ = served
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"http://{HOSTNAME}:{server.port}/live")
    frame = camera_frame(page)
    frame.wait_for_function(f"() => document.getElementById('note').textContent.includes({INSECURE!r})")
    _offers_files(page, INSECURE, "🖼 Use an image or a video instead", "An image or a video")
    context.close()


@pytest.mark.slow
def test_denied_camera_offers_files_on_live_and_record(served) -> None:  # noqa: ANN001
    server, browser, y4m = served
    # Chromium without the flag that accepts every camera prompt, and with prompts denied: a person's "Block"
    args = [a for a in chromium_args(y4m) if a != "--use-fake-ui-for-media-stream"]
    denying = browser.browser_type.launch(executable_path=CHROMIUM, headless=True,
                                          args=[*args, "--deny-permission-prompts"])  # fmt: skip
    try:
        page = denying.new_page(viewport={"width": 1280, "height": 900})
        page.goto(f"{server.url}/live")
        wait_app_ready(page)
        frame = camera_frame(page)
        frame.wait_for_function(f"() => document.getElementById('note').textContent.includes({BLOCKED!r})")
        assert page.get_by_text("Press START").count() == 0, "the browser path has no START button to press"
        _offers_files(page, BLOCKED, "🖼 Use an image or a video instead", "An image or a video")
        page.goto(f"{server.url}/record")
        _offers_files(page, BLOCKED, "📁 Use photos or a video instead", "Photos or videos of")
    finally:
        denying.close()
