"""MediaPipe Pose (BlazePose): one person's 33 keypoints with visibility, per frame or per photo.

Mirrors ``core.keypoints.landmarks`` (``HandTracker`` / ``detect_hands``): one ``PoseTracker`` per
stream, since in video mode MediaPipe follows the person from frame to frame; static mode detects
on every frame (photos). The wheel ships ``pose_landmark_full`` only, so the model complexity is
fixed at 1: asking for another would make MediaPipe download a model, which this product never does.

MediaPipe Pose follows one person. A photo of several people is told apart by looking again with
the person found painted over (``PoseConfig.find_others``, static mode only): a second confident
torso there is a second person. ``process`` then returns every person found, largest first, and
``choose_person`` keeps the largest and says so. Measured on yoga8 (``bench/people/body_accuracy.py``): both
people found in 57 of 60 side-by-side pairs, a false second person in 1 of 434 single photos. OpenCV's
HOG people detector, the other method without a download, found both in 14 of the same 60 pairs,
two people in 25 of the single photos and no one in 323 (it is trained on upright pedestrians). Left and right joints are the person's own sides
(MediaPipe Pose does not assume a mirrored selfie, unlike its hand model), so nothing is swapped.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.io.crops import fill_box
from core.io.fds import MEDIAPIPE_FILES, MEDIAPIPE_MARKERS, fd_exhaustion_named
from core.io.limits import LIMITS
from core.keypoints.landmarks import check_inference_threads, threaded
from core.keypoints.runtime import keypoint_runtime
from core.skeletons import BODY_33
from core.types import Keypoints

# Why a frame or photo gave no usable person; counted apart, as core.data.imports.extract's NO_HAND is.
NO_PERSON = "no person"
SEVERAL_PEOPLE = "several people (the largest used)"
PARTLY_IN_VIEW = "person partly in view (legs cut off or hidden)"

_PAINT_MARGIN = 0.15  # a found person's box grows by this share of its size before it is painted over
SHIPPED_COMPLEXITY = 1  # the only pose model inside mediapipe 0.10.21's wheel
TORSO = tuple(BODY_33.index(n) for n in ("left_shoulder", "right_shoulder", "left_hip", "right_hip"))
LEG_PAIRS = tuple((BODY_33.index(f"left_{n}"), BODY_33.index(f"right_{n}")) for n in ("hip", "knee", "ankle"))


@dataclass(frozen=True)
class PoseConfig:
    """Settings of a MediaPipe Pose tracker."""

    static_image_mode: bool = False  # True: detect on every frame (photos); False: track (video)
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    smooth_landmarks: bool = True  # video mode: MediaPipe's own filter against jitter
    # static mode: look for more people with each one found painted over (one more MediaPipe pass
    # per person, ~30 ms at 512 px); up to max_people are returned
    find_others: bool = False
    max_people: int = 3
    min_other_torso: float = 0.8  # a second person counts when its torso's mean visibility reaches this
    inference_threads: int = 1  # XNNPACK threads per network, as TrackerConfig's (1: the least CPU a frame)
    runtime: str | None = None  # "onnx" (core.keypoints.onnx_pose) or "mediapipe"; None: HANDTEACH_KEYPOINT_RUNTIME

    def __post_init__(self) -> None:
        check_inference_threads(self.inference_threads)
        if self.runtime is not None:
            keypoint_runtime(self.runtime)


class PoseTracker:
    """Finds people in RGB frames: MediaPipe Pose's one person, more in static mode with ``find_others``.

    Use as a context manager or call ``close()``; the graph holds native resources. Not thread-safe.
    """

    def __init__(self, config: PoseConfig | None = None) -> None:
        self.config = config or PoseConfig()
        if self.config.find_others and not self.config.static_image_mode:
            raise ValueError("find_others needs static_image_mode: a video tracker follows one person")
        self.runtime = keypoint_runtime(self.config.runtime)
        self._onnx = None
        if self.runtime == "onnx":
            from core.keypoints.onnx_pose import OnnxPose

            self._onnx = OnnxPose(
                static_image_mode=self.config.static_image_mode,
                min_detection_confidence=self.config.min_detection_confidence,
                min_tracking_confidence=self.config.min_tracking_confidence,
                smooth=self.config.smooth_landmarks,
                threads=self.config.inference_threads,
            )
            return
        import mediapipe as mp  # lazily: ~1 s, and not every command needs it

        with fd_exhaustion_named(MEDIAPIPE_FILES, MEDIAPIPE_MARKERS):  # as HandTracker's
            self._pose = threaded(mp.solutions.pose.Pose, self.config.inference_threads)(
                static_image_mode=self.config.static_image_mode,
                model_complexity=SHIPPED_COMPLEXITY,
                smooth_landmarks=self.config.smooth_landmarks,
                enable_segmentation=False,
                min_detection_confidence=self.config.min_detection_confidence,
                min_tracking_confidence=self.config.min_tracking_confidence,
            )

    def process(self, rgb: npt.NDArray[np.uint8]) -> list[Keypoints]:
        """People in one frame.

        Args:
            rgb: (H, W, 3) uint8, RGB, unmirrored frame.

        Returns:
            [] or [the person]; with ``find_others``, every person found, largest box first.
        """
        _check_frame(rgb)
        first = self._find(rgb)
        if first is None or not self.config.find_others:
            return [] if first is None else [first]
        people, masked = [first], rgb.copy()
        while len(people) < self.config.max_people:
            fill_box(masked, people[-1].bbox(_PAINT_MARGIN))  # the person found, painted over
            other = self._find(masked)
            if other is None or _torso_visibility(other) < self.config.min_other_torso:
                break
            people.append(other)
        return sorted(people, key=body_area, reverse=True)

    def _find(self, rgb: npt.NDArray[np.uint8]) -> Keypoints | None:
        height, width = rgb.shape[:2]
        if self._onnx is not None:
            found = self._onnx.find(rgb)
            return None if found is None else _body(found.landmarks, found.visibility, found.world, width, height)
        frame = np.ascontiguousarray(rgb).view()  # a view: the caller's array stays writeable
        frame.flags.writeable = False  # lets MediaPipe skip a copy
        with fd_exhaustion_named(MEDIAPIPE_FILES, MEDIAPIPE_MARKERS):
            results = self._pose.process(frame)
        if results.pose_landmarks is None:
            return None
        marks = results.pose_landmarks.landmark
        normalised = np.array([[p.x, p.y, p.z] for p in marks], dtype=np.float32)
        visibility = np.array([p.visibility for p in marks], dtype=np.float32)
        world = None
        if results.pose_world_landmarks is not None:
            world = np.array([[p.x, p.y, p.z] for p in results.pose_world_landmarks.landmark], dtype=np.float32)
        return _body(normalised, visibility, world, width, height)

    def close(self) -> None:
        if self._onnx is not None:
            self._onnx.close()
        else:
            self._pose.close()

    def __enter__(self) -> PoseTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _body(normalised: npt.NDArray[np.float32], visibility: npt.NDArray[np.float32],
          world: npt.NDArray[np.float32] | None, width: int, height: int) -> Keypoints:  # fmt: skip
    """One person as ``Keypoints`` from MediaPipe Pose's normalised points, visibility and world points."""
    if world is None:
        world = np.full((BODY_33.num_joints, 3), np.nan, dtype=np.float32)
    body = Keypoints(
        pixel=(normalised[:, :2] * np.array([width, height], dtype=np.float32)).astype(np.float32),
        normalised=normalised.astype(np.float32),
        world=world.astype(np.float32),
        handedness="Unknown",
        # MediaPipe Pose gives no detection score; the torso's visibility is how sure it is of the person
        score=0.0,
        image_size=(width, height),
        skeleton=BODY_33,
        visibility=np.clip(visibility, 0.0, 1.0).astype(np.float32),
    )
    return _with_score(body)


