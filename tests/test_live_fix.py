"""Live's "Teach it here": how a fix retrains, so that Live never forgets a gesture it knew."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand

from core.data.store import Sample
from ui.live.live_fix import FixPlan, fix_plan

EIGHT = ["thumbs_up", "thumbs_down", "pointing_up", "ok", "fist", "pointing_right", "pointing_left", "open_palm"]


def test_a_project_never_trained_keeps_the_starters_eight_gestures() -> None:
    """On the starter model, teaching one fist must not leave a model that knows fists alone."""
    assert fix_plan(False, EIGHT, {"fist": 15}) == FixPlan(starter=True, keep_unrecorded=True)


def test_a_model_of_the_users_own_gestures_stays_their_own() -> None:
    counts = {"wave": 12, "peace": 10, "fist": 0}
    assert fix_plan(False, ["wave", "peace"], counts) == FixPlan(starter=True, keep_unrecorded=False)


def test_a_model_that_kept_unrecorded_starter_gestures_keeps_them() -> None:
    assert fix_plan(False, ["wave", "fist", "ok"], {"wave": 12}) == FixPlan(starter=True, keep_unrecorded=True)


def test_body_poses_train_on_the_users_samples_alone() -> None:
    assert fix_plan(True, ["tree", "warrior"], {"tree": 10}) == FixPlan(starter=False, keep_unrecorded=False)
    assert fix_plan(False, None, {"wave": 10}) == FixPlan(starter=True, keep_unrecorded=False)


def _follow_a_take(data: str) -> None:
    """Live's Teach it here after a take of 3 samples of ✋ (run under AppTest: its own imports)."""
    from core.data.store import Store
    from ui.live import live_fix
    from ui.webcam.recorder import RecordPlan, RecordStatus

    store = Store(data)
    status = RecordStatus(RecordPlan("default", "open_palm"), "done", 0, 0.0, 3, 3, 3, {}, None, 7, 1)
    live_fix._follow(status, store, "default", store.list_classes("default"), None, False)


@pytest.mark.slow  # runs a panel under AppTest
def test_the_retraining_shows_its_epochs_and_stops(tmp_path: Path) -> None:
    """#45 item 9: Teach it here said "Training… (12 s)" with no way to stop it; now epochs and ⏹ Stop, and a
    stopped retraining says Live keeps its model."""
    from streamlit.testing.v1 import AppTest

    from core.data.project import model_dir
    from core.data.store import Store
    from core.gestures.training import TrainConfig
    from ui.jobs.training import TrainingRun

    store = Store(tmp_path / "data")
    store.ensure_project()
    rng = np.random.default_rng(0)
    for name, points in (("pointing_right", pointing_hand(180.0)), ("open_palm", None)):
        store.add_samples("default", [Sample(make_hand(None if points is None else points + rng.normal(0, 2, (21, 2))
                                                       .astype(np.float32)), name, "image") for _ in range(6)])  # fmt: skip
    run = TrainingRun(store, "default", TrainConfig(epochs=100_000, patience=100_000)).start()
    deadline = time.monotonic() + 60
    while not run.snapshot().history:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    at = AppTest.from_function(_follow_a_take, args=(str(tmp_path / "data"),), default_timeout=60)
    at.session_state["live_fix_run"] = (7, run, "")
    at.run()
    [bar] = at.get("progress")
    assert bar.proto.text.startswith("Added 3 samples of ✋ open palm. Training: practice ")
    assert " of at most 100000, " in bar.proto.text
    at.button(key="live_fix_stop").click()
    at.run()
    assert run.wait(60) and run.snapshot().cancelled
    at.run()
    assert "the training was stopped, so Live keeps what it knew before" in at.info[0].value
    assert not (model_dir(store, "default") / "model.json").exists()


