"""The ONNX export on MediaPipe landmarks: onnxruntime gives what the Python path gives.

Quick tests use synthetic landmarks (shapes, metadata, aspect ratio, visibility, degenerate rows,
the CLI and the Train download); slow ones use MediaPipe's keypoints of real photos (hands of
``hands/*``, people of ``body/yoga8``), the example scripts under ``examples/`` and node.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import SHARED_DATA, shared_path

from core.gestures.catalog import DEFAULT_CLASSES, GestureClass
from core.gestures.classifier import GestureClassifier
from core.gestures.features import FeatureConfig, hand_features
from core.gestures.onnx_export import MOTION_REFUSAL, ONNX_FORMAT, export_onnx, handteach_version
from core.skeletons import skeleton_named
from core.types import Keypoints

ort = pytest.importorskip("onnxruntime")
REPO = Path(__file__).resolve().parents[1]
HAND_DEPTH, HAND_2D = FeatureConfig(use_depth=True), FeatureConfig(use_depth=False)
BODY = FeatureConfig(use_depth=True, skeleton="body", use_visibility=True)
BODY_PLAIN = FeatureConfig(use_depth=False, skeleton="body")  # e.g. a body project of CSV rows without visibility
TOLERANCE = 1e-4  # onnxruntime against predict_proba, per probability


def session_of(classifier: GestureClassifier, path: Path, gestures=()) -> tuple[object, dict]:
    """An onnxruntime session of ``classifier`` exported to ``path``, and its metadata, each value parsed."""
    session = ort.InferenceSession(str(export_onnx(classifier, path, gestures)), providers=["CPUExecutionProvider"])
    meta = {key: json.loads(value) for key, value in session.get_modelmeta().custom_metadata_map.items()}
    return session, meta


def run(session, landmarks: np.ndarray, image_size: tuple[int, int], visibility: np.ndarray | None = None):
    """(probabilities, class_index) for (N, K, 3) normalised landmarks of one frame size."""
    feeds = {"landmarks": landmarks.astype(np.float32), "image_size": np.array(image_size, np.float32)}
    if visibility is not None:
        feeds["visibility"] = visibility.astype(np.float32)
    return session.run(["probabilities", "class_index"], feeds)


def keypoints(normalised: np.ndarray, image_size: tuple[int, int], config: FeatureConfig, visibility=None):
    """Keypoints as a detector gives them: pixel = normalised × size, world present (depth)."""
    k = len(normalised)
    pixel = (normalised[:, :2] * np.array(image_size, np.float32)).astype(np.float32)
    return Keypoints(pixel=pixel, normalised=normalised.astype(np.float32), world=np.zeros((k, 3), np.float32),
                     handedness="Unknown", score=1.0, image_size=image_size, skeleton=config.layout,
                     visibility=visibility)  # fmt: skip


def python_proba(classifier: GestureClassifier, hands: list[Keypoints]) -> np.ndarray:
    return classifier.predict_proba(np.stack([hand_features(h, classifier.feature_config) for h in hands]))


def synthetic(config: FeatureConfig, n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(n, K, 3) landmarks spread over part of the frame and (n, K) visibilities, some below 0.5."""
    rng = np.random.default_rng(seed)
    k = config.layout.num_joints
    centre = rng.uniform(0.3, 0.7, (n, 1, 2))
    xy = centre + rng.normal(0, 0.08, (n, k, 2))
    z = rng.normal(0, 0.05, (n, k, 1))
    return np.concatenate([xy, z], axis=2).astype(np.float32), rng.uniform(0, 1, (n, k)).astype(np.float32)


def classifier_for(config: FeatureConfig, seed: int = 0, classes=("a", "b", "c")) -> GestureClassifier:
    """Random weights scaled up, so that probabilities are far from uniform and differences show."""
    import torch

    torch.manual_seed(seed)
    clf = GestureClassifier(list(classes), config, hidden=(32, 16))
    with torch.no_grad():
        for p in clf.network.parameters():
            p.mul_(3.0)
    return clf


