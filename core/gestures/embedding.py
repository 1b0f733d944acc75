"""MediaPipe's pretrained hand-gesture embedder on onnxruntime: one hand's 21 landmarks → 128 numbers.

The embedder is the network under MediaPipe's Gesture Recognizer (Model Maker trains only a head on it), pretrained
by Google on many people's hands. Its ``.tflite`` (Apache-2.0; ``../shared/models/README.md`` says where it comes
from) is checked by SHA-256, converted to ONNX in memory by ``core.keypoints.tflite_onnx`` (no TensorFlow) and run
on onnxruntime, batched.

It is fed as MediaPipe's ``LandmarksToMatrixCalculator`` feeds it in ``hand_gesture_recognizer_graph.cc``
(``embedder_input``): the normalised image landmarks scaled by the image's aspect ratio around the centre,
then made relative to the wrist and divided by the larger of the hand's x and y extent (+1e-5), z alike; the
image's rotation is 0 for a plain image. The network reads only that input: its ``handedness`` and ``world_hand``
inputs reach no operator, so they are fed zeros here.

Research only so far: nothing in the product imports this module yet.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from core.gestures.features import FeatureConfig
from core.types import FloatArray, Keypoints

EMBEDDER_SHA256 = "54abe78de1d1cd5e3cdaa0dab01db18e3ec7e09a76e7c3b5fa278572f7a60977"
EMBEDDING_SIZE = 128
ENV_PATH = "HANDTEACH_GESTURE_EMBEDDER"  # where the .tflite lies, when not in ../shared beside the checkout
DEFAULT_PATH = (
    Path(__file__).resolve().parents[3] / "shared" / "models" / "mediapipe_gesture" / "gesture_embedder.tflite"
)
MAKE_STEP = (f"put MediaPipe's gesture_embedder.tflite (sha256 {EMBEDDER_SHA256[:16]}…, ../shared/models/"
             f"mediapipe_gesture/) at {DEFAULT_PATH} or name it in {ENV_PATH}")  # fmt: skip
_EPSILON = np.float32(1e-5)  # NormalizeObject's kEpsilon


class EmbedderError(RuntimeError):
    """The embedder's file is missing or is not MediaPipe's (its SHA-256 differs)."""


def embedder_input(normalised: FloatArray, image_size: tuple[int, int]) -> FloatArray:
    """(N, 21, 3) as MediaPipe feeds the embedder, from (N, 21, 3) normalised landmarks of a (width, height) image."""
    points = np.array(normalised, dtype=np.float32, copy=True).reshape(-1, 21, 3)
    width, height = (float(v) for v in image_size)
    longest = max(width, height)
    points[:, :, 0] = (points[:, :, 0] - 0.5) * np.float32(width / longest) + 0.5
    points[:, :, 1] = (points[:, :, 1] - 0.5) * np.float32(height / longest) + 0.5
    return _normalize_object(points)


def features_input(features: FloatArray, config: FeatureConfig) -> FloatArray:
    """(N, 21, 3) embedder input from (N, D) hand features (user view, wrist-relative): the mirror undone, the
    wrist put back; z 0 for 2D features. Equals ``embedder_input`` for a frame at least as wide as high up to
    float rounding (features keep z × width; MediaPipe keeps z beside x × width / longest side)."""
    joints = np.asarray(features, dtype=np.float32)[:, : len(config.joints) * config.dims]
    joints = joints.reshape(len(joints), len(config.joints), config.dims)
    points = np.zeros((len(joints), 21, 3), np.float32)
    points[:, 1:, : config.dims] = joints
    points[:, :, 0] = -points[:, :, 0]
    return _normalize_object(points)


def _normalize_object(points: FloatArray) -> FloatArray:
    """MediaPipe's ``NormalizeObject`` (origin the wrist): relative to it, divided by the larger x or y extent."""
    relative = points - points[:, :1]
    extent = np.maximum(np.ptp(relative[:, :, 0], axis=1), np.ptp(relative[:, :, 1], axis=1)) + _EPSILON
    return (relative / extent[:, None, None]).astype(np.float32)


class GestureEmbedder:
    """The embedder as one onnxruntime session: ``embed`` takes (N, 21, 3) inputs, gives (N, 128)."""

    def __init__(self, session: Any) -> None:
        self._session = session

    def embed(self, inputs: FloatArray) -> FloatArray:
        inputs = np.ascontiguousarray(inputs, dtype=np.float32).reshape(-1, 21, 3)
        if not len(inputs):
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        n = len(inputs)
        feed = {"hand": inputs, "handedness": np.zeros((n, 1), np.float32), "world_hand": np.zeros_like(inputs)}
        return np.asarray(self._session.run(None, feed)[0], dtype=np.float32)

    def embed_hands(self, hands: Sequence[Keypoints]) -> FloatArray:
        """(N, 128) of hands with their image size, exactly as MediaPipe's recognizer feeds it."""
        if not hands:
            return np.zeros((0, EMBEDDING_SIZE), np.float32)
        return self.embed(np.concatenate([embedder_input(h.normalised, h.image_size) for h in hands]))

    def embed_features(self, features: FloatArray, config: FeatureConfig) -> FloatArray:
        """(N, 128) of (N, D) hand features (see ``features_input``)."""
        return self.embed(features_input(features, config))


def _batched(model: Any) -> Any:
    """The converted graph with a free batch dimension: TFLite's fixed leading 1 of the inputs, outputs and
    reshape targets becomes any N (every operator here works row by row)."""
    from onnx import numpy_helper

    for value in (*model.graph.input, *model.graph.output):
        value.type.tensor_type.shape.dim[0].dim_param = "n"
    shapes = {n.input[1] for n in model.graph.node if n.op_type == "Reshape"}
    for i, init in enumerate(model.graph.initializer):
        if init.name in shapes:
            shape = numpy_helper.to_array(init).copy()
            shape[0] = -1
            model.graph.initializer[i].CopyFrom(numpy_helper.from_array(shape, init.name))
    return model


@functools.cache
def load_embedder(path: Path | None = None) -> GestureEmbedder:
    """The embedder of ``path`` (default: ``$HANDTEACH_GESTURE_EMBEDDER``, else ``DEFAULT_PATH``), its SHA-256
    checked; ``EmbedderError`` in one line naming the file and the step that puts it there."""
    import onnxruntime as ort

    from core.keypoints.tflite_onnx import convert

    path = Path(path or os.environ.get(ENV_PATH) or DEFAULT_PATH)
    if not path.is_file():
        raise EmbedderError(f"the gesture embedder {path} is missing: {MAKE_STEP}")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if digest != EMBEDDER_SHA256:
        raise EmbedderError(f"the gesture embedder {path} is not MediaPipe's (sha256 {digest[:16]}…): {MAKE_STEP}")
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1  # a 0.1 M-parameter MLP: threads cost more than they give
    model = _batched(convert(data, "gesture_embedder")).SerializeToString()
    return GestureEmbedder(ort.InferenceSession(model, options, providers=["CPUExecutionProvider"]))
