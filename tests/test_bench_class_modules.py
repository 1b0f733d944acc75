"""The class benchmarks' modules (bench/server/): ``classroom.py`` runs ``class_flood.py`` or ``scaled_class.py``
instead when asked, and all three share ``class_pages.py``; neither of the two imports ``classroom`` back (they did,
in a circle), and ``--app-servers 1`` runs its one machine once (both runs wrote one folder: ``FileExistsError``)."""

from __future__ import annotations

import ast
from pathlib import Path

from bench.server.scaled_class import configurations

SERVER = Path(__file__).resolve().parents[1] / "bench" / "server"


def _imported(module: str) -> set[str]:
    """Every ``bench.server`` module ``module`` imports, at its top or inside a function."""
    tree = ast.parse((SERVER / f"{module}.py").read_text(encoding="utf-8"))
    found = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    found |= {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    return {name.removeprefix("bench.server.") for name in found if name.startswith("bench.server.")}


def test_the_class_benchmarks_import_no_circle() -> None:
    assert {"class_flood", "scaled_class"} <= _imported("classroom")
    for module in ("class_flood", "scaled_class"):
        assert "classroom" not in _imported(module) and "class_pages" in _imported(module)
    assert not _imported("class_pages") & {"classroom", "class_flood", "scaled_class"}


def test_one_app_server_is_one_configuration() -> None:
    assert configurations(1) == [1]
    assert configurations(2) == [1, 2]
