"""core.keypoints.pose: MediaPipe Pose on real yoga photos, several people, legs cut off, and the rules alone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from conftest import SHARED_DATA

from core.io.video import read_image
from core.keypoints.pose import (
    NO_PERSON,
    PARTLY_IN_VIEW,
    SEVERAL_PEOPLE,
    PoseConfig,
    PoseTracker,
    body_area,
    choose_person,
    detect_people,
    partly_in_view,
)
from core.skeletons import BODY_33
from core.types import Keypoints

YOGA = SHARED_DATA / "body" / "yoga8" / "images"


def yoga(name: str) -> np.ndarray:
    path = YOGA / name.split("_0")[0] / f"{name}.jpg"
    if not path.exists():
        pytest.skip(f"shared yoga photos not found at {path} (expected ../shared/data beside the checkout)")
    return read_image(path)


def _body(pixel: np.ndarray, visibility: np.ndarray, size: tuple[int, int] = (640, 480)) -> Keypoints:
    k = BODY_33.num_joints
    normalised = np.column_stack([pixel / np.array(size, np.float32), np.zeros(k)]).astype(np.float32)
    return Keypoints(pixel.astype(np.float32), normalised, np.zeros((k, 3), np.float32), "Unknown", 1.0, size,
                     BODY_33, visibility.astype(np.float32))  # fmt: skip


def _standing(x0: float = 300, scale: float = 1.0) -> np.ndarray:
    """33 pixel points of a rough standing person: head at the top, ankles at the bottom, 400 px tall × scale."""
    rng = np.random.default_rng(0)
    pixel = np.column_stack([x0 + rng.uniform(-40, 40, 33) * scale, 40 + rng.uniform(0, 400, 33) * scale])
    return pixel.astype(np.float32)


# ---- the rules on hand-made keypoints (fast) -------------------------------------------------


def test_legs_out_of_the_frame_make_a_person_partly_in_view() -> None:
    pixel = _standing()
    body = _body(pixel, np.ones(33))
    assert not partly_in_view(body)
    cut = pixel.copy()
    for name in ("left_ankle", "right_ankle"):
        cut[BODY_33.index(name), 1] = 520  # below a 480-px frame: MediaPipe extrapolates joints it cannot see
    assert partly_in_view(_body(cut, np.ones(33)))
    person, reasons = choose_person([_body(cut, np.ones(33))])
    assert person is None and reasons == [PARTLY_IN_VIEW]
    kept, reasons = choose_person([_body(cut, np.ones(33))], require_legs=False)
    assert kept is not None and reasons == [PARTLY_IN_VIEW]


def test_one_hidden_leg_is_not_partly_in_view_but_both_hidden_is() -> None:
    visibility = np.ones(33)
    visibility[[BODY_33.index("right_knee"), BODY_33.index("right_ankle")]] = 0.1  # a side view hides the far leg
    assert not partly_in_view(_body(_standing(), visibility))
    visibility[[BODY_33.index("left_knee"), BODY_33.index("left_ankle")]] = 0.1  # behind a desk
    assert partly_in_view(_body(_standing(), visibility))


def test_choose_person_takes_the_largest_and_says_so() -> None:
    small, large = _body(_standing(150, 0.5), np.ones(33)), _body(_standing(450, 1.0), np.ones(33))
    assert body_area(large) > body_area(small)
    person, reasons = choose_person([small, large])
    assert person is large and reasons == [SEVERAL_PEOPLE]
    assert choose_person([]) == (None, [NO_PERSON])


def test_find_others_needs_static_mode() -> None:
    with pytest.raises(ValueError, match="static_image_mode"):
        PoseTracker(PoseConfig(static_image_mode=False, find_others=True))


def test_inference_threads_are_checked() -> None:
    with pytest.raises(ValueError, match="inference_threads must be a whole number from 1 to 64, got 0"):
        PoseConfig(inference_threads=0)


@pytest.mark.slow
def test_a_pose_tracker_with_more_inference_threads_finds_the_person() -> None:
    """Pose's graph takes the thread count (a graph without inference nodes would raise: nothing set)."""
    with PoseTracker(PoseConfig(static_image_mode=True, inference_threads=3)) as tracker:
        frame = yoga("tree_001")
        assert len(tracker.process(frame)) == 1


