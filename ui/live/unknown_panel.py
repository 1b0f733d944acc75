""" "Unknown" on Live: the one setting a person moves, and the words that say why a hand was unknown.

A model with the person's own examples (``core.gestures.familiarity``) answers "unknown" for a hand unlike any
of them; the slider moves how far from the examples still counts (the tolerance, in radii). A model without
examples (the starter, body poses, models trained before) keeps the confidence threshold.
"""

from __future__ import annotations

import streamlit as st

from core.gestures.catalog import GestureClass
from core.gestures.classifier import GestureClassifier
from core.gestures.familiarity import TOLERANCE_RANGE
from core.types import UNKNOWN_LABEL, Prediction
from ui.common import more, state
from ui.common.text import plain

_DEFAULT_THRESHOLD = 0.6


def unknown_setting(model: GestureClassifier | None, project: str) -> tuple[float, float]:
    """(threshold, tolerance) from Live's slider: one of the two moves, the other keeps the model's own."""
    threshold = float(model.threshold) if model else _DEFAULT_THRESHOLD
    if model is None or model.familiarity is None:
        threshold = st.slider("Confidence needed (below it: unknown)", 0.0, 1.0, threshold, 0.05,
                              key=f"live_threshold_{project}")  # fmt: skip
        return threshold, 1.0
    if not more.more_on("live"):  # a grown-up's setting: behind Live's More, as trained until moved there
        return threshold, float(st.session_state.get(f"live_tolerance_{project}", 1.0))
    low, high = TOLERANCE_RANGE
    tolerance = st.slider(
        "How unlike your examples may a hand be and still count?", low, high, 1.0, 0.1,
        key=f"live_tolerance_{project}", format="%.1f×",
        help="1.0× is what training chose from your samples. Lower: only hands very like the ones you recorded "
        "count, everything else is unknown. Higher: hands held differently count too, and so may gestures "
        "you never taught.",
    )  # fmt: skip
    return threshold, float(tolerance)


def why_unknown(prediction: Prediction, gestures: list[GestureClass]) -> str | None:
    """For an unknown answer: the nearest taught gesture and how far the hand was from its examples."""
    if prediction.label != UNKNOWN_LABEL:
        return None
    nearest = plain(state.title_of(prediction.top(1)[0][0], gestures)) if prediction.probabilities else "—"
    if prediction.distance is None:
        return f"closest: {nearest}, but only {prediction.score:.0%} sure"
    if prediction.like_untaught:
        return f"closest: {nearest}, but it looks more like a sign you did not teach"
    return f"closest: {nearest}, but {prediction.distance:.1f}× further from your examples than counts"