# ---- quick: synthetic landmarks --------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("config", [HAND_DEPTH, HAND_2D, BODY, BODY_PLAIN], ids=["hand3d", "hand2d", "body", "body2d"])
@pytest.mark.parametrize("size", [(640, 480), (1080, 1920), (336, 336)])
def test_synthetic_landmarks_match_the_python_path(tmp_path: Path, config: FeatureConfig, size) -> None:
    clf = classifier_for(config)
    session, _ = session_of(clf, tmp_path / "m.onnx")
    landmarks, visibility = synthetic(config, 17, seed=size[0])
    vis = visibility if config.use_visibility else None
    hands = [
        keypoints(lm, size, config, None if vis is None else v) for lm, v in zip(landmarks, visibility, strict=True)
    ]
    probabilities, index = run(session, landmarks, size, vis)
    expected = python_proba(clf, hands)
    assert probabilities.shape == (17, 3) and index.dtype == np.int64 and index.shape == (17,)
    assert np.abs(probabilities - expected).max() <= 1e-5
    assert (index == expected.argmax(axis=1)).all()


def test_aspect_ratio_changes_the_answer_and_scale_does_not(tmp_path: Path) -> None:
    clf = classifier_for(HAND_DEPTH, seed=1)
    session, _ = session_of(clf, tmp_path / "m.onnx")
    landmarks, _ = synthetic(HAND_DEPTH, 9, seed=5)
    wide, twice, tall = (run(session, landmarks, size)[0] for size in ((640, 480), (1280, 960), (480, 640)))
    assert np.abs(wide - twice).max() <= 1e-6  # features are divided by the hand's size
    assert np.abs(wide - tall).max() > 1e-2  # a 4:3 frame read as 3:4 is another hand
    assert np.abs(tall - python_proba(clf, [keypoints(lm, (480, 640), HAND_DEPTH) for lm in landmarks])).max() <= 1e-5


def test_hidden_body_joints_are_zeroed_and_flagged(tmp_path: Path) -> None:
    clf = classifier_for(BODY, seed=2)
    session, _ = session_of(clf, tmp_path / "m.onnx")
    landmarks, _ = synthetic(BODY, 4, seed=9)
    visibility = np.ones((4, 33), np.float32)
    visibility[:, 15:23] = 0.2  # hands out of view
    moved = landmarks.copy()
    moved[:, 15:23] += 0.3  # where hidden joints are does not matter
    first, second = run(session, landmarks, (640, 480), visibility)[0], run(session, moved, (640, 480), visibility)[0]
    assert np.abs(first - second).max() <= 1e-6
    hands = [keypoints(lm, (640, 480), BODY, v) for lm, v in zip(landmarks, visibility, strict=True)]
    assert np.abs(first - python_proba(clf, hands)).max() <= 1e-5


def test_degenerate_rows_give_numbers_not_nan(tmp_path: Path) -> None:
    clf = classifier_for(HAND_DEPTH, seed=3)
    session, _ = session_of(clf, tmp_path / "m.onnx")
    landmarks, _ = synthetic(HAND_DEPTH, 2, seed=1)
    landmarks[1] = landmarks[1, :1]  # every point on the wrist: the Python path refuses it
    with pytest.raises(ValueError, match="degenerate"):
        python_proba(clf, [keypoints(landmarks[1], (640, 480), HAND_DEPTH)])
    probabilities, _ = run(session, landmarks, (640, 480))
    assert np.isfinite(probabilities).all()
    assert np.abs(probabilities[1] - clf.predict_proba(np.zeros(HAND_DEPTH.size, np.float32))[0]).max() <= 1e-6


def test_inputs_outputs_and_metadata(tmp_path: Path) -> None:
    classes = [c.name for c in DEFAULT_CLASSES]
    clf = classifier_for(HAND_2D, classes=classes)
    clf.metadata["project"] = "default"
    session, meta = session_of(clf, tmp_path / "m.onnx", DEFAULT_CLASSES)
    assert [(i.name, i.shape, i.type) for i in session.get_inputs()] == [
        ("landmarks", ["batch", 21, 3], "tensor(float)"), ("image_size", [2], "tensor(float)")]  # fmt: skip
    assert [(o.name, o.shape, o.type) for o in session.get_outputs()] == [
        ("probabilities", ["batch", len(classes)], "tensor(float)"), ("class_index", ["batch"], "tensor(int64)"),
        ("known", ["batch"], "tensor(bool)")]  # fmt: skip
    assert meta["format"] == ONNX_FORMAT and meta["format_version"] == 1
    assert meta["classes"] == classes and meta["threshold"] == clf.threshold and meta["skeleton"] == "hand"
    assert meta["emoji"][classes.index("pointing_right")] == "👉"
    assert meta["mirror"][classes.index("pointing_right")] == "pointing_left"
    assert meta["mirror"][classes.index("fist")] == "fist"
    assert FeatureConfig(**meta["feature_config"]) == HAND_2D
    assert set(meta["inputs"]) == {"landmarks", "image_size", "probabilities", "class_index", "known"}
    assert meta["familiarity"] is None  # no examples: "known" is the threshold's
    assert "unmirrored" in meta["inputs"]["landmarks"] and "not read" in meta["inputs"]["landmarks"]
    assert meta["handteach_version"] == handteach_version() != "unknown"
    assert meta["training"] == {"project": "default"}
    with pytest.raises(Exception, match="landmarks"):  # the declared shape is enforced: 20 points are refused
        run(session, np.zeros((1, 20, 3), np.float32), (640, 480))
    assert run(session, np.zeros((0, 21, 3), np.float32), (640, 480))[0].shape == (0, len(classes))


