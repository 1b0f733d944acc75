"""Live's "Teach it here" on the browser path: the tab records the take, the server stores it and retrains.

As Record's browser path does (``ui.browser.record``), the page issues a ``TakeTicket``; Live's camera component
records the take in the tab (its countdown and REC badge on the canvas) and sends it whole at its end. The take is
checked and stored in one transaction (``core.data.imports.browser_take.store_take``: the same rows and rejected-frame
counts as a server-path take), then the project is trained again exactly as the server path's fix trains it
(``ui.live.live_fix.follow_training``). Once the model is saved the page reruns, the model's version changes and
the tab loads the new ONNX.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import streamlit as st

from core.data.imports.browser_take import TakeReport, TakeTicket
from core.data.store import Store
from core.gestures.catalog import GestureClass
from core.gestures.take_check import take_look
from ui.browser.takes import TakeSlot
from ui.common import sharing, state
from ui.common.text import plain
from ui.live import live_fix
from ui.webcam.recorder import RecordPlan

_TAKE, _RESULT = TakeSlot("live_fix_ticket"), "live_fix_take"
_ASK = "live_fix_ask"  # (take id, the take held, the gesture it looks like, its gesture's title)


def pending_ticket(project: str) -> TakeTicket | None:
    """The take the tab should record now (the component's ``take`` argument), or None."""
    ticket = _TAKE.issued()
    if ticket is None or ticket.project != project:  # another project's take is left for its own page to drop
        return None
    ticket, dropped = _TAKE.pending()
    if dropped:
        st.session_state[_RESULT] = ("", "The take never arrived from the browser: show it again.", "")
    return ticket


def handle_take(event: dict, store: Store, gestures: list[GestureClass]) -> None:
    """A ``take`` event of Live's component: checked, then stored (nothing on any error), its result kept; a take
    that looks like another gesture the model was taught is held, and the panel asks first (``_ASK``)."""
    ticket, read = _TAKE.read(store, event)
    title = plain(state.title_of(ticket.class_name, gestures)) if ticket is not None else ""
    take_id = str(event.get("take_id", ""))[:64]
    st.session_state.pop(_ASK, None)
    if isinstance(read, str):
        st.session_state[_RESULT] = (take_id, read, title)
        return
    answered, samples, _ = read
    look = take_look(live_fix.current_model(store, answered.project), [s.hand for s in samples], answered.class_name)
    if look.other is not None:
        st.session_state.pop(_RESULT, None)
        st.session_state[_ASK] = (take_id, read, look.other, title)
        return
    st.session_state[_RESULT] = (take_id, _TAKE.keep(store, *read), title)


def _answer(store: Store, keep: bool) -> None:
    """The answer to "These look like …": the held take stored (then trained on), or dropped."""
    asked = st.session_state.pop(_ASK, None)
    if asked is None:
        return
    take_id, held, _, title = asked
    st.session_state[_RESULT] = (take_id, _TAKE.keep(store, *held), title) if keep else ("", live_fix.DROPPED, "")


def _issue(store: Store, project: str, class_name: str, camera_ready: Callable[[], bool]) -> None:
    if not camera_ready():  # read as the button is pressed: the panel may have been drawn before the camera ran
        st.session_state[_RESULT] = ("", "The camera is not running yet: wait for the picture, then press again.", "")
        return
    plan = RecordPlan(project, class_name)  # the server path's fix: 3-2-1, then 3 s at 5 samples a second
    st.session_state.pop(_RESULT, None)
    ticket = TakeTicket(uuid.uuid4().hex, project, class_name, plan.rate, plan.duration, plan.countdown, plan.extract)
    if refused := _TAKE.issue(ticket, store):  # the project went meanwhile (its student was deleted)
        st.session_state[_RESULT] = ("", refused, "")


def panel(store: Store, project: str, gestures: list[GestureClass], model_classes: list[str] | None,
          camera_ready: Callable[[], bool]) -> None:  # fmt: skip
    """The "Teach it here" expander; a fragment that follows the take and the training twice a second meanwhile."""
    if not sharing.can_change(store, project):  # a classmate's shared project: Live runs it, nobody teaches it
        return
    if pending_ticket(project) is None and not _training(after_take=True):
        # nothing to follow: drawn as part of Live's own fragment. Making a fragment copies the page's element
        # stack: 90 of 233 samples of signed-in students' label reruns in a profile (issue 54)
        _panel(store, project, gestures, model_classes, camera_ready)
        return
    st.fragment(run_every=0.5)(_panel)(store, project, gestures, model_classes, camera_ready)


def _training(after_take: bool = False) -> bool:
    """A fix's training runs (``after_take``: or is about to start for a take just stored)."""
    latest = st.session_state.get(live_fix.RUN_KEY)
    if latest is not None and latest[1] is not None and latest[1].snapshot().training:  # not its measuring
        return True
    result = st.session_state.get(_RESULT)
    stored = result is not None and isinstance(result[1], TakeReport) and result[1].stored > 0
    return after_take and stored and (latest is None or latest[0] != result[0])


def _panel(store: Store, project: str, gestures: list[GestureClass], model_classes: list[str] | None,
           camera_ready: Callable[[], bool]) -> None:  # fmt: skip
    ticket = pending_ticket(project)
    busy = ticket is not None or _training()
    result = st.session_state.get(_RESULT)  # after pending_ticket: a take that never came says so here
    keep_open = result is not None or busy or _ASK in st.session_state  # open meanwhile, as the server's
    with live_fix.fix_expander(keep_open):
        target = live_fix.fix_target(project, gestures, model_classes)
        if target is None:
            return
        asked = st.session_state.get(_ASK)
        asked = asked if asked is not None and asked[1][0].project == project else None
        why = "Wait for the take and training to end" if busy else ("Answer the question above first" if asked
                                                                     else None)  # fmt: skip
        title = plain(state.title_of(target, gestures))
        if asked is not None:  # the take is held until the student says
            live_fix.ask(asked[2], asked[1][0].class_name, gestures, lambda: _answer(store, True),
                         lambda: _answer(store, False))  # fmt: skip
        elif ticket is not None:  # above the button: in the window with the video at 1280x720
            st.info(f"Recording {plain(state.title_of(ticket.class_name, gestures))} in the camera view: a 3-2-1 "
                    f"countdown, then {ticket.duration:g} s.")  # fmt: skip
        elif result is not None:
            _show(result, store, project, gestures, model_classes)
        if st.button(f"⏺ Show {title} for {RecordPlan(project, target).duration:g} s, then retrain",
                     disabled=why is not None, help=why, on_click=_issue, args=(store, project, target, camera_ready),
                     key="live_fix_record"):  # fmt: skip
            st.rerun(scope="app")  # the camera, outside this fragment, gets the take to record
        st.caption(live_fix.HOW)


def _show(result: tuple[str, TakeReport | str, str], store: Store, project: str, gestures: list[GestureClass],
          model_classes: list[str] | None) -> None:  # fmt: skip
    take_id, report, title = result
    if report == live_fix.DROPPED:
        st.info(report)
    elif isinstance(report, str):
        st.error(plain(report))
    elif not report.stored:
        st.warning(f"No usable hand in the take of {title}: keep it in view and try again.")
    else:
        live_fix.follow_training(take_id, report.stored, title, store, project, gestures, model_classes, False)
