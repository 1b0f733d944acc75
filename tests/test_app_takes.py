"""Record's browser path under AppTest, spoken to as a script with no browser would (issue 54): the component's
value set by hand, as Streamlit's websocket carries it. A take sent as soon as its ticket is issued is refused in
one line and stores nothing; one sent after the countdown and the length, as a real tab sends it, is stored.
A signed-in student of a real class store (tests/classmaker.py)."""

from __future__ import annotations

import time
from pathlib import Path

from streamlit.testing.v1 import AppTest
from test_browser_take import tab_hand, tab_take

from core.data.store import Store
from tests.classmaker import make_class
from ui.browser.path import BROWSER
from ui.common.signin import VIEWER_KEY

ROOT = Path(__file__).resolve().parents[1]


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _send(at: AppTest, seq: int, value: dict) -> AppTest:
    """The component's value as a tab (or a script) sets it: its tab id and number, then the take."""
    at.session_state["record-browser"] = {"tab": "script-tab", "seq": seq, **value}
    return _run(at)


def _record_button(at: AppTest, seconds: int) -> AppTest:
    at.slider(key="record_seconds").set_value(seconds)
    _run(at)
    at.button(key="record_start").click()
    return _run(at)


def test_a_take_sent_before_its_countdown_and_length_is_refused_and_one_in_time_is_stored(data_dir: Path) -> None:
    school = make_class(data_dir)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[VIEWER_KEY] = school.ana
    at.session_state["record_more"] = True  # where the hands are found is an expert's choice, behind More
    _run(at)
    at.switch_page("pages/record.py")
    _run(at)
    at.sidebar.radio(key="keypoints_path_widget").set_value(BROWSER)
    _run(at)
    at.radio(key="record_class").set_value("ok")
    before = len(Store(data_dir).list_samples("ana-signs"))

    ticket = _record_button(at, 1).session_state["browser_take"]
    assert ticket.project == "ana-signs" and ticket.duration == 1
    _send(at, 1, tab_take(ticket, [[tab_hand()]] * 6))  # at once: no countdown, no capture
    errors = [e.value for e in at.error]
    assert len(errors) == 1 and "Nothing was stored: take" in errors[0], errors
    assert "before its 3 s countdown and 1 s could pass" in errors[0] and "\n" not in errors[0]
    assert len(Store(data_dir).list_samples("ana-signs")) == before

    ticket = _record_button(at, 1).session_state["browser_take"]
    time.sleep(ticket.length + 0.3)  # a real tab: 3-2-1, then a second of capture
    _send(at, 2, tab_take(ticket, [[tab_hand()]] * 5))
    assert len(Store(data_dir).list_samples("ana-signs")) == before + 5
    assert [s.value for s in at.success] == ["Stored 5 samples of 👌 ok."]
    at.radio(key="record_class").set_value("fist")  # the line went with its gesture: it once said "… of 👊 fist"
    assert not [s.value for s in _run(at).success if "Stored" in s.value], [s.value for s in at.success]
    at.radio(key="record_class").set_value("ok")
    _send(at, 3, tab_take(ticket, [[tab_hand()]] * 5))  # the same take again, as a replaying script would
    assert any("already received" in e.value for e in at.error)
    assert len(Store(data_dir).list_samples("ana-signs")) == before + 5


def test_a_forged_status_message_is_one_line_of_ours_and_crashes_nothing(data_dir: Path) -> None:
    """Issue 63 item 15: a status event whose message was an object, not text, crashed the student's own Record
    page. Every field of it is the tab's: the page says what a camera problem is in its own words, one line."""
    from ui.browser.record import CAMERA_FAILED, CAMERA_PROBLEMS

    school = make_class(data_dir)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[VIEWER_KEY] = school.ana
    at.session_state["record_more"] = True  # where the hands are found is an expert's choice, behind More
    _run(at)
    at.switch_page("pages/record.py")
    _run(at)
    at.sidebar.radio(key="keypoints_path_widget").set_value(BROWSER)
    _run(at)
    forged = [
        ({"message": {"a": [1, 2]}, "problem": "denied"}, CAMERA_PROBLEMS["denied"]),
        ({"message": ["x"] * 1000, "problem": ["busy"]}, CAMERA_FAILED),
        ({"message": 7, "problem": None}, CAMERA_FAILED),
        ({"message": "**pwned** [x](mailto:a@b) <img src=x>\n# big", "problem": "nope"}, CAMERA_FAILED),
        ({"message": None}, CAMERA_FAILED),
    ]
    for seq, (fields, said) in enumerate(forged, start=1):
        _send(at, seq, {"kind": "status", "state": "error", **fields})
        assert [w.value for w in at.warning] == [said]
    _send(at, len(forged) + 1, {"kind": "status", "state": ["ready"]})  # not an error: nothing said
    assert not at.warning
