"""The tab steadies keypoints as the server does: ``frontend/src/smoothing.js`` against
``core.keypoints.smoothing.KeypointSmoother`` on the same real hand track.

The track: MediaPipe's keypoints of one ``webcam_people`` take (p03's 👍, a hand moving into view, then held),
40 consecutive frames at 25 a second, with a frame without the hand (the track restarts), a second hand for a
stretch (two tracks), a frame labelled the other hand (a new track) and time going back (a new stream). Skips, saying why, without Node.js or ``../shared``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path

from core.keypoints.cache import detect_in_photos
from core.keypoints.smoothing import KeypointSmoother
from core.types import Keypoints

pytestmark = pytest.mark.slow

FRONTEND = Path(__file__).resolve().parents[1] / "frontend"
RUN_JS = """
import { KeypointSmoother } from "./src/smoothing.js";
let input = "";
for await (const chunk of process.stdin) input += chunk;
const { width, height, frames } = JSON.parse(input);
const smoother = new KeypointSmoother();
const out = frames.map(({ time, hands }) => smoother.update(hands, width, height, time));
process.stdout.write(JSON.stringify(out.map((hands) => hands.map((h) => ({ normalised: h.normalised, world: h.world })))));
"""


def _track() -> list[tuple[float, list[Keypoints]]]:
    """(time, hands) frames: see the module docstring."""
    photos = sorted(shared_path("webcam_people", "p03_hatemoos", "thumbs_up").glob("*.jpg"))[:40]
    cache = Path(__file__).resolve().parents[1] / "data" / "cache" / "test_browser_smoothing.pkl"
    hands = [found[0] for found in detect_in_photos(photos, cache, 1) if found]
    assert len(hands) >= 30, f"MediaPipe found a hand in {len(hands)} of 40 frames"
    frames = [(i / 25, [hand]) for i, hand in enumerate(hands)]
    frames[10] = (frames[10][0], [])  # the hand lost for a frame
    for i in range(15, 22):  # a second hand, far to the side, for a stretch
        other = hands[i]
        shifted = Keypoints(other.pixel - [120, 0], other.normalised - [120 / other.image_size[0], 0, 0],
                            other.world, "Left", other.score, other.image_size)  # fmt: skip
        frames[i] = (frames[i][0], [frames[i][1][0], shifted])
    flipped = "Left" if hands[25].handedness == "Right" else "Right"
    frames[25] = (frames[25][0], [replace(hands[25], handedness=flipped)])  # labelled the other hand: a new track
    return frames + [(t, h) for t, h in frames[:8]]  # time goes back: a new stream


def _as_tab(hand: Keypoints) -> dict[str, object]:
    return {"normalised": hand.normalised.tolist(), "world": hand.world.tolist(), "handedness": hand.handedness}


def test_the_tab_steadies_a_real_track_as_the_server_does() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the browser path's smoothing runs in the tab")
    frames = _track()
    width, height = frames[0][1][0].image_size
    payload = {"width": width, "height": height,
               "frames": [{"time": t, "hands": [_as_tab(h) for h in hands]} for t, hands in frames]}  # fmt: skip
    done = subprocess.run([node, "--input-type=module", "-e", RUN_JS], cwd=FRONTEND, input=json.dumps(payload),
                          capture_output=True, text=True, timeout=60, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    tab = json.loads(done.stdout)
    smoother = KeypointSmoother()
    moved = 0.0
    for (time, hands), tab_hands in zip(frames, tab, strict=True):
        server = smoother(hands, time)
        assert len(tab_hands) == len(server)
        for ours, theirs, raw in zip(server, tab_hands, hands, strict=True):
            np.testing.assert_allclose(np.array(theirs["normalised"]), ours.normalised, atol=2e-6)
            np.testing.assert_allclose(np.array(theirs["world"]), ours.world, atol=2e-6)
            moved = max(moved, float(np.abs(ours.normalised - raw.normalised).max()))
    assert moved > 1e-3  # the filter did steady the track: the comparison is not of raw points with raw points