def test_a_class_without_store_entry_gets_no_emoji_and_is_its_own_mirror(tmp_path: Path) -> None:
    clf = classifier_for(HAND_DEPTH, classes=("wave", "pointing_right"))
    _, meta = session_of(clf, tmp_path / "m.onnx", [GestureClass("pointing_right", "👉", "pointing_left")])
    assert meta["emoji"] == ["", "👉"] and meta["mirror"] == ["wave", "pointing_left"]
    assert meta["shown"] == ["wave", "pointing right"]  # as the pages show them: the tab draws these on the video


def test_export_function_and_train_download_give_the_cli_file(tmp_path: Path) -> None:
    from core.cli.main import main
    from core.data.project import load_project_model
    from core.data.store import Store
    from ui.train.exports import onnx_bytes

    data = tmp_path / "data"
    assert main(["--data", str(data), "export-onnx", "-o", str(tmp_path / "cli.onnx")]) == 0
    store = Store(data)
    starter = load_project_model(store, "default", starter_fallback=True)  # untrained: the starter model
    gestures = store.list_classes("default")
    cli = (tmp_path / "cli.onnx").read_bytes()
    assert onnx_bytes(starter, gestures) == cli
    assert export_onnx(starter, tmp_path / "function.onnx", gestures).read_bytes() == cli
    _, meta = session_of(starter, tmp_path / "again.onnx", gestures)
    assert meta["classes"] == starter.classes and meta["training"]["project"] == "starter"
    assert meta["emoji"][meta["classes"].index("thumbs_up")] == "👍"


def test_cli_exports_a_body_project_and_refuses_a_motion_one(tmp_path: Path, capsys) -> None:
    from core.cli.main import main
    from core.data.project import save_project_model
    from core.data.store import Store

    data = tmp_path / "data"
    store = Store(data)
    store.create_project("yoga", default_classes=False, skeleton="body")
    save_project_model(store, "yoga", classifier_for(BODY, classes=("tree", "warrior2")))
    assert main(["--data", str(data), "export-onnx", "-p", "yoga", "-o", str(tmp_path / "yoga.onnx")]) == 0
    assert "body landmarks → 2 classes (tree, warrior2)" in capsys.readouterr().out
    session = ort.InferenceSession(str(tmp_path / "yoga.onnx"), providers=["CPUExecutionProvider"])
    assert [(i.name, i.shape) for i in session.get_inputs()] == [
        ("landmarks", ["batch", 33, 3]), ("image_size", [2]), ("visibility", ["batch", 33])]  # fmt: skip

    store.create_project("moves", motion=True)
    out = tmp_path / "moves.onnx"
    assert main(["--data", str(data), "export-onnx", "-p", "moves", "-o", str(out)]) == 2
    assert f"error: project 'moves': {MOTION_REFUSAL}" in capsys.readouterr().err and not out.exists()
    store.create_project("fresh", default_classes=False)  # no starter gesture, never trained
    assert main(["--data", str(data), "export-onnx", "-p", "fresh", "-o", str(out)]) == 2
    assert "has no trained model yet" in capsys.readouterr().err and not out.exists()


def test_the_docs_show_the_examples_as_they_are() -> None:
    doc = (REPO / "docs" / "export.md").read_text(encoding="utf-8")
    for name in ("onnx_webcam.py", "onnx_browser.html", "onnx_metadata.mjs"):
        assert (REPO / "examples" / name).read_text(encoding="utf-8").rstrip() in doc, name


