"""Gesture names typed by a student show as their characters on every page that quotes them (issue 63 item 15):
the Train page their teacher opens ("Too few samples to tell…": a working mailto: link and an <img> reached the
teacher) and the CSV import's message. Under AppTest on a real class store; a real (small) training, so slow."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand
from streamlit.testing.v1 import AppTest

from core.data.csv_files.csv_handteach import export_handteach
from core.data.project import train_project
from core.data.project_accuracy import record_crossval, train_report
from core.data.sql.schema import Sample
from core.data.store import Store
from core.gestures.training import TrainConfig
from tests.classmaker import ClassSetup, make_class
from ui.common.signin import VIEWER_KEY
from ui.common.text import plain

pytestmark = pytest.mark.slow  # a training, and a CSV import in the job runner's worker
ROOT = Path(__file__).resolve().parents[1]
HOSTILE = ["[x](mailto:a@b)", "<img src=x>", "**b**"]


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _hostile_project(school: ClassSetup, per_gesture: int = 6, train: bool = True) -> Store:
    """Ana's project "names": three gestures with Markdown names, fewer samples than Train is sure with, trained and
    its report kept with the model as the Train page keeps it."""
    store = school.store(school.ana)
    store.create_project("names", default_classes=False)
    rng = np.random.default_rng(0)
    for i, name in enumerate(HOSTILE):
        store.add_class("names", name)
        points = None if i == 0 else pointing_hand(90.0 * i)
        hands = [make_hand(points) for _ in range(per_gesture)]
        store.add_samples("names", [Sample(type(h)(h.pixel + rng.normal(0, 2, h.pixel.shape).astype(np.float32),
                                                   h.normalised, h.world, "Right", 0.9, (640, 480)), name, "image")
                                    for h in hands])  # fmt: skip
    if not train:
        return store
    result, dataset = train_project(store, "names", TrainConfig(epochs=30))
    assert record_crossval(store, "names", result.classifier, dataset.project_identity, None,
                           train_report(result, dataset))  # fmt: skip
    return store


def _shown(at: AppTest) -> list[str]:
    """What the page renders as Markdown: messages, captions, Markdown, and the labels of its widgets."""
    values = [str(e.value) for e in (*at.markdown, *at.caption, *at.info, *at.warning, *at.error, *at.success)]
    return values + [str(w.label) for w in (*at.button, *at.checkbox, *at.toggle, *at.radio, *at.expander)]


def _as_characters(shown: list[str]) -> None:
    for name in HOSTILE:
        leaks = [v for v in shown if name in v]  # the raw Markdown or HTML of a name: a link, a picture, bold
        assert not leaks, leaks


def test_a_teacher_reads_a_students_gesture_names_as_characters_on_train(data_dir: Path) -> None:
    school = make_class(data_dir)
    _hostile_project(school)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[VIEWER_KEY] = school.teacher
    at.query_params["project"] = "names"
    _run(at)
    _run(at.switch_page("pages/train.py"))
    [note] = [i.value for i in at.info if "Too few samples to tell" in i.value]
    assert all(plain(name) in note for name in HOSTILE), note
    _as_characters(_shown(at))


def test_too_few_samples_to_train_names_the_gestures_as_characters(data_dir: Path) -> None:
    school = make_class(data_dir)
    _hostile_project(school, per_gesture=2, train=False)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[VIEWER_KEY] = school.ana
    at.query_params["project"] = "names"
    _run(at)
    _run(at.switch_page("pages/train.py"))
    at.button(key="train_start").click()
    _run(at)
    [said] = [e.value for e in at.error if "needs at least" in e.value]
    assert all(plain(name) in said for name in HOSTILE), said
    _as_characters(_shown(at))


def test_the_csv_import_says_the_files_gesture_names_as_characters(data_dir: Path, tmp_path: Path) -> None:
    from conftest import finish_file_jobs

    school = make_class(data_dir)
    store = _hostile_project(school)
    export_handteach(store, "names", tmp_path / "names.csv")
    store.create_project("imported", default_classes=False)
    store.add_class("imported", "ok")  # Record shows its sources once the project has a gesture
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[VIEWER_KEY] = school.ana
    at.session_state["record_more"] = True  # the CSV import is an expert's source, behind Record's More
    at.query_params["project"] = "imported"
    _run(at)
    _run(at.switch_page("pages/record.py"))
    at.segmented_control(key="record_source").set_value("📄 Import CSV")
    _run(at)
    at.get("file_uploader")[0].set_value([("names.csv", (tmp_path / "names.csv").read_bytes(), "text/csv")])
    _run(at)
    [b for b in at.button if b.label == "Import"][0].click()
    _run(at)
    finish_file_jobs(at)  # the page that shows the import's message
    assert not at.exception, [e.message for e in at.exception]
    said = [s.value for s in at.success if "Imported 18 samples" in s.value]
    assert len(said) == 1, [m.value for m in (*at.success, *at.error, *at.info, *at.warning)]
    [said] = said
    assert all(plain(name) in said for name in HOSTILE) and "New gestures" in said, said
    _as_characters(_shown(at))
    assert [g.name for g in store.list_classes("imported")] == ["ok", *HOSTILE]
