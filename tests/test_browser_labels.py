"""core/outputs/browser_labels.py: a tab's label event is checked field by field; a flooding tab is paced."""

from __future__ import annotations

import pytest

from core.outputs.browser_labels import EventGate, label_result

CLASSES = ["fist", "palm"]


def _event(**hand: object) -> dict:
    base = {"handedness": "Right", "label": "palm", "class_index": 1, "known": True, "probabilities": [0.1, 0.9],
            "distance": 0.4, "normalised": [[0.5, 0.5, 0.0]] * 21}  # fmt: skip
    return {"kind": "labels", "model_version": "1-abc", "fps": 24.5, "frame_size": [640, 480],
            "hands": [{**base, **hand}]}  # fmt: skip


def test_an_event_becomes_the_frame_result_the_outputs_publish() -> None:
    event = label_result(_event(), CLASSES, frame_index=7)
    hand, prediction = event.result.hands[0], event.result.predictions[0]
    assert event.fps == 24.5 and event.result.frame_index == 7
    assert hand.handedness == "Right" and hand.pixel[0].tolist() == [320.0, 240.0]
    assert prediction.label == "palm" and prediction.top(2) == [("palm", 0.9), ("fist", 0.1)]
    assert prediction.score == 0.9 and prediction.distance == 0.4
    assert prediction.untaught_distance is None  # a tab that sends none (an older bundle): "Very sure" as before
    near = label_result(_event(untaught_distance=0.6), CLASSES).result.predictions[0]
    assert near.untaught_distance == 0.6  # the card's "Very sure" reads it (core.gestures.sureness)


def test_the_answered_class_s_probability_is_the_score_even_when_the_examples_chose_another() -> None:
    # within the reach of the person's fist examples while the network says palm: the card says the examples decided
    prediction = label_result(_event(label="fist", class_index=0, distance=0.5), CLASSES).result.predictions[0]
    assert (prediction.label, prediction.score, prediction.by_examples) == ("fist", 0.1, True)
    assert prediction.short_text() == "fist, like your examples"


def test_an_unknown_hand_like_a_sign_not_taught_keeps_that_reason_for_the_card() -> None:
    unknown = label_result(_event(label="unknown", known=False, like_untaught=True), CLASSES).result.predictions[0]
    assert unknown.short_text() == "unknown"  # no "unknown 90%": the number is the closest gesture's
    assert unknown.label == "unknown" and unknown.like_untaught
    known = label_result(_event(like_untaught=True), CLASSES).result.predictions[0]  # only an unknown has a reason
    assert not known.like_untaught


@pytest.mark.parametrize(
    ("field", "hand"),
    [
        (r"hands\[0\].label", {"label": "someone else's gesture"}),
        (r"hands\[0\].handedness", {"handedness": "Middle"}),
        (r"hands\[0\].probabilities: expected 2 probabilities .* got 3 values", {"probabilities": [0.1, 0.8, 0.1]}),
        (r"hands\[0\].probabilities: expected numbers", {"probabilities": [float("nan"), 0.9]}),
        (r"hands\[0\].probabilities: they sum to 0.5", {"probabilities": [0.1, 0.4]}),
        (r"hands\[0\].probabilities: expected 2", {"probabilities": None}),
        (r"hands\[0\].class_index", {"class_index": 2}),
        (r"hands\[0\].known", {"known": False}),  # "palm", yet not known
        (r"hands\[0\].distance", {"distance": float("inf")}),
        (r"hands\[0\].like_untaught", {"like_untaught": "yes"}),
        (r"hands\[0\].untaught_distance", {"untaught_distance": -1}),
        (r"hands\[0\].normalised", {"normalised": [[0.5, 0.5, 0.0]] * 1_000_000}),
    ],
)
def test_forged_events_are_refused_by_field(field: str, hand: dict) -> None:
    with pytest.raises(ValueError, match=field):
        label_result(_event(**hand), CLASSES)


def test_an_event_of_a_model_the_page_no_longer_runs_is_refused() -> None:
    assert label_result(_event(), CLASSES, model_version="1-abc").result.predictions[0].label == "palm"
    with pytest.raises(ValueError, match="model_version: the labels came from a model this page no longer runs"):
        label_result(_event(), CLASSES, model_version="2-def")  # retrained meanwhile


def test_a_flood_is_paced_to_the_gate_rate() -> None:
    gate = EventGate(rate=10.0, burst=20.0)
    start = gate.last
    admitted = sum(gate.admit(start + i / 1000) for i in range(1000))  # 1,000 events in one second
    assert admitted == 29 and gate.dropped == 971  # the burst, then 10 a second
    assert 0.0 < gate.pause <= 0.1
