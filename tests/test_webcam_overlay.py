"""What the server path draws on the video a student sees, measured from its pixels on real webcam frames
(``../shared/data/hands/webcam_people``, fitted into 640×480 as the camera sends them): the REC badge's words stand
out from their box at 4.5:1 or more in either theme (WCAG's ratio; the contrast theme asks 4.5:1 of what is not text
and the default 3:1, the words are held to text's 4.5:1 in both), and the contrast theme's skeleton is the one the
page asks for (``ui.webcam.selfie.selfie_view``'s ``contrast``, set from the student's switch)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from handmaker import make_hand

from core.gestures.pipeline import FrameResult
from core.viz.contrast import ratio
from ui.webcam.overlay import draw_badge
from ui.webcam.selfie import selfie_view

PEOPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "hands" / "webcam_people"


def webcam_frames(n: int = 6) -> list[np.ndarray]:
    if not PEOPLE.exists():
        pytest.skip(f"webcam_people not found: {PEOPLE} (add ../shared/data)")
    frames = []
    for path in sorted(PEOPLE.rglob("*.jpg"))[:: max(1, len(list(PEOPLE.rglob("*.jpg"))) // n)][:n]:
        bgr = cv2.imread(str(path))
        scale = min(640 / bgr.shape[1], 480 / bgr.shape[0])
        frames.append(cv2.cvtColor(cv2.resize(bgr, None, fx=scale, fy=scale), cv2.COLOR_BGR2RGB))
    return frames


def words_on_box(pixels: np.ndarray) -> float:
    """The contrast of a badge's words with its box, from its (N, 3) RGB pixels: the box is their commonest colour,
    its words the commonest colour far from it (the letters' cores; their anti-aliased edges lie between)."""
    colours, counts = np.unique(pixels.reshape(-1, 3), axis=0, return_counts=True)
    box = colours[np.argmax(counts)]
    far = np.abs(colours.astype(int) - box.astype(int)).sum(axis=1) > 300
    assert far.any(), "no words drawn on the badge"
    words = colours[far][np.argmax(counts[far])]
    return float(ratio(words, box))


def test_the_rec_badge_words_stand_out_on_real_frames() -> None:
    for rgb in webcam_frames():
        drawn = rgb.copy()
        draw_badge(drawn, "REC thumbs up  2.4s  7 samples")
        assert words_on_box(drawn[np.any(drawn != rgb, axis=2)]) >= 4.5


def test_the_contrast_theme_draws_its_own_skeleton() -> None:
    """The server path's video in the contrast theme has the white bones the tab draws there, the default none."""
    rgb = webcam_frames(1)[0]
    hand = make_hand(image_size=(rgb.shape[1], rgb.shape[0]))
    result = FrameResult([hand], [None])
    white = [np.all(selfie_view(rgb, result, False, contrast=on) == 255, axis=2).sum() for on in (False, True)]
    assert white[1] > white[0] + 200, white
