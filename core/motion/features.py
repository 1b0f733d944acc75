"""A clip → a fixed-size sequence that keeps both the hand's shape and its path.

Per resampled step (``MotionFeatureConfig.length`` steps, evenly spaced in *time*, so a clip
recorded at 15 or 60 fps gives the same sequence), the channels are:

* path (2): the root joint's position (the wrist; a body's mid-hip) in the **user view** (x
  mirrored, as the user sees a selfie preview: a swipe to the user's left goes towards -x),
  relative to where the gesture starts, divided by the skeleton's mean size over the clip: a
  swipe is "three hand sizes to the left" whether the hand is near or far;
* velocity (2): the path's change per step, so the model sees how the hand accelerates;
* shape (S, optional): ``core.gestures.features``' per-frame pose vector (joints
  relative to the root, divided by the size), so a swipe with an open palm and one with a fist
  can be two classes.

Missing frames are filled by linear interpolation over time. Still frames before and after the
gesture (a take of a few seconds holding a 1 s swipe) are trimmed off first (``trim``), so the
steps are spent on the motion itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from core.gestures.features import FeatureConfig, keypoints_to_features
from core.motion.clip import Clip
from core.skeletons import Skeleton
from core.types import FloatArray

IDLE_LABEL = "idle"  # holding still or moving casually: a class like the others, never fired by spotting
# The motion classes the bench and the docs use, with their mirror partners (a right hand's swipe to
# the left, mirrored, is a left hand's swipe to the right); classes not named are their own mirror.
MOTION_MIRRORS: dict[str, str] = {"swipe_left": "swipe_right", "swipe_right": "swipe_left"}

PATH_CHANNELS = 4  # path x, y and velocity x, y
FINGERTIP_HANDS_PER_HEIGHT = 5.0  # a one-point skeleton's stand-in size: image height / 5 (see skeleton_size)


@dataclass(frozen=True)
class MotionFeatureConfig:
    """How a clip becomes a (length, channels) sequence. Stored with every motion model."""

    length: int = 32  # resampled steps: a 1 s swipe at 30 fps has 30 frames, a 3 s circle 90
    use_shape: bool = True  # add the per-frame pose vector; False: the path alone (kinivi's point history)
    use_depth: bool = False  # MediaPipe's relative z in the pose vector; off: it is the noisiest coordinate
    trim: bool = True  # cut still frames before and after the motion
    version: int = 1  # bump when the computation changes, so old models are refused

    def shape_of(self, skeleton: Skeleton) -> bool:
        """Whether clips of ``skeleton`` get shape channels: a one-point skeleton (a fingertip) has no shape."""
        return self.use_shape and skeleton.num_joints > 1

    def channels(self, skeleton: Skeleton) -> int:
        """Channels per step for clips of ``skeleton``."""
        return PATH_CHANNELS + (pose_config(skeleton, self.use_depth).size if self.shape_of(skeleton) else 0)


def fill_gaps(values: npt.NDArray[np.floating], present: npt.NDArray[np.bool_],
              times: npt.NDArray[np.float64]) -> FloatArray:  # fmt: skip
    """(T, ...) values with the rows not ``present`` interpolated linearly in time (held at the ends)."""
    flat = np.asarray(values, dtype=np.float32).reshape(len(values), -1)
    if present.all():
        return flat.reshape(values.shape)
    known = np.flatnonzero(present)
    filled = np.empty_like(flat)
    for column in range(flat.shape[1]):
        filled[:, column] = np.interp(times, times[known], flat[known, column])
    return filled.reshape(values.shape)


def user_view_pixels(clip: Clip, use_depth: bool) -> FloatArray:
    """(T, K, 2|3) points of the clip, gaps filled, in pixels of the user view (z × width)."""
    width, height = clip.image_size
    points = fill_gaps(clip.points, clip.present, clip.timestamps)
    scale = np.array([-width, height, width], dtype=np.float32)[: 3 if use_depth else 2]
    return points[:, :, : len(scale)] * scale


def skeleton_size(points: FloatArray, skeleton: Skeleton, image_size: tuple[int, int] = (1, 1)) -> FloatArray:
    """(T,) size of each frame's skeleton in the image plane: mean scale-joint length, else the reach.

    A one-point skeleton (a fingertip) has no size of its own: it takes a fifth of the image height, about
    a hand's reach at webcam distance, so that speeds and jitter "in hand sizes" (spotting, augmentation)
    keep their meaning; paths are then in image sizes, as kinivi's point history measures them.
    """
    if skeleton.num_joints == 1:
        return np.full(len(points), image_size[1] / FINGERTIP_HANDS_PER_HEIGHT, dtype=np.float32)
    if skeleton.scale_joints:
        a, b = np.array(skeleton.scale_joints).T
        return np.linalg.norm(points[:, a, :2] - points[:, b, :2], axis=2).mean(axis=1)
    root = points[:, list(skeleton.root_joints), :2].mean(axis=1, keepdims=True)
    return np.linalg.norm(points[:, :, :2] - root, axis=2).max(axis=1)


def pose_config(skeleton: Skeleton, use_depth: bool) -> FeatureConfig:
    """The static classifier's feature settings for one frame of ``skeleton``."""
    return FeatureConfig(use_depth=use_depth, skeleton=skeleton.name)


