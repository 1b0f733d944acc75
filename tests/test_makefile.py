"""The first `make run` and `make test` say what they install and about how long (issue 45, item 10): a fresh
machine sat silent for about two minutes before. ``make -n`` prints the recipes without running them."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# every test here took 0.3 s or more: all wait for the full suite (the quick tier is a minute)
pytestmark = pytest.mark.slow

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


def test_make_installs_a_handteach_command_that_runs_this_checkout_from_any_folder(tmp_path: Path) -> None:
    """``make run``/``make test`` put ``handteach`` in .venv/bin (docs/class.md gives it): the same command line
    as ``python -m core``, on this checkout's data, wherever it is typed."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    venv = tmp_path / "venv"
    (venv / "bin").mkdir(parents=True)
    (venv / ".installed").touch()  # the packages: this interpreter's (make would install them first)
    for target in ("run", "test"):
        planned = subprocess.run(["make", "-n", "-C", str(ROOT), f"VENV={venv}", target],
                                 capture_output=True, text=True, timeout=60, check=True).stdout  # fmt: skip
        assert f"{venv}/bin/handteach" in planned, planned
    subprocess.run(["make", "-s", "-C", str(ROOT), f"VENV={venv}", f"PY={sys.executable}", "command"],
                   capture_output=True, text=True, timeout=60, check=True)  # fmt: skip
    data = tmp_path / "data"
    done = subprocess.run([str(venv / "bin" / "handteach"), "--data", str(data), "class", "create", "7B"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=120, check=True)  # fmt: skip
    assert done.stdout.startswith("Class '7B' created. Join code: ") and (data / "handteach.sqlite").is_file()
