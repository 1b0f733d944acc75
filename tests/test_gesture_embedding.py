"""core.gestures.embedding: MediaPipe's gesture embedder on onnxruntime gives MediaPipe's embedding on real photos."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from core.gestures.embedding import (
    DEFAULT_PATH,
    EmbedderError,
    embedder_input,
    features_input,
    load_embedder,
)
from core.gestures.features import FeatureConfig, hand_features
from tests.conftest import shared_path

REPO = Path(__file__).resolve().parents[1]
HAND_LANDMARKER_TASK = REPO / "ui" / "browser" / "frontend_build" / "hand_landmarker.task"
# one photo of each of six classes of hagrid_380 (strangers' rooms, portrait and landscape)
PHOTOS = [("like", 0), ("dislike", 3), ("fist", 5), ("one", 7), ("palm", 2), ("peace", 4)]


def _embedder_file() -> Path:
    if not DEFAULT_PATH.is_file():
        pytest.skip(f"MediaPipe's gesture embedder not found at {DEFAULT_PATH} (../shared/models beside the checkout)")
    return DEFAULT_PATH


def _photos() -> list[Path]:
    folder = shared_path("hagrid_380", "images")
    return [sorted((folder / name).glob("*.jpg"))[i] for name, i in PHOTOS]


def test_a_missing_or_changed_embedder_says_so_in_one_line(tmp_path: Path) -> None:
    with pytest.raises(EmbedderError, match="gesture_embedder.tflite.*missing") as missing:
        load_embedder(tmp_path / "gesture_embedder.tflite")
    changed = tmp_path / "changed.tflite"
    changed.write_bytes(b"TFL3 not the embedder")
    with pytest.raises(EmbedderError, match="changed.tflite is not MediaPipe's") as other:
        load_embedder(changed)
    assert "\n" not in str(missing.value) + str(other.value)


def test_features_give_the_input_mediapipe_gives_for_a_landscape_frame() -> None:
    """The starter set keeps features, not landmarks: rebuilt from them, a landscape frame's input is the same."""
    rng = np.random.default_rng(0)
    normalised = np.concatenate([rng.uniform(0.3, 0.7, (21, 2)), rng.normal(0, 0.05, (21, 1))], axis=1)
    from core.types import Keypoints

    size = (640, 480)
    pixel = (normalised[:, :2] * size).astype(np.float32)
    hand = Keypoints(pixel, normalised.astype(np.float32), np.zeros((21, 3), np.float32), "Right", 1.0, size)
    config = FeatureConfig(use_depth=True)
    rebuilt = features_input(hand_features(hand, config)[None], config)
    # not exact: NormalizeObject's 1e-5 is added to extents of another scale (image units against the hand's reach)
    np.testing.assert_allclose(rebuilt, embedder_input(hand.normalised, size), atol=5e-5)


