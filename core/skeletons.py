"""Skeletons as values: joint names, bones, root and scale joints, left/right flip pairs, colour groups.

Everything that used to assume a 21-point hand (features, the store, painters, the pipeline, the
CPM config) reads the skeleton it is given instead. ``HAND_21`` is MediaPipe Hands' topology,
``BODY_33`` MediaPipe Pose's (BlazePose). A skeleton is stored by its ``name``; ``skeleton_named``
turns the name back into the value.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Skeleton:
    """A keypoint layout, described by data (as mmpose's dataset metainfo does).

    Attributes:
        name: stored with samples, models and exports (``"hand"``, ``"body"``); lowercase.
        joint_names: one per keypoint, in the detector's order: K names.
        edges: bones as (parent, child) joint indices.
        root_joints: features are centred on the mean of these joints (the wrist; the two hips).
        scale_joints: (a, b) segments whose mean image-plane length is the skeleton's size, so
            that features ignore how far away it is (a body's two shoulder-to-hip sides). Empty: the
            size is the *reach*, the largest root-to-joint distance (a hand, whose fingers fold).
        flip_pairs: (left, right) joints that swap when the image is mirrored; joints in no pair
            map to themselves. Mirroring also negates x.
        groups: colour groups for painters: (group name, joints). A joint takes the first group
            holding it; groups may share joints, so that a bone takes the first group holding both
            its ends (``bone_group``), and a bone between groups none (the joining colour).
    """

    name: str
    joint_names: tuple[str, ...]
    edges: tuple[tuple[int, int], ...]
    root_joints: tuple[int, ...]
    scale_joints: tuple[tuple[int, int], ...] = ()
    flip_pairs: tuple[tuple[int, int], ...] = ()
    groups: tuple[tuple[str, tuple[int, ...]], ...] = ()

    def __post_init__(self) -> None:
        k = len(self.joint_names)
        # One joint is allowed: a fingertip path (kinivi's point history) has a position and no shape.
        if k < 1 or len(set(self.joint_names)) != k:
            raise ValueError(f"skeleton {self.name!r}: needs at least 1 joint and distinct joint names, got {k}")
        used = [j for pair in (*self.edges, *self.scale_joints, *self.flip_pairs) for j in pair]
        used += [*self.root_joints, *(j for _, joints in self.groups for j in joints)]
        bad = sorted({j for j in used if not 0 <= j < k})
        if bad:
            raise ValueError(f"skeleton {self.name!r}: joint indices {bad} outside 0..{k - 1}")
        if not self.root_joints:
            raise ValueError(f"skeleton {self.name!r}: needs at least one root joint")
        flipped = [j for pair in self.flip_pairs for j in pair]
        if len(flipped) != len(set(flipped)):
            raise ValueError(f"skeleton {self.name!r}: a joint appears in two flip pairs")

    @property
    def num_joints(self) -> int:
        return len(self.joint_names)

    @property
    def flip_indices(self) -> tuple[int, ...]:
        """For each joint, the joint it becomes in a mirrored image (mmpose's ``flip_indices``)."""
        index = list(range(self.num_joints))
        for left, right in self.flip_pairs:
            index[left], index[right] = right, left
        return tuple(index)

    def group_of(self, joint: int) -> str:
        """The colour group of a joint ("" when it is in none)."""
        return next((name for name, joints in self.groups if joint in joints), "")

    def bone_group(self, a: int, b: int) -> str:
        """The colour group of the bone (a, b): the first group holding both ends ("" when none does)."""
        return next((name for name, joints in self.groups if a in joints and b in joints), "")

    def index(self, joint_name: str) -> int:
        return self.joint_names.index(joint_name)


HAND_21 = Skeleton(
    name="hand",
    joint_names=(
        "wrist",
        "thumb_cmc", "thumb_mcp", "thumb_ip", "thumb_tip",
        "index_mcp", "index_pip", "index_dip", "index_tip",
        "middle_mcp", "middle_pip", "middle_dip", "middle_tip",
        "ring_mcp", "ring_pip", "ring_dip", "ring_tip",
        "pinky_mcp", "pinky_pip", "pinky_dip", "pinky_tip",
    ),
    edges=(
        (0, 1), (1, 2), (2, 3), (3, 4),
        (0, 5), (5, 6), (6, 7), (7, 8),
        (5, 9), (9, 10), (10, 11), (11, 12),
        (9, 13), (13, 14), (14, 15), (15, 16),
        (13, 17), (0, 17), (17, 18), (18, 19), (19, 20),
    ),
    root_joints=(0,),
    scale_joints=(),  # the reach: features version 1 divide by the largest wrist-to-joint distance
    flip_pairs=(),  # a mirrored hand keeps its joints; only handedness and x change
    groups=(
        ("palm", (0,)),
        ("thumb", (0, 1, 2, 3, 4)),  # the wrist too: the bone wrist → thumb CMC is the thumb's; other wrist bones join
        ("index", (5, 6, 7, 8)),
        ("middle", (9, 10, 11, 12)),
        ("ring", (13, 14, 15, 16)),
        ("pinky", (17, 18, 19, 20)),
    ),
)  # fmt: skip

BODY_33 = Skeleton(
    name="body",
    joint_names=(
        "nose",
        "left_eye_inner", "left_eye", "left_eye_outer",
        "right_eye_inner", "right_eye", "right_eye_outer",
        "left_ear", "right_ear", "mouth_left", "mouth_right",
        "left_shoulder", "right_shoulder", "left_elbow", "right_elbow",
        "left_wrist", "right_wrist", "left_pinky", "right_pinky",
        "left_index", "right_index", "left_thumb", "right_thumb",
        "left_hip", "right_hip", "left_knee", "right_knee",
        "left_ankle", "right_ankle", "left_heel", "right_heel",
        "left_foot_index", "right_foot_index",
    ),
    edges=(
        (0, 1), (1, 2), (2, 3), (3, 7), (0, 4), (4, 5), (5, 6), (6, 8), (9, 10),
        (11, 12), (11, 13), (13, 15), (15, 17), (15, 19), (15, 21), (17, 19),
        (12, 14), (14, 16), (16, 18), (16, 20), (16, 22), (18, 20),
        (11, 23), (12, 24), (23, 24),
        (23, 25), (25, 27), (27, 29), (29, 31), (27, 31),
        (24, 26), (26, 28), (28, 30), (30, 32), (28, 32),
    ),
    root_joints=(23, 24),
    scale_joints=((11, 23), (12, 24)),
    flip_pairs=(
        (1, 4), (2, 5), (3, 6), (7, 8), (9, 10), (11, 12), (13, 14), (15, 16), (17, 18),
        (19, 20), (21, 22), (23, 24), (25, 26), (27, 28), (29, 30), (31, 32),
    ),
    groups=(
        ("face", (0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)),
        ("left_arm", (11, 13, 15, 17, 19, 21)),
        ("right_arm", (12, 14, 16, 18, 20, 22)),
        ("torso", (11, 12, 23, 24)),  # shoulders are their arm's joints, but the shoulder and flank bones the torso's
        ("left_leg", (23, 25, 27, 29, 31)),
        ("right_leg", (24, 26, 28, 30, 32)),
    ),
)  # fmt: skip

# One point: the index fingertip that kinivi's point-history classifier follows. Motion projects of
# fingertip paths (``import --format kinivi-history``) hold it; their live keypoints are MediaPipe
# Hands' joint 8 (``core.motion.fingertip``). Without a hand to measure, features have no shape channels
# and measure paths in image heights.
FINGERTIP = Skeleton(name="fingertip", joint_names=("index_tip",), edges=(), root_joints=(0,),
                     groups=(("index", (0,)),))  # fmt: skip
FINGERTIP_JOINT = HAND_21.index("index_tip")  # the hand joint a fingertip project keeps

SKELETONS: dict[str, Skeleton] = {s.name: s for s in (HAND_21, BODY_33, FINGERTIP)}


def register_skeleton(skeleton: Skeleton) -> Skeleton:
    """Make ``skeleton`` known by its name (to the store, model files, ``skeleton_named``); returns it.

    Registering the same value again is harmless; another skeleton under a taken name is refused,
    since stored samples and models name their skeleton only.
    """
    known = SKELETONS.setdefault(skeleton.name, skeleton)
    if known != skeleton:
        raise ValueError(f"skeleton name {skeleton.name!r} is taken by another skeleton")
    return skeleton


def skeleton_named(name: str) -> Skeleton:
    """The skeleton stored as ``name`` (built in or registered); a ``ValueError`` naming it and the known ones otherwise."""
    try:
        return SKELETONS[name]
    except KeyError:
        raise ValueError(f"unknown skeleton {name!r}: expected one of {sorted(SKELETONS)}") from None
