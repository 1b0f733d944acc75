"""Follow the hand a person is showing, not the first one MediaPipe happened to lock on to.

With *Hands to follow: 1*, MediaPipe's video mode tracks whichever hand its palm detector found first and never
looks again while it holds it: Live kept a hand cut by the bottom edge of the frame while a clear raised hand
went unseen. Asking MediaPipe for one hand more on every frame would find both, but costs twice the CPU a frame,
since its palm detector then runs on every frame while fewer hands than asked are tracked.

``FollowingTracker`` keeps the video tracker of ``max_num_hands`` and, every ``look_every`` frames, searches
the frame in image mode for one hand more (``scout``). When another hand is clearly more *prominent*
(``prominence``: big enough, whole inside the frame, near the centre, confident) than a followed one on
``switch_after`` looks in a row, the followed hand is painted over in the next frames the tracker sees
(``mask_frames`` at most): MediaPipe loses it, its palm detector runs and finds the shown hand, which it then
tracks on the real frames. One look costs a palm detection and a landmark pass per hand found; a switch costs
a frame or two without a hand. Hysteresis: one better look is not enough, and a hand followed is compared with
the hand seen at its place on the same frame.

Measured (``tests/test_following.py``'s scenes, 140 frames at 640×480, complexity 1, CPU time a frame on a loaded
2-core machine): one raised hand, MediaPipe following 1: 9.3 ms, this: 10.8 ms, MediaPipe asked for 2: 20.3 ms;
the raised hand beside one cut by the edge: 9.2, 12.9 (the turn made on frame 16) and 18.3 ms.

Hands are ``Keypoints`` in pixel space of the unmirrored frame; ``tracker`` and ``scout`` are hand sources
(``core.gestures.pipeline.HandSource``): a video-mode and an image-mode ``HandTracker`` (``following_tracker``),
or test fakes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core.gestures.pipeline import HandSource
from core.io.crops import box_iou, fill_box
from core.keypoints.landmarks import HandTracker, TrackerConfig
from core.types import Keypoints, RGBImage


@dataclass(frozen=True)
class FollowConfig:
    """How a stream chooses the hands it follows (defaults: see the module docstring and ``tests/test_following.py``)."""

    edge_margin: float = 0.02  # a joint closer than this share of the frame to its edge counts as outside
    full_size: float = 0.15  # a hand this share of the frame's shorter side or bigger counts as full size
    switch_ratio: float = 1.25  # another hand must be this many times as prominent as a followed one...
    switch_after: int = 3  # ...on this many looks in a row
    look_every: int = 10  # frames between looks for another hand (about 3 a second at 30 fps)
    look_again: int = 2  # frames between looks while another hand seemed better
    mask_frames: int = 3  # frames at most the dropped hand is painted over in the tracker's input
    mask_margin: float = 0.25  # the painted box grows by this share of the hand's size on each side

    def __post_init__(self) -> None:
        for name in ("switch_after", "look_every", "look_again", "mask_frames"):
            if getattr(self, name) < 1:
                raise ValueError(f"FollowConfig.{name} must be at least 1, got {getattr(self, name)}")
        if self.switch_ratio < 1.0:
            raise ValueError(f"FollowConfig.switch_ratio must be at least 1, got {self.switch_ratio}")


def prominence(hand: Keypoints, config: FollowConfig = FollowConfig()) -> float:
    """How clearly ``hand`` is being shown, in [0, 1]: the product of its size (its keypoint box's longest side over
    ``full_size`` of the frame's shorter side, at most 1: a hand cut by the edge never wins on size alone),
    wholeness (the share of joints inside the frame, to the 4th power: one joint out costs 18%, a half-hidden
    hand most of it), centrality (1 at the centre, 0.5 in a corner) and the detector's confidence."""
    width, height = hand.image_size
    xy = hand.normalised[:, :2]
    inside = ((xy >= config.edge_margin) & (xy <= 1.0 - config.edge_margin)).all(axis=1).mean()
    size = min(1.0, hand.extent() / (config.full_size * min(width, height)))
    x0, y0, x1, y1 = hand.bbox()
    centre = np.array([(x0 + x1) / 2 / width - 0.5, (y0 + y1) / 2 / height - 0.5])
    centrality = 1.0 - 0.5 * min(1.0, float(np.linalg.norm(centre)) / np.sqrt(0.5))
    return float(size * inside**4 * centrality * hand.score)


def same_hand(a: Keypoints, b: Keypoints) -> bool:
    """Whether two detections of one frame are one hand (their keypoint boxes overlap by a third or more)."""
    return box_iou(a.bbox(), b.bbox()) >= 0.3


class HandChooser:
    """The hysteresis: which followed hand to let go of, from looks at the same frames (no MediaPipe here)."""

    def __init__(self, config: FollowConfig = FollowConfig()) -> None:
        self.config = config
        self.better = 0  # looks in a row on which another hand was clearly more prominent

    def look(self, followed: list[Keypoints], seen: list[Keypoints]) -> Keypoints | None:
        """The followed hand to let go of, once another of the hands ``seen`` by a wider search of the same frame
        has been ``switch_ratio`` times as prominent as it on ``switch_after`` looks in a row; else None."""
        others = [h for h in seen if not any(same_hand(h, f) for f in followed)]
        if not followed or not others:
            self.better = 0
            return None
        score = lambda hand: prominence(hand, self.config)  # noqa: E731
        weakest = min(followed, key=score)
        as_seen = next((h for h in seen if same_hand(h, weakest)), weakest)  # like with like: the search's view
        if score(max(others, key=score)) >= self.config.switch_ratio * score(as_seen):
            self.better += 1
        else:
            self.better = 0
        if self.better < self.config.switch_after:
            return None
        self.better = 0
        return weakest


class FollowingTracker:
    """A video tracker of ``follow`` hands that turns to the hand being shown (see the module docstring).

    Use from one thread at a time; ``close`` closes both sources.
    """

    def __init__(self, tracker: HandSource, scout: HandSource, follow: int, config: FollowConfig = FollowConfig()):
        if follow < 1:
            raise ValueError(f"hands to follow must be at least 1, got {follow}")
        self.tracker, self.scout, self.follow, self.config = tracker, scout, follow, config
        self.chooser = HandChooser(config)
        self.looks = 0  # searches for one more hand so far (each a palm detection)
        self.switches = 0  # hands let go of for a more prominent one
        self._since_look = 0
        self._dropped: Keypoints | None = None  # the hand painted over in the tracker's input
        self._mask_left = 0

    def process(self, rgb: RGBImage) -> list[Keypoints]:
        """The followed hands in one (H, W, 3) uint8 RGB unmirrored frame, in the tracker's order."""
        if self._dropped is not None:
            return self._masked(rgb, self._dropped)
        hands = self.tracker.process(rgb)
        self._since_look += 1
        every = self.config.look_again if self.chooser.better else self.config.look_every
        # fewer hands than followed: MediaPipe's palm detector already looks on every frame
        if len(hands) >= self.follow and self._since_look >= every:
            self._since_look = 0
            self.looks += 1
            drop = self.chooser.look(hands, self.scout.process(rgb))
            if drop is not None:
                self._dropped, self._mask_left = drop, self.config.mask_frames
                self.switches += 1
        return hands

    def _masked(self, rgb: RGBImage, dropped: Keypoints) -> list[Keypoints]:
        """The tracker on a copy of ``rgb`` with ``dropped`` painted over, until it follows another hand."""
        frame = rgb.copy()
        fill_box(frame, dropped.bbox(self.config.mask_margin))
        hands = self.tracker.process(frame)
        self._mask_left -= 1
        moved_on = len(hands) >= self.follow and not any(same_hand(h, dropped) for h in hands)
        if moved_on or self._mask_left == 0:
            self._dropped, self._since_look = None, 0
        return hands

    def close(self) -> None:
        for source in (self.tracker, self.scout):
            close = getattr(source, "close", None)
            if close is not None:
                close()

    def __enter__(self) -> FollowingTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def following_tracker(config: TrackerConfig, follow: FollowConfig = FollowConfig()) -> FollowingTracker:
    """MediaPipe in video mode following ``config.max_num_hands`` hands, looking in image mode for one more."""
    scout = TrackerConfig(
        static_image_mode=True,
        max_num_hands=config.max_num_hands + 1,
        model_complexity=config.model_complexity,
        min_detection_confidence=config.min_detection_confidence,
        inference_threads=config.inference_threads,
    )
    return FollowingTracker(HandTracker(config), HandTracker(scout), config.max_num_hands, follow)
