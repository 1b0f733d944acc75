"""Per-frame JSON records of the infer command."""

from __future__ import annotations

import json
from pathlib import Path

from handmaker import make_hand

from core.inference import frame_record
from core.pipeline import FrameResult
from core.types import Prediction


def test_frame_record_is_json_with_pixel_keypoints() -> None:
    hand = make_hand(handedness="Left")
    result = FrameResult(hands=[hand], predictions=[Prediction("fist", 0.91234, {"fist": 0.91234})],
                         timings_ms={}, frame_index=7)  # fmt: skip
    record = json.loads(json.dumps(frame_record(Path("clip.mp4"), result)))
    assert record["source"] == "clip.mp4" and record["frame"] == 7
    (entry,) = record["hands"]
    assert entry["handedness"] == "Left" and entry["label"] == "fist" and entry["score"] == 0.9123
    assert len(entry["keypoints"]) == 21 and entry["keypoints"][0] == [round(float(v), 1) for v in hand.pixel[0]]


def test_frame_record_without_classifier() -> None:
    result = FrameResult(hands=[make_hand()], predictions=[None], timings_ms={}, frame_index=0)
    assert frame_record(Path("a.png"), result)["hands"][0]["label"] is None
