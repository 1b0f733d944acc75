"""The Train page's "teach the keypoint model my hand" expander under ``streamlit.testing.v1.AppTest``.

Real photos become samples (MediaPipe), the page starts a CPM fine-tuning run in its worker
thread, and the test waits for it like the page's fragment would, then checks what is shown
against what happened on disk.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import HANDS, hagrid_photos
from streamlit.testing.v1 import AppTest

from core.cpm import checkpoint
from core.data.project_cpm import has_finetuned, project_cpm_dir
from core.data.store import Store

pytestmark = pytest.mark.slow  # MediaPipe and Streamlit

ROOT = Path(__file__).resolve().parents[1]
EXPANDER = "🖐 Teach the keypoint model (CPM) my hand"
START = "Fine-tune the CPM on my samples"


def _photos(folder: str, n: int) -> list[Path]:
    return hagrid_photos(folder, n)


@pytest.fixture
def seeded(data_dir: Path) -> Store:
    """HANDTEACH_DATA whose default project holds thumbs_up and open_palm samples from photos."""
    from core.data.imports.extract import extract_to_store

    if not HANDS.exists():
        pytest.skip(f"real hand data not found at {HANDS}")
    store = Store(data_dir)
    store.ensure_project()
    extract_to_store(store, "default", "thumbs_up", _photos("like", 5))
    extract_to_store(store, "default", "open_palm", _photos("palm", 5))
    return store


def train_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.switch_page("pages/train.py")
    at.session_state["train_more"] = True  # the fine-tuning panel is behind Train's More (ui/common/more.py)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.success, *at.info, *at.warning, *at.error)]
    return "\n".join(str(p) for p in parts)


def _buttons(at: AppTest) -> list[str]:
    return [b.label for b in at.button]


def test_expander_explains_too_few_crops(data_dir: Path) -> None:
    at = train_page()
    assert EXPANDER in [e.label for e in at.expander]
    warnings = [w.value for w in at.warning]
    assert any("record at least 5 webcam or photo samples first" in w for w in warnings), warnings
    assert START not in _buttons(at) and "Back to the default CPM" not in _buttons(at)


def test_finetune_runs_shows_pck_and_goes_back_to_default(seeded: Store) -> None:
    at = train_page()
    assert START in _buttons(at)
    at.number_input(key="finetune_epochs").set_value(1)
    at.button(key="finetune_start").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    run = at.session_state["finetune_run"]
    assert run.wait(180), "fine-tuning did not finish"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    report = run.snapshot().report
    assert report is not None and run.snapshot().error is None
    shown = _texts(at)
    assert f"{report.pck_before:.0%} → {report.pck_after:.0%}" in shown and "held-out crops" in shown
    assert report.saved == has_finetuned(seeded, "default") == (report.pck_after >= report.pck_before)
    if report.saved:
        assert any("new weights were kept" in s.value for s in at.success)
    else:
        assert any("were not kept" in i.value for i in at.info)
        checkpoint.save(checkpoint.load(checkpoint.DEFAULT_DIR), project_cpm_dir(seeded, "default"))
        at.run()

    at.button(key="finetune_reset").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not has_finetuned(seeded, "default")
    assert "back to the default CPM" in _texts(at)
    assert "Back to the default CPM" not in _buttons(at)


def test_stop_keeps_the_default_cpm(seeded: Store) -> None:
    at = train_page()
    at.number_input(key="finetune_epochs").set_value(50)
    at.button(key="finetune_start").click()
    at.run()
    run = at.session_state["finetune_run"]
    assert run.snapshot().running
    deadline = time.monotonic() + 120  # started, not still queued behind other work (a busy CI machine): what is
    while time.monotonic() < deadline and (run.snapshot().waiting or not run.snapshot().seconds):  # stopped then
        time.sleep(0.1)  # has a report; one stopped while queued ends with none, and says so
    at.button(key="finetune_stop").click()
    at.run()
    assert run.wait(120), "the stopped run did not end"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    report = run.snapshot().report
    assert report is not None and report.cancelled and not report.saved and report.epochs < 50
    assert any("Stopped: nothing was saved" in i.value for i in at.info)
    assert not project_cpm_dir(seeded, "default").exists()


def test_a_resnet_deconv_project_is_taught_its_own_network(data_dir: Path) -> None:
    Store(data_dir).create_project("rd", backend="resnet-deconv")
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params["project"] = "rd"
    at.switch_page("pages/train.py")
    at.session_state["train_more"] = True
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "🖐 Teach the keypoint model (ResNet-deconv) my hand" in [e.label for e in at.expander]
    warnings = [w.value for w in at.warning]
    assert any(w.startswith("Fine-tuning the ResNet-deconv needs at least 5 hand crops") for w in warnings), warnings


def test_the_report_line_counts_the_crops_mediapipe_labelled_and_skipped() -> None:
    from core.data.project_finetune import ProjectFinetuneReport
    from ui.train.finetune_panel import report_text

    numbers = {"pck_before": 0.5, "pck_after": 0.6, "seconds": 3.0, "epochs": 1, "train_crops": 8,
               "held_out_crops": 2}  # fmt: skip
    assert "MediaPipe labelled" not in report_text(ProjectFinetuneReport(**numbers))
    line = report_text(ProjectFinetuneReport(**numbers, relabelled_crops=10, no_hand_crops=2))
    assert line.endswith("3.0 s; MediaPipe labelled 10 of the 10 crops; 2 skipped: MediaPipe found no hand in them")
