"""core.keypoints.following: Live follows the hand being shown (issue 45, item 5).

Scoring and hysteresis on synthetic keypoints; the switch itself on real MediaPipe: a raised fist from the
finger-spelling video beside an open hand (``hands.jpg``) cut by the bottom edge of a 640×480 frame, the hand
MediaPipe's video tracker locks on to and keeps.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest
from conftest import shared_path
from handmaker import make_hand

from core.keypoints.following import FollowConfig, FollowingTracker, HandChooser, following_tracker, prominence
from core.keypoints.landmarks import HandTracker, TrackerConfig
from core.types import Keypoints

FRAME = np.random.default_rng(0).integers(0, 256, (480, 640, 3), dtype=np.uint8)  # a painted box shows on it


def _shown() -> Keypoints:
    return make_hand(offset=(330.0, 330.0))  # whole, upright, near the centre: about 190 px tall


def _cut() -> Keypoints:
    return make_hand(offset=(120.0, 530.0))  # at the bottom-left, wrist and palm below the frame


def test_a_whole_hand_near_the_centre_is_more_prominent_than_one_cut_by_the_edge_or_far_away() -> None:
    shown, cut, far = _shown(), _cut(), make_hand(offset=(330.0, 260.0), scale=0.2)
    assert prominence(shown) > 0.9 and prominence(cut) < 0.4  # 3 of its joints below the frame
    assert prominence(shown) > 1.8 * prominence(far)  # a 40 px hand, far from the camera
    assert prominence(replace(shown, score=0.5)) == pytest.approx(prominence(shown) * 0.5 / shown.score)


def test_one_better_look_is_not_enough_to_switch() -> None:
    chooser = HandChooser(FollowConfig(switch_after=3))
    shown, cut = _shown(), _cut()
    assert chooser.look([cut], [cut, shown]) is None and chooser.better == 1
    assert chooser.look([cut], [cut]) is None and chooser.better == 0, "the other hand left: start again"
    assert chooser.look([cut], [cut, shown]) is None
    assert chooser.look([cut], [shown, cut]) is None
    assert chooser.look([cut], [cut, shown]) is cut, "three looks in a row: let the cut hand go"
    assert chooser.better == 0


def test_the_shown_hand_is_kept_when_a_worse_one_appears() -> None:
    chooser = HandChooser()
    shown, cut = _shown(), _cut()
    for _ in range(10):
        assert chooser.look([shown], [shown, cut]) is None
    similar = make_hand(offset=(360.0, 330.0))  # about as prominent, elsewhere: not "clearly better"
    assert chooser.look([shown], [shown, make_hand(offset=(100.0, 300.0), scale=1.05)]) is None
    assert chooser.look([shown], [similar]) is None, "the search saw the followed hand itself"


class _Source:
    """Returns the hands the test sets; keeps the frames it was given."""

    def __init__(self, hands: list[Keypoints]) -> None:
        self.hands, self.frames = hands, []

    def process(self, rgb: np.ndarray) -> list[Keypoints]:
        self.frames.append(rgb)
        return list(self.hands)


def test_it_looks_every_few_frames_then_paints_the_dropped_hand_over_until_the_tracker_moves_on() -> None:
    shown, cut = _shown(), _cut()
    tracker, scout = _Source([cut]), _Source([cut, shown])
    config = FollowConfig(look_every=10, look_again=2, switch_after=3, mask_frames=3)
    following = FollowingTracker(tracker, scout, 1, config)
    for _ in range(9):
        assert following.process(FRAME) == [cut]
    assert following.looks == 0, "no search before the 10th frame"
    following.process(FRAME)
    following.process(FRAME)
    assert following.looks == 1
    following.process(FRAME)  # a hand seemed better: looks every 2nd frame
    assert following.looks == 2
    following.process(FRAME)
    following.process(FRAME)
    assert following.looks == 3 and following.switches == 1
    tracker.hands = []  # MediaPipe loses the painted-over hand
    assert following.process(FRAME) == []
    x0, y0, x1, _ = (int(v) for v in cut.bbox())
    masked = tracker.frames[-1]
    assert masked[470, x0 + 5 : x1 - 5].std() == 0 and masked is not FRAME, "the cut hand is painted over"
    tracker.hands = [shown]  # its palm detector finds the shown hand
    assert following.process(FRAME) == [shown]
    following.process(FRAME)
    assert tracker.frames[-1] is FRAME, "following the shown hand: the real frames again"
    assert scout.frames and all(f is FRAME for f in scout.frames)


def test_masking_stops_after_its_frames_if_the_tracker_keeps_the_hand() -> None:
    shown, cut = _shown(), _cut()
    tracker = _Source([cut])
    following = FollowingTracker(tracker, _Source([cut, shown]), 1, FollowConfig(look_every=1, look_again=1))
    for _ in range(3):
        following.process(FRAME)
    assert following.switches == 1
    for _ in range(3):
        following.process(FRAME)
    assert all(f is not FRAME for f in tracker.frames[-3:])
    following.process(FRAME)
    assert tracker.frames[-1] is FRAME, "three masked frames at most"


def test_a_bad_setting_is_refused_by_name() -> None:
    with pytest.raises(ValueError, match="FollowConfig.look_every must be at least 1, got 0"):
        FollowConfig(look_every=0)
    with pytest.raises(ValueError, match="switch_ratio"):
        FollowConfig(switch_ratio=0.9)
    with pytest.raises(ValueError, match="hands to follow must be at least 1, got 0"):
        FollowingTracker(_Source([]), _Source([]), 0)


def scene_frames(count: int) -> list[np.ndarray]:
    """640×480 frames: the finger-spelling video's raised fist right of centre, and the open hand of
    ``hands.jpg`` at the bottom-left with its wrist just below the frame (the frames move: a real video)."""
    video = cv2.VideoCapture(str(shared_path("video", "asl_hand.25fps.mp4")))
    photo = cv2.cvtColor(cv2.imread(str(shared_path("video", "hands.jpg"))), cv2.COLOR_BGR2RGB)
    edge_hand = cv2.resize(photo[:, 40:350], (200, 246))
    frames = []
    for _ in range(count):
        ok, bgr = video.read()
        assert ok
        frame = np.full((480, 640, 3), (190, 215, 230), np.uint8)
        frame[28:480, 300:560] = cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), (260, 452))
        frame[260:480, 20:220] = edge_hand[:220]
        frames.append(frame)
    video.release()
    return frames


@pytest.mark.slow
def test_real_mediapipe_turns_from_the_cut_hand_to_the_raised_one_and_stays() -> None:
    frames = scene_frames(45)
    with HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=2)) as tracker:
        both = tracker.process(frames[0])
    assert len(both) == 2
    cut, raised = sorted(both, key=lambda h: h.bbox()[0])  # the open hand is on the left
    assert (cut.pixel[:, 1] >= 480).any() and prominence(raised) > FollowConfig().switch_ratio * prominence(cut)
    with HandTracker(TrackerConfig(max_num_hands=1)) as plain:
        followed = [plain.process(f) for f in frames]
    assert all(h and h[0].bbox()[0] < 200 for h in followed), "MediaPipe alone keeps the cut hand"
    with following_tracker(TrackerConfig(max_num_hands=1)) as following:
        followed = [following.process(f) for f in frames]
        assert following.switches == 1
    left = [i for i, h in enumerate(followed) if h and h[0].bbox()[0] > 300]
    assert left and left[0] <= 20 and left == list(range(left[0], len(frames))), [
        round(h[0].bbox()[0]) if h else None for h in followed
    ]


@pytest.mark.slow
def test_webcam_streams_ask_the_backend_for_a_following_tracker_photos_never() -> None:
    from core.keypoints.backend import KeypointBackend

    with KeypointBackend().source(TrackerConfig(max_num_hands=1, follow_shown=True)) as source:
        assert isinstance(source, FollowingTracker) and source.follow == 1
    with KeypointBackend().source(TrackerConfig(static_image_mode=True, follow_shown=True)) as source:
        assert isinstance(source, HandTracker)
