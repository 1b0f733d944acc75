"""MediaPipe Hands on real images: keypoints, handedness convention, tracking."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import close_up_photo, open_hand_photos, shared_path

from core.keypoints.landmarks import ZOOM_OUT_BORDERS, HandTracker, TrackerConfig, detect_hands

pytestmark = pytest.mark.slow


def _rgb(path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)


def test_two_hands_match_reference_keypoints() -> None:
    image = _rgb(shared_path("video", "hands.jpg"))
    expected = json.loads(shared_path("video", "hands_expected_keypoints.json").read_text())
    hands = detect_hands(image)
    assert len(hands) == 2
    for reference in np.array(expected["hands"], dtype=np.float32):
        errors = [np.abs(h.pixel - reference).max() for h in hands]
        assert min(errors) < 20.0, f"no detected hand within 20 px of the reference (max errors {errors})"
    for hand in hands:
        assert hand.image_size == (image.shape[1], image.shape[0])
        np.testing.assert_allclose(hand.pixel / np.array(hand.image_size), hand.normalised[:, :2], atol=1e-5)
        assert hand.has_depth and 0.05 < np.ptp(hand.world[:, 1]) < 0.3  # world points are metres


def test_handedness_flips_with_a_mirrored_image() -> None:
    """Convention: handedness is the person's real hand in an unmirrored frame; mirroring swaps it."""
    image = _rgb(next(shared_path("hagrid_380", "images", "palm").glob("*.jpg")))
    hands = detect_hands(image, max_num_hands=1)
    mirrored = detect_hands(np.ascontiguousarray(image[:, ::-1]), max_num_hands=1)
    assert len(hands) == len(mirrored) == 1
    assert {hands[0].handedness, mirrored[0].handedness} == {"Left", "Right"}


def test_no_hand_in_a_blank_image() -> None:
    assert detect_hands(np.full((240, 320, 3), 127, np.uint8)) == []


