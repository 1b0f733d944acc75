"""``/_stcore/metrics`` is not served (ui.server.private): Streamlit's counters are nobody's business in a class."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from bench.common.browser import AppServer


def _status(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.mark.slow
def test_the_served_app_answers_metrics_with_404_and_health_still_with_ok(tmp_path: Path) -> None:
    server = AppServer(tmp_path / "data", log=tmp_path / "streamlit.log").start()  # python -m ui.server.serve
    try:
        status, body = _status(f"{server.url}/_stcore/metrics")
        assert (status, body) == (404, b"Not found")
        assert _status(f"{server.url}/_stcore/metrics/")[0] == 404
        assert _status(f"{server.url}/_stcore/health") == (200, b"ok")
    finally:
        server.stop()
