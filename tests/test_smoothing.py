"""core.keypoints.smoothing: the One Euro filter against a scalar reference, tracks, resets, the pipeline, real video."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from conftest import shared_path

from core.gestures.pipeline import Pipeline
from core.keypoints.smoothing import KeypointSmoother, OneEuroFilter, SmoothingConfig
from core.skeletons import HAND_21
from core.types import Keypoints

SIZE = (640, 480)
RNG_SHAPE = np.random.default_rng(7).uniform(-60, 60, (21, 2))  # a fixed hand shape around its centre


def make_hand(centre: tuple[float, float], handedness: str = "Right", noise: np.ndarray | None = None,
              world_nan: bool = False) -> Keypoints:  # fmt: skip
    pixel = (np.array(centre) + RNG_SHAPE + (0 if noise is None else noise)).astype(np.float32)
    normalised = np.zeros((21, 3), np.float32)
    normalised[:, :2] = pixel / np.array(SIZE)
    normalised[:, 2] = pixel[:, 0] / 1000.0
    world = np.full((21, 3), np.nan, np.float32) if world_nan else normalised * 0.1
    return Keypoints(pixel, normalised, world, handedness, 0.9, SIZE)


def reference_one_euro(xs: np.ndarray, ts: np.ndarray, cfg: SmoothingConfig, scale: float) -> np.ndarray:
    """Casiez et al.'s filter written out joint by joint in plain Python: (T, K, 2) pixels → filtered."""

    def alpha(cutoff: float, dt: float) -> float:
        tau = 1.0 / (2 * math.pi * cutoff)
        return 1.0 / (1.0 + tau / dt)

    out = np.zeros_like(xs)
    for k in range(xs.shape[1]):
        x_hat = list(xs[0, k])
        dx_hat = [0.0, 0.0]
        out[0, k] = x_hat
        for i in range(1, len(xs)):
            dt = ts[i] - ts[i - 1]
            dx = [(xs[i, k, c] - x_hat[c]) / dt for c in range(2)]
            dx_hat = [dx_hat[c] + alpha(cfg.d_cutoff, dt) * (dx[c] - dx_hat[c]) for c in range(2)]
            cutoff = cfg.min_cutoff + cfg.beta * math.hypot(*dx_hat) / scale
            x_hat = [x_hat[c] + alpha(cutoff, dt) * (xs[i, k, c] - x_hat[c]) for c in range(2)]
            out[i, k] = x_hat
    return out


def test_vectorised_filter_matches_the_scalar_reference() -> None:
    rng = np.random.default_rng(0)
    ts = np.cumsum(rng.uniform(0.02, 0.06, 40))  # uneven frame times, as a webcam delivers
    path = np.stack([np.linspace(0, 300, 40), 50 * np.sin(np.linspace(0, 6, 40))], axis=1)
    xs = path[:, None, :] + rng.normal(0, 2, (40, 5, 2))
    cfg = SmoothingConfig(min_cutoff=0.7, beta=2.0, d_cutoff=1.3)
    scale = 120.0
    f = OneEuroFilter(cfg, xs[0], ts[0])
    ours = np.stack([xs[0]] + [f(xs[i], ts[i], scale).copy() for i in range(1, 40)])
    np.testing.assert_allclose(ours, reference_one_euro(xs, ts, cfg, scale), rtol=1e-9, atol=1e-9)
    assert np.abs(ours - xs).max() > 1.0  # it filtered something


def test_still_hand_jitter_drops_and_a_moving_hand_follows() -> None:
    rng = np.random.default_rng(1)
    smoother = KeypointSmoother()
    raw, out = [], []
    for i in range(90):  # 3 s at 30 fps, 1 px of jitter on a 120 px hand
        hand = make_hand((320, 240), noise=rng.normal(0, 1.0, (21, 2)))
        raw.append(hand.pixel)
        out.append(smoother([hand], i / 30)[0].pixel)
    raw_std = np.std(raw[30:], axis=0).mean()
    out_std = np.std(out[30:], axis=0).mean()
    assert out_std < 0.5 * raw_std, (raw_std, out_std)
    # then a swipe: 400 px in 0.5 s; the filter must not trail by more than a few px once moving
    errors = []
    for i in range(15):
        centre = (120 + 400 * i / 15, 240)
        hand = make_hand(centre)
        errors.append(np.abs(smoother([hand], 3 + i / 30)[0].pixel - hand.pixel).max())
    speed_per_frame = 400 / 15
    assert max(errors[5:]) < 1.5 * speed_per_frame, errors  # at most about a frame and a half behind
    assert errors[-1] > 0.0  # it did filter (a pass-through would be 0)


