"""Smoke check of an environment built from requirements.txt alone (``make smoke`` makes one in .venv-runtime;
``.ci/run`` on a fresh clone uses .venv before the test packages join it).

    .venv-runtime/bin/python .ci/smoke.py

``make test`` installs the test requirements into the same environment as the app, so a
runtime import that only requirements-test.txt provides (onnxruntime was one: the CPM
could not start on a ``make run`` machine) passes the suite. This script runs what a
fresh ``make run`` machine runs and fails on the first thing that breaks:

1. every module under core/ and ui/ imports;
2. the CPM estimator builds from the shipped weights and reads one hand crop;
3. ``--help`` of every command of every ``python -m`` entry point under core/ (the
   commands are read from each entry point's own argparse parser);
4. every page of app.py renders under ``streamlit.testing.v1.AppTest`` without an exception.

Prints one line per check and ``N passed, N failed`` last; exits 1 when anything failed.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("STREAMLIT_LOGGER_LEVEL", "error")  # AppTest outside a server warns on every cache
PACKAGES = ("core", "ui")


def modules(package: str) -> list[str]:
    """Dotted names of every module of ``package`` (``__main__`` modules run a command when imported)."""
    names = []
    for path in sorted((ROOT / package).rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if parts[-1] == "__main__":
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def check_imports() -> str:
    for package in PACKAGES:
        for name in modules(package):
            importlib.import_module(name)
    return f"{sum(len(modules(p)) for p in PACKAGES)} modules"


def check_cpm() -> str:
    import numpy as np

    from core.cpm.estimator import CPMEstimator

    estimator = CPMEstimator()
    rgb = _hand_photo()
    height, width = rgb.shape[:2]
    result = estimator.estimate(rgb, (width * 0.2, height * 0.2, width * 0.8, height * 0.8))
    if result.keypoints_px.shape != (21, 2) or not np.isfinite(result.keypoints_px).all():
        raise AssertionError(
            f"CPM keypoints: shape {result.keypoints_px.shape}, finite {np.isfinite(result.keypoints_px).all()}"
        )
    return f"{len(result.beliefs)} stages of {result.beliefs[-1].shape} beliefs on a {width}x{height} photo"


def _hand_photo():  # noqa: ANN202 - numpy array
    """A real hand photo from ../shared/data when it is there (an image with a hand-like blob otherwise)."""
    import numpy as np
    from PIL import Image

    shared = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data"))
    photos = sorted((shared / "hands" / "hagrid_380" / "images" / "palm").glob("*.jpg"))[:1]
    if photos:
        with Image.open(photos[0]) as image:
            return np.asarray(image.convert("RGB"))
    rgb = np.full((240, 320, 3), 60, np.uint8)
    rgb[60:200, 110:210] = (200, 160, 130)  # skin-coloured palm-sized patch
    return rgb


def entry_points() -> list[str]:
    """``core``, ``core.cpm``, …: every package under core/ with a ``__main__.py``."""
    return sorted(".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "core").rglob("__main__.py"))


class _Captured(Exception):
    def __init__(self, parser: argparse.ArgumentParser) -> None:
        self.parser = parser


def main_of(entry_point: str) -> Callable[[list[str]], int]:
    """The ``main`` that ``python -m entry_point`` runs: of the module its ``__main__.py`` imports ``main`` or
    ``entry`` from (``core``'s ``entry`` is ``main`` with MediaPipe's log lines quiet)."""
    source = (ROOT / entry_point.replace(".", "/") / "__main__.py").read_text(encoding="utf-8")
    found = re.search(r"^from ([\w.]+) import (?:main|entry)$", source, re.M)
    if not found:
        raise AssertionError(f"{entry_point}/__main__.py does not import a main function")
    return importlib.import_module(found.group(1)).main


def commands_of(entry_point: str) -> list[str]:
    """The subcommands of ``python -m entry_point``, read from the parser its ``main`` builds.

    ``main`` is called with ``parse_args`` replaced so that it hands its parser over instead
    of parsing: no list of commands is written down here to go stale.
    """
    main = main_of(entry_point)

    def capture(self: argparse.ArgumentParser, *args: object, **kwargs: object) -> None:
        raise _Captured(self)

    original = argparse.ArgumentParser.parse_args
    argparse.ArgumentParser.parse_args = capture  # type: ignore[method-assign,assignment]
    try:
        main([])
    except _Captured as captured:
        parser = captured.parser
    else:
        raise AssertionError(f"python -m {entry_point}'s main never parsed its arguments")
    finally:
        argparse.ArgumentParser.parse_args = original  # type: ignore[method-assign]
    names = [
        name for action in parser._actions if isinstance(action, argparse._SubParsersAction) for name in action.choices
    ]
    if not names:
        raise AssertionError(f"{entry_point} has no subcommands")
    return names


def check_cli_help() -> str:
    """``main([command, "--help"])`` in this process: every module is imported already (check 1), so a
    subprocess per command would only add its start-up time."""
    ran = []
    for entry_point in entry_points():
        main = main_of(entry_point)
        for command in commands_of(entry_point):
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
                code = main([command, "--help"])
                raise AssertionError(f"python -m {entry_point} {command} --help returned {code} without printing help")
            if not out.getvalue().startswith("usage:"):
                raise AssertionError(f"python -m {entry_point} {command} --help printed {out.getvalue()[:200]!r}")
            ran.append(f"{entry_point} {command}")
    return f"{len(ran)} commands: " + ", ".join(ran)


def page_paths() -> list[str]:
    return sorted(str(p.relative_to(ROOT)) for p in (ROOT / "pages").glob("*.py"))


def check_pages() -> str:
    from streamlit.testing.v1 import AppTest

    rendered = []
    for page in page_paths():
        app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        if not page.endswith("home.py"):
            app.switch_page(page)
        app.run()
        if app.exception:
            raise AssertionError(f"{page}: " + "; ".join(e.message for e in app.exception))
        if not app.title:
            raise AssertionError(f"{page} rendered no title")
        rendered.append(f"{page} ({app.title[0].value!r})")
    return ", ".join(rendered)


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("imports", check_imports),
    ("cpm", check_cpm),
    ("cli --help", check_cli_help),
    ("pages", check_pages),
]


def main() -> int:
    with tempfile.TemporaryDirectory(prefix="handteach-smoke-") as data:
        os.environ["HANDTEACH_DATA"] = data  # never the user's data/user
        passed = failed = 0
        for name, check in CHECKS:
            started = time.monotonic()
            try:
                detail = check()
            except Exception:  # noqa: BLE001 - every failure is reported, then the next check runs
                failed += 1
                print(f"FAIL {name} ({time.monotonic() - started:.1f} s)\n{traceback.format_exc()}", flush=True)
            else:
                passed += 1
                print(f"ok   {name} ({time.monotonic() - started:.1f} s): {detail}", flush=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