# ---- slow: MediaPipe on real photos -----------------------------------------------------


def real_hand_photos() -> list[Path]:
    """HaGRID's 380 gesture photos (square), 40 rock-paper-scissors photos a class (3:2) and six full
    HaGRID scenes a class (phone and webcam frames, small hands): many people, sizes and aspect ratios."""
    photos = sorted(shared_path("hagrid_380", "images").glob("*/*.jpg"))
    for kind in ("paper", "rock", "scissors"):
        photos += sorted(shared_path("rps", kind).glob("*.jpg"))[:40]
    for folder in sorted(p for p in shared_path("hagrid_people", "images").iterdir() if p.is_dir()):
        photos += sorted(folder.glob("*.jpg"))[:6]
    return photos


def cache_folder(request: pytest.FixtureRequest) -> Path:
    """pytest's cache folder for keypoints (kept between runs), or a temporary one without the cache plugin."""
    cache = getattr(request.config, "cache", None)
    if cache is None:
        return request.getfixturevalue("tmp_path_factory").mktemp("handteach-onnx")
    return Path(cache.mkdir("handteach-onnx"))


@pytest.fixture(scope="module")
def real_hands(request: pytest.FixtureRequest) -> tuple[list[Keypoints], list[str]]:
    """MediaPipe's hands in ``real_hand_photos`` (up to two a photo), each labelled by its folder; cached
    in pytest's cache folder, so the minute of detection is paid once."""
    from core.keypoints.cache import detect_in_photos

    photos = real_hand_photos()
    cache = cache_folder(request) / "hands.npz"
    found = detect_in_photos(photos, cache, max_num_hands=2)
    pairs = [(hand, photo.parent.name) for photo, hands in zip(photos, found, strict=True) for hand in hands]
    return [h for h, _ in pairs], [label for _, label in pairs]


def trained_on(hands: list[Keypoints], labels: list[str], config: FeatureConfig) -> GestureClassifier:
    """A classifier trained on real samples (classes with at least eight), as the app trains one."""
    from core.data.project import features_of
    from core.gestures.train_config import TrainConfig
    from core.gestures.training import train_classifier

    counts = Counter(labels)
    keep = [i for i, label in enumerate(labels) if counts[label] >= 8]
    kept = [labels[i] for i in keep]
    features = features_of([hands[i] for i in keep], config)
    config_run = TrainConfig(epochs=40, patience=15, seed=0)
    return train_classifier(features, kept, sorted(set(kept)), {}, config, config_run).classifier


def max_difference(session, classifier: GestureClassifier, hands: list[Keypoints]) -> tuple[float, int]:
    """Largest |onnxruntime - predict_proba| over the hands (each run with its own frame size), and how
    many class indices differ from the class ``decide`` answers (the argmax, or with examples the nearest
    own example's class where one lies within the radius)."""
    expected = python_proba(classifier, hands)
    answered = expected.argmax(axis=1)
    if classifier.familiarity is not None:
        x = np.stack([hand_features(h, classifier.feature_config) for h in hands])
        answered = classifier.familiarity.answer(expected, classifier.class_distances(x), classifier.threshold)[0]
    worst, wrong = 0.0, 0
    for hand, row, want in zip(hands, expected, answered, strict=True):
        vis = hand.visibility[None] if classifier.feature_config.use_visibility else None
        probabilities, index = run(session, hand.normalised[None], hand.image_size, vis)
        worst = max(worst, float(np.abs(probabilities[0] - row).max()))
        wrong += int(index[0] != want)
    return worst, wrong


@pytest.mark.slow
@pytest.mark.parametrize("config", [HAND_DEPTH, HAND_2D], ids=["depth", "no_depth"])
def test_real_hands_match_the_python_path(tmp_path: Path, real_hands, config: FeatureConfig) -> None:
    hands, labels = real_hands
    assert len(hands) >= 500, f"only {len(hands)} hands found in the real photos"
    assert len({h.image_size[0] / h.image_size[1] for h in hands}) >= 3  # square, 3:2, portrait and landscape
    clf = trained_on(hands, labels, config)
    session, _ = session_of(clf, tmp_path / "m.onnx")
    worst, wrong = max_difference(session, clf, hands)
    assert worst <= TOLERANCE and wrong == 0, (worst, wrong)


