"""Doc lines that a reader runs or relies on, checked against what they describe (issue 76, item 7): the outputs
page's commands run in a fresh shell from the checkout, the PostgreSQL step's hint quotes the error createdb gives
where no server runs, one statement of the Python versions, and the accessibility report names the Streamlit each
Python installs."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PYTHONS = "CPython 3.11, 3.12, 3.13 or 3.14"


def _bash_lines(page: Path) -> list[str]:
    blocks = re.findall(r"^```bash\n(.*?)^```", page.read_text(encoding="utf-8"), re.MULTILINE | re.DOTALL)
    return [line.split("  #", 1)[0].strip() for block in blocks for line in block.splitlines() if line.strip()]


def _fresh_shell() -> dict[str, str]:
    return {"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), "LANG": "C.UTF-8"}


@pytest.mark.slow
def test_the_outputs_commands_run_in_a_fresh_shell_as_written() -> None:
    """A bare ``python -m core live …`` fails in a fresh shell (no .venv on the PATH); each line's command, with its
    every flag, is the checkout's launcher's (``make command``)."""
    launcher = ROOT / ".venv" / "bin" / "handteach"
    if not launcher.exists():
        pytest.skip("no .venv/bin/handteach: make command (make run and make test make it) first")
    lines = _bash_lines(ROOT / "docs" / "outputs.md")
    assert lines and all(line.startswith(".venv/bin/handteach live ") for line in lines), lines
    done = subprocess.run([".venv/bin/handteach", "live", "--help"], cwd=ROOT, env=_fresh_shell(), capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for line in lines:
        for flag in (word for word in shlex.split(line) if word.startswith("-")):
            assert re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", done.stdout), f"{flag} of {line!r} unknown"


def test_the_postgresql_hint_quotes_the_error_createdb_gives_with_no_server() -> None:
    if shutil.which("createdb") is None:
        pytest.skip("no createdb (Debian's postgresql-client)")
    empty = Path("/tmp") / f"handteach-no-server-{os.getpid()}"
    done = subprocess.run(["createdb", "handteach"], env={**_fresh_shell(), "PGHOST": str(empty)},
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    said = re.search(r'connection to server on socket "[^"]+" failed: [^\n]+', done.stderr)
    assert done.returncode != 0 and said, done.stderr
    step = (ROOT / "docs" / "site-servers.md").read_text(encoding="utf-8").split("## 3.")[0].split("## 2.")[1]
    quoted = said.group(0).replace(str(empty), "/var/run/postgresql")
    assert quoted in " ".join(step.split()), quoted
    assert "pg_ctlcluster" in step and "pg_lsclusters" in step


def test_one_statement_of_the_python_versions() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["requires-python"] == ">=3.11,<3.15"
    make = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "SUPPORTED_PYTHONS := python3.14 python3.13 python3.12 python3.11" in make
    for page in DOCS:
        for said in re.finditer(r"[Nn]eeds? (C?Python 3[\d., –-]*(?:or 3\.\d+)?)", page.read_text(encoding="utf-8")):
            assert said.group(1).rstrip(" ,") == PYTHONS, f"{page.name}: {said.group(0)!r}"
    assert PYTHONS in (ROOT / "README.md").read_text(encoding="utf-8")


def test_the_accessibility_report_names_the_streamlit_each_python_installs() -> None:
    lines = (ROOT / "requirements.txt").read_text(encoding="utf-8").splitlines()
    pins = {
        str(r.specifier).removeprefix("==")
        for r in map(Requirement, (line for line in lines if line.startswith("streamlit==")))
    }
    assert pins, "requirements.txt pins no Streamlit"
    report = (ROOT / "docs" / "accessibility.md").read_text(encoding="utf-8")
    for version in pins:
        assert f"Streamlit {version.rsplit('.', 1)[0]}" in report, version
