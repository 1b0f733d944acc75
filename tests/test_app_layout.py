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


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted((ROOT / "core").rglob("*.py")), ids=lambda p: str(p.relative_to(ROOT)))
def test_core_does_not_import_the_web_stack(path: Path) -> None:
    assert not _imports(path) & WEB_STACK, f"{path} imports {_imports(path) & WEB_STACK}"


@pytest.mark.slow
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


@pytest.mark.parametrize(
    "module",
    [
        "webcam/stream.py",
        "webcam/recorder.py",
        "webcam/overlay.py",
        "jobs/training.py",
        "samples/uploads.py",
        "server/settings.py",
    ],
)
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


# What each room of ui/ may import from the others: the shared rooms never reach up into a page's
# panels, and one page's panels never reach into another page's (a person changing Live's card
# finds it under ui/live/ and breaks nothing under ui/train/).
ROOM_MAY_IMPORT = {
    "server": set(),
    "common": {"server"},
    "webcam": {"common", "server"},
    "jobs": {"common", "server"},
    "browser": {"common", "server", "jobs", "samples"},
    "samples": {"common", "server", "webcam", "jobs"},
    "live": {"common", "server", "webcam", "jobs", "samples", "browser"},
    "train": {"common", "server", "webcam", "jobs", "samples"},
    "home": {"common", "server", "jobs", "samples"},
    "classroom": {"common", "server", "jobs"},
    "scratch": {"common", "server", "browser"},  # the Make page's editor runs the browser path's model
}


def _ui_rooms_imported(path: Path) -> set[str]:
    rooms = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        modules = [a.name for a in node.names] if isinstance(node, ast.Import) else []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module]
        rooms.update(m.split(".")[1] for m in modules if m.startswith("ui.") and m.count(".") >= 1)
    return rooms


def test_ui_is_in_rooms() -> None:
    loose = [p.name for p in (ROOT / "ui").glob("*.py") if p.name != "__init__.py"]
    rooms = {p.name for p in (ROOT / "ui").iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert not loose, f"every ui module belongs to a room (ui/<room>/): {loose}"
    assert rooms <= set(ROOM_MAY_IMPORT), (
        f"a new room needs its place in ROOM_MAY_IMPORT: {rooms - set(ROOM_MAY_IMPORT)}"
    )


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted((ROOT / "ui").glob("*/*.py")), ids=lambda p: str(p.relative_to(ROOT / "ui")))
def test_ui_rooms_stay_apart(path: Path) -> None:
    room = path.parent.name
    reached = _ui_rooms_imported(path) - {room} - ROOM_MAY_IMPORT[room]
    assert not reached, f"ui/{room}/{path.name} imports from ui/{sorted(reached)}: see ROOM_MAY_IMPORT"
