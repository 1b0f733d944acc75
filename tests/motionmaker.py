"""Motion clips for the tests from real hand keypoints: MediaPipe's keypoints of the shared ASL video.

``asl_hand.full.json`` holds MediaPipe's 21 keypoints (pixels, z on x's scale) for each of the 325
frames of a real hand finger-spelling, nearly in place: real shapes, real tracking jitter. A clip
here takes a run of those frames and carries the hand along a path (pixels of the 620×1080
frame), so the path is made but every hand shape in it is real. Tests with real pixels and
MediaPipe in the loop use ``bench.common.motion_clips`` instead (marked slow).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest

from core.motion.clip import Clip
from core.skeletons import HAND_21
from core.types import Keypoints

VIDEO_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "hands" / "video"
SIZE = (620, 1080)  # the video's width, height


@cache
def asl_points() -> np.ndarray:
    """(325, 21, 3) float32 keypoints in pixels of the real video (z × 1 on x's scale)."""
    path = VIDEO_DIR / "asl_hand.full.json"
    if not path.exists():
        pytest.skip(f"shared data missing: {path}")
    return np.array(json.loads(path.read_text()), dtype=np.float32)


def path_offsets(
    kind: str, frames: int, amplitude: float = 300.0, rng: np.random.Generator | None = None
) -> np.ndarray:
    """(frames, 2) pixel offsets of the raw frame for a gesture named in the user view."""
    u = (1 - np.cos(np.pi * np.linspace(0, 1, frames))) / 2
    if kind == "idle":
        rng = rng or np.random.default_rng(0)
        return np.cumsum(rng.normal(0, 1.0, (frames, 2)), axis=0)  # a held hand drifting a few pixels
    if kind == "circle":
        angle = 2 * np.pi * u
        return amplitude / 2 * np.stack([np.cos(angle) - 1, np.sin(angle)], axis=1)
    raw = {"swipe_left": (1, 0), "swipe_right": (-1, 0), "swipe_up": (0, -1), "swipe_down": (0, 1)}[kind]
    return np.outer(u, raw) * amplitude


def keypoint_clip(kind: str, start: int = 0, frames: int = 30, fps: float = 30.0, amplitude: float = 300.0,
                  still: int = 0, seed: int = 0, label: str | None = "same") -> Clip:  # fmt: skip
    """A clip of ``frames`` moving frames (real shapes from frame ``start`` on), with ``still`` frames before and after."""
    rng = np.random.default_rng(seed)
    shapes = asl_points()
    total = frames + 2 * still
    index = (start + np.arange(total)) % len(shapes)
    offsets = np.concatenate([np.zeros((still, 2)), path_offsets(kind, frames, amplitude, rng),
                              np.repeat(path_offsets(kind, frames, amplitude, rng)[-1:], still, axis=0)])  # fmt: skip
    pixels = shapes[index].copy()
    pixels[:, :, :2] += offsets[:, None, :]
    normalised = pixels / np.array([SIZE[0], SIZE[1], SIZE[0]], dtype=np.float32)
    times = np.arange(total) / fps
    return Clip(normalised, np.ones(total, bool), times, HAND_21, SIZE, kind if label == "same" else label,
                f"asl:{kind}:{start}")  # fmt: skip


def keypoint_stream(segments: list[tuple[str, int]], fps: float = 30.0, start: int = 0,
                    amplitude: float = 300.0) -> list[tuple[Keypoints, float]]:  # fmt: skip
    """Per-frame detections of a real hand doing ``(kind, frames)`` segments one after the other.

    The hand stays where a segment leaves it; ``still`` segments hold it (the real spelling hand's
    own small movements remain), ``wave`` swings it left and right 1.5 times a second.
    """
    shapes = asl_points()
    out: list[tuple[Keypoints, float]] = []
    here = np.zeros(2)
    frame = 0
    for kind, frames in segments:
        if kind == "still":
            offsets = np.zeros((frames, 2))
        elif kind == "wave":
            offsets = np.stack([amplitude / 3 * np.sin(2 * np.pi * 1.5 * np.arange(frames) / fps), np.zeros(frames)], 1)
        else:
            offsets = path_offsets(kind, frames, amplitude)
        for offset in offsets:
            pixels = shapes[(start + frame) % len(shapes)].copy()
            pixels[:, :2] += here + offset
            normalised = pixels / np.array([SIZE[0], SIZE[1], SIZE[0]], dtype=np.float32)
            world = np.full((21, 3), np.nan, np.float32)
            out.append((Keypoints(pixels[:, :2].copy(), normalised, world, "Right", 0.95, SIZE), frame / fps))
            frame += 1
        here = here + offsets[-1]
    return out
