"""Live on the browser path under AppTest: what the page keeps of the tab across its own reruns.

The component's events are set as the tab sets them (its value, by key); the tab itself runs in
tests/test_browser_live_answers.py.
"""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.data.store import Store

pytestmark = pytest.mark.slow  # runs Live's browser half under AppTest


def _live_browser(_: None = None) -> None:
    """Live's webcam half on the browser path, no model (run under AppTest: its own imports)."""
    from ui.common import state
    from ui.live import browser_live

    browser_live.live_browser("default", None, state.classes())


def _camera_args(at: AppTest) -> dict:
    found = []

    def walk(node) -> None:  # noqa: ANN001 - an AppTest element tree node
        for child in getattr(node, "children", {}).values():
            if type(child).__name__ == "UnknownElement" and child.type == "component_instance":
                found.append(json.loads(child.proto.json_args))
            walk(child)

    walk(at._tree)
    assert len(found) == 1, found
    return found[0]


def test_a_take_s_rerun_keeps_the_running_camera_and_acknowledges_the_take(store: Store) -> None:
    """The walkthrough (1280x720, Chromium): through Teach it here's retraining the card said "Allow the camera
    when the browser asks… Labels: none" beside the video drawing the hand. The take's rerun, raised before the
    component was drawn, dropped its value: the page took the camera for stopped, and acknowledged no take, so
    the tab held its labels back until it sent the take again."""
    at = AppTest.from_function(_live_browser, default_timeout=60)
    at.run()
    assert any("Allow the camera" in i.value for i in at.info)  # no tab yet
    at.session_state["live-browser"] = {"kind": "status", "state": "ready", "tab": "t1", "seq": 1}
    at.run()
    assert [m.value for m in at.markdown] == ["## 🫥 No hand in view"]  # the camera runs
    at.session_state["live-browser"] = {"kind": "take", "take_id": "x", "tab": "t1", "seq": 2}  # no ticket: refused
    at.run()  # the take's run reruns the page
    assert not at.exception, [e.message for e in at.exception]
    assert not any("Allow the camera" in i.value for i in at.info), [i.value for i in at.info]
    assert [m.value for m in at.markdown] == ["## 🫥 No hand in view"]
    assert _camera_args(at)["ack"] == {"tab": "t1", "seq": 2}  # the take read: the tab sends what waits behind it
    at.run()  # a later run (a setting changed): the tab's last event, read once
    assert [m.value for m in at.markdown] == ["## 🫥 No hand in view"]
