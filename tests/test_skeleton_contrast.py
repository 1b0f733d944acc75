"""The webcam's skeleton stands out against the video it is drawn on, measured on real people's webcam frames
(``../shared/data/hands/webcam_people``: 12 people, their own rooms and skin, two frames of each of their gestures,
fitted into 640×480 as the camera sends them), with the hands MediaPipe found in them (``skeleton_contrast_hands.json``,
made by this module's ``__main__``; the quick suite starts no MediaPipe).

A skeleton pixel stands out where, across the stroke it is part of (within half a bone's width with its outline:
``reach``), some pixel of the skeleton has at least 4.5:1 contrast (WCAG's ratio) with the video under it: a light
line on a dark edge is seen by its line on a dark wall and by its edge on light skin. The contrast theme's must stand out at 95 % of its pixels on every frame
together; the default theme's (a green line, red joints) is held to what it reaches today; the skeleton without an outline (the look before)
fails, which is what the outline is for."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest

from core.skeletons import HAND_21
from core.types import Keypoints
from core.viz.contrast import ratio
from core.viz.draw import WEBCAM_CONTRAST_STYLE, WEBCAM_STYLE, DrawStyle, skeleton_on

HANDS_FILE = Path(__file__).with_name("skeleton_contrast_hands.json")
PEOPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "hands" / "webcam_people"
WIDTH, HEIGHT = 640, 480
WANTED = 4.5


def frames() -> list[tuple[np.ndarray, np.ndarray]]:
    """(640×480 RGB frame, its hand's 21 (x, y) px) for each frame of the fixture."""
    if not PEOPLE.exists():
        pytest.skip(f"webcam_people not found: {PEOPLE} (add ../shared/data)")
    out = []
    for name, points in json.loads(HANDS_FILE.read_text(encoding="utf-8")).items():
        bgr = cv2.imread(str(PEOPLE / name))
        height, width = bgr.shape[:2]
        scale = min(WIDTH / width, HEIGHT / height)
        rgb = cv2.cvtColor(cv2.resize(bgr, (round(width * scale), round(height * scale))), cv2.COLOR_BGR2RGB)
        out.append((rgb, np.asarray(points, np.float64) * scale))
    return out


def standing_out(style: DrawStyle, shots: list[tuple[np.ndarray, np.ndarray]]) -> float:
    """The share of the skeletons' pixels, over all ``shots``, that stand out (the module's docstring)."""
    reach = max(1, round(style.line_thickness / 2 + (style.outline_width if style.outline_colour else 0)))
    kernel = np.ones((2 * reach + 1, 2 * reach + 1), np.uint8)
    good = total = 0
    for whole, points in shots:
        # the hand's box and a margin wider than any stroke: all that the skeleton can touch (the measure runs on a
        # tenth of the frame's pixels)
        x0, y0 = np.maximum(0, np.floor(points.min(axis=0)).astype(int) - 16)
        x1, y1 = np.ceil(points.max(axis=0)).astype(int) + 16
        frame = whole[y0:y1, x0:x1]
        drawn = frame.copy()
        skeleton_on(drawn, points - (x0, y0), style, scale=style.scale(whole), skeleton=HAND_21)
        diff = cv2.absdiff(drawn, frame)
        mask = (diff[..., 0] | diff[..., 1] | diff[..., 2]) > 0
        each = np.zeros(mask.shape, np.float32)
        each[mask] = ratio(drawn[mask], frame[mask])
        near = cv2.dilate(each, kernel)  # the best contrast within reach of each pixel
        good += int((near[mask] >= WANTED).sum())
        total += int(mask.sum())
    return good / total


def test_the_fixture_has_every_person() -> None:
    names = json.loads(HANDS_FILE.read_text(encoding="utf-8"))
    assert len({n.split("/")[0] for n in names}) == 12 and len(names) >= 90, len(names)
    assert all(np.asarray(p).shape == (21, 2) for p in names.values())


@pytest.mark.slow
def test_the_contrast_theme_s_skeleton_stands_out_at_95_percent_of_its_pixels() -> None:
    share = standing_out(WEBCAM_CONTRAST_STYLE, frames())
    print(f"contrast theme: {share:.1%} of the skeleton's pixels at {WANTED}:1 or more")
    assert share >= 0.95, f"{share:.1%}"


@pytest.mark.slow
def test_the_default_skeleton_stands_out_and_without_its_outline_did_not() -> None:
    shots = frames()
    share = standing_out(WEBCAM_STYLE, shots)
    before = standing_out(replace(WEBCAM_STYLE, outline_colour=None), shots)
    print(f"default theme: {share:.1%}; without the outline: {before:.1%}")
    assert share >= 0.74, f"{share:.1%}"  # 79.6 % when the outline came
    assert before < 0.5, f"the measure cannot fail: {before:.1%} without an outline"


def main() -> None:
    """Finds the hands of two frames of each person's gestures (a quarter and three quarters through each take)."""
    from core.keypoints.cache import detect_in_photos

    paths = []
    for person in sorted(p for p in PEOPLE.iterdir() if p.is_dir()):
        for gesture in sorted(g for g in person.iterdir() if g.is_dir()):
            files = sorted(gesture.glob("*.jpg"))
            paths += [files[len(files) // 4], files[3 * len(files) // 4]] if files else []
    found: list[list[Keypoints]] = detect_in_photos(paths, HANDS_FILE.with_suffix(".npz"))
    hands = {
        str(p.relative_to(PEOPLE)): [[round(float(x), 1), round(float(y), 1)] for x, y in h[0].pixel]
        for p, h in zip(paths, found, strict=True)
        if h
    }
    HANDS_FILE.write_text(json.dumps(hands, indent=0), encoding="utf-8")


if __name__ == "__main__":
    main()
