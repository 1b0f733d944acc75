"""The shipped CPM on real frames it never trained on, the no-hand decision, views and fine-tuning."""

from __future__ import annotations

import dataclasses
import json
import threading

import numpy as np
import pytest
import torch

from core.cpm import checkpoint
from core.cpm.estimator import CPMEstimator
from core.cpm.evaluation.metrics import normalised_errors, pck
from core.cpm.model import HandCPM
from core.cpm.training.finetune import finetune
from core.cpm.upright import upright_angle
from core.io import crops as cropping
from core.io.video import iter_frames
from core.viz.belief_views import VIEWS, heatmap_view, multi_view, single_view
from tests.conftest import shared_path

FRAMES = range(0, 325, 40)  # 9 frames spread over the video


@pytest.fixture(scope="module")
def estimator() -> CPMEstimator:
    if not (checkpoint.DEFAULT_DIR / checkpoint.WEIGHTS_FILE).exists():
        pytest.fail("the default CPM weights are missing from core/cpm/weights/")
    return CPMEstimator()


@pytest.fixture(scope="module")
def video_frames() -> list[tuple[np.ndarray, np.ndarray]]:
    """(RGB frame, MediaPipe's (21, 2) keypoints) for a few frames of the finger-spelling video (never trained on)."""
    video = shared_path("video", "asl_hand.25fps.mp4")
    reference = json.loads(shared_path("video", "asl_hand.full.json").read_text())
    wanted = set(FRAMES)
    return [(rgb, np.asarray(reference[i], np.float32)[:, :2]) for i, rgb in iter_frames(video) if i in wanted]


def _box(points: np.ndarray) -> tuple[float, float, float, float]:
    (x0, y0), (x1, y1) = points.min(axis=0), points.max(axis=0)
    return float(x0), float(y0), float(x1), float(y1)


@pytest.mark.slow
def test_default_weights_agree_with_mediapipe_on_unseen_frames(estimator, video_frames) -> None:
    results = [estimator.estimate(rgb, _box(ref)) for rgb, ref in video_frames]
    pred = np.stack([r.keypoints_px for r in results])
    ref = np.stack([ref for _, ref in video_frames])
    # A regression floor for the shipped weights on this one person's finger-spelling: they measure
    # 0.85 here (0.84 on every third frame of the video, PCK@0.1 0.62), the previous ones 0.88 (0.85,
    # PCK@0.1 0.53); on held-out photos they score 0.93. The floor leaves room for CPU rounding.
    assert pck(normalised_errors(pred, ref), 0.2) >= 0.82
    assert all(r.has_hand for r in results)


@pytest.mark.slow
def test_result_shapes_and_hand(estimator, video_frames) -> None:
    rgb, ref = video_frames[0]
    result = estimator.estimate(rgb, _box(ref))
    cfg = estimator.cfg
    assert len(result.beliefs) == cfg.stages
    assert all(b.shape == (22, cfg.heatmap_size, cfg.heatmap_size) and b.dtype == np.float32 for b in result.beliefs)
    assert result.crop.shape == (cfg.input_size, cfg.input_size, 3)
    hand = result.to_hand("Right", 0.9)
    assert hand.image_size == (rgb.shape[1], rgb.shape[0]) and hand.handedness == "Right"
    assert not hand.has_depth and np.isnan(hand.world).all()
    assert result.to_hand().handedness == "Unknown"


@pytest.mark.parametrize("kind", ["blank", "noise", "gradient"])
def test_crops_without_a_hand_say_no_hand(estimator, kind: str) -> None:
    rng = np.random.default_rng(0)
    frame = {
        "blank": np.full((480, 640, 3), 128, np.uint8),
        "noise": rng.integers(0, 256, (480, 640, 3), dtype=np.uint8),
        "gradient": np.broadcast_to(np.linspace(0, 255, 640, dtype=np.uint8)[None, :, None], (480, 640, 3)).copy(),
    }[kind]
    result = estimator.estimate(frame, (200, 150, 400, 350))
    assert not result.has_hand, f"{kind}: mean confidence {result.score:.2f} >= threshold {result.threshold}"


def test_views_are_rgb_images(estimator, video_frames) -> None:
    rgb, ref = video_frames[1]
    result = estimator.estimate(rgb, _box(ref))
    multi = multi_view(result, tile=100)
    assert multi.shape == (100, 100 * (estimator.cfg.stages + 1), 3) and multi.dtype == np.uint8
    assert single_view(result, size=200).shape == (200, 200, 3)
    grid = heatmap_view(result, tile=64, columns=6)
    assert grid.shape == (4 * 64, 6 * 64, 3)
    assert set(VIEWS) == {"MULTI", "SINGLE", "HM"}