def test_the_three_spaces_stay_consistent_and_nan_world_stays_nan() -> None:
    rng = np.random.default_rng(2)
    smoother = KeypointSmoother()
    for i in range(20):
        hand = make_hand((300 + 5 * i, 200), noise=rng.normal(0, 3, (21, 2)), world_nan=True)
        got = smoother([hand], i / 25)[0]
    np.testing.assert_allclose(got.normalised[:, :2] * np.array(SIZE), got.pixel, atol=1e-3)
    np.testing.assert_allclose(got.normalised[:, 2], got.pixel[:, 0] / 1000.0, atol=1e-5)
    assert np.isnan(got.world).all() and got.pixel.dtype == np.float32
    assert got.handedness == "Right" and got.skeleton is HAND_21


def test_a_hand_that_disappears_restarts_from_its_raw_points() -> None:
    smoother = KeypointSmoother()
    for i in range(10):
        smoother([make_hand((100, 100))], i / 30)
    assert smoother([], 10 / 30) == []
    back = make_hand((110, 104))
    assert np.array_equal(smoother([back], 11 / 30)[0].pixel, back.pixel)  # fresh track: raw points


def test_two_hands_keep_their_own_tracks_and_a_swap_restarts() -> None:
    smoother = KeypointSmoother()
    for i in range(10):
        left, right = make_hand((150, 240), "Left"), make_hand((490, 240), "Right")
        out = smoother([right, left], i / 30)  # order changes between frames: matched by position
        smoother([left, right], (i + 0.5) / 30)
    # each still hand stays exactly where it is (a blend of the two would sit between them)
    np.testing.assert_allclose(out[0].pixel, right.pixel, atol=1e-3)
    np.testing.assert_allclose(out[1].pixel, left.pixel, atol=1e-3)
    # the right hand turns up where the left one was (its track is gone): no blend of the two
    swapped = make_hand((150, 240), "Right")
    assert np.array_equal(smoother([swapped], 11 / 30)[0].pixel, swapped.pixel)


def test_time_going_backwards_starts_a_new_stream() -> None:
    smoother = KeypointSmoother()
    smoother([make_hand((100, 100))], 5.0)
    hand = make_hand((102, 100))
    assert not np.array_equal(smoother([hand], 5.04)[0].pixel, hand.pixel)
    assert np.array_equal(smoother([hand], 0.0)[0].pixel, hand.pixel)


def test_disabled_passes_through_and_bad_settings_are_named() -> None:
    hand = make_hand((100, 100))
    smoother = KeypointSmoother(SmoothingConfig(enabled=False))
    smoother([make_hand((0, 0))], 0.0)
    assert smoother([hand], 0.04)[0] is hand
    with pytest.raises(ValueError, match="smoothing beta: must be a finite number, got nan"):
        SmoothingConfig(beta=float("nan"))
    with pytest.raises(ValueError, match="smoothing min_cutoff: 0.0 is outside 0.01 to 100.0"):
        SmoothingConfig(min_cutoff=0.0)


class _Scripted:
    def __init__(self, frames: list[list[Keypoints]]) -> None:
        self.frames = iter(frames)

    def process(self, rgb: np.ndarray) -> list[Keypoints]:
        return next(self.frames)


def test_pipeline_returns_the_smoothed_hands_and_reset_forgets_them() -> None:
    rng = np.random.default_rng(3)
    hands = [make_hand((320, 240), noise=rng.normal(0, 1, (21, 2))) for _ in range(30)]
    pipeline = Pipeline(_Scripted([[h] for h in hands]), smoother=KeypointSmoother())
    frame = np.zeros((480, 640, 3), np.uint8)
    got = [pipeline.process(frame, timestamp=i / 30).hands[0].pixel for i in range(29)]
    assert np.std(got[10:], axis=0).mean() < 0.5 * np.std([h.pixel for h in hands[10:29]], axis=0).mean()
    pipeline.reset()
    assert np.array_equal(pipeline.process(frame, timestamp=0.0).hands[0].pixel, hands[29].pixel)


