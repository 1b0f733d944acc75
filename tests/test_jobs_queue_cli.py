"""``python -m core jobs worker`` (core.cli.jobs) refusing bad input in one line, before any worker process starts: no
database URL, a data folder that is a file, a wrong or unreachable database (its password never said)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

# every test here took 0.3 s or more: all wait for the full suite (the quick tier is a minute)
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]


def worker(args: list[str], url: str | None, data: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "HANDTEACH_DATABASE_URL"}
    env |= {"HANDTEACH_DATA": str(data)} | ({"HANDTEACH_DATABASE_URL": url} if url else {})
    return subprocess.run([sys.executable, "-m", "core", "jobs", "worker", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)  # fmt: skip


def one_line(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 2, (done.returncode, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    return lines[0]


def test_without_a_database_url_it_says_what_to_set(tmp_path: Path) -> None:
    line = one_line(worker([], None, tmp_path))
    assert line == "error: the job queue lives on PostgreSQL: set HANDTEACH_DATABASE_URL=postgresql://... first"


@pytest.mark.parametrize("where", ["after", "before"])
def test_a_data_folder_that_is_a_file_is_said(tmp_path: Path, where: str) -> None:
    afile = tmp_path / "notes.txt"
    afile.write_text("not a folder")
    args = ["--data", str(afile)] if where == "after" else []
    env_data = tmp_path if where == "after" else afile  # $HANDTEACH_DATA, where no --data is given
    line = one_line(worker(args, "postgresql://nobody@127.0.0.1:1/none", env_data))
    assert line == f"error: {afile}: not a folder (--data names the data directory)"


def test_an_unreachable_database_is_one_line_without_its_password(tmp_path: Path) -> None:
    line = one_line(worker(["--data", str(tmp_path)], "postgresql://teacher:s3cret@127.0.0.1:1/school", tmp_path))
    assert line.startswith("error: cannot reach the job queue's database postgresql://teacher@127.0.0.1:1/school: ")
    assert "s3cret" not in line