@pytest.mark.slow
def test_the_embedding_is_mediapipes_own_interpreters_on_real_photos() -> None:
    """The converted graph, batched, against the embedder on MediaPipe 0.10.21's bundled TFLite interpreter, fed the
    same matrices: hands found by handteach's keypoints on six strangers' photos."""
    mp = pytest.importorskip("mediapipe", reason="mediapipe 0.10.21 (the reference) does not install here")
    from mediapipe.python import packet_creator, packet_getter

    from core.io.images import read_image
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    path = _embedder_file()
    with HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=1)) as tracker:
        hands = [h for p in _photos() for h in tracker.process(read_image(p))]
    assert len(hands) >= 5
    inputs = np.concatenate([embedder_input(h.normalised, h.image_size) for h in hands])
    ours = load_embedder(path).embed_hands(hands)
    nodes = "".join(f'node {{ calculator: "TensorConverterCalculator" input_stream: "MATRIX:{s}" '
                    f'output_stream: "TENSORS:t{s}" }}' for s in ("hand", "handedness", "world"))  # fmt: skip
    config = f"""input_stream: "hand" input_stream: "handedness" input_stream: "world" output_stream: "emb" {nodes}
    node {{ calculator: "ConcatenateTensorVectorCalculator" input_stream: "thand" input_stream: "thandedness"
            input_stream: "tworld" output_stream: "tensors" }}
    node {{ calculator: "InferenceCalculator" input_stream: "TENSORS:tensors" output_stream: "TENSORS:out"
            options {{ [mediapipe.InferenceCalculatorOptions.ext] {{ model_path: "{path}" delegate {{ tflite {{}} }} }} }} }}
    node {{ calculator: "TensorsToFloatsCalculator" input_stream: "TENSORS:out" output_stream: "FLOATS:emb" }}"""
    graph = mp.CalculatorGraph(graph_config=config)
    theirs: list[np.ndarray] = []
    graph.observe_output_stream("emb", lambda _, packet: theirs.append(np.array(packet_getter.get_float_list(packet))))
    graph.start_run()
    for t, x in enumerate(inputs):
        matrix = x.T.copy()  # LandmarksToMatrixCalculator's 3 × 21 matrix
        graph.add_packet_to_input_stream("hand", packet_creator.create_matrix(matrix).at(t))
        graph.add_packet_to_input_stream("handedness", packet_creator.create_matrix(np.ones((1, 1), np.float32)).at(t))
        graph.add_packet_to_input_stream("world", packet_creator.create_matrix(matrix).at(t))
    graph.close()
    assert np.abs(np.stack(theirs) - ours).max() < 1e-4


@pytest.mark.slow
def test_the_recognizer_of_mediapipe_tasks_scores_as_our_embedding_does(tmp_path: Path) -> None:
    """End to end, MediaPipe's own feeding: its Tasks GestureRecognizer (the embedder and canned head bundled with the
    hand landmarker) on real photos; its top gesture's score equals the canned head's on our embedding of its
    landmarks, so the aspect-ratio and hand normalisation are MediaPipe's."""
    pytest.importorskip("mediapipe", reason="mediapipe 0.10.21 (the reference) does not install here")
    import mediapipe as mp
    import onnxruntime as ort
    from mediapipe.tasks.python import BaseOptions, vision

    from core.keypoints.tflite_onnx import convert

    embedder = _embedder_file()
    head = embedder.with_name("canned_gesture_classifier.tflite")
    if not HAND_LANDMARKER_TASK.is_file():
        pytest.skip(f"{HAND_LANDMARKER_TASK} not built (make frontend)")
    inner = tmp_path / "hand_gesture_recognizer.task"
    with zipfile.ZipFile(inner, "w") as bundle:
        bundle.write(embedder, "gesture_embedder.tflite")
        bundle.write(head, "canned_gesture_classifier.tflite")
    task = tmp_path / "gesture_recognizer.task"
    with zipfile.ZipFile(task, "w") as bundle:
        bundle.write(HAND_LANDMARKER_TASK, "hand_landmarker.task")
        bundle.write(inner, "hand_gesture_recognizer.task")
    options = vision.GestureRecognizerOptions(base_options=BaseOptions(model_asset_path=str(task)),
                                              running_mode=vision.RunningMode.IMAGE)  # fmt: skip
    canned = ort.InferenceSession(convert(head.read_bytes()).SerializeToString(), providers=["CPUExecutionProvider"])
    names = ["None", "Closed_Fist", "Open_Palm", "Pointing_Up", "Thumb_Down", "Thumb_Up", "Victory", "ILoveYou"]
    compared = 0
    with vision.GestureRecognizer.create_from_options(options) as recognizer:
        for photo in _photos():
            image = mp.Image.create_from_file(str(photo))
            result = recognizer.recognize(image)
            for landmarks, gestures in zip(result.hand_landmarks, result.gestures, strict=True):
                points = np.array([[p.x, p.y, p.z] for p in landmarks], np.float32)
                embedding = load_embedder(embedder).embed(embedder_input(points, (image.width, image.height)))
                scores = canned.run(None, {"hand_embedding": embedding})[0][0]
                top = gestures[0]
                assert abs(scores[names.index(top.category_name)] - top.score) < 1e-4, photo
                compared += 1
    assert compared >= 5