@pytest.mark.slow
def test_real_still_hand_jitters_less_through_mediapipe() -> None:
    """One frame of the shared ASL video, repeated with camera noise and JPEG compression, tracked by MediaPipe."""
    from core.io.video import iter_frames
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    video = shared_path("video", "asl_hand.25fps.mp4")
    _, frame = next(iter_frames(video))
    frame = cv2.resize(frame, (frame.shape[1] // 2, frame.shape[0] // 2))
    rng = np.random.default_rng(0)
    smoother = KeypointSmoother()
    raw, steady = [], []
    with HandTracker(TrackerConfig(max_num_hands=1)) as tracker:
        for i in range(40):
            noisy = np.clip(frame + rng.normal(0, 6, frame.shape), 0, 255).astype(np.uint8)
            _, jpeg = cv2.imencode(".jpg", noisy, [cv2.IMWRITE_JPEG_QUALITY, 80])
            hands = tracker.process(cv2.imdecode(jpeg, cv2.IMREAD_UNCHANGED))
            assert len(hands) == 1, f"frame {i}: {len(hands)} hands"
            raw.append(hands[0].pixel)
            steady.append(smoother(hands, i / 25)[0].pixel)
    raw_std, steady_std = np.std(raw[10:], axis=0).mean(), np.std(steady[10:], axis=0).mean()
    assert raw_std > 0.1  # the noise does make MediaPipe jitter (else this test would prove nothing)
    print(f"jitter of a still hand: {raw_std:.3f} px raw, {steady_std:.3f} px steadied")
    assert steady_std < 0.6 * raw_std, (raw_std, steady_std)


class _NoisyTracker:
    """A webcam stream's tracker stand-in: the same hand with fresh 1 px noise on every frame."""

    instances: list[_NoisyTracker] = []

    def __init__(self, config: object) -> None:
        self.rng = np.random.default_rng(4)
        self.raw: list[Keypoints] = []
        _NoisyTracker.instances.append(self)

    def process(self, rgb: np.ndarray) -> list[Keypoints]:
        self.raw.append(make_hand((320, 240), noise=self.rng.normal(0, 1, (21, 2))))
        return [self.raw[-1]]


@pytest.mark.slow
def test_webcam_stream_steadies_keypoints_and_the_switch_keeps_the_tracker() -> None:
    import time

    from core.keypoints.landmarks import TrackerConfig
    from ui.webcam.stream import StreamSession

    session = StreamSession("live", TrackerConfig(max_num_hands=1))
    session.tracker_factory = _NoisyTracker
    frame = np.zeros((480, 640, 3), np.uint8)
    shown = []
    for _ in range(12):
        session.process(frame)
        shown.append(session._latest.hands[0].pixel)
        time.sleep(0.03)
    tracker = _NoisyTracker.instances[-1]
    raw = [h.pixel for h in tracker.raw]
    assert np.std(shown[4:], axis=0).mean() < 0.6 * np.std(raw[4:], axis=0).mean()
    session.set_smoothing(SmoothingConfig(enabled=False))
    session.process(frame)
    assert _NoisyTracker.instances[-1] is tracker  # switching the filter does not restart MediaPipe
    assert np.array_equal(session._latest.hands[0].pixel, tracker.raw[-1].pixel)


def test_settings_read_the_filter_and_name_a_bad_variable() -> None:
    from ui.server.settings import SettingsError, load_settings

    settings = load_settings({"HANDTEACH_SMOOTHING_BETA": "4.5", "HANDTEACH_SMOOTHING": "off"}, use_secrets=False)
    assert settings.smoothing == SmoothingConfig(enabled=False, beta=4.5)
    assert load_settings({}, use_secrets=False).smoothing == SmoothingConfig()
    with pytest.raises(SettingsError, match="HANDTEACH_SMOOTHING_MIN_CUTOFF: smoothing min_cutoff: -1.0 is outside"):
        load_settings({"HANDTEACH_SMOOTHING_MIN_CUTOFF": "-1"}, use_secrets=False)
    with pytest.raises(SettingsError, match="HANDTEACH_SMOOTHING_D_CUTOFF must be a number, got 'fast'"):
        load_settings({"HANDTEACH_SMOOTHING_D_CUTOFF": "fast"}, use_secrets=False)
    with pytest.raises(SettingsError, match="HANDTEACH_SMOOTHING must be on or off, got 'maybe'"):
        load_settings({"HANDTEACH_SMOOTHING": "maybe"}, use_secrets=False)


def test_steadied_detector_times_a_videos_frames_by_its_rate() -> None:
    from core.keypoints.smoothing import steadied

    rng = np.random.default_rng(6)
    hands = [make_hand((320, 240), noise=rng.normal(0, 1, (21, 2))) for _ in range(30)]
    frames = iter(hands)
    detect = steadied(lambda rgb: [next(frames)], fps=25.0)
    got = [detect(np.zeros((4, 4, 3), np.uint8))[0].pixel for _ in range(30)]
    smoother = KeypointSmoother()
    expected = [smoother([h], i / 25.0)[0].pixel for i, h in enumerate(hands)]
    np.testing.assert_array_equal(np.stack(got), np.stack(expected))
    assert np.std(got[10:], axis=0).mean() < 0.6 * np.std([h.pixel for h in hands[10:]], axis=0).mean()


def test_a_video_file_is_annotated_with_steadied_keypoints(tmp_path) -> None:  # noqa: ANN001
    from core.gestures.inference import annotate_file
    from core.io.video import write_video

    video = tmp_path / "still.mp4"
    write_video(video, (np.full((48, 64, 3), 90, np.uint8) for _ in range(30)), 25.0)
    tracker = _NoisyTracker(None)
    records = list(annotate_file(video, tracker, None, None))  # type: ignore[arg-type]
    steady = np.array([r["hands"][0]["keypoints"] for r in records])
    raw = np.array([h.pixel for h in tracker.raw])
    assert len(records) == 30 and steady.shape == raw.shape
    assert np.std(steady[10:], axis=0).mean() < 0.6 * np.std(raw[10:], axis=0).mean()