@pytest.mark.slow
def test_the_starter_model_on_real_hands(tmp_path: Path, real_hands) -> None:
    from core.starter import starter_model_for

    starter = starter_model_for([c.name for c in DEFAULT_CLASSES])
    if starter is None:
        pytest.skip("no starter model installed")
    session, meta = session_of(starter, tmp_path / "starter.onnx", DEFAULT_CLASSES)
    worst, wrong = max_difference(session, starter, real_hands[0])
    assert worst <= TOLERANCE and wrong == 0, (worst, wrong)
    assert meta["threshold"] == starter.threshold and meta["feature_config"]["use_depth"] is False


@pytest.fixture(scope="module")
def real_people(request: pytest.FixtureRequest) -> tuple[list[Keypoints], list[str]]:
    """MediaPipe Pose's person in twelve yoga8 photos a pose (tests only, see the data README), cached."""
    from core.io.video import read_image
    from core.keypoints.cache import file_key, load_cache, save_cache
    from core.keypoints.pose import PoseConfig, PoseTracker

    folder = SHARED_DATA / "body" / "yoga8" / "images"
    if not folder.is_dir():
        pytest.skip(f"real body photos not found at {folder} (expected ../shared/data beside the checkout)")
    photos = [p for pose in sorted(folder.iterdir()) for p in sorted(pose.glob("*.jpg"))[:12]]
    body = skeleton_named("body")
    cache = cache_folder(request) / "yoga8.npz"
    found = load_cache(cache, body)
    todo = [p for p in photos if file_key(p) not in found]
    if todo:
        with PoseTracker(PoseConfig(static_image_mode=True, find_others=False)) as tracker:
            for photo in todo:
                found[file_key(photo)] = tracker.process(read_image(photo))
        save_cache(cache, found, body)
    pairs = [(person, p.parent.name) for p in photos for person in found[file_key(p)][:1]]
    return [b for b, _ in pairs], [label for _, label in pairs]


@pytest.mark.slow
def test_real_bodies_match_the_python_path(tmp_path: Path, real_people) -> None:
    from core.data.project import feature_config_for

    people, labels = real_people
    assert len(people) >= 80, f"only {len(people)} people found in the yoga photos"
    config = feature_config_for(people, skeleton_named("body"))
    assert config.use_depth and config.use_visibility
    assert any((p.visibility < config.min_visibility).any() for p in people)  # hidden joints do occur
    clf = trained_on(people, labels, config)
    session, meta = session_of(clf, tmp_path / "yoga.onnx")
    worst, wrong = max_difference(session, clf, people)
    assert worst <= TOLERANCE and wrong == 0, (worst, wrong)
    assert meta["skeleton"] == "body" and "visibility" in meta["inputs"]


# ---- slow: the examples ------------------------------------------------------------------

LINE = re.compile(r"^frame (\d+) hand (\d+): (\S+) ([0-9.]+)")


