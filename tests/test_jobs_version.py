"""The code's version (core.jobs.version): fixed as a process first imports ``core.jobs`` (an app server does at its
start, with its heartbeat), so a file edited later in the checkout (a ``git pull`` on a running site) does not make
an app server that opens its first page afterwards another version than the workers started with it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from test_jobs_contract import other_checkout

from core.jobs.version import WIRE_VERSION, code_digest

# every test here took 0.3 s or more: all wait for the full suite (the quick tier is a minute)
pytestmark = pytest.mark.slow

EDIT_AFTER_START = """
import core.jobs.local  # what an app server imports as it starts (its heartbeat reports the pool's load)
from pathlib import Path
edited = Path("core/jobs/tasks.py")
edited.write_text(edited.read_text() + "\\n# pulled while the server ran\\n")
from core.jobs.queue_db import jobs_version  # its first page, later: the queue runner
print(jobs_version())
"""


def test_the_version_is_the_code_a_process_started_with(tmp_path: Path) -> None:
    checkout = other_checkout(tmp_path / "site")
    started_with = code_digest(checkout / "core")
    said = subprocess.run([sys.executable, "-c", EDIT_AFTER_START], cwd=checkout, capture_output=True, text=True,
                          env={"PYTHONPATH": str(checkout)}, timeout=120, check=True).stdout.strip()  # fmt: skip
    assert said == f"{WIRE_VERSION}.{started_with}"
    assert code_digest(checkout / "core") != started_with  # the file did change