def detect_people(rgb: npt.NDArray[np.uint8], find_others: bool = True) -> list[Keypoints]:
    """Static detection on one photo (a fresh tracker): every person found, largest first."""
    with PoseTracker(PoseConfig(static_image_mode=True, find_others=find_others)) as tracker:
        return tracker.process(rgb)


def body_area(body: Keypoints) -> float:
    """Pixel area of the box around the person's visible joints: "the largest" person."""
    visible = body.pixel[_visible(body, 0.5)]
    if len(visible) < 2:
        visible = body.pixel
    size = visible.max(axis=0) - visible.min(axis=0)
    return float(size[0] * size[1])


def partly_in_view(body: Keypoints, min_visible: float = 0.3) -> bool:
    """True when the hips, the knees or the ankles are all out of the frame or hidden (legs cut off, a desk in front).

    One side of each pair is enough: a side view hides the far leg (every down-dog photo of the
    yoga set), and seated poses tuck one ankle under the other.
    """
    width, height = body.image_size
    inside = (
        (body.pixel[:, 0] >= 0) & (body.pixel[:, 0] < width) & (body.pixel[:, 1] >= 0) & (body.pixel[:, 1] < height)
    )
    seen = _visible(body, min_visible) & inside
    return not all(seen[left] or seen[right] for left, right in LEG_PAIRS)