@pytest.mark.slow
@pytest.mark.extended
def test_the_python_example_prints_our_predictions_on_a_video(tmp_path: Path) -> None:
    import cv2

    pytest.importorskip("mediapipe", reason="the example finds hands with mediapipe, which installs on 3.11-3.12 only")

    from core.keypoints.landmarks import HandTracker, TrackerConfig
    from core.starter import starter_model_for

    video = shared_path("video", "asl_hand.25fps.mp4")
    starter = starter_model_for([c.name for c in DEFAULT_CLASSES])
    if starter is None:
        pytest.skip("no starter model installed")
    model = export_onnx(starter, tmp_path / "gestures.onnx", DEFAULT_CLASSES)
    done = subprocess.run([sys.executable, str(REPO / "examples" / "onnx_webcam.py"), "--model", str(model),
                           "--video", str(video)], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    printed = {(int(m[1]), int(m[2])): (m[3], float(m[4])) for m in map(LINE.match, done.stdout.splitlines()) if m}

    ours = {}  # the same frames (OpenCV decodes them, as in the example) through our tracker on mediapipe, as there
    capture = cv2.VideoCapture(str(video))
    with HandTracker(TrackerConfig(runtime="mediapipe")) as tracker:
        frame = 0
        while (read := capture.read())[0]:
            for n, hand in enumerate(tracker.process(cv2.cvtColor(read[1], cv2.COLOR_BGR2RGB))):
                prediction = starter.predict_hand(hand)
                ours[(frame, n)] = (prediction.label, prediction.score)
            frame += 1
    assert len(ours) >= 300 and printed.keys() == ours.keys()
    assert [printed[k][0] for k in ours] == [label for label, _ in ours.values()]
    assert max(abs(printed[k][1] - score) for k, (_, score) in ours.items()) <= 1e-4  # printed to 4 decimals
    assert len({label for label, _ in ours.values()}) >= 3  # the finger-spelling shows several gestures


@pytest.mark.slow
def test_the_python_example_reads_a_body_model(tmp_path: Path, real_people) -> None:
    import cv2

    from core.data.project import feature_config_for
    from core.keypoints.pose import PoseConfig, PoseTracker

    people, labels = real_people
    clf = trained_on(people, labels, feature_config_for(people, skeleton_named("body")))
    model = export_onnx(clf, tmp_path / "yoga.onnx")
    photo = sorted((SHARED_DATA / "body" / "yoga8" / "images" / "tree").glob("*.jpg"))[20]  # not trained on
    done = subprocess.run([sys.executable, str(REPO / "examples" / "onnx_webcam.py"), "--model", str(model),
                           "--video", str(photo)], capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    (printed,) = [m for m in map(LINE.match, done.stdout.splitlines()) if m]
    ok, bgr = cv2.VideoCapture(str(photo)).read()  # decoded as the example decodes it (one frame)
    with PoseTracker(PoseConfig()) as tracker:
        (person,) = tracker.process(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    prediction = clf.predict_hand(person)
    assert ok and (printed[1], printed[2], printed[3]) == ("0", "0", prediction.label)
    assert abs(float(printed[4]) - prediction.score) <= 1e-4


def node_or_skip() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.skip("node not found: the browser example's JavaScript is not checked")
    return node


@pytest.mark.slow
def test_the_browser_example_parses_and_uses_the_model_names(tmp_path: Path) -> None:
    node = node_or_skip()
    page = (REPO / "examples" / "onnx_browser.html").read_text(encoding="utf-8")
    script = re.search(r'<script type="module">(.*?)</script>', page, re.S)
    assert script is not None
    (tmp_path / "page.mjs").write_text(script[1], encoding="utf-8")
    for source in (tmp_path / "page.mjs", REPO / "examples" / "onnx_metadata.mjs"):
        checked = subprocess.run([node, "--check", str(source)], capture_output=True, text=True, timeout=60)
        assert checked.returncode == 0, checked.stderr
    session, _ = session_of(classifier_for(HAND_DEPTH), tmp_path / "m.onnx")
    feeds = re.search(r"const feeds = \{(.*?)\};", script[1], re.S)
    outputs = re.search(r"const \{ (.*?) \} = await session\.run\(feeds\)", script[1])
    assert feeds is not None and outputs is not None
    assert re.findall(r"^\s*(\w+): new ort\.Tensor", feeds[1], re.M) == [i.name for i in session.get_inputs()]
    assert outputs[1].split(", ") == [o.name for o in session.get_outputs()]


@pytest.mark.slow
def test_the_browser_examples_metadata_reader_reads_what_onnxruntime_reads(tmp_path: Path) -> None:
    node = node_or_skip()
    clf = classifier_for(HAND_DEPTH, classes=[c.name for c in DEFAULT_CLASSES])
    session, _ = session_of(clf, tmp_path / "m.onnx", DEFAULT_CLASSES)
    reader = (REPO / "examples" / "onnx_metadata.mjs").as_uri()
    code = (f'import {{ readFileSync }} from "node:fs"; import {{ readMetadata }} from "{reader}";'
            f'const bytes = readFileSync(process.argv[1]);'
            f'console.log(JSON.stringify(readMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length))));')  # fmt: skip
    done = subprocess.run([node, "--input-type=module", "-e", code, str(tmp_path / "m.onnx")],
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == session.get_modelmeta().custom_metadata_map


def test_the_graph_decides_unknown_as_the_app_does(tmp_path: Path) -> None:
    """A model with examples (core.gestures.familiarity), own and starter hands and hands of no class: ``known``
    and the distances from onnxruntime equal ``GestureClassifier.decide`` on the same frames, hands near the
    examples and far from them, nearer to a class's starter hands and nearer to no class alike."""
    from core.gestures.familiarity import StarterHands, fit_familiarity
    from core.gestures.train_config import USER_AUGMENT

    clf = classifier_for(HAND_DEPTH, classes=("fist", "a", "b"))
    landmarks, _ = synthetic(HAND_DEPTH, 60, seed=7)
    size = (640, 480)
    hands = [keypoints(lm, size, HAND_DEPTH) for lm in landmarks]
    x = np.stack([hand_features(h, HAND_DEPTH) for h in hands])
    with torch.no_grad():  # the network says "fist" for every hand: the distances decide
        clf.network[-1].weight.zero_()
        clf.network[-1].bias.copy_(torch.tensor([2.0, 0.0, 0.0]))
    starter = StarterHands(x[40:], np.array(["fist", "other"] * 10))  # other people's fists, and signs of no class
    clf.familiarity = fit_familiarity(x[:20], ["fist"] * 10 + ["a"] * 10, clf.classes, None, HAND_DEPTH,
                                      USER_AUGMENT, starter=starter)  # fmt: skip
    session, meta = session_of(clf, tmp_path / "m.onnx")
    feeds = {"landmarks": landmarks, "image_size": np.array(size, np.float32)}
    index, known, distance, starter_distance, other = session.run(
        ["class_index", "known", "distance", "starter_distance", "other_distance"], feeds
    )
    expected, columns = clf.decide(clf.predict_proba(x), clf.class_distances(x)), clf.class_distances(x)
    graph = np.concatenate([distance, starter_distance, other[:, None]], axis=1)
    finite = np.isfinite(columns)
    assert (np.isfinite(graph) == finite).all() and np.abs(graph[finite] - columns[finite]).max() <= 5e-3
    assert [bool(k) for k in known] == [p.label != "unknown" for p in expected]
    assert [clf.classes[i] for i, k in zip(index, known, strict=True) if k] == [
        p.label for p in expected if p.label != "unknown"
    ]
    assert known[:10].all()  # the person's fists
    assert known[10:20].all() and (index[10:20] == 1).all(), (
        "own examples of 'a' answer 'a' where the network says fist"
    )
    beyond = graph[20:40, 0] > 1  # strangers beyond the radius: known only when nearer to a fist than to no class
    assert (known[20:40][beyond] == (graph[20:40, 3] < graph[20:40, 6])[beyond]).all()
    assert known[20:40][beyond].any() and not known[20:40][beyond].all()
    assert meta["familiarity"]["rows"] == len(clf.familiarity.reference) and meta["familiarity"]["none_rows"] == 10


def test_the_graph_refuses_a_hand_among_the_examples_when_a_sign_not_taught_lies_nearer(tmp_path: Path) -> None:
    """As ``Familiarity.answer``: within the radius of the palm's own example (0.6 radii) the hand is the palm's (a
    starter gesture), unless a hand of a sign the model does not know lies nearer (0.3 radii from the second hand)."""
    from core.gestures.familiarity import NONE, RADIUS_DEPTH, Familiarity

    clf = classifier_for(HAND_DEPTH, classes=("fist", "palm"))
    landmarks, _ = synthetic(HAND_DEPTH, 2, seed=3)
    size = (640, 480)
    x = np.stack([hand_features(keypoints(lm, size, HAND_DEPTH), HAND_DEPTH) for lm in landmarks])
    step = np.zeros(HAND_DEPTH.size, np.float32)
    step[0] = 0.6 * RADIUS_DEPTH
    sign = x[1] + np.roll(step, 1) / 2  # 0.3 radii from the second hand, further than 0.6 from the first
    # own palms beside both hands, an own fist and another person's palm (palm: a starter gesture) far away
    reference = np.stack([x[0] + step, x[1] + step, x[0] + 50 * step, x[0] - 50 * step, sign]).astype(np.float32)
    clf.familiarity = Familiarity(reference, np.array([1, 1, 0, 3, NONE], np.int64), RADIUS_DEPTH, 2)
    session, _ = session_of(clf, tmp_path / "m.onnx")
    index, known = session.run(["class_index", "known"], {"landmarks": landmarks,
                                                          "image_size": np.array(size, np.float32)})  # fmt: skip
    assert known.tolist() == [True, False] and index[0] == 1
    assert [p.label for p in clf.predict(x)] == ["palm", "unknown"]