def pose_features(points: FloatArray, skeleton: Skeleton, use_depth: bool) -> FloatArray:
    """(T, K, 2|3) user-view points → (T, S) per-frame pose vectors: ``core.gestures.features``' own
    vector for the skeleton (joints relative to its root, divided by its size), the one the static
    classifier learns from."""
    return keypoints_to_features(points, pose_config(skeleton, use_depth))


def motion_span(path: FloatArray, times: npt.NDArray[np.float64], pad_s: float = 0.1) -> tuple[int, int]:
    """First and last frame (inclusive) where the path moves faster than 15% of its top speed, padded.

    Speeds are taken over 3-frame steps, and the top speed is the 95th percentile, so one jittery
    or mistaken detection neither counts as motion nor hides the real motion by its own speed.
    """
    frames = len(path)
    if frames < 4:
        return 0, frames - 1
    step = np.linalg.norm(path[3:] - path[:-3], axis=1) / np.maximum(times[3:] - times[:-3], 1e-6)
    top = float(np.percentile(step, 95))
    moving = np.flatnonzero(step > 0.15 * top) if top > 0 else np.arange(len(step))
    start_t, end_t = times[moving[0]] - pad_s, times[moving[-1] + 3] + pad_s
    start = int(np.searchsorted(times, start_t, side="left"))
    end = int(np.searchsorted(times, end_t, side="right")) - 1
    start, end = max(0, start), min(frames - 1, end)
    return (start, end) if end - start >= 3 else (0, frames - 1)


@dataclass(frozen=True)
class MotionWindow:
    """The part of a clip the network reads, as ``sequence_features`` cuts it.

    Attributes:
        start, end: the first and last frame kept (inclusive): the motion, still frames trimmed off.
        grid: (length,) float64 seconds, evenly spaced from the first kept frame's time to the last's.
        path: (length, 4) float32: the root's path from where it started, in skeleton sizes, then its velocity.
    """

    start: int
    end: int
    grid: npt.NDArray[np.float64]
    path: FloatArray


