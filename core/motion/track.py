"""Frames → a ``Clip``: one detector over a take, following one hand (or body) from frame to frame.

The detector is any ``Callable[[RGB], list[Keypoints]]`` (``HandTracker(video mode).process``,
a body tracker), so this module never imports MediaPipe itself. A video file is one clip:
``read_clip`` checks its length against the clip limits from the header, before decoding.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from core.io.limits import LIMITS, LimitError, check_clip_length
from core.io.video import MediaLimitError, iter_frames, video_info
from core.motion.clip import Clip, clip_from_keypoints
from core.skeletons import HAND_21, Skeleton
from core.types import Keypoints, RGBImage

Detector = Callable[[RGBImage], list[Keypoints]]


def follow(found: list[Keypoints], previous: Keypoints | None) -> Keypoints | None:
    """The detection that continues ``previous`` (nearest root), or the most confident one at the start."""
    if not found:
        return None
    if previous is None:
        return max(found, key=lambda kp: kp.score)
    roots = list(previous.skeleton.root_joints)
    last = previous.normalised[roots, :2].mean(axis=0)
    return min(found, key=lambda kp: float(np.linalg.norm(kp.normalised[roots, :2].mean(axis=0) - last)))


def track_frames(frames: Iterable[tuple[float, RGBImage]], detect: Detector, skeleton: Skeleton = HAND_21,
                 label: str | None = None, source: str = "clip") -> Clip:  # fmt: skip
    """A clip from ``(seconds, RGB frame)`` pairs; at most ``LIMITS.clip_frames`` are read."""
    found: list[Keypoints | None] = []
    times: list[float] = []
    size: tuple[int, int] | None = None
    previous: Keypoints | None = None
    for t, rgb in frames:
        if len(found) >= LIMITS.clip_frames:
            check_clip_length(source, len(found) + 1, 0.0)  # raises: the stream is longer than a clip may be
        size = (int(rgb.shape[1]), int(rgb.shape[0]))
        kp = follow([k for k in detect(rgb) if k.skeleton == skeleton], previous)
        previous = kp if kp is not None else previous
        found.append(kp)
        times.append(float(t))
    if size is None:
        raise ValueError(f"{source}: no frames")
    return clip_from_keypoints(found, times, skeleton, size, label, source)


def read_clip(path: str | Path, detect: Detector, skeleton: Skeleton = HAND_21, label: str | None = None) -> Clip:
    """One video file as one clip (timestamps from its frame rate; 30 fps where it gives none).

    Raises ``MediaError`` for a file that is not a readable video, ``MediaLimitError`` for one longer
    than a clip may be (from its header, nothing decoded), ``ClipError`` for one that is too short or
    where the hand is missing in most frames.
    """
    path = Path(path)
    info = video_info(path)
    fps = info.fps if info.fps > 0 else 30.0
    try:
        check_clip_length(path, info.frames, info.frames / fps)
    except LimitError as exc:
        raise MediaLimitError(path, exc.problem) from None
    frames = ((index / fps, rgb) for index, rgb in iter_frames(path, max_frames=LIMITS.clip_frames + 1))
    return track_frames(frames, detect, skeleton, label, path.name)
