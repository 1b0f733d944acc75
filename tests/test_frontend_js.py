"""The browser path's own unit tests (frontend/test, node's built-in runner) run as part of the suite.

Skips, saying so, where Node.js is absent: the app then keeps the keypoints on the server.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# every test here took 0.3 s or more: all wait for the full suite (the quick tier is a minute)
pytestmark = pytest.mark.slow

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"


def test_the_frontend_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the browser path's unit tests (frontend/test) need it")
    done = subprocess.run([node, "--test", "test/"], cwd=FRONTEND, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
