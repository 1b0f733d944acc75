"""Live's "Teach it here": when a gesture comes out wrong, record a short take of it and retrain, without leaving Live.

Why on Live: measured on 17 real people's own recordings (docs/benchmarks.md, "Stranger few-shot"),
what a model of a person's first frames gets wrong later is mostly the person changing how they
hold a gesture (the other hand, a gesture held edge-on, recorded again differently). Those
mistakes show up on Live, so that is where they are mended: one take of the gesture as the user
now holds it, added to the project's samples, then the project trained again as Train trains it
(the default settings, the starter data for a hand project).

The take runs on Live's own stream (``StreamSession.start_recording``, the recorder Record uses);
training runs in a ``ui.jobs.training.TrainingRun``. When the model is saved, the page reruns and Live runs it; its
accuracy is then measured in the job queue, behind other students' trainings (the panel waits for none of it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from core.data.store import Store
from core.gestures.catalog import GestureClass
from core.gestures.classifier import GestureClassifier, ModelFileError
from core.gestures.take_check import take_look
from core.gestures.training import NotEnoughDataError, TrainConfig
from ui.common import sharing, signin, state
from ui.common.text import plain
from ui.jobs.training import FIX_RUN_KEY, NotReadyError, TrainingRun, check_trainable
from ui.webcam.recorder import RecordPlan, RecordStatus
from ui.webcam.stream import StreamSession

RUN_KEY = FIX_RUN_KEY  # (take ident, its TrainingRun or None, why none) of the latest fix


@dataclass(frozen=True)
class FixPlan:
    """How a fix retrains: the starter data for a hand project; ``keep_unrecorded`` keeps the gestures
    Live knew before the fix, recorded or not (the starter's eight, on a project never trained)."""

    starter: bool
    keep_unrecorded: bool


EXPANDER = "🩹 A wrong answer? Teach it here"
OPEN_KEY = "live_fix_open"  # whether the panel is open (both paths): the cards leave out their bars meanwhile
MEASURED_AGAIN = "Its accuracy is measured again meanwhile: Train shows it."
# under the button on both paths; one caption: the panel fits beside the video at 1280x720
HOW = ("Hold the gesture the way you hold it now: handteach adds the take to its samples and trains again (a few "
       "seconds), then Live uses what it learned. A gesture not listed: add it on Record, then train.")  # fmt: skip


def fix_expander(keep_open: bool):  # noqa: ANN201 - Streamlit's expander container
    """The panel's expander on both paths, open (``keep_open``) while a take or its training runs. Its state is kept
    (``OPEN_KEY``) for the cards, which leave out their bars while it is open: under a full card, the panel's
    *Show* button lay below a 1280x720 window once opened (issue 64, item 6). Its ``expanded`` is fixed: the
    expander's identity holds it, and a changed one would start it afresh."""
    if keep_open and not st.session_state.get(OPEN_KEY, False):
        # a run that already drew the expander (a fragment's rerun) may not set its state: it stays as drawn
        with contextlib.suppress(StreamlitAPIException):
            st.session_state[OPEN_KEY] = True
    return st.expander(EXPANDER, key=OPEN_KEY, on_change="rerun")


def is_open() -> bool:
    """Whether the panel is open (its state from this run's start: the cards come before it on the page)."""
    return bool(st.session_state.get(OPEN_KEY, False))


def fix_target(project: str, gestures: list[GestureClass], model_classes: list[str] | None) -> str | None:
    """The gesture the wrong answer should have been ("It should be"), for both paths' Teach it here; None, saying
    why, while there is none to record.

    The list holds the gestures Live answers with (``model_classes``, the model it runs), in the project's order:
    a project's starter gestures it never taught are not answers Live gives, so no answer of Live's was "wrong"
    for one of them. With no model (``None``) it holds every gesture of the project: the take trains the first one.
    A gesture to teach beside them is added on Record, which the caption under the list says."""
    known = None if model_classes is None else set(model_classes)
    names = [g.name for g in gestures if known is None or g.name in known]
    if not names:
        st.caption("Add a gesture on Record first: a fix records a take of one.")
        return None
    target = st.selectbox("It should be", names, format_func=lambda n: state.title_of(n, gestures),
                          key=f"live_fix_class_{project}")  # fmt: skip
    return target


def fix_plan(body: bool, model_classes: list[str] | None, counts: dict[str, int]) -> FixPlan:
    """``model_classes``: the classes of the model Live runs now (None: none). A fix must not make Live
    forget a gesture it knew: if that model knows a class without samples of its own (the starter's
    gestures, or a model trained with them kept), the retrained one keeps them too."""
    unrecorded = [c for c in model_classes or [] if counts.get(c, 0) == 0]
    return FixPlan(starter=not body, keep_unrecorded=not body and bool(unrecorded))


def _latest(project: str) -> tuple | None:
    """The latest fix of ``project`` that started a training (RUN_KEY's value), or None."""
    latest = st.session_state.get(RUN_KEY)
    return latest if latest is not None and latest[1] is not None and latest[1].project == project else None


def _latest_train(project: str) -> bool:
    run = st.session_state.get("train_run")
    return isinstance(run, TrainingRun) and run.project == project


def in_progress(session: StreamSession, project: str) -> bool:
    """Whether a take of ``project`` or its training runs: only then does the panel poll (``panel``'s ``polling``).
    Redrawn twice a second while idle, its button was replaced under the pointer: a press was at times lost
    (the walkthrough's clicks found it 'not stable, detached from the DOM' for 30 s)."""
    recording = session.snapshot().recording
    latest = _latest(project)
    return (recording is not None and recording.running and recording.plan.project == project) or (
        latest is not None and latest[1].snapshot().training
    )


def panel(session: StreamSession, store: Store, project: str, gestures: list[GestureClass],
          model_classes: list[str] | None, playing: bool, polling: bool = False) -> None:  # fmt: skip
    """The "Teach it here" expander under Live's results (a fragment: it polls the take and the training while
    ``in_progress``; ``polling``: whether this fragment reruns by itself, else a take or training begun in this run
    reruns the page so that it does)."""
    if not sharing.can_change(store, project):  # a classmate's shared project: Live runs it, nobody teaches it
        return
    _draw(session, store, project, gestures, model_classes, playing)
    if playing and not polling and in_progress(session, project):  # playing: the page's run then polls (no loop)
        st.rerun(scope="app")  # a press began a take, or a take's end its training: the page makes this panel poll


def _draw(session: StreamSession, store: Store, project: str, gestures: list[GestureClass],
          model_classes: list[str] | None, playing: bool) -> None:  # fmt: skip
    body = session.backend.skeleton == "body"
    latest = _latest(project)
    recording = session.snapshot().recording
    taking = recording is not None and recording.plan.project == project  # Live records nothing but fixes
    # open while a take or its training runs: the panel, redrawn once the take starts, came back collapsed at
    # times (its "Get ready to show…" then hidden), though the user had opened it to press the button
    with fix_expander(latest is not None or taking):
        target = fix_target(project, gestures, model_classes)
        if target is None:
            return
        plan = RecordPlan(project, target, backend=session.backend.name, skeleton=session.backend.skeleton)
        busy = recording is not None and recording.running
        training = latest is not None and latest[1].snapshot().training  # its measuring after it waits for nobody
        why = "Press START on the video first" if not playing else ("Wait for the take and training to end"
                                                                     if busy or training else None)  # fmt: skip
        title = plain(state.title_of(target, gestures))
        if taking:  # above the button: in the window with the video at 1280x720 (under the caption it was not)
            _follow(recording, store, project, gestures, model_classes, body)
        st.button(f"⏺ Show {title} for {plan.duration:g} s, then retrain", disabled=why is not None, help=why,
                  on_click=session.start_recording, args=(plan,), key="live_fix_record")  # fmt: skip
        st.caption(HOW)


def _follow(recording: RecordStatus, store: Store, project: str, gestures: list[GestureClass],
            model_classes: list[str] | None, body: bool) -> None:  # fmt: skip
    title = plain(state.title_of(recording.plan.class_name, gestures))
    if recording.phase == "countdown":
        st.info(f"Get ready to show {title}: the countdown is on the video")  # one clock: the video's
        return
    if recording.phase in ("recording", "saving"):
        st.info(f"Recording {title}: keep it in view")
        return
    if not recording.stored:
        st.warning(f"No usable hand in the take of {title}: keep it in view and try again.")
        return
    answer = st.session_state.get(ANSWER_KEY, {}).get(recording.ident)
    if answer == DROP:
        st.info(DROPPED)
        return
    if answer is None:  # asked once a take: the samples stored last are this take's (the server path stores first)
        stored = store.list_samples(project, recording.plan.class_name)[-recording.stored :]
        look = take_look(current_model(store, project), [s.hand for s in stored], recording.plan.class_name)
        if look.other is not None:
            ids = [int(s.id) for s in stored if s.id is not None]
            ask(look.other, recording.plan.class_name, gestures, lambda: _answer(recording.ident, KEEP, []),
                lambda: _answer(recording.ident, DROP, ids, store))  # fmt: skip
            return
    follow_training(recording.ident, recording.stored, title, store, project, gestures, model_classes, body)


KEEP, DROP = "keep", "drop"
ANSWER_KEY = "live_fix_answers"  # server path: take ident -> the answer to "These look like …" (asked once a take)
DROPPED = "The take was dropped: nothing of it was kept."


def current_model(store: Store, project: str) -> GestureClassifier | None:
    """The model Live runs for ``project`` (the starter for an untrained hand project), or None."""
    try:
        return state.project_model(project, starter_fallback=store.project_skeleton(project).name != "body")
    except (ModelFileError, OSError, ValueError):
        return None


def ask(other: str, chosen: str, gestures: list[GestureClass], keep: Callable[[], None],
        drop: Callable[[], None]) -> None:  # fmt: skip
    """ "These look like 👊 fist. Keep them as 👌 ok?" with its two buttons, before a take is kept (both paths)."""
    them, chosen_title = plain(state.title_of(other, gestures)), plain(state.title_of(chosen, gestures))
    st.warning(f"These look like {them}. Keep them as {chosen_title}?")
    left, right = st.columns(2)
    if left.button(f"Keep as {chosen_title}", on_click=keep, key="live_fix_keep"):
        st.rerun(scope="app")  # the training follows, outside this fragment
    if right.button("Drop them", on_click=drop, key="live_fix_drop"):
        st.rerun(scope="app")


def _answer(ident: int, answer: str, ids: list[int], store: Store | None = None) -> None:
    st.session_state.setdefault(ANSWER_KEY, {})[ident] = answer
    if store is not None and ids:
        store.delete_samples(ids)


def follow_training(ident: int | str, stored: int, title: str, store: Store, project: str,
                    gestures: list[GestureClass], model_classes: list[str] | None, body: bool) -> None:  # fmt: skip
    """After take ``ident`` stored ``stored`` samples of ``title``: trains the project once for that take (a rerun
    does not train again) and shows how it goes; reruns the app once the model is saved, so Live runs it.
    The server path's takes and the browser path's (``ui.live.browser_fix``) both end here."""
    latest = st.session_state.get(RUN_KEY)
    if latest is None or latest[0] != ident:
        latest = st.session_state[RUN_KEY] = _start_training(ident, store, project, gestures, model_classes, body)
    if latest[1] is None:
        st.warning(f"Added {stored} samples of {title}. {plain(latest[2])}")  # the error may quote gesture names
        return
    snapshot = latest[1].snapshot()
    if not snapshot.running and not snapshot.saved:  # stopped or refused: was its student deleted meanwhile?
        signin.leave_if_deleted(store)  # then their samples went too: the sign-in form says so, not "Added"
    if snapshot.training:
        _training(latest[1], f"Added {stored} samples of {title}. Training")
    elif snapshot.cancelled and not snapshot.saved:
        st.info(f"Added {stored} samples of {title}; the training was stopped, so Live keeps what it knew "
                "before. Train again here or on Train.")  # fmt: skip
    elif snapshot.error:
        st.error(plain(f"Added {stored} samples of {title}, but training failed: {snapshot.error}"))
    elif snapshot.saved:
        st.success(f"Added {stored} samples of {title} and retrained in {snapshot.seconds:.1f} s: "
                   f"Live now uses what it just learned. {MEASURED_AGAIN}")  # fmt: skip
        state.rerun_once("live_fix_seen", ident)  # the page loads the saved model


def _training(run: TrainingRun, doing: str) -> None:
    """The retraining's passes (it stops by itself once it stops improving: "at most") and a Stop button."""
    snapshot = run.snapshot()
    last = snapshot.history[-1] if snapshot.history else None
    done = f": practice {last.epoch} of at most {last.epochs}, {snapshot.seconds:.0f} s" if last else "…"
    st.progress(last.epoch / last.epochs if last else 0.0, text=snapshot.waiting or doing + done)  # queued: its place
    st.button("⏹ Stop", on_click=run.cancel, disabled=snapshot.cancelled, key="live_fix_stop")


def _start_training(ident: int | str, store: Store, project: str, gestures: list[GestureClass],
                    model_classes: list[str] | None, body: bool) -> tuple[int | str, TrainingRun | None, str]:  # fmt: skip
    """Trains the project as Train would (default settings), keeping what Live knew (``fix_plan``), then measures
    the new model in the queue behind other students' trainings (``TrainingRun.measure``), so Train's figure,
    matrix and table come back for it. A measuring still waiting for a model this training replaces is dropped
    (the queue would take the new one for the same job)."""
    for earlier in (_latest(project), (None, st.session_state.get("train_run"))):
        if earlier is not None and isinstance(earlier[1], TrainingRun) and earlier[1].project == project:
            earlier[1].skip_measuring()
    if _latest_train(project):  # Train then shows the saved model (this one, measured), not the run it replaces
        st.session_state.pop("train_run", None)
    counts = store.class_counts(project)
    fix = fix_plan(body, model_classes, counts)
    mirror_map = {g.name: g.mirror_partner for g in gestures}
    config = TrainConfig()
    try:
        check_trainable(counts, mirror_map, config, starter=fix.starter, keep_unrecorded=fix.keep_unrecorded)
    except (NotReadyError, NotEnoughDataError) as exc:
        return ident, None, str(exc)
    run = TrainingRun(store, project, config, starter=fix.starter, keep_unrecorded=fix.keep_unrecorded, measure=True)
    return ident, run.start(), ""
