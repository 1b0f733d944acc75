"""core.motion.onnx_export: the graph, fed ``graph_inputs``, answers as ``MotionModel.predict_clip`` does, for hand,
body and fingertip models, on clips of real hand shapes with gaps, still ends and averaged networks."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from motionmaker import keypoint_clip

from core.motion.clip import Clip
from core.motion.features import MotionFeatureConfig, clip_features
from core.motion.fingertip import FINGERTIP_JOINT
from core.motion.model import MotionModel
from core.motion.onnx_export import (
    MOTION_ONNX_FORMAT,
    graph_inputs,
    input_names,
    interpolation_weights,
    motion_onnx_model,
)
from core.skeletons import BODY_33, FINGERTIP, HAND_21

ort = pytest.importorskip("onnxruntime")
KINDS = ("circle", "idle", "swipe_left", "swipe_up")


def _model(skeleton=HAND_21, members: int = 1) -> MotionModel:  # noqa: ANN001
    torch.manual_seed(0)
    model = MotionModel(list(KINDS), skeleton, MotionFeatureConfig(), threshold=0.4, members=members)
    model.mean = np.linspace(-1, 1, model.channels).astype(np.float32)
    model.std = np.linspace(0.5, 2, model.channels).astype(np.float32)
    return model


def _with_gaps(clip: Clip) -> Clip:
    present = clip.present.copy()
    present[[3, 4, 11, 20]] = False  # a hand lost for a frame or two, as MediaPipe loses one
    return Clip(clip.points, present, clip.timestamps, clip.skeleton, clip.image_size, clip.label, clip.source)


def _fingertip(clip: Clip) -> Clip:
    return Clip(clip.points[:, [FINGERTIP_JOINT]], clip.present, clip.timestamps, FINGERTIP, clip.image_size)


def _body(clip: Clip) -> Clip:
    """A body of 33 points made of the hand's real, moving points (joints repeated): a shape that moves as a body."""
    joints = np.arange(33) % 21
    return Clip(clip.points[:, joints], clip.present, clip.timestamps, BODY_33, clip.image_size)


def _session(model: MotionModel):  # noqa: ANN202
    return ort.InferenceSession(motion_onnx_model(model).SerializeToString(), providers=["CPUExecutionProvider"])


@pytest.mark.slow
@pytest.mark.parametrize(("skeleton", "members", "reshape"),
                         [(HAND_21, 1, None), (HAND_21, 3, None), (BODY_33, 1, _body), (FINGERTIP, 1, _fingertip)],
                         ids=["hand", "hand-3-networks", "body", "fingertip"])  # fmt: skip
def test_the_graph_answers_as_the_model_does(skeleton, members: int, reshape) -> None:  # noqa: ANN001
    model = _model(skeleton, members)
    session = _session(model)
    assert [i.name for i in session.get_inputs()] == input_names(model)
    clips = [keypoint_clip(kind, start=7 * i, still=12, seed=i) for i, kind in enumerate(KINDS)]
    clips += [_with_gaps(keypoint_clip("swipe_left", frames=40, fps=25.0, still=5))]
    for clip in clips:
        clip = reshape(clip) if reshape else clip
        inputs = graph_inputs(clip, model)
        got = session.run(None, inputs)[0]
        want = model.predict_proba(clip_features(clip, model.feature_config))
        np.testing.assert_allclose(got, want, atol=2e-5)
        assert model.predict_clip(clip).label == model.classes[int(got.argmax())] or got.max() < model.threshold


def test_trimming_cuts_the_still_frames_the_graph_is_given() -> None:
    model = _model()
    clip = keypoint_clip("swipe_left", still=20)
    inputs = graph_inputs(clip, model)
    kept = inputs["landmarks"].shape[0]
    assert kept <= clip.num_frames - 10, kept  # the spelling hand's still frames before and after: some trimmed
    weights = inputs["resample"]
    assert weights.shape == (model.feature_config.length, kept)
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-6)  # each step: a blend of two frames


def test_interpolation_weights_are_np_interp_as_a_matrix() -> None:
    times = np.array([0.0, 0.04, 0.07, 0.12, 0.2])
    grid = np.linspace(0.0, 0.2, 9)
    values = np.random.default_rng(0).normal(size=(5, 3))
    want = np.stack([np.interp(grid, times, values[:, i]) for i in range(3)], axis=1)
    np.testing.assert_allclose(interpolation_weights(times, grid) @ values, want, atol=1e-6)


def test_the_metadata_says_how_the_tab_cuts_a_clip() -> None:
    model = _model(BODY_33)
    props = {p.key: json.loads(p.value) for p in motion_onnx_model(model).metadata_props}
    assert props["format"] == MOTION_ONNX_FORMAT and props["kind"] == "motion"
    assert props["classes"] == list(KINDS) and props["threshold"] == 0.4 and props["never_fires"] == ["idle"]
    assert props["skeleton"] == {"name": "body", "joints": 33, "root_joints": [23, 24],
                                 "scale_joints": [[11, 23], [12, 24]]}  # fmt: skip
    assert props["feature_config"]["length"] == 32 and props["spot_config"]["start_speed"] == 1.0
    assert props["inputs"] == ["path", "landmarks", "image_size", "resample"]
