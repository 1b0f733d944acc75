"""ui/server/warm.py: the engine's slow imports are made in a thread as the server starts, before anyone visits, and
a failure leaves the page that needs the module to say why."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench.common.browser import AppServer
from bench.server.raw_tab import RawTab
from ui.server import warm


@pytest.mark.slow
def test_the_warm_up_imports_torch_and_the_exporter() -> None:
    # a fresh interpreter: this test process has torch already
    code = textwrap.dedent("""
        import sys
        from ui.server.warm import HEAVY_MODULES, import_heavy_modules
        assert "torch" not in sys.modules
        assert import_heavy_modules()
        missing = [name for name in (*HEAVY_MODULES, "torch") if name not in sys.modules]
        from core.classes.name_chars import _prototypes
        print("missing", missing, "table", _prototypes.cache_info().currsize)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr
    assert "missing [] table 1" in done.stdout


def test_a_module_that_cannot_be_imported_is_left_to_its_page(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(warm, "HEAVY_MODULES", ("json", "core.no_such_module_here"))
    assert warm.import_heavy_modules() is False
    monkeypatch.setattr(warm, "HEAVY_MODULES", ("json",))
    assert warm.import_heavy_modules() is True


@pytest.mark.slow
def test_the_launcher_imports_torch_before_any_page_is_asked_for(tmp_path: Path) -> None:
    app = AppServer(tmp_path / "data").start()
    try:
        maps = Path(f"/proc/{app.process.pid}/maps")
        deadline = time.monotonic() + 90
        while "libtorch_cpu" not in maps.read_text():  # torch's library, mapped into the server by the import
            assert time.monotonic() < deadline, "torch was not imported by the server within 90 s of its start"
            time.sleep(0.5)
    finally:
        app.stop()


@pytest.mark.slow
def test_pages_asked_for_at_once_while_the_warm_up_imports_all_run(tmp_path: Path) -> None:
    """Ten tabs at once on every page, the moment the server answers: their runs import the modules the warm-up's
    thread is importing, and none may see one half made."""
    app = AppServer(tmp_path / "data").start()
    try:
        maps = Path(f"/proc/{app.process.pid}/maps")
        # the warm-up still under way as the tabs ask: pandas, near the end of its list, not loaded yet (torch's
        # library is mapped by the time the server answers, its import going on after)
        assert "pandas/_libs" not in maps.read_text()

        async def tab(page: str) -> RawTab:
            opened = await RawTab(app.url).open()
            await opened.page(timeout=180, name=page)
            await opened.close()
            return opened

        async def all_at_once() -> list[RawTab]:
            return await asyncio.gather(*(tab(page) for page in ["", "record", "train", "live", "make"] * 2))

        tabs = asyncio.run(all_at_once())
    finally:
        app.stop()
    assert all(t.finished >= 1 for t in tabs), [t.finished for t in tabs]
    assert not [t.texts for t in tabs if t.texts], [t.texts for t in tabs if t.texts]