# extended: a fix measured on a queue worker: the local pool's fix tests beside it and test_app_queue_mode cover both halves
@pytest.mark.extended
@pytest.mark.slow  # trains three times in the job runner, a panel under AppTest
def test_a_fix_measures_its_model_in_the_queue_so_train_keeps_its_results(tmp_path: Path) -> None:
    """Issue 64: after one *Teach it here* Train had no figure, matrix or table left ("Train it here to measure
    it"). The fix's retraining is measured in the job queue after it is saved, with no press of anyone's; the
    panel is free again as soon as the model is saved (its measuring waits for nobody)."""
    import json

    from streamlit.testing.v1 import AppTest

    from core.data.project import model_dir
    from core.data.project_accuracy import LAST_MEASURED_KEY, MEASURED_AT_KEY
    from core.data.store import Store
    from core.gestures.figure import CROSSVAL_KEY
    from core.gestures.report import REPORT_KEY
    from core.gestures.training import TrainConfig
    from ui.jobs.training import TrainingRun
    from ui.live.live_fix import MEASURED_AGAIN

    store = Store(tmp_path / "data")
    store.ensure_project()
    rng = np.random.default_rng(0)
    for name, points in (("pointing_right", pointing_hand(180.0)), ("open_palm", None)):
        store.add_samples("default", [Sample(make_hand(None if points is None else points + rng.normal(0, 2, (21, 2))
                                                       .astype(np.float32)), name, "image") for _ in range(6)])  # fmt: skip
    trained = TrainingRun(store, "default", TrainConfig(epochs=40), measure=True).start()  # Train's, measured
    assert trained.wait(120) and trained.snapshot().measuring.crossval is not None
    at = AppTest.from_function(_follow_a_take, args=(str(tmp_path / "data"),), default_timeout=60)
    at.run()
    fix = at.session_state["live_fix_run"][1]
    deadline = time.monotonic() + 120
    while fix.snapshot().training:
        assert time.monotonic() < deadline, "the fix's training did not end"
        time.sleep(0.05)
    at.run()  # the panel's next poll: the model is saved, its measuring sent to the queue
    assert MEASURED_AGAIN in at.success[0].value, [s.value for s in at.success]
    assert fix.wait(180), "the fix's model was never measured"
    measuring = fix.snapshot().measuring
    assert measuring is not None and measuring.crossval is not None and measuring.crossval.figure.total == 12
    metadata = json.loads((model_dir(store, "default") / "model.json").read_text())["metadata"]
    assert REPORT_KEY in metadata and CROSSVAL_KEY in metadata and metadata[MEASURED_AT_KEY]
    assert LAST_MEASURED_KEY not in metadata  # its own measurement replaced the one it carried


def _browser_teach_panel(data: str) -> None:
    """The browser path's Teach it here, its camera not running (run under AppTest: its own imports)."""
    from core.data.store import Store
    from ui.live import browser_fix

    store = Store(data)
    browser_fix.panel(store, "default", store.list_classes("default"), None, lambda: False)


@pytest.mark.slow  # runs a panel under AppTest
def test_the_browser_teach_button_reads_the_camera_as_it_is_pressed(tmp_path: Path) -> None:
    """The panel lies outside the fragment the tab's events rerun, so it may be drawn before the camera runs: the
    button asks the camera when pressed, and with none running says so and issues no take."""
    from streamlit.testing.v1 import AppTest

    from core.data.store import Store

    Store(tmp_path / "data").ensure_project()
    at = AppTest.from_function(_browser_teach_panel, args=(str(tmp_path / "data"),), default_timeout=30)
    at.run()
    button = at.button(key="live_fix_record")
    assert not button.disabled
    button.click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("The camera is not running yet" in e.value for e in at.error), [e.value for e in at.error]
    assert "live_fix_ticket" not in at.session_state


def _browser_teach_panel_with_camera(data: str) -> None:
    from core.data.store import Store
    from ui.live import browser_fix

    store = Store(data)
    browser_fix.panel(store, "default", store.list_classes("default"), None, lambda: True)


@pytest.mark.slow  # runs a panel under AppTest
def test_the_teach_panel_is_open_while_its_take_runs(tmp_path: Path) -> None:
    """Redrawn once the take started, the panel came back collapsed at times in the browser, its "Recording…"
    line hidden: it is asked open while a take is pending (and while its training runs)."""
    from streamlit.testing.v1 import AppTest

    from core.data.store import Store

    Store(tmp_path / "data").ensure_project()
    at = AppTest.from_function(_browser_teach_panel_with_camera, args=(str(tmp_path / "data"),), default_timeout=30)
    at.run()
    assert not at.expander[0].proto.expanded
    at.button(key="live_fix_record").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert "live_fix_ticket" in at.session_state and at.expander[0].proto.expanded
    assert any("in the camera view" in i.value for i in at.info), [i.value for i in at.info]


def _rerun_once_for_a_take(_: None = None) -> None:
    """A page that reruns once for take 1000, an ident made afresh on every run (run under AppTest)."""
    import streamlit as st

    from ui.common.state import rerun_once

    st.session_state["runs"] = st.session_state.get("runs", 0) + 1
    rerun_once("live_fix_seen", int("1" + "000"))  # equal to the last one, never the same object


