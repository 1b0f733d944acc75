"""Live's outputs in a class, under AppTest with two signed-in students on one server (a real class store,
tests/classmaker.py; real sockets on loopback).

Each student's outputs are their session's own: Ben's Live shows none of Ana's settings, and his attempt on her
port is one line that leaves her WebSocket serving. And a student's OSC may not leave the server's machine unless
the teacher's server settings (HANDTEACH_CLASS_OUTPUT_HOSTS) name the host.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app_outputs import _free_port, shown
from websockets.sync.client import connect

from core.classes.access import Viewer
from tests.classmaker import make_class
from ui.common.signin import VIEWER_KEY

ROOT = Path(__file__).resolve().parents[1]


def _live(viewer: Viewer) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.session_state[VIEWER_KEY] = viewer  # what signing in leaves in the session (tests/test_app_signin.py signs in)
    at.switch_page("pages/live.py")
    at.session_state["live_more"] = True  # the outputs are behind Live's More
    return _run(at)


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def _errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def test_each_students_outputs_are_their_own_and_stay_on_the_server(
    data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    school = make_class(data_dir)
    ana, ben = _live(school.ana), _live(school.ben)
    port = _free_port()
    ana.toggle(key="live_ws_on").set_value(True)
    _run(ana)  # the port and the origins are greyed out until the switch is on, as for a person
    ana.number_input(key="live_ws_port").set_value(port)
    ana.text_input(key="live_ws_origins").set_value("https://ana.example.org")
    _run(ana)
    assert f"WebSocket ws://127.0.0.1:{port}" in shown(ana) and not _errors(ana)
    ana_outputs = ana.session_state["handteach_stream_live"].outputs

    _run(ben)  # Ben's page: none of Ana's settings, no outputs of his
    assert not ben.toggle(key="live_ws_on").value and ben.number_input(key="live_ws_port").value != port
    assert ben.text_input(key="live_ws_origins").value == "" and "ana.example.org" not in shown(ben)
    assert ben.session_state["handteach_stream_live"].outputs is None
    ben.toggle(key="live_ws_on").set_value(True)
    _run(ben)
    ben.number_input(key="live_ws_port").set_value(port)  # her port
    _run(ben)
    (error,) = _errors(ben)
    assert error.startswith("Outputs off: ") and str(port) in error and "\n" not in error
    assert ben.session_state["handteach_stream_live"].outputs is None
    with connect(f"ws://127.0.0.1:{port}") as client:  # hers still serves, untouched
        assert client.protocol.state.name == "OPEN"
    assert ana.session_state["handteach_stream_live"].outputs is ana_outputs
    assert ana_outputs.settings.ws_origins == ("https://ana.example.org",)

    ben.toggle(key="live_ws_on").set_value(False)
    ben.toggle(key="live_osc_on").set_value(True)
    _run(ben)
    ben.text_input(key="live_osc_host").set_value("10.1.2.3")  # another machine of the school's network
    _run(ben)
    (error,) = _errors(ben)
    assert "OSC host '10.1.2.3': in a class, outputs go to this server's own machine only" in error
    assert ben.session_state["handteach_stream_live"].outputs is None
    ben.text_input(key="live_osc_host").set_value("127.0.0.1")
    _run(ben)
    assert not _errors(ben) and "OSC → 127.0.0.1:12000" in shown(ben)

    monkeypatch.setenv("HANDTEACH_CLASS_OUTPUT_HOSTS", "10.1.2.3")  # the teacher's server settings allow it
    ben.text_input(key="live_osc_host").set_value("10.1.2.3")
    _run(ben)
    assert not _errors(ben) and "OSC → 10.1.2.3:12000" in shown(ben)
    for at in (ana, ben):
        at.toggle(key="live_ws_on").set_value(False)
        at.toggle(key="live_osc_on").set_value(False)
        _run(at)
