"""The house rules that keep the engine readable: data flows one way (no import circle inside ``core/``),
modules stay small enough to read in one sitting, and one module owns atomic file replacement.

Every import counts, also those inside functions or under ``TYPE_CHECKING``: a lazy import back up the
picture is still a circle a reader has to untangle (../shared/docs/architecture.md, "data flows down").
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 350
ATOMIC_OWNER = "core/io/atomic.py"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _core_modules() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted((ROOT / "core").rglob("*.py"))}


def _imported(path: Path, known: dict[str, Path]) -> set[str]:
    """The ``core`` modules ``path`` imports anywhere in its text (``from core.data import store`` is core.data.store)."""
    package = _module_name(path) if path.name == "__init__.py" else _module_name(path).rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: climb from this module's package
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {name for name in found if name in known}


@cache  # parsed once a run: the tests below only read it
def import_graph() -> dict[str, set[str]]:
    """Module name -> the ``core`` modules it imports (a package's ``__init__`` is the package's own node)."""
    known = _core_modules()
    return {name: _imported(path, known) - {name} for name, path in known.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as a path ``[a, b, ..., a]``, or None (iterative depth-first search)."""
    colour = dict.fromkeys(graph, 0)  # 0 unseen, 1 on the current path, 2 done
    for start in sorted(graph):
        if colour[start]:
            continue
        path, stack = [start], [iter(sorted(graph[start]))]
        colour[start] = 1
        while stack:
            nxt = next(stack[-1], None)
            if nxt is None:
                colour[path.pop()] = 2
                stack.pop()
            elif colour[nxt] == 1:
                return [*path[path.index(nxt) :], nxt]
            elif colour[nxt] == 0:
                colour[nxt] = 1
                path.append(nxt)
                stack.append(iter(sorted(graph[nxt])))
    return None


def test_the_cycle_finder_sees_a_circle() -> None:
    """The check itself can fail: a made-up circle is found, a made-up chain is not."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


@pytest.mark.slow
def test_no_import_circle_in_core() -> None:
    graph = import_graph()
    assert len(graph) > 100, "the scan found too few modules: is ROOT right?"
    cycle = find_cycle({name: set(edges) for name, edges in graph.items()})
    assert cycle is None, "import circle in core/: " + " -> ".join(cycle or [])


def test_no_module_over_350_lines() -> None:
    files = [*(ROOT / "core").rglob("*.py"), *(ROOT / "ui").rglob("*.py")]
    long = {
        str(p.relative_to(ROOT)): n for p in files if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not long, f"modules over {MAX_LINES} lines (split them by job): {long}"


def _replaces_files(path: Path) -> bool:
    """Whether the module moves a file or folder in one step itself: ``os.replace``/``os.rename``, or a path's
    ``.replace(target)``/``.rename(target)`` (one argument: ``str.replace`` takes two)."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in {"replace", "rename"}:
            continue
        owner = node.func.value
        if (isinstance(owner, ast.Name) and owner.id == "os") or (len(node.args) == 1 and not node.keywords):
            return True
    return False


@pytest.mark.slow
def test_one_owner_of_atomic_replacement() -> None:
    """Temp file (or folder) then one rename is written once, in core/io/atomic.py; the rest of core/ calls it."""
    writers = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "core").rglob("*.py") if _replaces_files(p))
    assert writers == [ATOMIC_OWNER], f"os.replace outside {ATOMIC_OWNER}: {[w for w in writers if w != ATOMIC_OWNER]}"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["core.cli.commands", "core.data.projects", "core.gestures.classifier"])
def test_the_graph_sees_lazy_imports(name: str) -> None:
    """Imports inside functions count: each of these modules imports others lazily today."""
    assert import_graph()[name], f"{name} imports nothing from core/ according to the scan"
