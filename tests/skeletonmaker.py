"""Synthetic bodies and a made-up skeleton for fast unit tests of code that reads ``Keypoints.skeleton``.

Real body keypoints come from MediaPipe Pose in the tests that use ../shared/data; these check
geometry (invariances, mirroring, hidden joints) where exact control matters.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np

from core.skeletons import BODY_33, SKELETONS, Skeleton, register_skeleton
from core.types import Keypoints

# A person standing facing the camera, arms out (a T-pose), in an unmirrored 640×480 frame: the
# person's left side is on the image's right. Pixels, y down; hips at y = 300.
_T_POSE = {
    "nose": (320, 90), "left_eye_inner": (326, 82), "left_eye": (330, 82), "left_eye_outer": (334, 82),
    "right_eye_inner": (314, 82), "right_eye": (310, 82), "right_eye_outer": (306, 82),
    "left_ear": (342, 88), "right_ear": (298, 88), "mouth_left": (328, 104), "mouth_right": (312, 104),
    "left_shoulder": (360, 140), "right_shoulder": (280, 140), "left_elbow": (420, 142), "right_elbow": (220, 142),
    "left_wrist": (480, 144), "right_wrist": (160, 144), "left_pinky": (494, 148), "right_pinky": (146, 148),
    "left_index": (496, 142), "right_index": (144, 142), "left_thumb": (488, 136), "right_thumb": (152, 136),
    "left_hip": (345, 300), "right_hip": (295, 300), "left_knee": (350, 380), "right_knee": (290, 380),
    "left_ankle": (352, 450), "right_ankle": (288, 450), "left_heel": (348, 460), "right_heel": (292, 460),
    "left_foot_index": (362, 466), "right_foot_index": (278, 466),
}  # fmt: skip
T_POSE = np.array([_T_POSE[name] for name in BODY_33.joint_names], np.float32)

# A made-up 5-joint skeleton (a "star": centre, two arms, a head and a tail), for the issue's
# features → training → store → drawing run on a layout nothing in handteach was written for.
STAR_5 = Skeleton(
    name="star",
    joint_names=("centre", "left_arm", "right_arm", "head", "tail"),
    edges=((0, 1), (0, 2), (0, 3), (0, 4)),
    root_joints=(0,),
    scale_joints=((0, 3),),
    flip_pairs=((1, 2),),
    groups=(("core", (0, 3, 4)), ("left", (1,)), ("right", (2,))),
)


@contextmanager
def registered(skeleton: Skeleton) -> Iterator[Skeleton]:
    """``skeleton`` known by name (store, model files) for the duration of a test."""
    register_skeleton(skeleton)
    try:
        yield skeleton
    finally:
        SKELETONS.pop(skeleton.name)


def make_keypoints(pixel: np.ndarray, skeleton: Skeleton, visibility: np.ndarray | None = None,
                   image_size: tuple[int, int] = (640, 480)) -> Keypoints:  # fmt: skip
    """``Keypoints`` of ``skeleton`` at (K, 2) ``pixel`` positions, with a small made-up depth."""
    pixel = np.asarray(pixel, np.float32)
    k = len(pixel)
    z = np.linspace(0, -0.1, k, dtype=np.float32)[:, None]
    normalised = np.concatenate([pixel / np.array(image_size, np.float32), z], axis=1).astype(np.float32)
    world = np.concatenate([pixel / 500.0, z], axis=1).astype(np.float32)
    vis = None if visibility is None else np.asarray(visibility, np.float32)
    return Keypoints(pixel, normalised, world, "Unknown", 0.9, image_size, skeleton, vis)


def make_body(offset=(0.0, 0.0), scale: float = 1.0, visibility: np.ndarray | None = None) -> Keypoints:
    """The T-pose body scaled about the hip centre, then moved by ``offset`` pixels."""
    centre = T_POSE[[23, 24]].mean(axis=0)
    pixel = (T_POSE - centre) * scale + centre + np.asarray(offset, np.float32)
    return make_keypoints(pixel, BODY_33, visibility)


def mirror_person(points: Keypoints) -> Keypoints:
    """The mirror-image person: x → width − x, and each joint becomes its left/right partner."""
    flip = list(points.skeleton.flip_indices)
    width = points.image_size[0]
    pixel = points.pixel.copy()
    pixel[:, 0] = width - pixel[:, 0]
    normalised = points.normalised.copy()
    normalised[:, 0] = 1.0 - normalised[:, 0]
    world = points.world.copy()
    world[:, 0] = -world[:, 0]
    vis = None if points.visibility is None else points.visibility[flip]
    return Keypoints(pixel[flip], normalised[flip], world[flip], points.handedness, points.score, points.image_size,
                     points.skeleton, vis)  # fmt: skip