def choose_person(
    people: list[Keypoints], require_legs: bool = True, min_visible: float = 0.3
) -> tuple[Keypoints | None, list[str]]:
    """The person to use from one frame's ``people`` and the reasons to report, counted apart.

    No one: (None, [NO_PERSON]). Several: the largest, with SEVERAL_PEOPLE. Legs not in view with
    ``require_legs``: (None, [..., PARTLY_IN_VIEW]); without it the person is kept and the reason still given.
    """
    if not people:
        return None, [NO_PERSON]
    person = max(people, key=body_area)
    reasons = [SEVERAL_PEOPLE] if len(people) > 1 else []
    if partly_in_view(person, min_visible):
        reasons.append(PARTLY_IN_VIEW)
        if require_legs:
            return None, reasons
    return person, reasons


def _visible(body: Keypoints, threshold: float) -> npt.NDArray[np.bool_]:
    if body.visibility is None:
        return np.ones(body.skeleton.num_joints, dtype=bool)
    return body.visibility >= threshold


def _torso_visibility(body: Keypoints) -> float:
    return float(body.visibility[list(TORSO)].mean()) if body.visibility is not None else 1.0


def _with_score(body: Keypoints) -> Keypoints:
    return replace(body, score=_torso_visibility(body))


def _check_frame(rgb: npt.NDArray[np.uint8]) -> None:
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an (H, W, 3) uint8 RGB frame, got shape {rgb.shape} dtype {rgb.dtype}")
    height, width = rgb.shape[:2]
    if max(height, width) > LIMITS.image_side:  # OpenCV inside MediaPipe aborts the process at 32767
        raise ValueError(f"a {width}×{height} frame has a side over the limit of {LIMITS.image_side} pixels")


def sample_person(people: list[Keypoints], where: str) -> tuple[list[Keypoints], str | None, str | None]:
    """What one frame gives a body project: ([the person] or [], the rejection reason or None, a note or None).

    ``where`` names the frame in the note ("photo.jpg", "clip.mp4 frame 40"); the note says which
    of several people was used.
    """
    person, reasons = choose_person(people)
    note = None
    if SEVERAL_PEOPLE in reasons:
        x0, y0, x1, y1 = (round(v) for v in max(people, key=body_area).bbox())
        note = f"{where}: {len(people)} people found; the largest used (box {x0},{y0} to {x1},{y1} px)"
    if person is None:
        return [], reasons[-1], note
    return [person], None, note


def person_per_photo(paths: list[Path], notes: list[str]) -> list[list[Keypoints] | None]:
    """For each photo: [the person used] (the largest, legs in view or not), [] for no one, None if unreadable.

    Photos of several people or with the legs out of view are still scored; each adds a line to ``notes``.
    """
    from core.io.video import MediaError, read_image

    found: list[list[Keypoints] | None] = []
    with PoseTracker(PoseConfig(static_image_mode=True, find_others=True)) as tracker:
        for path in paths:
            try:
                people = tracker.process(read_image(path))
            except (MediaError, ValueError):
                found.append(None)
                continue
            person, reasons = choose_person(people, require_legs=False)
            notes += [f"{path}: {reason}" for reason in reasons if reason != NO_PERSON]
            found.append([] if person is None else [person])
    return found