@pytest.mark.slow  # runs a page under AppTest
def test_a_take_s_end_reruns_the_page_once_however_its_ident_was_made() -> None:
    """Teach it here's take idents are ints from a process-wide counter: compared by identity, a take past 256
    reran the page on every run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_function(_rerun_once_for_a_take, default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["runs"] == 2  # the first run, then the one rerun
    at.run()
    assert at.session_state["runs"] == 3


def _server_teach_panel(data: str, playing: bool = True) -> None:
    """Live's server-path Teach it here as pages/live.py lays it out: the panel polls only while a take runs.
    Not ``playing``: the webcam stopped, with a take already begun (a stop mid-take)."""
    import streamlit as st

    from core.data.store import Store
    from ui.live import live_fix
    from ui.webcam.recorder import RecordPlan
    from ui.webcam.stream import StreamSession

    store = Store(data)
    session = st.session_state.setdefault("session", StreamSession("live", store=store))
    if not playing and "taking" not in st.session_state:
        st.session_state["taking"] = session.start_recording(RecordPlan("default", "thumbs_up"))
    polling = playing and live_fix.in_progress(session, "default")
    st.session_state["polled"] = st.session_state.get("polled", []) + [polling]
    fix = st.fragment(run_every=0.5 if polling else None)(live_fix.panel)  # a press reruns only the fragment
    fix(session, store, "default", store.list_classes("default"), None, playing, polling)


@pytest.mark.slow  # runs a panel under AppTest
def test_the_server_panel_polls_only_while_its_take_runs(tmp_path: Path) -> None:
    """Redrawn twice a second while idle, the button was replaced under the pointer and a press was at times lost
    (the walkthrough: 'element is not stable, detached from the DOM' for 30 s). Idle, the page asks no polling;
    once a take runs it does. (AppTest reruns the whole script on a press, fragment or not: the panel's own rerun of
    the page from its fragment is checked in the real browser, by test_e2e_browser's Teach it here.)"""
    from streamlit.testing.v1 import AppTest

    from core.data.store import Store

    Store(tmp_path / "data").ensure_project()
    at = AppTest.from_function(_server_teach_panel, args=(str(tmp_path / "data"),), default_timeout=30)
    at.run()
    assert at.session_state["polled"] == [False]
    at.button(key="live_fix_record").click()
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["polled"][-1] is True, at.session_state["polled"]  # the take's page run polls
    assert any("Get ready to show" in i.value for i in at.info), [i.value for i in at.info]


@pytest.mark.slow  # runs a panel under AppTest
def test_a_take_without_the_webcam_does_not_rerun_the_page_again_and_again(tmp_path: Path) -> None:
    """A take begun, then the webcam stopped: the page does not poll, and the panel must not ask it to (each run
    would ask again)."""
    from streamlit.testing.v1 import AppTest

    from core.data.store import Store

    Store(tmp_path / "data").ensure_project()
    at = AppTest.from_function(_server_teach_panel, args=(str(tmp_path / "data"), False), default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.session_state["polled"] == [False]  # one run, no rerun asked


def _teach_list(data: str, path: str) -> None:
    """Teach it here on ``path`` for a project of the starter's eight gestures whose model knows three."""
    from core.data.store import Store
    from ui.live import browser_fix, live_fix
    from ui.webcam.stream import StreamSession

    store = Store(data)
    gestures, known = store.list_classes("default"), ["fist", "ok", "thumbs_up"]
    if path == "server":
        live_fix.panel(StreamSession("live", store=store), store, "default", gestures, known, True)
    else:
        browser_fix.panel(store, "default", gestures, known, lambda: True)


@pytest.mark.slow  # runs a panel under AppTest
@pytest.mark.parametrize("path", ["server", "browser"])
def test_teach_it_here_offers_the_gestures_live_knows(tmp_path: Path, path: str) -> None:
    """Issue 52 item 4: the list offered all eight starter gestures of the project, five of them never taught (Live
    never answers with them). It offers the model's, in the project's order, and says how to add another."""
    from streamlit.testing.v1 import AppTest

    from core.data.store import Store

    Store(tmp_path / "data").ensure_project()
    at = AppTest.from_function(_teach_list, args=(str(tmp_path / "data"), path), default_timeout=30)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert at.selectbox(key="live_fix_class_default").options == ["👍 thumbs up", "👌 ok", "👊 fist"]
    assert any("A gesture not listed: add it on Record" in c.value for c in at.caption), [c.value for c in at.caption]


def _browser_take_page(data: str, event: dict) -> None:
    """Live's browser-path Teach it here after the tab sent ``event`` for a ticket issued 6.5 s ago (its countdown
    and length over), run under AppTest: its own imports."""
    import time
    from dataclasses import replace

    import streamlit as st

    from core.data.imports.take_tickets import TakeTicket
    from core.data.store import Store
    from ui.live import browser_fix

    store = Store(data)
    gestures = store.list_classes("default")
    if "sent" not in st.session_state:
        st.session_state["sent"] = True
        slot = browser_fix._TAKE
        ticket = TakeTicket(event["take_id"], "default", event["class_name"], rate=5.0, duration=3.0)
        ticket = replace(ticket, project_identity=store.project_identity("default"))
        st.session_state[slot.name] = slot.ledger().issue(ticket, time.monotonic() - 6.5)
        browser_fix.handle_take(event, store, gestures)
    browser_fix.panel(store, "default", gestures, ["pointing_up", "pointing_right"], lambda: True)


def _pointing_take(take_id: str, class_name: str, angle: float, frames: int = 6) -> dict:
    """A take as the tab sends it: ``frames`` frames of a hand pointing ``angle`` degrees (640×480, crops)."""
    import base64

    from core.io.crops import encode_jpeg

    rng = np.random.default_rng(3)
    crop = base64.b64encode(encode_jpeg(rng.integers(0, 255, (192, 192, 3), np.uint8))).decode()
    hands = []
    for _ in range(frames):
        hand = make_hand(pointing_hand(angle + rng.normal(0, 4)))
        normalised = np.concatenate([hand.pixel / np.array([640, 480], np.float32), np.zeros((21, 1), np.float32)], 1)
        hands.append({"normalised": normalised.tolist(), "world": (np.ones((21, 3)) * 0.01).tolist(),
                      "handedness": "Right", "score": 0.97, "crop": crop})  # fmt: skip
    return {"kind": "take", "take_id": take_id, "project": "default", "class_name": class_name,
            "frame_size": [640, 480], "frames": [{"t": 3.0 + i * 0.2, "hands": [h]} for i, h in enumerate(hands)]}  # fmt: skip


@pytest.mark.slow  # trains a model, a panel under AppTest
def test_a_take_that_looks_like_another_gesture_is_asked_about_before_it_is_stored(data_dir: Path) -> None:
    """Issue 64: the list on 👌 ok and a fist shown, 15 fist frames were stored as "ok" without a word. Now the
    model Live runs answers the take's frames first: most of them another taught gesture, the panel asks once, and
    nothing is stored until the student keeps them; dropped, nothing is."""
    from streamlit.testing.v1 import AppTest

    from core.data.project import train_project
    from core.data.store import Store
    from core.gestures.training import TrainConfig
    from ui.live.live_fix import DROPPED

    store = Store(data_dir)
    store.ensure_project()
    rng = np.random.default_rng(0)
    for name, angle in (("pointing_up", 90.0), ("pointing_right", 180.0)):
        store.add_samples("default", [Sample(make_hand(pointing_hand(angle + rng.normal(0, 5))), name, "image")
                                      for _ in range(8)])  # fmt: skip
    train_project(store, "default", TrainConfig(epochs=60))
    before = store.class_counts("default")

    def page(take_id: str, class_name: str, angle: float) -> AppTest:
        at = AppTest.from_function(_browser_take_page, args=(str(data_dir), _pointing_take(take_id, class_name, angle)),
                                   default_timeout=60)  # fmt: skip
        at.run()
        assert not at.exception, [e.message for e in at.exception]
        return at

    at = page("take-right-as-up", "pointing_up", 180.0)
    assert [w.value for w in at.warning] == ["These look like 👉 pointing right. Keep them as ☝️ pointing up?"]
    assert store.class_counts("default") == before, "nothing is stored before the answer"
    at.button(key="live_fix_drop").click().run()
    assert store.class_counts("default") == before and DROPPED in [i.value for i in at.info]

    at = page("take-right-as-up-kept", "pointing_up", 180.0)
    at.button(key="live_fix_keep").click().run()
    assert store.class_counts("default")["pointing_up"] == before["pointing_up"] + 6  # kept as the student said

    at = page("take-up-as-up", "pointing_up", 90.0)  # what it was taught as: stored without a question
    assert not at.warning and store.class_counts("default")["pointing_up"] == before["pointing_up"] + 12
