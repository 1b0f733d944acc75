"""What ``python -m ui.server.serve`` adds to Streamlit's routes: ``/_stcore/metrics`` is not served (ui.server.private),
the browser path's files go gzipped once and are revalidated (ui.server.assets)."""

from __future__ import annotations

import gzip
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest

from bench.common.browser import AppServer
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