def test_bad_frames_are_refused(estimator) -> None:
    with pytest.raises(ValueError, match="uint8 RGB frame"):
        estimator.estimate(np.zeros((10, 10), np.uint8), (0, 0, 5, 5))
    with pytest.raises(ValueError, match="box"):
        estimator.estimate(np.zeros((10, 10, 3), np.uint8), (5, 5, 0, 0))


@pytest.mark.slow
@pytest.mark.extended
def test_finetune_reports_before_and_after(estimator, video_frames) -> None:
    crops = []
    for rgb, ref in video_frames:
        result = estimator.estimate(rgb, _box(ref))
        crops.append((result.crop, cropping.points_to_crop(ref, result.matrix)))  # MediaPipe's points in crop px
    fresh = CPMEstimator()
    before = [p.detach().clone() for p in fresh.model.parameters()]
    beliefs_before = fresh.beliefs(crops[0][0])[-1]
    progress = []
    report = finetune(fresh, crops * 2, epochs=1, on_progress=lambda e, n, loss: progress.append((e, n, loss)))
    assert 0.0 <= report.pck_before <= 1.0 and 0.0 <= report.pck_after <= 1.0
    assert report.epochs == 1 and report.held_out_crops == len(crops * 2) // 5 + 1 and len(progress) == 1
    assert any(not torch.equal(a, b) for a, b in zip(before, fresh.model.parameters(), strict=True))
    assert not np.allclose(fresh.beliefs(crops[0][0])[-1], beliefs_before)  # estimates use the new weights


@pytest.mark.slow
def test_finetune_cancel_keeps_the_weights(video_frames) -> None:
    fresh = CPMEstimator()
    model = fresh.model
    crops = [(np.zeros((192, 192, 3), np.uint8), ref - ref.min(axis=0) + 40) for _, ref in video_frames[:5]]
    cancel = threading.Event()
    cancel.set()
    report = finetune(fresh, crops, epochs=3, cancel=cancel)
    assert report.cancelled and report.epochs == 0 and fresh.model is model


@pytest.mark.slow
def test_an_upright_model_reads_the_hand_turned_by_the_angle_of_its_first_pass(video_frames) -> None:
    rgb, ref = video_frames[2]
    reader = CPMEstimator()
    torch.manual_seed(0)
    reader.model = HandCPM(dataclasses.replace(reader.cfg, upright=True)).eval()  # any weights: this is plumbing
    size, window = reader.cfg.input_size, cropping.window_from_box(_box(ref), reader.cfg.margin)
    plain = cropping.crop_matrix(window, size)
    first_pass, _ = reader.cfg.decode(reader.beliefs(cropping.warp(rgb, plain, size))[-1])  # as its config decodes
    result = reader.estimate(rgb, _box(ref))
    np.testing.assert_allclose(result.matrix, cropping.crop_matrix(window, size, upright_angle(first_pass)), atol=1e-4)
    np.testing.assert_array_equal(result.crop, cropping.warp(rgb, result.matrix, size))
    # a known angle (MediaPipe's keypoints, the previous frame's) saves the first pass
    told = reader.estimate(rgb, _box(ref), upright_deg=30.0)
    np.testing.assert_allclose(told.matrix, cropping.crop_matrix(window, size, 30.0), atol=1e-4)
    reader.model = HandCPM(dataclasses.replace(reader.cfg, upright=False)).eval()
    np.testing.assert_allclose(reader.estimate(rgb, _box(ref), upright_deg=30.0).matrix, plain, atol=1e-4)


@pytest.mark.slow
@pytest.mark.extended
def test_flip_test_follows_the_weights_config_unless_told(video_frames) -> None:
    rgb, ref = video_frames[1]
    reader = CPMEstimator(flip_test=None)
    size, window = reader.cfg.input_size, cropping.window_from_box(_box(ref), reader.cfg.margin)
    crop = cropping.warp(rgb, cropping.crop_matrix(window, size), size)

    def weights(flip_test: bool) -> HandCPM:  # the shipped weights under a config that says flip_test
        model = HandCPM(dataclasses.replace(reader.cfg, flip_test=flip_test)).eval()
        model.load_state_dict(reader.model.state_dict())
        return model

    reader.model = weights(False)
    plain = reader.beliefs(crop)[-1]
    mirror_maps = reader.beliefs(np.ascontiguousarray(crop[:, ::-1]))[-1][..., ::-1]
    reader.model = weights(True)
    assert reader.flip_test
    np.testing.assert_allclose(reader.beliefs(crop)[-1], (plain + mirror_maps) / 2, atol=1e-4)
    told = CPMEstimator(flip_test=False)
    told.model = weights(True)
    assert not told.flip_test  # told: the config's choice is overridden
    np.testing.assert_allclose(told.beliefs(crop)[-1], plain, atol=1e-5)
