"""Train and Record say which classes the model will know and why (issue #30), under ``AppTest``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from handmaker import make_hand
from streamlit.testing.v1 import AppTest

from core.data.project import load_project_model
from core.data.store import Sample, Store
from core.starter.poses import procedural_samples

ROOT = Path(__file__).resolve().parents[1]
KEEP = "Keep starter gestures I did not record"


def _record(data: Path, labels: tuple[str, ...], n: int = 12) -> Store:
    """``n`` webcam-like samples of each of ``labels`` in the default project (procedural starter-gesture hands,
    or ✊-shaped ones for a class of the user's own)."""
    store = Store(data)
    project = store.ensure_project()
    points, names = procedural_samples(3 * n, 0, seed=4)
    samples = []
    for label in labels:
        shape = label if label in set(names) else "fist"
        for user_view in points[np.array(names) == shape][:n]:
            raw = user_view[:, :2] * np.array([-80.0, 80.0], np.float32)
            samples.append(Sample(hand=make_hand(raw), class_name=label, source_kind="webcam"))
    store.add_samples(project, samples, create_classes=True)
    return store


def _page(name: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page(f"pages/{name}.py")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _plain(at: AppTest) -> list[str]:
    return [line for t in at.text for line in str(t.value).splitlines()]


@pytest.mark.slow  # trains in the job runner's worker process
def test_train_says_which_classes_the_model_will_know(data_dir: Path) -> None:
    store = _record(data_dir, ("thumbs_up", "pointing_right"))
    at = _page("train")
    lines = _plain(at)
    assert lines[:3] == ["👍 thumbs up: 12 samples", "👉 pointing right: 12 samples",
                         "👈 pointing left: from mirrored 👉 pointing right"]  # fmt: skip  # names shown with spaces
    left = next(line for line in lines if line.startswith("not recorded, left out: "))
    assert "✋ open palm" in left and "👍 thumbs up" not in left and left.endswith(f"(tick “{KEEP}” to keep them)")
    assert lines[-1] == "unknown: other hand shapes, from other people's hands"
    assert any("It will learn these 3:" in c.value for c in at.caption)  # not "classes": a school's is 7B
    at.checkbox(key="train_keep_starter").check()
    at.run()
    assert "✋ open palm: not recorded, from the starter data" in _plain(at)
    at.checkbox(key="train_keep_starter").uncheck()
    at.number_input(key="train_epochs").set_value(20)
    at.button(key="train_start").click()
    at.run()
    assert at.session_state["train_run"].wait(120), "training did not finish"
    at.run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert load_project_model(store, "default").classes == ["thumbs_up", "pointing_right", "pointing_left"]
    assert "Left out (not recorded): 👎 thumbs down, ☝️ pointing up, 👌 ok, 👊 fist, ✋ open palm" in _plain(at)


def test_train_with_one_recorded_gesture_says_to_record_or_keep(data_dir: Path) -> None:
    _record(data_dir, ("thumbs_up",))
    at = _page("train")
    at.button(key="train_start").click()
    at.run()
    assert at.error and "only 'thumbs up' has samples" in at.error[0].value and KEEP in at.error[0].value
    assert "train_run" not in at.session_state


def test_names_are_shown_as_typed_and_record_says_what_training_leaves_out(data_dir: Path) -> None:
    _record(data_dir, ("thumbs_up", "*star* [x](y) _a_"))
    lines = _plain(_page("train"))
    assert "*star* [x](y) _a_: 12 samples" in lines  # plain text: no Markdown ate the stars or the link
    [line] = _plain(_page("record"))
    assert line.startswith(
        "Training learns: 👍 thumbs up, *star* [x](y) _a_. Not learned until you record them: 👎 thumbs down"
    )  # the built-in names with spaces, a typed one as typed
