"""core.skeletons: skeletons as values, checked; and a made-up skeleton through features → training → store → drawing."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from skeletonmaker import STAR_5, make_keypoints, registered

from core.data.project import load_project_model, project_dataset, save_project_model
from core.data.store import Sample, Store, StoreError
from core.gestures.features import FeatureConfig, hand_features
from core.gestures.pipeline import FrameResult
from core.gestures.train_config import TrainConfig
from core.gestures.training import train_classifier
from core.skeletons import BODY_33, HAND_21, SKELETONS, Skeleton, register_skeleton, skeleton_named
from core.viz.draw import DEFAULT_STYLE, draw_result, draw_skeleton


def test_hand_and_body_layouts() -> None:
    assert HAND_21.num_joints == 21 and HAND_21.flip_indices == tuple(range(21))
    assert BODY_33.num_joints == 33 and BODY_33.root_joints == (23, 24)
    flip = BODY_33.flip_indices
    for joint, name in enumerate(BODY_33.joint_names):  # every left joint swaps with its right namesake
        partner = BODY_33.joint_names[flip[joint]]
        assert flip[flip[joint]] == joint
        assert partner == name.replace("left", "#").replace("right", "left").replace("#", "right")
    assert (HAND_21.bone_group(0, 1), HAND_21.bone_group(0, 5), HAND_21.bone_group(5, 6)) == ("thumb", "", "index")
    assert (HAND_21.group_of(0), HAND_21.group_of(1)) == ("palm", "thumb")
    assert (BODY_33.bone_group(11, 23), BODY_33.bone_group(23, 25), BODY_33.group_of(23)) == (
        "torso",
        "left_leg",
        "torso",
    )
    assert BODY_33.index("left_hip") == 23 and skeleton_named("body") is BODY_33


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"joint_names": ("a", "a", "b")}, "distinct joint names"),
        ({"edges": ((0, 5),)}, r"joint indices \[5\] outside 0..2"),
        ({"root_joints": ()}, "at least one root joint"),
        ({"flip_pairs": ((1, 2), (2, 0))}, "two flip pairs"),
        ({"groups": (("x", (7,)),)}, r"\[7\]"),
    ],
)
def test_bad_skeletons_are_refused(changes: dict, problem: str) -> None:
    fields = {"name": "tri", "joint_names": ("a", "b", "c"), "edges": ((0, 1), (1, 2)), "root_joints": (0,)}
    with pytest.raises(ValueError, match=problem):
        Skeleton(**(fields | changes))


def test_names_are_looked_up_and_taken_names_kept() -> None:
    with pytest.raises(ValueError, match=r"unknown skeleton 'tail': expected one of \['body', 'fingertip', 'hand'\]"):
        skeleton_named("tail")
    impostor = Skeleton("hand", ("a", "b"), ((0, 1),), (0,))
    with pytest.raises(ValueError, match="'hand' is taken"):
        register_skeleton(impostor)
    assert register_skeleton(HAND_21) is HAND_21 and SKELETONS["hand"] is HAND_21


@pytest.mark.slow
def test_layouts_follow_mediapipe_order() -> None:
    from core.keypoints.landmarks import mediapipe_layouts

    theirs = mediapipe_layouts()
    for ours in (HAND_21, BODY_33):
        names, connections = theirs[ours.name]
        assert ours.joint_names == names
        assert {tuple(sorted(edge)) for edge in ours.edges} == connections


# ---- a made-up skeleton, end to end ------------------------------------------------------------

# Arm heights (pixels, y down) of the star's left arm (joint 1) and right arm (joint 2) per class.
# The person's left arm is on the image's right, as for a person facing the camera.
ARMS = {"arms_up": (-40, -40), "arms_down": (40, 40), "wave_left": (-40, 40), "wave_right": (40, -40)}
MIRROR = {"arms_up": "arms_up", "arms_down": "arms_down", "wave_left": "wave_right", "wave_right": "wave_left"}


def star_pose(name: str, rng: np.random.Generator) -> np.ndarray:
    """(5, 2) pixels of one noisy, moved and scaled star making ``name``."""
    left, right = ARMS[name]
    points = np.array([[0, 0], [50, left], [-50, right], [0, -60], [0, 60]], np.float32)
    points += rng.normal(0, 4, points.shape)
    return (points * rng.uniform(0.6, 1.6) + rng.uniform(150, 450, 2)).astype(np.float32)


@pytest.fixture
def star() -> Iterator[Skeleton]:
    with registered(STAR_5) as skeleton:
        yield skeleton


@pytest.mark.slow
def test_a_made_up_skeleton_goes_through_features_training_store_and_drawing(star: Skeleton, data_dir: Path) -> None:
    rng = np.random.default_rng(0)
    store = Store(data_dir)
    store.create_project("stars", skeleton="star")
    assert store.list_classes("stars") == [] and store.project_skeleton("stars") is star
    for name in ARMS:
        store.add_class("stars", name)
    recorded = ("arms_up", "arms_down", "wave_left")  # wave_right only ever seen mirrored
    samples = [
        Sample(make_keypoints(star_pose(n, rng), star), n, "image", f"{n}{i}.png") for n in recorded for i in range(25)
    ]
    ids = store.add_samples("stars", samples)
    back = store.list_samples("stars")
    assert [s.id for s in back] == ids and all(s.hand.skeleton is star for s in back)
    assert all(a.hand.pixel.tobytes() == b.hand.pixel.tobytes() for a, b in zip(samples, back, strict=True))
    with pytest.raises(StoreError, match="a hand sample cannot enter the star project 'stars'"):
        store.add_sample(
            "stars", Sample(make_keypoints(np.zeros((21, 2)) + np.arange(21)[:, None], HAND_21), "arms_up", "image")
        )

    dataset = project_dataset(store, "stars")
    config = dataset.feature_config
    assert config == FeatureConfig(use_depth=True, skeleton="star") and dataset.features.shape == (75, 12)
    np.testing.assert_array_equal(dataset.features[0], hand_features(samples[0].hand, config))
    result = train_classifier(dataset.features, dataset.labels, dataset.classes, MIRROR, config,
                              TrainConfig(epochs=150, hidden=(32,), seed=0))  # fmt: skip
    assert result.val_accuracy == 1.0 and "wave_right" in result.classifier.classes
    save_project_model(store, "stars", result.classifier)
    model = load_project_model(store, "stars")
    assert model is not None and model.feature_config.skeleton == "star"

    fresh = [make_keypoints(star_pose(name, rng), star) for name in ARMS for _ in range(5)]
    labels = [model.predict_hand(k).label for k in fresh]
    # wave_right is recognised from mirrored wave_left alone only if mirroring swaps the arms (the
    # skeleton's flip pairs): negating x alone taught it arms on the wrong sides
    assert labels == [name for name in ARMS for _ in range(5)]

    body = fresh[0]
    canvas = np.zeros((480, 640, 3), np.uint8)
    drawn = draw_skeleton(canvas, body)
    at = lambda p: tuple(drawn[int(round(p[1])), int(round(p[0]))])  # noqa: E731
    assert at(body.pixel[1]) == DEFAULT_STYLE.group_colour(star, "left") == DEFAULT_STYLE.palette[1]
    assert at(body.pixel[2]) == DEFAULT_STYLE.group_colour(star, "right") == DEFAULT_STYLE.palette[2]
    assert at((body.pixel[0] + body.pixel[1]) / 2) == DEFAULT_STYLE.joining_colour  # a bone between groups
    assert at((body.pixel[0] + body.pixel[3]) / 2) == DEFAULT_STYLE.group_colour(star, "core")
    annotated = draw_result(canvas, FrameResult([body], [model.predict_hand(body)]))
    assert (annotated != drawn).any()  # the label "arms_up 0.99" beside the skeleton
