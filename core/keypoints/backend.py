"""Keypoint backends: MediaPipe Hands, one of our heatmap networks placing the joints in boxes found by MediaPipe
(the CPM, ``core.cpm``, or the ResNet-deconv, ``core.resdeconv``), or MediaPipe Pose.

A body project's keypoints always come from MediaPipe Pose (``core.keypoints.pose``; the networks
are hand models): ``KeypointBackend.skeleton`` says which layout a source gives.

A project records the backend its samples came from (``Store.project_backend``), and
everything that makes or classifies its samples asks ``KeypointBackend.of_project(...).source()`` for the same
one, so a model never sees keypoints from another detector than the one it learned on.

``CPMHandSource`` (either network: ``CPMEstimator`` runs both) follows the issue's recipe: the crop comes from MediaPipe's detection
(image mode) and, on a video, from the previous frame's CPM keypoints, so most frames
cost one CPM pass per hand instead of MediaPipe. MediaPipe searches again when a hand is
lost, every ``search_every`` frames while fewer hands than asked are followed, and every
``refresh_every`` frames to stop drift. CPM hands are 2D: z = 0 and world points NaN
(``Keypoints.has_depth`` is False, so their classifiers use 2D features); they keep the
handedness and the handedness confidence (``score``) MediaPipe gave when it found them;
the CPM's own mean joint confidence decides whether a hand is still there.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from core.cpm.upright import upright_angle
from core.gestures.pipeline import HandSource
from core.io.crops import Box, box_iou, keypoint_box
from core.keypoints.following import following_tracker
from core.keypoints.landmarks import HandTracker, TrackerConfig
from core.keypoints.pose import PoseConfig, PoseTracker
from core.types import KEYPOINT_BACKENDS, NETWORK_BACKENDS, Keypoints, RGBImage

if TYPE_CHECKING:
    from core.cpm.estimator import CPMEstimator, CPMResult
    from core.data.store import Store

BACKENDS = KEYPOINT_BACKENDS
_BOX_CONFIDENCE = 0.3  # joints below this do not shape the next frame's box (outliers would grow it)


class UnknownBackendError(ValueError):
    """A backend name that is not one of ``BACKENDS``."""


def check_backend(name: str) -> str:
    """``name`` if it is a known backend, else ``UnknownBackendError`` listing the known ones."""
    if name not in BACKENDS:
        raise UnknownBackendError(f"unknown keypoint backend {name!r}: choose one of {', '.join(BACKENDS)}")
    return name


class ClosableHandSource(HandSource, Protocol):
    """A pipeline's hand source that also holds native resources to release."""

    def close(self) -> None: ...


@dataclass(frozen=True)
class KeypointBackend:
    """Which detector makes a project's keypoints: ``name`` in ``BACKENDS``, and the network weights it uses.

    The network (``network``) is the ResNet-deconv for a "resnet-deconv" project, else the CPM (a MediaPipe
    project's belief-map panel runs the CPM).
    """

    name: str = "mediapipe"
    cpm_checkpoint: Path | None = None  # the project's fine-tuned network; None: the network's shipped weights
    cpm_stamp: float = 0.0  # when that checkpoint was written: a new fine-tune makes a different backend
    skeleton: str = "hand"  # the project's layout: "body" takes MediaPipe Pose whatever ``name`` says

    def __post_init__(self) -> None:
        check_backend(self.name)
        if self.skeleton not in ("hand", "body", "fingertip"):
            raise UnknownBackendError(f"no keypoint source for the skeleton {self.skeleton!r}: choose hand or body")
        if self.skeleton == "body" and self.name in NETWORK_BACKENDS:
            from core.data.project_cpm import TITLES

            raise UnknownBackendError(
                f"the {TITLES[self.network]} is a hand model: a body project takes its keypoints from MediaPipe Pose"
            )

    @property
    def network(self) -> str:
        """The heatmap network this backend runs (``core.types.NETWORK_BACKENDS``): "resnet-deconv" or "cpm"."""
        from core.data.project_cpm import network_of_backend

        return network_of_backend(self.name)

    @property
    def weights_dir(self) -> Path:
        """The network's weights folder: the project's fine-tuned copy, else the network's shipped weights."""
        from core.data.project_cpm import default_checkpoint

        return self.cpm_checkpoint or default_checkpoint(self.network)

    def require_weights(self) -> Path:
        """``weights_dir``, or ``MissingWeightsError`` (a ValueError) naming the folder when its files are missing."""
        from core.data.project_cpm import require_weights

        return require_weights(self.weights_dir, self.network)

    @classmethod
    def of_project(cls, store: Store, project: str) -> KeypointBackend:
        """The backend ``project`` was created with, and the project's fine-tuned network weights if it has them.

        (A MediaPipe project uses the CPM too: for the belief-map panel.)
        """
        from core.data.project_cpm import checkpoint_stamp, finetuned_checkpoint

        skeleton = store.project_skeleton(project).name
        if skeleton != "hand":
            return cls(check_backend(store.project_backend(project)), skeleton=skeleton)
        checkpoint = finetuned_checkpoint(store, project)
        return cls(check_backend(store.project_backend(project)), checkpoint, checkpoint_stamp(checkpoint))

    def source(self, config: TrackerConfig) -> ClosableHandSource:
        """A fresh keypoint source (one per stream or file: sources keep per-stream state).

        A body source in static mode (photos) also looks for more people, so a photo of several is
        told apart (``core.keypoints.pose.choose_person``); on a video it follows one person.
        A network's source needs its weights: ``MissingWeightsError`` names the folder when they are missing.
        """
        if self.skeleton == "body":
            return PoseTracker(PoseConfig(
                static_image_mode=config.static_image_mode,
                min_detection_confidence=config.min_detection_confidence,
                min_tracking_confidence=config.min_tracking_confidence,
                find_others=config.static_image_mode,
            ))  # fmt: skip
        if self.skeleton == "fingertip":  # a kinivi-history project: MediaPipe Hands' index tip (joint 8)
            from core.motion.fingertip import FingertipSource

            return FingertipSource(HandTracker(config))
        if self.name == "mediapipe":
            if config.follow_shown and not config.static_image_mode:
                return following_tracker(config)
            return HandTracker(config)
        return CPMHandSource(config, self.require_weights())


