"""MediaPipe Hands: with ``core.keypoints.pose``, the only modules that import mediapipe.

One ``HandTracker`` per stream: in video mode MediaPipe keeps tracking state
between frames, so sharing a tracker between two webcams (or two users) would mix
their hands. Trackers are not thread-safe; use each from one thread at a time.
The networks run on onnxruntime (``core.keypoints.onnx_hands``) or, with ``HANDTEACH_KEYPOINT_RUNTIME=mediapipe``
(``core.keypoints.runtime``) where mediapipe 0.10.21 is installed, on its own graph: the same models, points and labels.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from core.io.fds import MEDIAPIPE_FILES, MEDIAPIPE_MARKERS, fd_exhaustion_named
from core.io.limits import LIMITS
from core.keypoints.runtime import keypoint_runtime
from core.skeletons import HAND_21
from core.types import Keypoints

# MediaPipe labels handedness as if the image were mirrored (a selfie); our frames
# are unmirrored, so its "Left" is the person's right hand.
_PERSON_HAND = {"Left": "Right", "Right": "Left"}

ZOOM_OUT_BORDERS = (0.25, 0.5, 1.0)  # tried in turn: border on each side, × the photo's longest side


@dataclass(frozen=True)
class TrackerConfig:
    """Settings of a MediaPipe Hands tracker."""

    static_image_mode: bool = False  # True: detect on every frame (photos); False: track (video)
    max_num_hands: int = 2
    model_complexity: int = 1  # 0 is faster, 1 is more accurate
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5
    # static mode: a photo with no hand is searched again framed smaller (HandTracker.find_zoomed_out)
    zoom_out_photos: bool = False
    # threads of each network's XNNPACK delegate; 1 costs the least CPU a frame (2: 6.2 ms a frame instead of
    # 9.2 but 11.1 ms of CPU instead of 9.3 at complexity 1), so a server with several streams serves the most
    inference_threads: int = 1
    # video mode, through ``KeypointBackend.source``: follow the hands being shown, looking for one more every few
    # frames (``core.keypoints.following``), not the first ones found; webcam streams ask for it
    follow_shown: bool = False
    runtime: str | None = None  # "onnx" or "mediapipe"; None: HANDTEACH_KEYPOINT_RUNTIME, else onnx

    def __post_init__(self) -> None:
        check_inference_threads(self.inference_threads)
        if self.runtime is not None:
            keypoint_runtime(self.runtime)


def check_inference_threads(threads: int) -> None:
    if not isinstance(threads, int) or isinstance(threads, bool) or not 1 <= threads <= 64:
        raise ValueError(f"inference_threads must be a whole number from 1 to 64, got {threads!r}")


def set_inference_threads(graph: Any, threads: int) -> int:
    """Set the XNNPACK thread count of every inference node of a MediaPipe graph config; returns how many.

    MediaPipe's solutions let ``calculator_params`` change a few calculators only, not the
    inference ones, so the trackers edit the canonical graph before it starts (``threaded``).
    """
    from mediapipe.calculators.tensor import inference_calculator_pb2

    extension = inference_calculator_pb2.InferenceCalculatorOptions.ext
    nodes = [node for node in graph.node if node.calculator.startswith("InferenceCalculator")]
    for node in nodes:
        node.options.Extensions[extension].delegate.xnnpack.num_threads = threads
    return len(nodes)


def threaded(solution: type, threads: int) -> type:
    """``solution`` (``mp.solutions.hands.Hands``, ``pose.Pose``) with ``threads`` XNNPACK threads per network."""

    class Threaded(solution):  # type: ignore[misc, valid-type]
        def _modify_calculator_options(self, graph: Any, params: Any) -> None:
            super()._modify_calculator_options(graph, params)
            if set_inference_threads(graph, threads) == 0:  # a MediaPipe that renamed them: say so, never ignore
                raise RuntimeError(f"no inference calculator found in {solution.__name__}'s graph")

    return Threaded


def mediapipe_layouts() -> dict[str, tuple[tuple[str, ...], frozenset[tuple[int, int]]]]:
    """MediaPipe's own landmark names (lowercase, ``index_finger_mcp`` as ``index_mcp``) and connections
    for "hand" and "body": the layouts ``HAND_21`` and ``BODY_33`` copy, so a test can hold them to it."""
    import mediapipe as mp

    def layout(names: Iterable[Any], connections: Iterable[tuple[int, int]]) -> tuple[tuple[str, ...], frozenset]:
        joints = tuple(p.name.lower().replace("_finger", "") for p in names)
        return joints, frozenset(tuple(sorted(edge)) for edge in connections)

    hands, pose = mp.solutions.hands, mp.solutions.pose
    return {
        "hand": layout(hands.HandLandmark, hands.HAND_CONNECTIONS),
        "body": layout(pose.PoseLandmark, pose.POSE_CONNECTIONS),
    }


class HandTracker:
    """Finds up to ``max_num_hands`` hands in RGB frames.

    Use as a context manager or call ``close()``; the underlying graph holds
    native resources.
    """

    def __init__(self, config: TrackerConfig | None = None) -> None:
        self.config = config or TrackerConfig()
        self.runtime = keypoint_runtime(self.config.runtime)
        self._onnx = None
        if self.runtime == "onnx":
            from core.keypoints.onnx_hands import OnnxHands

            self._onnx = OnnxHands(
                static_image_mode=self.config.static_image_mode,
                max_num_hands=self.config.max_num_hands,
                model_complexity=self.config.model_complexity,
                min_detection_confidence=self.config.min_detection_confidence,
                min_tracking_confidence=self.config.min_tracking_confidence,
                threads=self.config.inference_threads,
            )
            return
        import mediapipe as mp  # imported lazily: it takes ~1 s and is not needed by every command

        with fd_exhaustion_named(MEDIAPIPE_FILES, MEDIAPIPE_MARKERS):  # else "Can't find file ....binarypb"
            self._hands = threaded(mp.solutions.hands.Hands, self.config.inference_threads)(
                static_image_mode=self.config.static_image_mode,
                max_num_hands=self.config.max_num_hands,
                model_complexity=self.config.model_complexity,
                min_detection_confidence=self.config.min_detection_confidence,
                min_tracking_confidence=self.config.min_tracking_confidence,
            )

    def process(self, rgb: npt.NDArray[np.uint8]) -> list[Keypoints]:
        """Hands in one frame.

        Args:
            rgb: (H, W, 3) uint8, RGB channel order, unmirrored frame.

        Returns:
            The hands found, in MediaPipe's order (may be empty).
        """
        hands = self._find(rgb)
        if hands or not (self.config.static_image_mode and self.config.zoom_out_photos):
            return hands
        return self.find_zoomed_out(rgb)[1]

    def find_zoomed_out(
        self, rgb: npt.NDArray[np.uint8], borders: tuple[float, ...] = ZOOM_OUT_BORDERS
    ) -> tuple[float, list[Keypoints]]:
        """Hands in a photo framed by a border of its own edge pixels, for photos where none is found as they are.

        MediaPipe's palm detector misses many hands that fill the frame (close-ups); framed
        smaller, the palm is found and the landmark model labels the hand well. Tries each
        border in turn; meant for static mode.

        Returns:
            (the border that found them, or 0.0 when none did; the hands in ``rgb``'s own
            pixels and normalised coordinates, the framing taken off again).
        """
        height, width = rgb.shape[:2]
        for border in borders:
            pad = int(round(border * max(height, width)))
            # The padded frame is up to 3× the photo's side: scaled down first so it stays within
            # LIMITS.zoom_out_side (a long thin photo padded past 32767 px aborted OpenCV's remap
            # inside MediaPipe; a 12000 px one took 5.8 GB).
            scale = min(1.0, LIMITS.zoom_out_side / (max(height, width) + 2 * pad))
            small, small_pad = rgb, pad
            if scale < 1.0:
                size = (max(1, round(width * scale)), max(1, round(height * scale)))
                small, small_pad = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA), int(round(pad * scale))
            framed = np.pad(small, ((small_pad, small_pad), (small_pad, small_pad), (0, 0)), mode="edge")
            found = self._find(framed)
            if found:
                return border, [_unframe(hand, small_pad, width, height, small.shape[1::-1]) for hand in found]
        return 0.0, []

    def _find(self, rgb: npt.NDArray[np.uint8]) -> list[Keypoints]:
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB frame, got shape {rgb.shape} dtype {rgb.dtype}")
        height, width = rgb.shape[:2]
        if max(height, width) > LIMITS.image_side:  # OpenCV inside MediaPipe aborts the process at 32767
            raise ValueError(f"a {width}×{height} frame has a side over the limit of {LIMITS.image_side} pixels")
        if self._onnx is not None:
            return [_hand(h.landmarks, h.world, h.label, h.score, width, height) for h in self._onnx.find(rgb)]
        rgb = np.ascontiguousarray(rgb)
        rgb.flags.writeable = False  # lets MediaPipe skip a copy
        with fd_exhaustion_named(MEDIAPIPE_FILES, MEDIAPIPE_MARKERS):  # the first frame opens the model files
            results = self._hands.process(rgb)
        if not results.multi_hand_landmarks:
            return []
        world_list = results.multi_hand_world_landmarks or [None] * len(results.multi_hand_landmarks)
        hands = []
        for landmarks, world, handed in zip(
            results.multi_hand_landmarks, world_list, results.multi_handedness, strict=True
        ):
            normalised = np.array([[p.x, p.y, p.z] for p in landmarks.landmark], dtype=np.float32)
            world_pts = None if world is None else np.array([[p.x, p.y, p.z] for p in world.landmark], np.float32)
            category = handed.classification[0]
            hands.append(_hand(normalised, world_pts, category.label, float(category.score), width, height))
        return hands

    def close(self) -> None:
        if self._onnx is not None:
            self._onnx.close()
        else:
            self._hands.close()

    def __enter__(self) -> HandTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _hand(normalised: npt.NDArray[np.float32], world: npt.NDArray[np.float32] | None, label: str, score: float,
          width: int, height: int) -> Keypoints:  # fmt: skip
    """One hand as ``Keypoints``, from MediaPipe's normalised points and its label (that of a mirrored image)."""
    if world is None:
        world = np.full((HAND_21.num_joints, 3), np.nan, dtype=np.float32)
    return Keypoints(
        pixel=(normalised[:, :2] * np.array([width, height], dtype=np.float32)).astype(np.float32),
        normalised=normalised.astype(np.float32),
        world=world.astype(np.float32),
        handedness=_PERSON_HAND.get(label, "Unknown"),
        score=score,
        image_size=(width, height),
    )


