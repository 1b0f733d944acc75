"""A motion model as one ONNX graph for a browser tab that spots motions itself (the Scratch editor's blocks).

What classifies a motion is not a function of one frame: the stream is cut where the hand starts and stops moving
(``core.motion.spotting``), the clip's gaps are filled, its still ends trimmed by a percentile of its speeds and its
path resampled in time (``core.motion.features``). A graph holding only part of that would answer otherwise than the
app, so the tab does the cutting and the trimming (``scratch/src/motion.js``, checked against this module's
``graph_inputs`` on the same clips) and the graph does everything that reads the hand's shape:

* ``path`` (length, 4) float32: the root's path and velocity channels (``MotionWindow.path``);
* ``landmarks`` (T, K, 3) float32: the kept frames' normalised, unmirrored points, gaps filled (as MediaPipe gives
  them: ``Keypoints.normalised``); ``image_size`` (2,) float32 [width, height] px;
* ``resample`` (length, T) float32: each step's linear interpolation weights over the kept frames;
* out: ``probabilities`` (1, C) float32, the model's (the members' mean where it has several).

A model without shape channels (a fingertip's path, or ``use_shape`` off) reads ``path`` alone.
"""

from __future__ import annotations

import io
import json
import warnings
from dataclasses import asdict
from typing import Any

import numpy as np
import numpy.typing as npt
import torch
from torch import nn

from core.gestures.catalog import GestureClass, shown_name
from core.gestures.onnx_export import ONNX_OPSET, LandmarkFeatures, handteach_version
from core.motion.clip import MIN_FRAMES, MIN_PRESENT_SHARE, Clip
from core.motion.features import IDLE_LABEL, clip_window, fill_gaps, pose_config
from core.motion.model import MotionModel
from core.motion.spotting import SpotConfig

MOTION_ONNX_FORMAT = "handteach-motion-onnx"
MOTION_ONNX_VERSION = 1


class MotionGraph(nn.Module):
    """(path, landmarks, image_size, resample) → probabilities (1, C); see the module docstring."""

    def __init__(self, model: MotionModel) -> None:
        super().__init__()
        self.shape = model.feature_config.shape_of(model.skeleton)
        self.features = LandmarkFeatures(pose_config(model.skeleton, model.feature_config.use_depth))
        self.network = model.network
        self.register_buffer("mean", torch.from_numpy(model.mean.copy()), persistent=False)
        self.register_buffer("std", torch.from_numpy(model.std.copy()), persistent=False)

    def forward(self, path: torch.Tensor, *shape_inputs: torch.Tensor) -> torch.Tensor:
        steps = path
        if self.shape:
            landmarks, image_size, resample = shape_inputs
            steps = torch.cat([path, resample @ self.features(landmarks, image_size)], dim=1)  # (length, C)
        x = ((steps - self.mean) / self.std).transpose(0, 1)[None]  # (1, C, length)
        return torch.softmax(self.network(x), dim=1)


def input_names(model: MotionModel) -> list[str]:
    """The graph's inputs: the path alone for a model without shape channels."""
    shape = model.feature_config.shape_of(model.skeleton)
    return ["path", "landmarks", "image_size", "resample"] if shape else ["path"]


def interpolation_weights(times: npt.NDArray[np.float64], grid: npt.NDArray[np.float64]) -> npt.NDArray[np.float32]:
    """(len(grid), T): row i holds the weights ``np.interp(grid[i], times, values)`` gives each of the T values."""
    return np.stack([np.interp(grid, times, column) for column in np.eye(len(times))], axis=1).astype(np.float32)


def graph_inputs(clip: Clip, model: MotionModel) -> dict[str, np.ndarray]:
    """The graph's inputs for ``clip``, cut as ``clip_features`` cuts it: what the tab must compute."""
    config = model.feature_config
    window, _ = clip_window(clip, config)
    inputs = {"path": window.path}
    if config.shape_of(clip.skeleton):
        kept = slice(window.start, window.end + 1)
        inputs |= {
            "landmarks": fill_gaps(clip.points, clip.present, clip.timestamps)[kept].astype(np.float32),
            "image_size": np.array(clip.image_size, dtype=np.float32),
            "resample": interpolation_weights(clip.timestamps[kept], window.grid),
        }
    return inputs


def motion_metadata(model: MotionModel, gestures: list[GestureClass] | tuple[GestureClass, ...] = ()) -> dict[str, str]:
    """``metadata_props``: key → JSON text. Beside the classes, what the tab needs to cut clips as the app does:
    the skeleton's root and scale joints, the feature and spotting settings and the clip's own limits."""
    by_name = {g.name: g for g in gestures}
    skeleton = model.skeleton
    values: dict[str, Any] = {
        "format": MOTION_ONNX_FORMAT,
        "format_version": MOTION_ONNX_VERSION,
        "kind": "motion",
        "classes": model.classes,
        "emoji": [by_name[c].emoji if c in by_name else "" for c in model.classes],
        "shown": [shown_name(c) for c in model.classes],
        "threshold": model.threshold,
        "never_fires": [IDLE_LABEL],  # a class the spotter never fires: holding still or moving casually
        "skeleton": {
            "name": skeleton.name,
            "joints": skeleton.num_joints,
            "root_joints": list(skeleton.root_joints),
            "scale_joints": [list(pair) for pair in skeleton.scale_joints],
        },  # fmt: skip
        "feature_config": asdict(model.feature_config),
        "spot_config": asdict(SpotConfig()),
        "clip": {"min_frames": MIN_FRAMES, "min_present_share": MIN_PRESENT_SHARE},
        "inputs": input_names(model),
        "handteach_version": handteach_version(),
    }
    return {key: json.dumps(value, ensure_ascii=False, allow_nan=False) for key, value in values.items()}


def motion_onnx_model(model: MotionModel, gestures: list[GestureClass] | tuple[GestureClass, ...] = ()) -> Any:
    """The ``onnx.ModelProto`` of ``model`` (checked by ``onnx.checker``), its metadata ``motion_metadata``'s."""
    import onnx  # imported lazily: only the export needs it

    names = input_names(model)
    length, k = model.feature_config.length, model.skeleton.num_joints
    example = (torch.zeros(length, 4), torch.rand(MIN_FRAMES, k, 3), torch.tensor([640.0, 480.0]),
               torch.full((length, MIN_FRAMES), 1.0 / MIN_FRAMES))[: len(names)]  # fmt: skip
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter is deprecated; the dynamo one needs onnxscript
        torch.onnx.export(MotionGraph(model).eval(), example, buffer, input_names=names,
                          output_names=["probabilities"], opset_version=ONNX_OPSET, dynamo=False,
                          dynamic_axes={"landmarks": {0: "frames"}, "resample": {1: "frames"}})  # fmt: skip
    graph = onnx.load_from_string(buffer.getvalue())
    graph.producer_name, graph.producer_version = "handteach", handteach_version()
    graph.doc_string = (
        f"handteach {model.skeleton.name} motion classifier on a spotted clip (core/motion/onnx_export.py)"
    )
    for key, value in motion_metadata(model, gestures).items():
        entry = graph.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(graph)
    return graph
