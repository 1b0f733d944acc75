"""A motion sample: the keypoint sequence of one take, with its frames' times.

Coordinate space: **normalised**, unmirrored (``core.types``): x, y = pixel / image size, so in
[0, 1] inside the frame, z = MediaPipe's relative depth on x's scale (0 where the detector gives
none). Frames where the hand or body was not found keep a row of zeros and ``present`` False;
``core.motion.features`` fills them by interpolation, so nothing downstream reads those zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.io.limits import check_clip_length
from core.skeletons import HAND_21, Skeleton
from core.types import FloatArray, Keypoints

BoolArray = npt.NDArray[np.bool_]

# Below 8 frames (a third of a second at 25 fps) no path can be told from tracking noise.
MIN_FRAMES = 8
# A motion cut from a slow stream (a tab labelling 5 frames a second) has fewer: its length in time is what the
# spotter vouches for (core.motion.spotting). Four is the fewest whose still ends can be trimmed.
MIN_SPOTTED_FRAMES = 4
# The detector must find the hand in at least half the frames: interpolating across longer gaps
# would invent the very path the model learns from.
MIN_PRESENT_SHARE = 0.5


class ClipError(ValueError):
    """A clip that cannot be a sample; the message names its source and the problem."""

    def __init__(self, what: str | Path, problem: str) -> None:
        self.what, self.problem = str(what), problem
        super().__init__(f"{self.what}: {problem}")


@dataclass(frozen=True)
class Clip:
    """One take of a motion gesture (or of holding still).

    Attributes:
        points: (T, K, 3) float32, normalised unmirrored coordinates (see the module docstring);
            rows of frames not ``present`` are zeros.
        present: (T,) bool, frames where the hand or body was found.
        timestamps: (T,) float64 seconds, strictly increasing (any origin).
        skeleton: the layout of the K points.
        image_size: (width, height) of the frames in pixels: x and y are scaled back by it so that
            paths and sizes are measured in square pixels.
        label: the class name, or None for a clip to classify.
        source: where it came from (a file name, "webcam take 3"); error messages name it.
        min_frames: the fewest frames it may have: ``MIN_FRAMES``, fewer only for a motion the spotter cut.
    """

    points: FloatArray
    present: BoolArray
    timestamps: npt.NDArray[np.float64]
    skeleton: Skeleton = HAND_21
    image_size: tuple[int, int] = (640, 480)
    label: str | None = None
    source: str = "clip"
    min_frames: int = MIN_FRAMES

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=np.float32)
        present = np.asarray(self.present, dtype=bool)
        times = np.asarray(self.timestamps, dtype=np.float64)
        k = self.skeleton.num_joints
        if points.ndim != 3 or points.shape[1:] != (k, 3):
            raise ClipError(self.source, f"points must have shape (T, {k}, 3) for a {self.skeleton.name}, "
                                         f"got {points.shape}")  # fmt: skip
        frames = len(points)
        if present.shape != (frames,) or times.shape != (frames,):
            raise ClipError(self.source, f"present {present.shape} and timestamps {times.shape} must both be "
                                         f"({frames},), one per frame")  # fmt: skip
        width, height = self.image_size
        if width <= 0 or height <= 0:
            raise ClipError(self.source, f"image size {width}×{height} is empty")
        if self.min_frames < MIN_SPOTTED_FRAMES:
            raise ClipError(self.source, f"min_frames {self.min_frames} is below {MIN_SPOTTED_FRAMES}")
        if frames < self.min_frames:
            raise ClipError(self.source, f"{frames} frames, too short: a clip needs at least {self.min_frames}")
        if not np.isfinite(times).all() or np.any(np.diff(times) <= 0):
            raise ClipError(self.source, "timestamps must be finite and strictly increasing")
        check_clip_length(self.source, frames, float(times[-1] - times[0]))
        found = int(present.sum())
        if found < max(self.min_frames // 2, MIN_PRESENT_SHARE * frames):
            raise ClipError(self.source, f"the {self.skeleton.name} is found in only {found} of {frames} frames "
                                         f"(needs at least {MIN_PRESENT_SHARE:.0%})")  # fmt: skip
        if not np.isfinite(points[present]).all():
            raise ClipError(self.source, "points of present frames contain NaN or infinity")
        points = np.where(present[:, None, None], points, np.float32(0.0)).astype(np.float32)
        object.__setattr__(self, "points", points)
        object.__setattr__(self, "present", present)
        object.__setattr__(self, "timestamps", times)

    @property
    def num_frames(self) -> int:
        return len(self.points)

    @property
    def duration(self) -> float:
        """Seconds from the first frame to the last."""
        return float(self.timestamps[-1] - self.timestamps[0])

    def with_label(self, label: str | None) -> Clip:
        return replace(self, label=label)


def clip_from_keypoints(
    frames: Sequence[Keypoints | None],
    timestamps: Sequence[float] | npt.NDArray[np.floating],
    skeleton: Skeleton = HAND_21,
    image_size: tuple[int, int] | None = None,
    label: str | None = None,
    source: str = "clip",
) -> Clip:
    """A clip from one detection (or None) per frame; ``image_size`` defaults to the detections'."""
    if image_size is None:
        sizes = {kp.image_size for kp in frames if kp is not None}
        if not sizes:
            raise ClipError(source, f"the {skeleton.name} is found in none of its {len(frames)} frames")
        image_size = next(iter(sizes))
    points = np.zeros((len(frames), skeleton.num_joints, 3), dtype=np.float32)
    present = np.zeros(len(frames), dtype=bool)
    for i, kp in enumerate(frames):
        if kp is None:
            continue
        if kp.skeleton != skeleton:
            raise ClipError(source, f"frame {i} holds a {kp.skeleton.name}, the clip is of a {skeleton.name}")
        points[i] = kp.normalised
        present[i] = True
    return Clip(points, present, np.asarray(timestamps, dtype=np.float64), skeleton, image_size, label, source)
