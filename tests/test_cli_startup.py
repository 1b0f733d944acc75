"""What ``python -m core`` imports to start: the parser and the store commands need no engine.

torch, scikit-learn and MediaPipe made every command, ``--help`` included, take 3 s to start; the handlers
that need them import them when they run (``core/cli``). Each case is a fresh interpreter, as a user's shell
starts it, that runs ``python -m core ARGS`` and then reports which of those packages it had imported.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
ENGINES = ("torch", "sklearn", "mediapipe", "streamlit")

# ``python -m core ARGS`` (runpy, as ``-m`` does), then one JSON line: its exit code and the engines it imported.
_CHILD = f"""
import json, runpy, sys
try:
    runpy.run_module("core", run_name="__main__", alter_sys=True)
    code = 0
except SystemExit as exit:
    code = exit.code
loaded = {{name.split(".")[0] for name in sys.modules}}
print(json.dumps({{"code": code, "engines": sorted(loaded & set({ENGINES!r}))}}))
"""


def _start(data: Path, *args: str) -> tuple[int, list[str], str]:
    """Exit code, engines imported and the output (without the report line) of ``python -m core ARGS``."""
    env = {**os.environ, "HANDTEACH_DATA": str(data), "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", _CHILD, *args], capture_output=True, text=True, env=env,
                          cwd=REPO, timeout=120)  # fmt: skip
    *output, report = done.stdout.rstrip("\n").split("\n")
    result = json.loads(report)
    return result["code"], result["engines"], "\n".join(output) + done.stderr


@pytest.mark.slow
@pytest.mark.parametrize("args", [("--help",), ("train", "--help"), ("train-cpm", "--help")], ids=" ".join)
def test_help_imports_no_engine(tmp_path: Path, args: tuple[str, ...]) -> None:
    code, engines, output = _start(tmp_path, *args)
    assert code == 0 and output.startswith("usage: python -m core"), output
    assert engines == [], f"python -m core {' '.join(args)} imported {engines}"


@pytest.mark.slow
def test_store_commands_import_no_engine(tmp_path: Path) -> None:
    """Create a project, list projects and classes, export: real SQLite in ``tmp_path``, no torch."""
    data = tmp_path / "data"
    csv_path = tmp_path / "signs.csv"
    steps = [
        (("projects", "create", "signs"), "created project 'signs'"),
        (("--data", str(data), "projects", "list"), "signs: 0 samples in 0 of 8 gestures"),
        (("classes", "list", "-p", "signs"), "👍 thumbs_up: 0 samples"),
        (("export", "-o", str(csv_path), "--format", "handteach", "-p", "signs"), f"wrote 0 rows to {csv_path}"),
    ]
    for args, expected in steps:
        code, engines, output = _start(data, *args)
        assert code == 0 and expected in output, f"{args}: {output}"
        assert engines == [], f"python -m core {' '.join(args)} imported {engines}"
    assert csv_path.stat().st_size > 0  # the header, written by the command above


@pytest.mark.slow
def test_a_bad_value_still_ends_in_an_error_line_without_an_engine(tmp_path: Path) -> None:
    """Refused by argparse before any handler runs: exit 2 and the flag named."""
    code, engines, output = _start(tmp_path, "train", "--epochs", "0")
    assert code == 2 and "argument --epochs: must be an integer from 1 to 100000, got '0'" in output, output
    assert engines == []


def test_every_command_s_one_line_help_says_something_of_its_own() -> None:
    """Issue 45 item 13: ``--help`` listed ``train-cpm`` and ``train-keypoints`` with the same words. Each command's
    one-line help is its own; an alias says which command it is the same as."""
    import argparse

    from core.cli.main import build_parser

    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    helps = {choice.dest: choice.help for choice in sub._choices_actions}
    assert len(helps) >= 15 and all(helps.values()), helps
    assert len(set(helps.values())) == len(helps), sorted(helps.items(), key=lambda item: item[1])
    assert "train-cpm" in helps["train-keypoints"]
    assert not [name for name, text in helps.items() if "docs/" in text], "a file path in a one-line help"