@dataclass
class _CPMTrack:
    box: Box  # tight box around the previous frame's keypoints, frame px
    handedness: str
    score: float  # MediaPipe's handedness confidence when it found the hand
    upright_deg: float  # the angle that turns the hand upright (core.cpm.upright), from the same keypoints


def _next_box(result: CPMResult) -> Box:
    points = result.keypoints_px
    sure = points[result.confidence >= _BOX_CONFIDENCE]
    return keypoint_box(sure if len(sure) >= 10 else points)


class CPMHandSource:
    """Hands whose 21 points come from a heatmap network (see the module docstring). Use from one thread at a time.

    Args:
        config: MediaPipe settings for finding hands; ``static_image_mode`` means every
            frame is a separate photo (MediaPipe finds the hands each time).
        cpm_checkpoint: weights folder of the CPM or the ResNet-deconv (default: the shipped CPM).
        estimator: an already loaded estimator to share (it is read-only); overrides ``cpm_checkpoint``.
    """

    def __init__(self, config: TrackerConfig, cpm_checkpoint: str | Path | None = None,
                 estimator: CPMEstimator | None = None, search_every: int = 5,
                 refresh_every: int = 30) -> None:  # fmt: skip
        from core.cpm.estimator import CPMEstimator

        self.config = config
        if estimator is None:
            estimator = CPMEstimator(cpm_checkpoint)
        self.estimator = estimator
        self.search_every, self.refresh_every = max(1, search_every), max(1, refresh_every)
        # MediaPipe in image mode: it only finds boxes here, on the few frames that need a search.
        self._finder = HandTracker(TrackerConfig(
            static_image_mode=True,
            max_num_hands=config.max_num_hands,
            model_complexity=config.model_complexity,
            min_detection_confidence=config.min_detection_confidence,
            zoom_out_photos=config.static_image_mode and config.zoom_out_photos,
        ))  # fmt: skip
        self._tracks: list[_CPMTrack] = []
        self._frame = 0
        self.last_results: list[CPMResult] = []  # the CPM's view of each returned hand (for the belief-map panel)
        self.searched = False  # whether MediaPipe ran on the last frame

    def _needs_search(self) -> bool:
        if self.config.static_image_mode or not self._tracks:
            return True
        if self._frame % self.refresh_every == 0:
            return True
        return len(self._tracks) < self.config.max_num_hands and self._frame % self.search_every == 0

    def process(self, rgb: RGBImage) -> list[Keypoints]:
        """CPM hands in one (H, W, 3) uint8 RGB unmirrored frame (may be empty)."""
        self._frame += 1
        self.searched = self._needs_search()
        if self.searched:
            found = [
                _CPMTrack(h.bbox(), h.handedness, h.score, upright_angle(h.pixel)) for h in self._finder.process(rgb)
            ]
            kept = [t for t in self._tracks if all(box_iou(t.box, f.box) < 0.3 for f in found)]
            self._tracks = (found + kept)[: self.config.max_num_hands]
        hands, results, tracks = [], [], []
        for track in self._tracks:
            result = self.estimator.estimate(rgb, track.box, track.upright_deg)
            if not result.has_hand:
                continue  # lost: MediaPipe looks again on the next frame if no hand is left
            box = _next_box(result)
            if any(box_iou(box, t.box) > 0.5 for t in tracks):
                continue  # two tracks slid onto the same hand
            tracks.append(_CPMTrack(box, track.handedness, track.score, upright_angle(result.keypoints_px)))
            results.append(result)
            hands.append(result.to_hand(track.handedness, track.score))
        self._tracks = [] if self.config.static_image_mode else tracks
        self.last_results = results
        return hands

    def close(self) -> None:
        self._finder.close()
        self._tracks = []

    def __enter__(self) -> CPMHandSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
