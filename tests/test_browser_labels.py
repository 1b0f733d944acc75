"""core/outputs/browser_labels.py: a tab's label event is checked field by field; a flooding tab is paced."""

from __future__ import annotations

import pytest

from core.outputs.browser_labels import EventGate, label_result

CLASSES = ["fist", "palm"]


def _event(**hand: object) -> dict:
    base = {"handedness": "Right", "label": "palm", "class_index": 1, "known": True, "score": 0.9,
            "top": [[1, 0.9], [0, 0.1]], "distance": 0.4, "normalised": [[0.5, 0.5, 0.0]] * 21}  # fmt: skip
    return {"kind": "labels", "model_version": "1-abc", "fps": 24.5, "frame_size": [640, 480],
            "hands": [{**base, **hand}]}  # fmt: skip


def test_an_event_becomes_the_frame_result_the_outputs_publish() -> None:
    event = label_result(_event(), CLASSES, frame_index=7)
    hand, prediction = event.result.hands[0], event.result.predictions[0]
    assert event.fps == 24.5 and event.result.frame_index == 7
    assert hand.handedness == "Right" and hand.pixel[0].tolist() == [320.0, 240.0]
    assert prediction.label == "palm" and prediction.top(1) == [("palm", 0.9)] and prediction.distance == 0.4


def test_an_unknown_hand_like_a_sign_not_taught_keeps_that_reason_for_the_card() -> None:
    unknown = label_result(_event(label="unknown", known=False, like_untaught=True), CLASSES).result.predictions[0]
    assert unknown.label == "unknown" and unknown.like_untaught
    known = label_result(_event(like_untaught=True), CLASSES).result.predictions[0]  # only an unknown has a reason
    assert not known.like_untaught


@pytest.mark.parametrize(
    ("field", "hand"),
    [
        (r"hands\[0\].label", {"label": "someone else's gesture"}),
        (r"hands\[0\].handedness", {"handedness": "Middle"}),
        (r"hands\[0\].score", {"score": float("nan")}),
        (r"hands\[0\].top", {"top": [[5, 0.9]]}),
        (r"hands\[0\].distance", {"distance": float("inf")}),
        (r"hands\[0\].like_untaught", {"like_untaught": "yes"}),
        (r"hands\[0\].normalised", {"normalised": [[0.5, 0.5, 0.0]] * 1_000_000}),
    ],
)
def test_forged_events_are_refused_by_field(field: str, hand: dict) -> None:
    with pytest.raises(ValueError, match=field):
        label_result(_event(**hand), CLASSES)


def test_a_flood_is_paced_to_the_gate_rate() -> None:
    gate = EventGate(rate=10.0, burst=20.0)
    start = gate.last
    admitted = sum(gate.admit(start + i / 1000) for i in range(1000))  # 1,000 events in one second
    assert admitted == 29 and gate.dropped == 971  # the burst, then 10 a second
    assert 0.0 < gate.pause <= 0.1
