"""Shared fixtures: the real hand data beside the checkout, and temporary data dirs."""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from core.data.store import Store

# the throwaway PostgreSQL cluster's fixtures (pg_cluster, pg_url, and ``database``: the store's tests on both)
pytest_plugins = ["pgcluster"]

# pytest keeps its assert-rewritten test modules only where bytecode may be written: with PYTHONDONTWRITEBYTECODE
# set (as on this project's machines) each worker of every run rewrote all 200 test modules again, about 5 s of
# its start, and the quick tier took 60-65 s where it takes 54 s with them kept (in __pycache__, ignored by git)
sys.dont_write_bytecode = False


# A module that serves the app, drives a browser or bounds a time: in ``make test``'s two processes its tests all run
# in one of them, one at a time (two browsers at once starved each other's timings on two cores).
ONE_AT_A_TIME = re.compile(r"sync_playwright|webkit_driver|AppServer\(|served_app|ui\.server\.serve")
TIMED_MODULES = {"test_import_batches.py", "test_jobs_runner.py", "test_server_limits.py"}
ONE_AT_A_TIME_GROUP = "one_at_a_time"
# A module with a fixture made once for the module (MediaPipe over hundreds of photos, a trained network): its tests
# go to one process too, else each process makes the fixture again (16-26 s each for test_onnx_export's real hands)
MODULE_FIXTURE = re.compile(r"""scope=["']module["']""")


@functools.cache
def _one_at_a_time(path: Path) -> bool:
    return path.name in TIMED_MODULES or bool(ONE_AT_A_TIME.search(path.read_text(encoding="utf-8")))


@functools.cache
def _module_fixture(path: Path) -> bool:
    return bool(MODULE_FIXTURE.search(path.read_text(encoding="utf-8")))


@pytest.fixture(autouse=True)
def _spawnable_main(monkeypatch: pytest.MonkeyPatch) -> None:
    """Under pytest-xdist ``__main__`` is execnet's bootstrap script, which a process started with ``spawn`` (torch's
    data-parallel runs) cannot run again: without its file the children run no ``__main__``, as under
    ``python -m core``."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        monkeypatch.delattr(sys.modules["__main__"], "__file__", raising=False)


@pytest.fixture(autouse=True)
def _same_torch_start() -> None:
    """Each test starts torch's generator from the same seed, so a network's first weights do not depend on which
    tests a worker ran before it (under ``-n 2`` that order changes from run to run)."""
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(0)


@pytest.fixture(autouse=True)
def _pages_through_app_py(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTest runs every page through ``app.py`` (its sign-in gate, its ``st.navigation``), as the server does
    (``ui.server.serve.navigate_through_app_py``). Streamlit 1.67's AppTest forgets before each run that
    ``st.navigation`` turned off the old multipage mode, so with ``pages/`` beside ``app.py`` a run after the first
    ran the page's file alone: no gate, no sidebar."""
    from streamlit.runtime.pages_manager import PagesManager

    from ui.server.serve import navigate_through_app_py

    made = PagesManager.__init__

    def through_app_py(self: PagesManager, *args: Any, **kwargs: Any) -> None:  # noqa: ANN401
        made(self, *args, **kwargs)
        navigate_through_app_py()

    monkeypatch.setattr(PagesManager, "__init__", through_app_py)


REAL_SCRYPT_MODULES = frozenset({"test_classes_passwords"})  # the stored cost itself is what they check


