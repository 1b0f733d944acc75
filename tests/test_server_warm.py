"""ui/server/warm.py: the engine's slow imports are made in a thread as the server starts, and a failure leaves
the page that needs the module to say why."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

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