def test_tracking_follows_the_video_like_the_reference() -> None:
    reference = json.loads(shared_path("video", "asl_hand.full.json").read_text())
    capture = cv2.VideoCapture(str(shared_path("video", "asl_hand.25fps.mp4")))
    errors = []
    with HandTracker(TrackerConfig(max_num_hands=1)) as tracker:
        for index in range(30):
            ok, frame = capture.read()
            assert ok
            hands = tracker.process(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
            if hands and reference[index]:
                errors.append(np.abs(hands[0].pixel - np.array(reference[index])[:, :2]).max())
    assert len(errors) >= 25
    assert np.median(errors) < 25.0


def test_bad_frame_refused() -> None:
    with HandTracker(TrackerConfig(static_image_mode=True)) as tracker, pytest.raises(ValueError, match="uint8"):
        tracker.process(np.zeros((10, 10, 3), np.float32))


def test_a_zoomed_out_search_finds_a_close_up_and_maps_it_back() -> None:
    close_up = _rgb(close_up_photo())
    whole = _rgb(open_hand_photos()[0])
    with HandTracker(TrackerConfig(static_image_mode=True)) as tracker:
        assert tracker.process(close_up) == []
        border, (found,) = tracker.find_zoomed_out(close_up)
        (reference,) = tracker.process(whole)
        _, (zoomed,) = tracker.find_zoomed_out(whole)
        assert tracker.find_zoomed_out(np.full((240, 320, 3), 127, np.uint8)) == (0.0, [])
    assert detect_hands(close_up, zoom_out=True)[0].pixel.tolist() == found.pixel.tolist()  # the photo paths' switch
    assert border in ZOOM_OUT_BORDERS and found.image_size == (close_up.shape[1], close_up.shape[0])
    span = found.normalised[:, :2].max(axis=0) - found.normalised[:, :2].min(axis=0)
    assert span.max() > 0.3  # a close-up: the hand spans much of the photo, in the photo's own coordinates
    # the framing is taken off again: on a photo found as it is, the zoomed-out hand lands on the same joints
    assert np.median(np.linalg.norm(zoomed.pixel - reference.pixel, axis=1)) < 0.05 * whole.shape[0]
    assert np.allclose(zoomed.normalised[:, :2] * [whole.shape[1], whole.shape[0]], zoomed.pixel, atol=1e-3)
    depth_range = np.ptp(zoomed.normalised[:, 2]) / np.ptp(reference.normalised[:, 2])
    assert 0.6 < depth_range < 1.6  # z keeps the photo's scale, not the framed one's


def test_the_zoomed_out_search_scales_a_large_photo_down_and_maps_the_hand_back() -> None:
    """A photo whose padded frame exceeds LIMITS.zoom_out_side is searched scaled down; the joints land on the photo."""
    photo = cv2.resize(_rgb(open_hand_photos()[0]), (1800, 1800), interpolation=cv2.INTER_CUBIC)
    with HandTracker(TrackerConfig(static_image_mode=True)) as tracker:
        (reference,) = tracker.process(photo)
        border, (zoomed,) = tracker.find_zoomed_out(photo, borders=(1.0,))  # framed: 5400 px → scaled to 4096
    assert border == 1.0 and zoomed.image_size == (1800, 1800)
    assert np.median(np.linalg.norm(zoomed.pixel - reference.pixel, axis=1)) < 0.05 * 1800
    assert np.allclose(zoomed.normalised[:, :2] * 1800, zoomed.pixel, atol=1e-2)
    assert 0.6 < np.ptp(zoomed.normalised[:, 2]) / np.ptp(reference.normalised[:, 2]) < 1.6


def test_a_long_thin_photo_is_searched_without_aborting_the_process(tmp_path: Path) -> None:
    """Before: an 11000×8 photo padded to 33000 px wide made OpenCV's remap abort the process (SIGABRT, exit 134).

    Run in a child process, so an abort would fail this test instead of killing pytest.
    """
    script = (
        "import numpy as np\n"
        "from core.keypoints.landmarks import detect_hands\n"
        "print(len(detect_hands(np.full((8, 11000, 3), 120, np.uint8), zoom_out=True)))\n"
        "try:\n"
        "    detect_hands(np.zeros((8, 40000, 3), np.uint8))\n"
        "except ValueError as exc:\n"
        "    print(exc)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines() == ["0", "a 40000×8 frame has a side over the limit of 16384 pixels"]


def _video_frames(count: int) -> list[np.ndarray]:
    capture = cv2.VideoCapture(str(shared_path("video", "asl_hand.25fps.mp4")))
    frames = []
    for _ in range(count):
        ok, frame = capture.read()
        assert ok
        frames.append(cv2.cvtColor(frame, cv2.COLOR_BGR2RGB))
    return frames


def _native_threads() -> int:
    return len(list(Path("/proc/self/task").iterdir()))


def test_inference_threads_reach_both_networks_and_keep_the_keypoints() -> None:
    """On mediapipe's runtime, one XNNPACK thread (the default) gives MediaPipe's own keypoints bit for bit; two add
    threads, same points."""
    mp = pytest.importorskip("mediapipe", reason="mediapipe 0.10.21 installs on CPython 3.11-3.12 off ARM only")

    frames = _video_frames(20)
    with mp.solutions.hands.Hands(static_image_mode=False, max_num_hands=1, model_complexity=1) as plain:
        reference = [plain.process(frame).multi_hand_landmarks for frame in frames]
    found: dict[int, list] = {}
    added: dict[int, int] = {}
    for threads in (1, 2):
        before = _native_threads()
        with HandTracker(TrackerConfig(max_num_hands=1, inference_threads=threads, runtime="mediapipe")) as tracker:
            found[threads] = [tracker.process(frame) for frame in frames]
            added[threads] = _native_threads() - before
    assert added[2] >= added[1] + 2, f"two XNNPACK threads per network add threads: {added}"
    for marks, one, two in zip(reference, found[1], found[2], strict=True):
        assert (marks is None) == (not one) == (not two)
        if marks:
            points = np.array([[p.x, p.y, p.z] for p in marks[0].landmark], np.float32)
            assert np.array_equal(one[0].normalised, points)
            np.testing.assert_allclose(two[0].normalised, points, atol=1e-4)


def test_inference_threads_are_checked() -> None:
    for bad in (0, -1, 65, 1.5, True):
        with pytest.raises(ValueError, match="inference_threads"):
            TrackerConfig(inference_threads=bad)


def test_set_inference_threads_counts_the_nodes_it_set() -> None:
    from types import SimpleNamespace

    pytest.importorskip("mediapipe", reason="mediapipe 0.10.21 installs on CPython 3.11-3.12 off ARM only")
    from mediapipe.calculators.tensor import inference_calculator_pb2
    from mediapipe.framework import calculator_pb2

    from core.keypoints.landmarks import set_inference_threads

    Node = calculator_pb2.CalculatorGraphConfig.Node
    inference, other = Node(calculator="InferenceCalculatorCpu"), Node(calculator="ImageToTensorCalculator")
    assert set_inference_threads(SimpleNamespace(node=[inference, other]), 3) == 1
    options = inference.options.Extensions[inference_calculator_pb2.InferenceCalculatorOptions.ext]
    assert options.delegate.xnnpack.num_threads == 3 and not other.HasField("options")
    assert set_inference_threads(SimpleNamespace(node=[other]), 3) == 0


def test_photos_get_mediapipes_own_keypoints_with_the_default_thread() -> None:
    """Photos (static mode) get mediapipe 0.10.21's keypoints from the default runtime (onnxruntime) to a
    hundredth of a pixel, so the starter's predictions cannot move."""
    mp = pytest.importorskip("mediapipe", reason="mediapipe 0.10.21 installs on CPython 3.11-3.12 off ARM only")
    from conftest import hagrid_photos

    photos = [_rgb(path) for path in hagrid_photos("like", 4) + hagrid_photos("palm", 4)]
    with mp.solutions.hands.Hands(static_image_mode=True, max_num_hands=2, model_complexity=1) as plain:
        reference = [plain.process(photo).multi_hand_landmarks or [] for photo in photos]
    found = [detect_hands(photo) for photo in photos]
    assert sum(map(len, found)) >= 6
    for marks, hands in zip(reference, found, strict=True):
        assert len(marks) == len(hands)
        for mark, hand in zip(marks, hands, strict=True):
            theirs = np.array([[p.x, p.y, p.z] for p in mark.landmark], np.float32)
            apart = np.abs(hand.normalised[:, :2] - theirs[:, :2]) * np.array(hand.image_size)
            assert apart.max() < 0.05, apart.max()  # pixels
