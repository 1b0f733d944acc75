"""ui.server.compat: the guarded fixes for Streamlit behaviour the app cannot live with."""

from __future__ import annotations

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.runtime.scriptrunner_utils.script_requests import RerunData, ScriptRequests, ScriptRequestType

from ui.server.compat import keep_pending_full_reruns


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
    patched = keep_pending_full_reruns()
    assert keep_pending_full_reruns() == patched  # idempotent
    pending = _click_then_timer(ScriptRequests())
    assert pending.fragment_id_queue == [], "the click's full rerun became a run of the fragment alone"
    states = {w.id: w for w in pending.widget_states.widgets}
    assert states["name"].string_value == "wave" and states["add_gesture"].trigger_value


def test_fragment_requests_without_a_pending_full_run_are_streamlits() -> None:
    keep_pending_full_reruns()
    requests = ScriptRequests()
    requests.request_rerun(RerunData(fragment_id="status", is_auto_rerun=True))
    requests.request_rerun(RerunData(fragment_id="panel", is_auto_rerun=True))
    assert requests._rerun_data.fragment_id_queue == ["status", "panel"]


def test_a_send_to_a_tab_that_left_ends_the_receive_loop_as_a_disconnect() -> None:
    import asyncio

    import pytest
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


@pytest.mark.skipif(not hasattr(ScriptRequests, "request_rerun_batch"), reason="Streamlit before 1.67: no batches")
def test_where_streamlit_keeps_the_click_itself_nothing_is_patched_and_a_batch_keeps_it_too() -> None:
    """Streamlit 1.67 keeps a pending full rerun itself, also in ``request_rerun_batch``, which goes past
    ``request_rerun`` (a patch there would miss it): the guard stands aside."""
    before = ScriptRequests.request_rerun
    assert keep_pending_full_reruns() is False
    assert ScriptRequests.request_rerun is before
    requests = ScriptRequests()
    tick = RerunData(widget_states=_states(False, name="wave"), fragment_id="status", is_auto_rerun=True)
    requests.request_rerun_batch([RerunData(widget_states=_states(True, name="wave")), tick])
    assert requests._rerun_data.fragment_id_queue == []
    assert {w.id for w in requests._rerun_data.widget_states.widgets} >= {"name", "add_gesture"}


def test_where_streamlit_has_no_clashing_media_responders_nothing_is_patched() -> None:
    from streamlit.web.server.starlette import starlette_gzip_middleware as streamlit_gzip

    from ui.server.compat import fix_media_responses

    has_responders = hasattr(streamlit_gzip, "_MediaAwareGZipResponder")
    assert fix_media_responses() is has_responders  # 1.60 with Starlette 1.x: patched; 1.67: nothing to patch
