"""The Scratch editor's own unit tests (scratch/test, node's built-in runner): the handteach blocks' menus, the
gesture a block names, the fingertip in stage coordinates. Skips, saying so, where Node.js is absent."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

# every test here took 0.3 s or more: all wait for the full suite (the quick tier is a minute)
pytestmark = pytest.mark.slow

SCRATCH = Path(__file__).resolve().parents[1] / "scratch"


def test_the_scratch_blocks_unit_tests_pass() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the Scratch blocks' unit tests (scratch/test) need it")
    done = subprocess.run([node, "--test", "test/"], cwd=SCRATCH, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    assert "# fail 0" in done.stdout
