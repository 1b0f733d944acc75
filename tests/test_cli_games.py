"""``handteach game export`` / ``game import`` (core/cli/games.py) on a real store: a game put in comes out byte for
byte; a file that is not a safe .sb3 is one ``error:`` line naming it, and the game before stays."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli.main import main
from core.data.project_games import load_game
from core.data.store import Store
from core.scratch.examples import FOLDER


def test_a_game_goes_in_and_out_and_a_bad_file_changes_nothing(tmp_path: Path,
                                                               capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    data = ["--data", str(tmp_path / "data")]
    Store(tmp_path / "data").create_project("demo")
    assert main([*data, "game", "export", "demo", "-o", str(tmp_path / "none.sb3")]) == 2
    assert "has no Scratch game yet" in capsys.readouterr().err and not (tmp_path / "none.sb3").exists()
    rocket = FOLDER / "rocket.sb3"
    assert main([*data, "game", "import", "demo", str(rocket)]) == 0
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["bytes"] == rocket.stat().st_size
    bad = tmp_path / "bad.sb3"
    bad.write_bytes(b"<svg onload=alert(1)>")
    assert main([*data, "game", "import", "demo", str(bad)]) == 2
    assert capsys.readouterr().err == f"error: {bad}: This is not a Scratch 3 project (.sb3): it is not a zip file.\n"
    assert main([*data, "game", "export", "demo", "-o", str(tmp_path / "out.sb3")]) == 0
    assert (tmp_path / "out.sb3").read_bytes() == rocket.read_bytes()
    assert load_game(Store(tmp_path / "data"), "demo").data == rocket.read_bytes()