def motion_window(path: FloatArray, size: FloatArray, times: npt.NDArray[np.float64],
                  config: MotionFeatureConfig) -> MotionWindow:  # fmt: skip
    """The window and path channels of ``sequence_features`` (its arguments, without the shape)."""
    start, end = motion_span(path, times) if config.trim else (0, len(path) - 1)
    path, times = path[start : end + 1], times[start : end + 1]
    scale = float(np.mean(size[start : end + 1]))
    if not np.isfinite(scale) or scale <= 1e-9:
        raise ValueError("degenerate clip: the skeleton has no size (every point on the root)")
    relative = (path - path[0]) / scale
    grid = np.linspace(times[0], times[-1], config.length)
    steps = resampled(relative, times, grid)
    velocity = np.gradient(steps, axis=0) * (config.length / 8.0)  # ≈ unit scale for a one-size swipe
    return MotionWindow(start, end, grid, np.concatenate([steps, velocity], axis=1).astype(np.float32))


def resampled(values: FloatArray, times: npt.NDArray[np.float64], grid: npt.NDArray[np.float64]) -> FloatArray:
    """(T, S) values at ``times`` → (len(grid), S), each column interpolated linearly in time."""
    return np.stack([np.interp(grid, times, values[:, i]) for i in range(values.shape[1])], axis=1)


def sequence_features(path: FloatArray, size: FloatArray, times: npt.NDArray[np.float64],
                      shape: FloatArray | None, config: MotionFeatureConfig) -> FloatArray:  # fmt: skip
    """The common core of ``clip_features`` and point-history paths.

    Args:
        path: (T, 2) root positions, user view, any unit (pixels; kinivi's image fractions).
        size: (T,) the skeleton's size in the same unit (ones where it is unknown).
        times: (T,) seconds, increasing.
        shape: (T, S) pose vectors, or None for the path alone.

    Returns:
        (config.length, 4 + S) float32: path, velocity, then shape, each resampled in time.
    """
    window = motion_window(path, size, times, config)
    parts = [window.path]
    if shape is not None:
        kept = slice(window.start, window.end + 1)
        parts.append(resampled(shape[kept], times[kept], window.grid))
    return np.concatenate(parts, axis=1).astype(np.float32)


def clip_window(clip: Clip, config: MotionFeatureConfig) -> tuple[MotionWindow, FloatArray]:
    """The clip's ``MotionWindow`` and its (T, K, 2|3) user-view pixels, gaps filled: what ``clip_features`` and the
    editor's graph (``core.motion.onnx_export``) are made from."""
    points = user_view_pixels(clip, config.use_depth)
    root = points[:, list(clip.skeleton.root_joints), :2].mean(axis=1)
    size = skeleton_size(points, clip.skeleton, clip.image_size)
    return motion_window(root, size, clip.timestamps, config), points


def clip_features(clip: Clip, config: MotionFeatureConfig) -> FloatArray:
    """(config.length, config.channels(clip.skeleton)) float32 features of one clip."""
    window, points = clip_window(clip, config)
    if not config.shape_of(clip.skeleton):
        return window.path
    kept = slice(window.start, window.end + 1)
    shape = pose_features(points[kept], clip.skeleton, config.use_depth)
    return np.concatenate([window.path, resampled(shape, clip.timestamps[kept], window.grid)], axis=1).astype(
        np.float32
    )


def clips_features(clips: list[Clip], config: MotionFeatureConfig) -> FloatArray:
    """(N, length, channels) features of clips of one skeleton."""
    if not clips:
        raise ValueError("no clips")
    return np.stack([clip_features(c, config) for c in clips])


def mirror_label(label: str | None, mirrors: Mapping[str, str] = MOTION_MIRRORS) -> str | None:
    """The class a mirrored clip of ``label`` belongs to (itself when it has no partner)."""
    return None if label is None else mirrors.get(label, label)


def mirror_clip(clip: Clip, mirrors: Mapping[str, str] = MOTION_MIRRORS) -> Clip:
    """The same take seen in a mirror: x → 1 - x, left/right joints swapped, label through its partner."""
    points = clip.points[:, list(clip.skeleton.flip_indices)].copy()
    present = clip.present
    points[:, :, 0] = np.where(present[:, None], 1.0 - points[:, :, 0], 0.0)
    return replace(clip, points=points, label=mirror_label(clip.label, mirrors))
