"""Logs alternating between two hands: a real single-hand recording is never named, the same with the
other hand interleaved always is, and a kinivi import says so without refusing the file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from conftest import shared_path

from core.data.csv_files import csv_io
from core.data.csv_files.two_hands import TwoHandCheck, two_hands_text
from core.data.store import Store
from core.gestures.catalog import DEFAULT_PROJECT


def _finger_spelling() -> np.ndarray:
    """(325, 21, 2) user-view points of the ASL video's one hand, frame by frame: a real single-hand
    recording whose fingers change shape every few frames (letters), the hardest case for the check."""
    frames = json.loads(shared_path("video", "asl_hand.full.json").read_text())
    points = np.asarray([f for f in frames if f], np.float32)[:, :, :2]
    return points * np.array([-1.0, 1.0], np.float32)  # the user's mirrored view, as kinivi logs it


def _other_hand(points: np.ndarray) -> np.ndarray:
    """The other hand resting on its side: the mirror image, turned 90° in the image."""
    mirrored = (points - points[0]) * np.array([-1.0, 1.0], np.float32)
    return (mirrored @ np.array([[0.0, -1.0], [1.0, 0.0]], np.float32).T + points[0]).astype(np.float32)


def test_a_real_single_hand_recording_is_not_named() -> None:
    check = TwoHandCheck()
    for p in _finger_spelling():
        check.add("spelling", p)
    assert check.alternating() == ()


def test_the_other_hand_logged_between_the_gestures_rows_is_named() -> None:
    hand = _finger_spelling()
    check = TwoHandCheck()
    for p in hand[:40]:
        check.add("one hand", p)
    resting = _other_hand(hand[0])  # the other hand, still
    for p in hand[40:80]:
        check.add("with the other", p)
        check.add("with the other", resting)
    assert check.alternating() == ("with the other",)
    assert "with the other alternate between two hands" in two_hands_text(check.alternating())
    assert two_hands_text(()) == ""


def test_too_few_rows_and_degenerate_hands_say_nothing() -> None:
    check = TwoHandCheck()
    hand = _finger_spelling()
    for p in (hand[0], _other_hand(hand[0]), hand[1], _other_hand(hand[0])):  # 4 rows: too few to tell
        check.add("short", p)
    for _ in range(10):
        check.add("flat", np.zeros((21, 2), np.float32))
    assert check.alternating() == ()


def _kinivi_row(class_id: int, points: np.ndarray) -> str:
    rel = points - points[0]
    rel = rel / np.abs(rel).max()
    return ",".join([str(class_id), *(f"{v:.4f}" for v in rel.reshape(-1))])


def test_a_kinivi_import_with_two_hands_imports_and_names_the_gesture(tmp_path: Path) -> None:
    hand = _finger_spelling()
    rows = [_kinivi_row(0, p) for p in hand[:30]]
    for p in hand[30:60]:
        rows += [_kinivi_row(1, p), _kinivi_row(1, _other_hand(hand[0]))]
    keypoints, labels = tmp_path / "keypoint.csv", tmp_path / "labels.csv"
    keypoints.write_text("\n".join(rows) + "\n")
    labels.write_text("Spell\nWave/Hello\n")
    store = Store(tmp_path / "data")
    store.ensure_project()
    report = csv_io.import_kinivi(store, DEFAULT_PROJECT, keypoints, labels)
    assert report.n_added == 90 and report.per_class == {"Spell": 30, "Wave-Hello": 60}
    assert report.two_hand_classes == ("Wave-Hello",)