@pytest.fixture(autouse=True)
def _cheap_password_hashes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Passwords hashed at scrypt's N=2**10 in this process (about a millisecond, not 0.1 s: a class of thirty
    made a test seconds long); the hash names its N, so checking works alike. Servers and commands that a test
    starts keep the real cost, and so does test_classes_passwords."""
    if request.module.__name__.rsplit(".", 1)[-1] in REAL_SCRYPT_MODULES:
        return
    from core.classes import passwords

    monkeypatch.setattr(passwords, "SCRYPT_N", 2**10)


# A module that drives a real browser: in CI (``CI`` set, as ``.ci/run`` sets it) each of its tests may run once more
# after a failure, as Playwright's own runner does there (pytest-rerunfailures names each rerun in the summary). It
# opens one itself, or calls a function of this checkout that does, however many helpers deep (browsermaker's,
# bench/common/browser.py's browser_page, another browser test's sign-in): _browser_module.
BROWSER_OPENERS = frozenset({"sync_playwright", "webkit_driver"})
ROOT = Path(__file__).resolve().parents[1]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test of a module that imports Streamlit's ``AppTest`` is slow: it runs pages (docs/engine-api.md: the
    quick suite, ``-m "not slow"``, starts no MediaPipe, Streamlit or browser). In CI a browser test gets one rerun."""
    retry = bool(os.environ.get("CI")) and importlib.util.find_spec("pytest_rerunfailures") is not None
    for item in items:
        if getattr(getattr(item, "module", None), "AppTest", None) is not None:
            item.add_marker(pytest.mark.slow)
        if retry and _browser_module(Path(str(item.fspath))):
            item.add_marker(pytest.mark.flaky(reruns=1))


@functools.cache
def _browser_module(path: Path) -> bool:
    """Some code of the module at ``path`` calls a function that opens a browser (_openers)."""
    return path.suffix == ".py" and _calls(_parsed(path), _openers(path))


_OPENING: set[Path] = set()  # the modules whose openers are being found (two test modules may import each other)


@functools.cache
def _openers(path: Path) -> frozenset[str]:
    """The names, as the module at ``path`` calls them, of functions that open a browser: Playwright's and WebKit's,
    those it imports from a module of this checkout where they are openers, and its own top-level functions that
    call one (until no more join)."""
    import ast

    if path in _OPENING:
        return BROWSER_OPENERS
    _OPENING.add(path)
    try:
        tree = _parsed(path)
        known = set(BROWSER_OPENERS)
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and not node.level:
                source = _module_file(node.module)
                theirs = _openers(source) if source else frozenset()
                known |= {alias.asname or alias.name for alias in node.names if alias.name in theirs}
        functions = [node for node in tree.body if isinstance(node, ast.FunctionDef)]
        while more := {f.name for f in functions if f.name not in known and _calls(f, frozenset(known))}:
            known |= more
        return frozenset(known)
    finally:
        _OPENING.discard(path)


@functools.cache
def _parsed(path: Path) -> Any:  # noqa: ANN401 - ast.Module, ast imported lazily
    import ast

    return ast.parse(path.read_text(encoding="utf-8"))


