"""core.keypoints.tflite_onnx: MediaPipe's .tflite networks as ONNX graphs, without TensorFlow."""

from __future__ import annotations

import numpy as np
import pytest

from core.keypoints.tflite_onnx import ConversionError, _same_pads, convert


def test_same_padding_puts_the_odd_pixel_at_the_end_as_tensorflow_does() -> None:
    assert _same_pads((192, 192), (3, 3), (2, 2)) == [0, 0, 1, 1]  # TF pads 0 before, 1 after
    assert _same_pads((96, 96), (5, 5), (1, 1)) == [2, 2, 2, 2]
    assert _same_pads((7, 7), (1, 1), (1, 1)) == [0, 0, 0, 0]


def test_bytes_that_are_no_tflite_model_are_refused() -> None:
    with pytest.raises(ConversionError, match="not a TFLite model"):
        convert(b"\x08\x07onnx model bytes")


@pytest.mark.slow
def test_the_lite_hand_network_converts_and_still_sees_a_hand() -> None:
    """A layout or weight slip in the converter gives a network that no longer tells a hand from a blank crop."""
    pytest.importorskip("tflite", reason="tflite (requirements.txt) reads the models")
    import onnx
    import onnxruntime as ort

    from core.keypoints.models import tflite_models
    from tests.conftest import shared_path

    try:
        models, _ = tflite_models()
    except Exception as exc:
        pytest.skip(f"mediapipe 0.10.21's models are not at hand here: {exc}")
    model = convert(models["hand_landmark_lite"], "hand_landmark_lite")
    onnx.checker.check_model(model)
    assert [i.name for i in model.graph.input] == ["input_1"]
    assert [o.name for o in model.graph.output] == ["Identity", "Identity_1", "Identity_2", "Identity_3"]
    assert not {n.op_type for n in model.graph.node} - {"Conv", "Add", "Relu", "Clip", "Transpose", "Reshape",
                                                        "ReduceMean", "Gemm", "Sigmoid", "Identity", "MaxPool"}  # fmt: skip
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])

    import cv2

    from core.io.video import read_image

    hand = read_image(shared_path("sign_digits", "Dataset", "5", "IMG_1123.JPG"))
    crop = cv2.resize(hand, (224, 224)).astype(np.float32)[None] / 255.0
    blank = np.full((1, 224, 224, 3), 0.5, np.float32)
    presence_hand = float(session.run(None, {"input_1": crop})[1].reshape(-1)[0])
    presence_blank = float(session.run(None, {"input_1": blank})[1].reshape(-1)[0])
    assert presence_hand > 0.9 and presence_blank < 0.1
