"""Live's cards: one per hand with its label, top guesses and why it is unknown; the stream's health; the 3D view."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.gestures.catalog import STARTER_EMOJI, GestureClass
from core.gestures.sureness import Card, Sureness, card
from core.types import UNKNOWN_LABEL, Prediction
from ui.common import state
from ui.common.text import plain
from ui.common.view3d import view3d_panel
from ui.common.widgets import PAGES
from ui.live.unknown_panel import why_unknown
from ui.webcam.stream import StreamSession, StreamSnapshot

# Extra panels under the Live results (e.g. the CPM keypoint view): each is called with
# the Live page's StreamSession inside the results column. Empty by default.
LIVE_PANELS: list[Callable[[StreamSession], None]] = []


def _bars(decided: Card, gestures: list[GestureClass]) -> None:
    # an unsure card's bars rank the closest gestures, without a number (core.gestures.sureness)
    for bar in decided.bars:
        st.progress(bar.fill, text=bar.text(plain(state.title_of(bar.name, gestures))))


SERVER_WAITING = "Press **START** on the video to begin. Allow the camera when the browser asks."
BROWSER_WAITING = "Allow the camera when the browser asks: this tab then starts looking for hands."


def prediction_cards(snapshot: StreamSnapshot, gestures: list[GestureClass], body: bool = False,
                     waiting: str = SERVER_WAITING, bars: bool = True) -> None:  # fmt: skip
    """One card per hand (or person, ``body``): emoji + label + confidence, top-3 bars (unless ``bars`` is False:
    while *Teach it here* is open under them, its controls stay beside the video at 1280x720), handedness.

    ``snapshot`` comes from ``StreamSession.snapshot(publish=True)``: each card shows the very prediction the
    video draws on that hand (``ui.webcam.answers``), in card ``live_card_<i>``.
    """
    if not snapshot.running:
        if waiting:  # none while a camera problem is said: "allow the camera" beside "no picture" misled
            st.info(waiting)  # the server path has a START button; the browser path starts with the page
        return
    if not snapshot.hands:
        with st.container(key="live_no_hand"):  # said by the page's live region as a card's gesture is
            st.markdown("## 🫥 No one in view" if body else "## 🫥 No hand in view")
        return
    columns = st.columns(len(snapshot.hands))
    for i, (column, (handedness, prediction)) in enumerate(zip(columns, snapshot.hands, strict=True)):
        with column, st.container(border=True, key=f"live_card_{i}"):
            st.caption("person" if body else f"{handedness} hand")
            if prediction is None:
                st.markdown("## 🖐 (not trained)")
                continue
            decided = card(prediction)  # the headline, its words and its bars: one decision
            title = "❔ unknown" if decided.label == UNKNOWN_LABEL else state.title_of(decided.label, gestures)
            st.markdown(f"## {plain(title)}")
            st.caption(what_decided(prediction, gestures, decided))
            if bars:
                _bars(decided, gestures)


def what_decided(prediction: Prediction, gestures: list[GestureClass], decided: Card | None = None) -> str:
    """The card's line under the label: what decided it, with the number that did (``Prediction.short_text`` is
    the short form drawn on the video), from the card's one decision (``core.gestures.sureness.card``)."""
    reason = why_unknown(prediction, gestures)
    if reason:
        return reason
    if prediction.distance is None:
        return f"confidence {prediction.score:.0%}"
    # one short line a 12-year-old reads: how sure, and why (issue 64: "like your own examples (0.2× the distance
    # that still counts); the model alone: 100%")
    how = (decided or card(prediction)).sureness
    if how is Sureness.AGAINST_MODEL:
        top = prediction.top(1)[0][0]
        return f"It looks like your examples, though without them it would say {plain(state.title_of(top, gestures))}"
    if how is Sureness.VERY_SURE:
        return "Very sure: it looks just like your examples"
    if how is Sureness.SURE:
        return "Sure: it looks like your examples"
    return "Not so sure: the closest of your gestures, but not much like your examples"


def prediction_text(snapshot: StreamSnapshot) -> str:
    """The labels drawn on the video, word for word ("thumbs up 93% (Right)"; a body has no side: "tree 97%"),
    for tests and screen readers; "none" without a hand or a model."""
    parts = [text for text, (_, p) in zip(snapshot.labels, snapshot.hands, strict=True) if p is not None]
    return "; ".join(parts) if parts else "none"


def labels_line(snapshot: StreamSnapshot) -> None:
    """ "Labels: claw 61% (Right)": the labels drawn on the video, word for word, in container ``live_labels``."""
    with st.container(key="live_labels"):
        st.caption(plain(f"Labels: {prediction_text(snapshot)}"))


def stream_view3d(session: StreamSession, key: str) -> None:
    """``view3d_panel`` of a stream's latest keypoints: a fragment of its own under Live's video, the column with
    room for it (in the results column the figure was squeezed, its axis title cut to "epth (m)")."""
    view3d_panel(session.snapshot().keypoints, key)


def live_model(project: str, body: bool):  # noqa: ANN201 - a GestureClassifier or None (torch imported lazily)
    """The model Live runs (the starter for an untrained hand project), with a note saying which, or why none.

    The note sits in one keyed container whether it shows or not: when the model changes under a streaming
    webcam (Live's "Teach it here" retrains), a vanished element above the webcam would remount it and stop
    the stream."""
    with st.container(key="live_model_note"):  # one element, note or not: the webcam under it keeps streaming
        return _live_model_note(project, body)


def _live_model_note(project: str, body: bool):  # noqa: ANN202 - a GestureClassifier or None
    from core.gestures.classifier import ModelFileError
    from core.starter import is_shipped_starter

    try:
        model = state.project_model(project, starter_fallback=True)
    except ModelFileError as exc:
        st.error(plain(f"The saved model cannot be read ({exc}). Train again to replace it."))
        return None
    if model is not None and is_shipped_starter(model):
        # one line at 1280x720: Teach it here's controls, under the card, stay in the window (issue 64, item 6)
        st.info(f"Live knows {STARTER_EMOJI} from other people's hands: record your own and train to make it yours.")
    elif model is None:
        with st.container(border=True):
            st.markdown(f"Not trained yet: you will see the {'body' if body else 'hand'} skeleton, but no names.")
            st.page_link(PAGES["train"], label="Train it first", icon="🧠")
    return model