def _module_file(name: str) -> Path | None:
    """The file of a module of this checkout (test modules import each other by name: pytest's pythonpath)."""
    relative = Path(*name.split("."))
    for base in (ROOT, ROOT / "tests"):
        for candidate in (base / relative.with_suffix(".py"), base / relative / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


def _calls(tree: Any, names: frozenset[str]) -> bool:  # noqa: ANN401 - an ast node
    import ast

    def called(func: ast.expr) -> str:
        return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""

    return any(isinstance(node, ast.Call) and called(node.func) in names for node in ast.walk(tree))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:  # noqa: ANN401 - xdist's Producer, Scheduling
    """``--dist loadgroup``: every test of a module that serves the app, drives a browser or bounds a time in one work
    unit, run in one process in file order; the tests of a module with a module-scoped fixture in a unit of their
    own; every other test on its own, to whichever process is free.

    Told by the module's file rather than by an ``xdist_group`` mark: xdist 3.8 groups by renaming each marked item's
    node id, which pytest 9 no longer reads (``Node.nodeid`` is built from ``_id``), so no mark ever grouped anything,
    and in every run before this the browser tests of one module were split between both processes, each starting
    the module's server and browser again, two browsers at once."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class OneAtATime(LoadGroupScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            if _one_at_a_time(config.rootpath / module):
                return ONE_AT_A_TIME_GROUP
            if _module_fixture(config.rootpath / module):
                return module
            return super()._split_scope(nodeid)

    return OneAtATime(config, log)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_setup(item: pytest.Item):  # noqa: ANN201 - a hook wrapper
    with _quick_test_guard(item):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item: pytest.Item):  # noqa: ANN201 - a hook wrapper
    with _quick_test_guard(item):
        yield


@contextlib.contextmanager
def _quick_test_guard(item: pytest.Item) -> Iterator[None]:
    """In a ``-m "not slow"`` run, a test (or its fixtures) not marked slow that starts MediaPipe or runs a page
    under ``AppTest`` fails, naming the fix."""
    if "not slow" not in (item.config.option.markexpr or "") or item.get_closest_marker("slow"):
        yield
        return
    from streamlit.testing.v1 import AppTest

    try:
        import mediapipe as mp
    except ImportError:  # a Python or machine without mediapipe's wheel (requirements.txt's markers)
        mp = None

    def refuse(what: str) -> Callable[..., None]:
        def fail(*_: object, **__: object) -> None:
            pytest.fail(f"{item.nodeid} {what}: mark it @pytest.mark.slow (the quick suite does neither)")

        return fail

    with pytest.MonkeyPatch.context() as patch:
        if mp is not None:
            patch.setattr(mp.solutions.hands.Hands, "__init__", refuse("starts MediaPipe"))
            patch.setattr(mp.solutions.pose.Pose, "__init__", refuse("starts MediaPipe"))
        from core.keypoints.onnx_hands import OnnxHands
        from core.keypoints.onnx_pose import OnnxPose

        patch.setattr(OnnxHands, "__init__", refuse("starts MediaPipe's networks"))
        patch.setattr(OnnxPose, "__init__", refuse("starts MediaPipe's networks"))
        patch.setattr(AppTest, "run", refuse("runs a page under AppTest"))
        yield


SHARED_DATA = Path(os.environ.get("HANDTEACH_SHARED", Path(__file__).resolve().parents[1].parent / "shared" / "data"))
HANDS = SHARED_DATA / "hands"


def shared_path(*parts: str) -> Path:
    """A path under ../shared/data/hands, or skip the test with a message naming what is missing."""
    path = HANDS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"real hand data not found at {path} (expected ../shared/data beside the checkout)")
    return path


def open_hand_photos() -> list[Path]:
    """The ASL-digit-5 photos (an open hand filling a 100-px frame; MediaPipe finds it as it is), sorted."""
    return sorted(p for p in shared_path("sign_digits", "Dataset", "5").iterdir() if p.suffix.lower() == ".jpg")


def close_up_photo() -> Path:
    """A ☝ that fills its 100-px frame: MediaPipe's palm detector misses it unless the photo is zoomed out."""
    return shared_path("sign_digits", "Dataset", "1", "IMG_5508.JPG")


def copy_open_hands(tmp_path: Path, count: int) -> Path:
    """A folder ``tmp_path/images`` with copies of the first ``count`` of ``open_hand_photos``."""
    folder = tmp_path / "images"
    folder.mkdir(parents=True)
    for source in open_hand_photos()[:count]:
        shutil.copy(source, folder / source.name)
    return folder


def hagrid_photos(folder: str, n: int) -> list[Path]:
    """The first ``n`` HaGRID photos of ``folder`` (e.g. "like"), or skip the test saying what is missing."""
    path = shared_path("hagrid_380", "images", folder)
    photos = sorted(path.glob("*.jpg"))[:n]
    if len(photos) < n:
        pytest.skip(f"need {n} photos in {path}, found {len(photos)}")
    return photos


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty handteach data directory, also set as HANDTEACH_DATA."""
    path = tmp_path / "data"
    monkeypatch.setenv("HANDTEACH_DATA", str(path))
    return path


@pytest.fixture
def store(data_dir: Path) -> Store:
    """A store in ``data_dir`` holding the default project; test files that need another define their own."""
    from core.data.store import Store  # lazily: collecting tests stays light

    created = Store(data_dir)
    created.ensure_project()
    return created


def faststart_copy(source: Path, target: Path) -> Path:
    """The same packets with the index (moov) first, as phones and web encoders write mp4s; no re-encoding."""
    import av

    with av.open(str(source)) as inp, av.open(str(target), "w", options={"movflags": "faststart"}) as out:
        stream = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = stream
                out.mux(packet)
    return target


def fake_camera_or_skip(video: Path, cache_dir: Path, hint: str = "add ../shared/data") -> Path:
    """``video`` as the y4m Chromium's fake camera plays; skips, saying what is missing, without
    chromium, ffmpeg, playwright or the video."""
    from bench.common.browser import missing_tools
    from bench.common.fake_camera import fake_camera_y4m

    missing = missing_tools()
    if missing:
        pytest.skip(f"browser test needs {', '.join(missing)}")
    if not video.exists():
        pytest.skip(f"fake-camera video not found: {video} ({hint})")
    return fake_camera_y4m(video, cache_dir)


def resdeconv_checkpoint(folder: Path, hand_threshold: float = 0.0) -> Path:
    """A small random ResNet-deconv checkpoint in ``folder`` (full attention, 128 px crops, 32×32 maps at stride 4).

    Untrained, for the wiring, not for accuracy: ``hand_threshold`` 0 makes every crop count as a hand, so a source
    keeps each hand MediaPipe finds. Tests that would otherwise need the shipped weights (``core/resdeconv/weights``,
    committed separately) use it.
    """
    import torch

    from core.cpm import checkpoint
    from core.resdeconv.config import ResDeconvConfig
    from core.resdeconv.model import HandResDeconv

    torch.manual_seed(0)
    cfg = ResDeconvConfig(stem_channels=8, widths=(8, 16, 16, 16), head_channels=(16, 16, 16),
                          hand_threshold=hand_threshold)  # fmt: skip
    return checkpoint.save(HandResDeconv(cfg), folder)


# ui.samples.file_jobs' jobs: Record's uploads, Live's file, a motion project's clips, a CSV import
FILE_JOBS = ("record_upload_run", "live_annotate_run", "clip_upload_run", "record_csv_run")


def finish_file_jobs(at: Any) -> None:  # noqa: ANN401 - streamlit.testing.v1.AppTest, not imported at collection
    """After a click that starts work on uploaded files (Record's Add, Live's Recognise): wait for it and run the
    page again, so its result shows. A job that ended within the page's own run showed it already."""
    pending = [at.session_state[key] for key in FILE_JOBS if key in at.session_state]
    if pending:
        assert all(run.wait(120) for run in pending), "the upload job did not end"
        at.run()


def keypoint_models_or_skip() -> Path:
    """The folder of the ONNX keypoint models (``make keypoint-models``), or skip the test saying how to make them."""
    from core.keypoints.models import model_dir, up_to_date

    folder = model_dir()
    if not up_to_date(folder):
        pytest.skip(f"the ONNX keypoint models are not in {folder}: make them with `make keypoint-models`")
    return folder


_FIRST_TRIES: list[pytest.TestReport] = []  # the failed first tries of tests run again (CI's browser tests)
FIRST_TRY_ERROR_LINES = 4  # of each first try's failure, its error's first lines, then where it stopped


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.outcome == "rerun":
        _FIRST_TRIES.append(report)


def first_try_lines(report: pytest.TestReport) -> list[str]:
    """A retried test's first failure in a few lines: its name, its error's first lines, the line it stopped at."""
    lines = str(report.longreprtext).splitlines()
    errors = [line for line in lines if line.startswith("E ")][:FIRST_TRY_ERROR_LINES]
    # where it stopped: the last line of the tests' own code (a library's frame below it says less)
    places = [line for line in lines if re.match(r"^\S+\.py:\d+: ", line)]
    where = ([line for line in places if line.startswith("tests/")] or places)[-1:]
    return [f"{report.nodeid} ({report.when}, {report.duration:.0f} s):", *(f"    {line}" for line in errors + where)]


def pytest_unconfigure(config: pytest.Config) -> None:
    """Why each retried test failed its first try (pytest-rerunfailures names it only), printed last: CI's log keeps
    its end, and a first failure is the only clue a clean machine leaves (one in the middle of the summary was cut)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if not _FIRST_TRIES or reporter is None:
        return
    reporter.section("first tries of the tests run again", sep="-")
    for report in _FIRST_TRIES:
        for line in first_try_lines(report):
            reporter.write_line(line)
