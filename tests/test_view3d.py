"""core.viz.view3d: the 3D keypoint figure for bodies and hands, on hand-made and real MediaPipe points."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SHARED_DATA, shared_path

from core.io.video import read_image
from core.skeletons import BODY_33, HAND_21
from core.types import Keypoints
from core.viz.view3d import HIDDEN_COLOUR, axis_ranges, plot_points, view_3d


def _keypoints(world: np.ndarray, skeleton=BODY_33, visibility: np.ndarray | None = None) -> Keypoints:
    k = skeleton.num_joints
    return Keypoints(np.zeros((k, 2), np.float32), np.zeros((k, 3), np.float32), world.astype(np.float32),
                     "Unknown", 1.0, (640, 480), skeleton, visibility)  # fmt: skip


def _standing_world() -> np.ndarray:
    """A camera-facing person in MediaPipe world metres: hips at the origin, head 0.6 m up (y is down), left at +x."""
    world = np.zeros((33, 3), np.float32)
    world[:, 1] = np.linspace(-0.7, 0.9, 33)
    world[BODY_33.index("nose")] = (0.0, -0.6, -0.1)
    world[BODY_33.index("left_hip")] = (0.1, 0.0, 0.0)
    world[BODY_33.index("right_hip")] = (-0.1, 0.0, 0.0)
    world[BODY_33.index("left_ankle")] = (0.15, 0.85, 0.05)
    return world


def _bone_segments(figure) -> int:
    return sum(len(t.x) // 3 for t in figure.data if t.mode == "lines")


def test_up_is_up_depth_goes_in_and_mirror_swaps_sides() -> None:
    world = _standing_world()
    points = plot_points(world, mirror=True)
    nose, ankle = BODY_33.index("nose"), BODY_33.index("left_ankle")
    assert points[nose, 2] > 0.5 and points[ankle, 2] < -0.8  # plot z is up: head above feet
    assert points[nose, 1] == pytest.approx(-0.1)  # depth is MediaPipe's z
    assert points[BODY_33.index("left_hip"), 0] < 0  # the user view: the person's left is on the preview's left
    assert plot_points(world, mirror=False)[BODY_33.index("left_hip"), 0] > 0
    with pytest.raises(ValueError, match=r"\(K, 3\)"):
        plot_points(np.zeros((33, 2)))


def test_every_bone_drawn_once_with_equal_axis_ranges_and_the_camera_in_front() -> None:
    figure = view_3d(_keypoints(_standing_world()))
    assert _bone_segments(figure) == len(BODY_33.edges)
    scene = figure.layout.scene
    lengths = [r[1] - r[0] for r in (scene.xaxis.range, scene.yaxis.range, scene.zaxis.range)]
    assert max(lengths) == pytest.approx(min(lengths)) and scene.aspectmode == "cube"
    points = plot_points(_standing_world())
    for axis, (low, high) in enumerate((scene.xaxis.range, scene.yaxis.range, scene.zaxis.range)):
        assert low <= points[:, axis].min() and points[:, axis].max() <= high
    assert scene.camera.eye.y < 0 and abs(scene.camera.eye.x) < 1e-9 and scene.camera.up.z == 1
    assert figure.layout.uirevision == "body"  # live refreshes keep the user's rotation


def test_low_visibility_joints_are_drawn_apart() -> None:
    visibility = np.ones(33, np.float32)
    visibility[[BODY_33.index("left_knee"), BODY_33.index("left_ankle")]] = 0.1
    figure = view_3d(_keypoints(_standing_world(), visibility=visibility))
    hidden = [t for t in figure.data if t.mode == "markers" and t.marker.color == HIDDEN_COLOUR]
    assert len(hidden) == 1 and len(hidden[0].x) == 2 and "left_knee" in " ".join(hidden[0].text)
    dotted = [t for t in figure.data if t.mode == "lines" and t.line.dash == "dot"]
    assert sum(len(t.x) // 3 for t in dotted) == 4  # hip-knee, knee-ankle, ankle-heel, ankle-foot
    assert _bone_segments(figure) == len(BODY_33.edges)


def test_small_poses_keep_a_minimum_view_and_2d_keypoints_are_refused() -> None:
    still = np.zeros((21, 3), np.float32)
    still[:, 0] = np.linspace(0, 0.01, 21)
    (low, high), *_ = axis_ranges(plot_points(still), "hand")
    assert high - low == pytest.approx(0.12)
    with pytest.raises(ValueError, match="no 3D world points"):
        view_3d(_keypoints(np.full((21, 3), np.nan), HAND_21))


@pytest.mark.slow
def test_real_hand_world_points() -> None:
    from core.keypoints.landmarks import detect_hands

    hands = detect_hands(read_image(shared_path("video", "hands.jpg")))
    assert len(hands) == 2, "MediaPipe should find both hands in the shared hands.jpg"
    middle_tip, wrist = HAND_21.index("middle_tip"), HAND_21.index("wrist")
    for hand in hands:  # one hand points up in the photo, the other down
        figure = view_3d(hand)
        assert _bone_segments(figure) == len(HAND_21.edges)
        points = plot_points(hand.world)
        span = (points.max(axis=0) - points.min(axis=0)).max()
        assert 0.05 < span < 0.3  # a real hand is 5 to 30 cm across
        rises_in_photo = hand.pixel[middle_tip, 1] < hand.pixel[wrist, 1]  # pixel y grows downwards
        assert (points[middle_tip, 2] > points[wrist, 2]) == rises_in_photo  # up in the view is up in the photo


@pytest.mark.slow
def test_real_body_world_points() -> None:
    from core.keypoints.pose import detect_people

    path = SHARED_DATA / "body" / "yoga8" / "images" / "tree" / "tree_001.jpg"
    if not path.exists():
        pytest.skip(f"{path} not found (expected ../shared/data beside the checkout)")
    (person,) = detect_people(read_image(path))
    figure = view_3d(person)
    points = plot_points(person.world)
    assert points[BODY_33.index("nose"), 2] > points[BODY_33.index("left_hip"), 2] + 0.3  # head well above hips
    assert _bone_segments(figure) == len(BODY_33.edges)
