"""The Make page under ``streamlit.testing.v1.AppTest``: it opens from the navigation, says in one line when the
editor is not built on the server, opens the example into the editor's arguments, and refuses a bad .sb3 in one
line with nothing opened."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.scratch.examples import FOLDER

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]


def _make_page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("pages/make.py").run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_the_page_without_the_build_then_with_it(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One app run for both (each AppTest run of the app costs seconds): without the editor's build the page says
    so in one line and offers nothing; with it, the example opens into the editor's arguments; a bad file opens
    nothing."""
    monkeypatch.setattr("ui.scratch.make_page.missing_assets", lambda: ["index.html"])
    at = _make_page()
    assert any("not built on this server" in w.value and "make scratch" in w.value for w in at.warning), [
        w.value for w in at.warning
    ]
    assert not at.button, "no control for an editor that is not there"

    monkeypatch.setattr("ui.scratch.make_page.missing_assets", lambda: [])  # the page's parts, built or not here
    at.run()
    assert at.title[0].value == "🎮 Make a game"
    assert any("AGPL-3.0-only" in c.value for c in at.caption)
    [b for b in at.button if b.key == "scratch_open_example"][0].click().run()
    opened = at.session_state["scratch_open"]
    assert opened["data"] == (FOLDER / "thumbs_jump.sb3").read_bytes() and opened["id"]

    from ui.scratch import make_page

    with pytest.raises(ValueError, match="not a zip"):
        make_page._open(b"<svg onload=alert(1)>")  # what an upload of it runs: refused before it is kept

    # a body-pose project in the same run: its title says poses, only the pose example is listed, and where the
    # server has no body model for the editor the page says so in one line
    from core.data.store import Store
    from ui.common.state import PROJECT_KEY

    Store(data_dir).create_project("yoga", skeleton="body")
    at.session_state[PROJECT_KEY] = "yoga"
    monkeypatch.setattr("ui.scratch.make_page.POSE_MODEL", "absent.task")
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("see your poses" in c.value for c in at.caption), [c.value for c in at.caption]
    assert at.selectbox(key="scratch_example").options == ["💃 your poses make the cat dance"]
    assert any("no body model" in w.value and "make scratch" in w.value for w in at.warning), [
        w.value for w in at.warning
    ]

    # a motion project, untrained then trained: its title says motions, only the swipe example is listed, and the
    # editor is given the motion graph (idle is no motion a game waits for)
    from motionmaker import keypoint_clip

    from core.data.clips import StoredClip, add_clips
    from core.data.project_motion import train_motion_project
    from core.motion.train import MotionTrainConfig

    store = Store(data_dir)
    store.create_project("swipes", default_classes=False, motion=True)
    at.session_state[PROJECT_KEY] = "swipes"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("see your motions" in c.value for c in at.caption), [c.value for c in at.caption]
    assert at.selectbox(key="scratch_example").options == ["👋 swipe left or right to move the cat"]
    assert any("name no motion until you train" in i.value for i in at.info), [i.value for i in at.info]
    clips = [keypoint_clip(kind, start=20 * i, seed=i) for kind in ("swipe_left", "idle") for i in range(3)]
    add_clips(store, "swipes", [StoredClip(c) for c in clips], create_classes=True)
    train_motion_project(store, "swipes", MotionTrainConfig(seed=0, epochs=3, copies=2))
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert not any("until you train" in i.value for i in at.info), [i.value for i in at.info]

    # its model damaged on disk: one line, no server path, the editor still there (it names no motion)
    import os

    from core.data.project_motion import motion_model_dir

    folder = motion_model_dir(store, "swipes")
    weights = next(folder.glob("motion.*.safetensors"))
    weights.write_bytes(weights.read_bytes()[:-10] + b"0123456789")
    os.utime(folder / "motion.json", ns=(1, 1))  # replaced: the page reads it again (a model is cached by its time)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    lines = [e.value for e in at.error]
    assert any("motion model cannot be read" in line for line in lines), lines
    assert not any(str(data_dir) in line or "safetensors" in line for line in lines), lines
