"""core.motion.model: predictions' shapes, the save/load round trip, and damaged or foreign files refused."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from motionmaker import keypoint_clip

from core.motion.features import MotionFeatureConfig, clips_features
from core.motion.model import CONFIG_FILE, MotionModel, MotionModelError, MotionNet
from core.skeletons import BODY_33, HAND_21

CLASSES = ["circle", "idle", "swipe_left"]


def _model() -> MotionModel:
    torch.manual_seed(0)
    model = MotionModel(CLASSES, HAND_21, MotionFeatureConfig(), threshold=0.4, metadata={"clips": 30})
    model.mean = np.linspace(-1, 1, model.channels).astype(np.float32)
    model.std = np.linspace(0.5, 2, model.channels).astype(np.float32)
    return model


def test_a_saved_model_loads_back_and_predicts_the_same(tmp_path: Path) -> None:
    model = _model()
    clips = [keypoint_clip(kind) for kind in ("circle", "idle", "swipe_left", "swipe_up")]
    x = clips_features(clips, model.feature_config)
    model.save(tmp_path / "m")
    loaded = MotionModel.load(tmp_path / "m")
    assert loaded.classes == CLASSES and loaded.threshold == 0.4 and loaded.metadata == {"clips": 30}
    assert loaded.skeleton == HAND_21 and loaded.feature_config == model.feature_config
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert model.predict_proba(x).shape == (4, 3)
    assert loaded.predict_clip(clips[0]) == model.predict_clip(clips[0])
    assert len(list((tmp_path / "m").glob("motion.*.safetensors"))) == 1
    first = json.loads((tmp_path / "m" / CONFIG_FILE).read_text())["weights_file"]
    for layer in model.network.parameters():
        layer.data += 0.01
    model.save(tmp_path / "m")  # the new weights and JSON; the previous weights stay for a reader opening them
    second = json.loads((tmp_path / "m" / CONFIG_FILE).read_text())["weights_file"]
    assert second != first and {p.name for p in (tmp_path / "m").glob("motion.*.safetensors")} == {first, second}
    np.testing.assert_array_equal(MotionModel.load(tmp_path / "m").predict_proba(x), model.predict_proba(x))
    model.threshold = 0.9
    model.save(tmp_path / "m")  # same weights, new threshold: the oldest file goes
    assert {p.name for p in (tmp_path / "m").glob("motion.*.safetensors")} == {second}
    assert MotionModel.load(tmp_path / "m").threshold == 0.9


def test_wrong_shapes_and_skeletons_are_refused() -> None:
    model = _model()
    with pytest.raises(ValueError, match=r"expected features of shape \(N, 32, 44\)"):
        model.predict_proba(np.zeros((2, 16, 44), np.float32))
    clip = keypoint_clip("idle")
    with pytest.raises(ValueError, match="asl:idle:0: a hand clip, the model is for body"):
        MotionModel(CLASSES, BODY_33, MotionFeatureConfig()).predict_clip(clip)
    with pytest.raises(ValueError, match="two or more distinct classes"):
        MotionModel(["idle", "unknown"], HAND_21, MotionFeatureConfig())


def test_damaged_or_foreign_files_are_refused_naming_the_file(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    with pytest.raises(MotionModelError, match=f"{CONFIG_FILE}: file is missing"):
        MotionModel.load(folder)
    _model().save(folder)
    description = json.loads((folder / CONFIG_FILE).read_text())
    weights = folder / description["weights_file"]
    weights.write_bytes(weights.read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(MotionModelError, match="checksum differs"):
        MotionModel.load(folder)
    _model().save(folder)
    for change, message in [
        ({"format": "handteach-gesture-mlp"}, "not a handteach motion model"),
        ({"width": 10**6}, "malformed"),
        ({"members": 9}, "malformed"),
        ({"members": 2}, "'net.members.0.features.0.weight' is missing"),  # one network's weights, a JSON saying two
        ({"skeleton": "paw"}, "unknown skeleton 'paw'"),
        ({"weights_file": "../../x.safetensors"}, "must name a motion"),
        ({"feature_config": {"length": 32, "use_shape": True, "use_depth": False, "trim": True, "version": 9}},
         "features version 9"),
    ]:  # fmt: skip
        (folder / CONFIG_FILE).write_text(json.dumps(description | change))
        with pytest.raises(MotionModelError, match=message):
            MotionModel.load(folder)


def test_averaged_networks_give_their_mean_probabilities_and_round_trip(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = MotionModel(CLASSES, HAND_21, MotionFeatureConfig(), members=3)
    model.mean = np.linspace(-1, 1, model.channels).astype(np.float32)
    model.std = np.linspace(0.5, 2, model.channels).astype(np.float32)
    x = clips_features([keypoint_clip(kind) for kind in ("circle", "idle", "swipe_left")], model.feature_config)
    inputs = torch.from_numpy(np.ascontiguousarray(((x - model.mean) / model.std).transpose(0, 2, 1)))
    with torch.inference_mode():
        each = [torch.softmax(model.member(k)(inputs), dim=1).numpy() for k in range(3)]
    assert model.members == 3 and not np.allclose(each[0], each[1])
    np.testing.assert_allclose(model.predict_proba(x), np.mean(each, axis=0), atol=1e-6)
    model.save(tmp_path / "m")
    assert json.loads((tmp_path / "m" / CONFIG_FILE).read_text())["members"] == 3
    loaded = MotionModel.load(tmp_path / "m")
    assert loaded.members == 3
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
    loaded.keep_members(1)  # a cancelled training keeps the members it trained
    assert loaded.members == 1 and isinstance(loaded.network, MotionNet)
    np.testing.assert_allclose(loaded.predict_proba(x), each[0], atol=1e-6)
    with pytest.raises(IndexError):
        loaded.member(1)


def test_a_model_saved_before_averaged_networks_loads_as_one(tmp_path: Path) -> None:
    model = _model()
    model.save(tmp_path / "m")
    description = json.loads((tmp_path / "m" / CONFIG_FILE).read_text())
    del description["members"]  # motion.json as written before the key existed
    (tmp_path / "m" / CONFIG_FILE).write_text(json.dumps(description))
    x = clips_features([keypoint_clip("circle")], model.feature_config)
    loaded = MotionModel.load(tmp_path / "m")
    assert loaded.members == 1
    np.testing.assert_array_equal(loaded.predict_proba(x), model.predict_proba(x))
