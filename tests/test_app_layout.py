"""Layering of the app: pages only lay out, ``core`` never imports the web stack, the callback never calls ``st``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
WEB_STACK = {"streamlit", "streamlit_webrtc", "av"}


def _imports(path: Path, top_level: bool = False) -> set[str]:
    """First components of the modules ``path`` imports (anywhere, or only at module level)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body if top_level else ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted((ROOT / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_does_not_import_the_web_stack(path: Path) -> None:
    assert not _imports(path) & WEB_STACK, f"{path} imports {_imports(path) & WEB_STACK}"


def test_only_core_keypoints_imports_mediapipe() -> None:
    """MediaPipe (hands and pose) stays behind ``core/keypoints/``: the app and benchmarks get ``Keypoints``.

    (Tests may import it: conftest watches for MediaPipe starting in a quick run.)
    """
    files = [ROOT / "app.py", *(p for d in ("core", "ui", "pages", "bench") for p in (ROOT / d).rglob("*.py"))]
    outside = [p for p in files if not p.is_relative_to(ROOT / "core" / "keypoints") and "mediapipe" in _imports(p)]
    assert not outside, f"only core/keypoints/* may import mediapipe: {[str(p.relative_to(ROOT)) for p in outside]}"


@pytest.mark.parametrize("path", sorted((ROOT / "pages").glob("*.py")), ids=lambda p: p.name)
def test_pages_are_short_layouts(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines < 150, f"{path.name} has {lines} lines: move logic into ui/ or core/"


@pytest.mark.parametrize("module", ["stream.py", "recorder.py", "overlay.py", "jobs.py", "uploads.py", "settings.py"])
def test_worker_side_glue_never_touches_streamlit_at_import(module: str) -> None:
    """What runs in the WebRTC and training threads stays free of ``st.*`` (settings imports it lazily)."""
    assert "streamlit" not in _imports(ROOT / "ui" / module, top_level=True)


def _core_modules(path: Path) -> set[str]:
    """Full names of the ``core`` modules ``path`` imports anywhere (``from core.data import store`` counts as core.data.store)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in names if name == "core" or name.startswith("core.")}


@pytest.mark.parametrize("path", sorted((ROOT / "core" / "cpm").rglob("*.py")), ids=lambda p: p.name)
def test_the_model_package_does_not_know_the_database(path: Path) -> None:
    """Projects meet the CPM in ``core/data/project_cpm.py`` and ``core/data/project_finetune.py``, never inside ``core/cpm``."""
    stores = {n for n in _core_modules(path) if n.split(".")[:2] == ["core", "data"]}
    assert not stores, f"{path.relative_to(ROOT)} imports {sorted(stores)}"