# ---- real MediaPipe Pose on real photos (slow) ----------------------------------------------


@pytest.mark.slow
def test_one_person_on_a_real_photo() -> None:
    rgb = yoga("warrior2_000")
    (person,) = detect_people(rgb)
    height, width = rgb.shape[:2]
    assert person.skeleton is BODY_33 and person.handedness == "Unknown"
    assert person.pixel.shape == (33, 2) and person.visibility is not None and person.visibility.shape == (33,)
    assert person.image_size == (width, height) and person.score > 0.9
    hips = person.world[[BODY_33.index("left_hip"), BODY_33.index("right_hip")]]
    assert np.abs(hips.mean(axis=0)).max() < 0.05  # world points are in metres around the hips' centre
    shoulder_width = np.linalg.norm(person.world[11] - person.world[12])
    assert 0.2 < shoulder_width < 0.6  # an adult's shoulders, in metres
    assert person.pixel[BODY_33.index("nose"), 1] < person.pixel[BODY_33.index("left_ankle"), 1]  # head above feet
    inside = (person.pixel >= 0).all(axis=1) & (person.pixel < [width, height]).all(axis=1)
    assert inside.mean() > 0.9
    assert choose_person([person]) == (person, [])


@pytest.mark.slow
def test_no_person_in_a_blank_photo() -> None:
    rgb = np.full((480, 640, 3), 127, np.uint8)
    assert detect_people(rgb) == []


@pytest.mark.slow
def test_two_real_people_side_by_side_are_found_and_the_larger_is_used() -> None:
    left, right = yoga("warrior2_000"), yoga("tree_001")
    height = 400
    left = cv2.resize(left, (round(left.shape[1] * 200 / left.shape[0]), 200))  # the smaller person
    left = np.pad(left, ((100, 100), (0, 0), (0, 0)), mode="edge")
    right = cv2.resize(right, (round(right.shape[1] * height / right.shape[0]), height))
    both = np.concatenate([left, right], axis=1)
    people = detect_people(both)
    assert len(people) == 2
    assert len(detect_people(both, find_others=False)) == 1  # MediaPipe alone reports one person
    person, reasons = choose_person(people)
    assert reasons == [SEVERAL_PEOPLE]
    assert person is not None and person.pixel[:, 0].mean() > left.shape[1]  # the one in the right, larger half


@pytest.mark.slow
def test_legs_cut_off_in_a_real_photo() -> None:
    rgb = yoga("warrior2_000")
    (whole,) = detect_people(rgb)
    hips_y = whole.pixel[[BODY_33.index("left_hip"), BODY_33.index("right_hip")], 1].mean()
    top = np.ascontiguousarray(rgb[: int(hips_y * 0.9)])  # cut just above the hips
    people = detect_people(top)
    if not people:
        pytest.fail("MediaPipe found no one in the upper body of warrior2_000")
    person, reasons = choose_person(people)
    assert person is None and reasons == [PARTLY_IN_VIEW]


@pytest.mark.slow
def test_video_mode_tracks_the_same_person_over_frames() -> None:
    rgb = yoga("tree_001")
    with PoseTracker() as tracker:
        found = [tracker.process(rgb) for _ in range(5)]
    assert all(len(f) == 1 for f in found)
    drift = max(np.abs(f[0].pixel - found[0][0].pixel).max() for f in found)
    assert drift < 0.05 * max(rgb.shape[:2])


@pytest.mark.slow
def test_bad_frames_are_refused_with_their_shape() -> None:
    with PoseTracker(PoseConfig(static_image_mode=True)) as tracker:
        with pytest.raises(ValueError, match=r"\(H, W, 3\) uint8"):
            tracker.process(np.zeros((48, 64), np.uint8))
        with pytest.raises(ValueError, match="float32"):
            tracker.process(np.zeros((48, 64, 3), np.float32))  # type: ignore[arg-type]
