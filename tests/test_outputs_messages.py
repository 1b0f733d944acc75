"""core.outputs.messages: a frame's hands and predictions as the documented OSC and JSON messages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.gestures.pipeline import FrameResult
from core.motion.spotting import SpotEvent
from core.outputs.messages import (
    FORMAT_VERSION,
    OSC_GESTURE,
    OSC_KEYPOINTS,
    OSC_MOTION,
    OSC_NONE,
    ChangeFilter,
    frame_message,
    motion_message,
    to_json,
    to_osc,
)
from core.types import Prediction
from tests.handmaker import make_hand


def _frame(labels: list[str | None], index: int = 7) -> FrameResult:
    hands = [make_hand(handedness=side) for side in ("Right", "Left")[: len(labels)]]
    predictions = [None if label is None else Prediction(label, 0.875, {label: 0.875}) for label in labels]
    return FrameResult(hands=hands, predictions=predictions, frame_index=index)


def test_json_frame_holds_version_frame_time_and_each_hand() -> None:
    message = frame_message(_frame(["thumbs_up", "unknown"]), 1.23456)
    payload = json.loads(to_json(message))
    assert payload == {
        "v": FORMAT_VERSION, "type": "frame", "frame": 7, "t": 1.235,
        "hands": [
            {"index": 0, "handedness": "Right", "skeleton": "hand", "label": "thumbs_up", "confidence": 0.875},
            {"index": 1, "handedness": "Left", "skeleton": "hand", "label": "unknown", "confidence": 0.875},
        ],
    }  # fmt: skip


def test_keypoints_are_the_normalised_points_rounded() -> None:
    result = _frame(["fist"])
    payload = json.loads(to_json(frame_message(result, 0.0, keypoints=True)))
    points = np.array(payload["hands"][0]["keypoints"])
    assert points.shape == (21, 3)
    np.testing.assert_allclose(points, result.hands[0].normalised, atol=5e-5)
    assert "keypoints" not in json.loads(to_json(frame_message(result, 0.0)))["hands"][0]


def test_osc_sends_one_gesture_message_per_hand_then_its_keypoints() -> None:
    result = _frame(["thumbs_up", None])
    osc = to_osc(frame_message(result, 2.5, keypoints=True))
    assert [address for address, _ in osc] == [OSC_GESTURE, OSC_KEYPOINTS, OSC_GESTURE, OSC_KEYPOINTS]
    assert osc[0][1] == [0, "Right", "thumbs_up", 0.875, 7, 2.5]
    assert osc[2][1] == [1, "Left", "", 0.0, 7, 2.5]  # no model: OSC has no null
    assert osc[1][1][0] == 0 and len(osc[1][1]) == 1 + 63
    assert osc[1][1][1:4] == pytest.approx(result.hands[0].normalised[0].tolist())


def test_no_hand_is_its_own_message() -> None:
    message = frame_message(FrameResult(hands=[], predictions=[], frame_index=3), 0.12)
    assert to_osc(message) == [(OSC_NONE, [3, 0.12])]
    assert json.loads(to_json(message))["hands"] == []


def test_motion_event_message() -> None:
    event = SpotEvent("swipe_left", 0.9, 1.0, 1.6, np.zeros((5, 2), np.float32), Prediction("swipe_left", 0.9))
    message = motion_message(event)
    assert to_osc(message) == [(OSC_MOTION, ["swipe_left", pytest.approx(0.9), 1.0, 1.6])]
    assert json.loads(to_json(message)) == {"v": FORMAT_VERSION, "type": "motion", "label": "swipe_left",
                                            "confidence": 0.9, "start": 1.0, "end": 1.6}  # fmt: skip


def test_change_filter_passes_a_frame_when_a_label_or_a_hand_changes() -> None:
    changes = ChangeFilter()
    sequence = [["fist"], ["fist"], ["fist", "ok"], ["fist", "ok"], ["ok"], [], [], ["ok"]]
    passed = [changes.changed(frame_message(_frame(labels), 0.0)) for labels in sequence]
    assert passed == [True, False, True, False, True, True, False, True]


def test_docs_give_the_formats_and_the_example_receivers_as_they_are() -> None:
    root = Path(__file__).resolve().parents[1]
    docs = (root / "docs" / "outputs.md").read_text(encoding="utf-8")
    for address in (OSC_GESTURE, OSC_KEYPOINTS, OSC_NONE, OSC_MOTION):
        assert f"`{address}`" in docs
    assert f'"v": {FORMAT_VERSION}' in docs and f"version {FORMAT_VERSION}" in docs
    for example in ("osc_receiver.py", "ws_receiver.html"):
        assert (root / "examples" / example).read_text(encoding="utf-8").rstrip("\n") in docs, example
