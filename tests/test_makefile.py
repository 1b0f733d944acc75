"""The first `make run` and `make test` say what they install and about how long (issue 45, item 10): a fresh
machine sat silent for about two minutes before. ``make -n`` prints the recipes without running them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("target", ["run", "test"])
def test_a_first_run_says_what_it_installs_before_installing(target: str, tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    fresh = tmp_path / "venv"  # no environment yet: make plans the whole first-run install
    done = subprocess.run(["make", "-n", "-C", str(ROOT), f"VENV={fresh}", target],
                          capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    lines = done.stdout.splitlines()
    said = next(i for i, line in enumerate(lines) if "Installing the Python packages" in line)
    installs = next(i for i, line in enumerate(lines) if "pip install" in line and "requirements.txt" in line)
    assert said < installs and "minutes" in lines[said], lines[: installs + 1]
    assert any("Building the browser path" in line or "Node.js not found" in line for line in lines), lines