def detect_hands(
    rgb: npt.NDArray[np.uint8], max_num_hands: int = 2, model_complexity: int = 1, zoom_out: bool = False
) -> list[Keypoints]:
    """Static-image detection on one photo (a fresh tracker, no state carried over); see ``zoom_out_photos``."""
    config = TrackerConfig(
        static_image_mode=True, max_num_hands=max_num_hands, model_complexity=model_complexity, zoom_out_photos=zoom_out
    )
    with HandTracker(config) as tracker:
        return tracker.process(rgb)


def _unframe(
    hand: Keypoints, pad: int, width: int, height: int, photo_in_frame: tuple[int, int] | None = None
) -> Keypoints:
    """A hand found in a framed copy of a ``width`` × ``height`` photo, in the photo's own coordinates.

    ``pad``: the border on each side, in framed pixels; ``photo_in_frame``: the photo's
    (width, height) inside the framing, smaller than its own when it was scaled down first.
    """
    inner_width, inner_height = photo_in_frame or (width, height)
    scale = np.array([width / inner_width, height / inner_height], np.float32)  # photo pixels per framed pixel
    pixel = (hand.pixel - np.float32(pad)) * scale
    framed_width = hand.image_size[0]
    # MediaPipe scales z like x (by the image width), so it is rescaled to the photo's width
    normalised = np.column_stack(
        [pixel / np.array([width, height], np.float32), hand.normalised[:, 2] * (framed_width * scale[0] / width)]
    ).astype(np.float32)
    return replace(hand, pixel=pixel, normalised=normalised, image_size=(width, height))
