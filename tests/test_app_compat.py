"""ui.server.compat: the guarded fixes for Streamlit behaviour the app cannot live with; and Streamlit itself held
to what a fix of ours once did (a pending click kept), so that an upgrade that loses it fails here."""

from __future__ import annotations

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests, ScriptRequestType


def _states(submitted: bool, **values: str) -> WidgetStates:
    """What the browser sends: every widget's value; the submit button's trigger only with its click."""
    states = WidgetStates()
    for widget_id, value in values.items():
        states.widgets.append(WidgetState(id=widget_id, string_value=value))
    if submitted:
        states.widgets.append(WidgetState(id="add_gesture", trigger_value=True))
    return states


def _click_then_timer(requests: ScriptRequests) -> RerunData:
    # a script is running (CONTINUE); the user submits a form, then a run_every fragment ticks
    requests.request_rerun(RerunData(widget_states=_states(True, name="wave")))
    tick = _states(False, name="wave")
    requests.request_rerun(RerunData(widget_states=tick, fragment_id="status", is_auto_rerun=True))
    assert requests._state == ScriptRequestType.RERUN
    return requests._rerun_data


def test_a_fragment_tick_does_not_turn_a_pending_click_into_a_fragment_run() -> None:
    pending = _click_then_timer(ScriptRequests())
    assert pending.fragment_id_queue == [], "the click's full rerun became a run of the fragment alone"
    states = {w.id: w for w in pending.widget_states.widgets}
    assert states["name"].string_value == "wave" and states["add_gesture"].trigger_value


def test_fragment_requests_without_a_pending_full_run_queue_each_fragment() -> None:
    requests = ScriptRequests()
    requests.request_rerun(RerunData(fragment_id="status", is_auto_rerun=True))
    requests.request_rerun(RerunData(fragment_id="panel", is_auto_rerun=True))
    assert requests._rerun_data.fragment_id_queue == ["status", "panel"]


def test_a_send_to_a_tab_that_left_ends_the_receive_loop_as_a_disconnect() -> None:
    import asyncio

    from starlette.websockets import WebSocket, WebSocketDisconnect

    from ui.server.compat import end_websockets_quietly

    async def tab_leaves_during_a_send() -> None:
        incoming = [{"type": "websocket.connect"}]

        async def receive() -> dict:
            return incoming.pop(0)

        async def send(message: dict) -> None:
            if message["type"] == "websocket.send":
                raise OSError("the browser is gone")

        websocket = WebSocket({"type": "websocket", "path": "/_stcore/stream", "headers": []}, receive, send)
        await websocket.accept()
        with pytest.raises(WebSocketDisconnect):  # Streamlit's send task stops on it
            await websocket.send_bytes(b"a ForwardMsg")
        with pytest.raises(WebSocketDisconnect):  # its receive loop breaks on it (a RuntimeError it did not)
            await websocket.receive_bytes()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(WebSocket, "receive_bytes", WebSocket.receive_bytes)  # undone after the test
        assert end_websockets_quietly() and end_websockets_quietly()
        asyncio.run(tab_leaves_during_a_send())


def test_a_batch_keeps_a_pending_click_too() -> None:
    """Streamlit's ``request_rerun_batch`` goes past ``request_rerun``: a click and a fragment's tick in one batch
    still run the whole page with the click's widget states."""
    requests = ScriptRequests()
    tick = RerunData(widget_states=_states(False, name="wave"), fragment_id="status", is_auto_rerun=True)
    requests.request_rerun_batch([RerunData(widget_states=_states(True, name="wave")), tick])
    assert requests._rerun_data.fragment_id_queue == []
    assert {w.id for w in requests._rerun_data.widget_states.widgets} >= {"name", "add_gesture"}
