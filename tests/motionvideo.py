"""A fake camera's video of a real person swiping, for the motion tests in a browser: a HaGRID person's photo
(``bench.common.motion_clips``: the pixels are the photo's, warped) whose hand swipes to the user's left, holds,
swipes back to the right and holds, so the video loops without a jump. Written as a y4m file the fake camera plays,
with the seconds at which each swipe starts and ends."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from bench.common.motion_clips import HAGRID, OUT_SIZE, hagrid_photos, render, split_people

FPS = 30
# (what the hand does, seconds): raw-frame x goes 0.3 → 0.7 in a swipe to the user's left (the mirrored preview)
PLAN = (("still", 1.2), ("swipe_left", 0.6), ("still", 1.4), ("swipe_right", 0.6), ("still", 0.6))


def swipe_path(plan: tuple[tuple[str, float], ...] = PLAN) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """(T, 2) the hand's centre in the raw frame (fractions), and each swipe's (name, start s, end s)."""
    x, points, swipes = 0.3, [], []
    for what, seconds in plan:
        frames = int(round(seconds * FPS))
        if what == "still":
            points += [(x, 0.5)] * frames
            continue
        target = 0.7 if what == "swipe_left" else 0.3
        u = (1 - np.cos(np.pi * np.arange(1, frames + 1) / frames)) / 2  # speeds up, then slows down
        swipes.append((what, len(points) / FPS, (len(points) + frames) / FPS))
        points += [(x + (target - x) * v, 0.5) for v in u]
        x = target
    tremor = np.random.default_rng(0).normal(0, 0.002, (len(points), 2))  # a held hand is never quite still
    return np.array(points) + tremor, swipes


def swipe_video(out_dir: Path) -> tuple[Path, list[tuple[str, float, float]]]:
    """The y4m file (384×288, 30 fps) of a person the training clips never show, and its swipes."""
    import cv2

    from core.io.images import read_image

    if not HAGRID.exists():
        pytest.skip(f"shared data missing: {HAGRID}")
    _, people = split_people(hagrid_photos(min_side=60.0))
    photo = people[0]
    path, swipes = swipe_path()
    frames = render(photo, read_image(photo.path), path, hand_frac=0.4, angle_deg=0.0)
    out_dir.mkdir(parents=True, exist_ok=True)
    y4m = out_dir / "swipes.y4m"
    width, height = OUT_SIZE
    with y4m.open("wb") as file:
        file.write(f"YUV4MPEG2 W{width} H{height} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for rgb in frames:
            file.write(b"FRAME\n" + cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return y4m, swipes
