"""The Train page's worker: progress while it runs, Stop, keeping a stopped model, errors kept for the page."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand

from core.data.project import model_dir
from core.data.store import Sample, Store
from core.gestures.training import TrainConfig
from ui.jobs.training import TrainingRun, misclassified

pytestmark = pytest.mark.slow  # trains in the job runner's worker process (started once: seconds)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    """Synthetic 👉 and ✋ samples with a little noise (no MediaPipe needed)."""
    s = Store(tmp_path / "data")
    s.ensure_project()
    rng = np.random.default_rng(0)
    samples = []
    for name, points in (("pointing_right", pointing_hand(180.0)), ("open_palm", None)):
        for _ in range(12):
            hand = make_hand(points)
            noisy = hand.pixel + rng.normal(0, 2.0, hand.pixel.shape).astype(np.float32)
            samples.append(
                Sample(type(hand)(noisy, hand.normalised, hand.world, "Right", 0.9, (640, 480)), name, "image")
            )
    s.add_samples("default", samples)
    return s


def _wait(run: TrainingRun, condition, timeout: float = 60.0) -> None:  # noqa: ANN001
    deadline = time.monotonic() + timeout
    while not condition(run.snapshot()):
        assert time.monotonic() < deadline, f"timed out: {run.snapshot()}"
        time.sleep(0.02)


def test_run_reports_progress_and_saves_the_model(store: Store) -> None:
    run = TrainingRun(store, "default", TrainConfig(epochs=40, patience=40)).start()
    assert run.wait(120)
    snap = run.snapshot()
    assert snap.error is None and not snap.running and snap.saved and not snap.cancelled
    assert [s.epoch for s in snap.history] == list(range(1, len(snap.history) + 1))
    assert snap.result is not None and snap.result.val_accuracy == pytest.approx(1.0)
    assert (model_dir(store, "default") / "model.json").exists()
    assert misclassified(snap.result, snap.dataset) == []


def test_the_curves_spec_plots_the_columns_of_the_history_frames(store: Store) -> None:
    from ui.train.results import curves_spec, history_frames

    run = TrainingRun(store, "default", TrainConfig(epochs=5, patience=5)).start()
    assert run.wait(120)
    for frame, name in zip(history_frames(run.snapshot()), ("loss", "accuracy"), strict=True):
        data, spec = frame.reset_index(), curves_spec(name, frame)
        assert spec["encoding"]["x"]["field"] in data.columns and len(data) == 5
        # the ranges come with the spec (a chart drawn afresh warned "Infinite extent" computing them on no data)
        assert spec["encoding"]["x"]["scale"]["domain"] == [1, 5]
        assert spec["encoding"]["y"]["scale"]["domain"][1] >= float(frame.max().max())
        fold = spec["transform"][0]
        assert set(fold["fold"]) == set(data.columns) - {"pass"} and fold["as"][1] == spec["encoding"]["y"]["field"]


def test_stop_keeps_nothing_until_asked(store: Store) -> None:
    run = TrainingRun(store, "default", TrainConfig(epochs=100_000, patience=100_000)).start()
    _wait(run, lambda s: len(s.history) >= 2)
    run.cancel()
    assert run.wait(60)
    snap = run.snapshot()
    assert snap.cancelled and not snap.saved and snap.result is not None and snap.result.cancelled
    assert not (model_dir(store, "default") / "model.json").exists()
    run.keep()
    assert run.snapshot().saved and (model_dir(store, "default") / "model.json").exists()


def test_errors_in_the_worker_are_kept_for_the_page(store: Store) -> None:
    store.clear_class("default", "pointing_right")  # (clearing ✋ would not do: mirrored 👉 fills 👈)
    run = TrainingRun(store, "default", TrainConfig()).start()
    assert run.wait(60)
    snap = run.snapshot()
    assert snap.error is not None and "NotEnoughDataError" in snap.error and not snap.saved
    with pytest.raises(ValueError, match="no model"):
        run.keep()


def test_once_saved_the_run_measures_every_sample_with_progress(store: Store) -> None:
    """#45 item 3: the model is saved first, then each sample is tested by a model trained without it; the
    page reads rounds done of all, and the figure lands in the saved model for the next training to compare."""
    seen: list[tuple[int, int]] = []
    run = TrainingRun(store, "default", TrainConfig(epochs=8, patience=8), measure=True).start()
    while not run.wait(0.01):
        snap = run.snapshot()
        if snap.measuring is not None:
            assert snap.saved and (model_dir(store, "default") / "model.json").exists()  # saved before measuring
            seen.append((snap.measuring.done, snap.measuring.folds))
    measuring = run.snapshot().measuring
    assert measuring is not None and not measuring.running and measuring.crossval is not None
    assert measuring.crossval.figure.total == 24 and measuring.crossval.folds == 5 and measuring.note == ""
    assert seen and all(0 <= done <= total == 5 for done, total in seen if total)
    assert measuring.previous is None  # the first model of the project
    saved = json.loads((model_dir(store, "default") / "model.json").read_text())["metadata"]["crossval"]
    assert (saved["correct"], saved["total"]) == (measuring.crossval.figure.correct, 24)
    again = TrainingRun(store, "default", TrainConfig(epochs=8, patience=8, seed=1), measure=True).start()
    assert again.wait(120)
    assert again.snapshot().measuring.previous == (measuring.crossval.figure, 5)


def test_skipping_the_measure_keeps_the_model_and_stores_no_figure(store: Store) -> None:
    run = TrainingRun(store, "default", TrainConfig(epochs=8, patience=8), measure=True).start()
    _wait(run, lambda s: s.measuring is not None and s.measuring.done >= 1, timeout=120)
    run.skip_measuring()  # after the first round
    assert run.wait(120)
    snap = run.snapshot()
    assert snap.saved and not snap.cancelled and snap.error is None
    assert snap.measuring is not None and snap.measuring.crossval is None and "skipped" in snap.measuring.note
    assert "crossval" not in json.loads((model_dir(store, "default") / "model.json").read_text())["metadata"]


def test_the_curve_reuses_the_headline_only_for_the_same_samples_and_settings(store: Store) -> None:
    from ui.jobs.curve import CurveRun

    config = TrainConfig(epochs=4, patience=2)
    training = TrainingRun(store, "default", config, measure=True).start()
    assert training.wait(120)
    same = CurveRun(store, "default", config, training=training).start()
    assert same.wait(120) and (same.snapshot().done, same.snapshot().total) == (10, 10)
    assert same.snapshot().points[-1].figure == training.snapshot().measuring.crossval.figure
    other = CurveRun(store, "default", TrainConfig(epochs=4, patience=2, seed=2), training=training).start()
    assert other.wait(120) and other.snapshot().total == 15  # other settings: the last point measured too
    sample = store.list_samples("default")[0]
    store.relabel_samples([sample.id], "default", "pointing_right" if sample.class_name == "open_palm" else "open_palm")
    changed = CurveRun(store, "default", config, training=training).start()
    assert changed.wait(120) and changed.snapshot().total == 15


def test_one_recorded_gesture_is_saved_and_said_too_few_to_measure(store: Store) -> None:
    """With the starter set one recorded gesture trains (the starter fills the others); its samples alone cannot
    be tested by folds: said in words, not 'cannot measure 0 folds'."""
    from ui.jobs.training import TOO_FEW_TO_MEASURE

    store.clear_class("default", "pointing_right")
    run = TrainingRun(store, "default", TrainConfig(epochs=5, patience=5), starter=True, keep_unrecorded=True,
                      measure=True).start()  # fmt: skip
    assert run.wait(180)
    snap = run.snapshot()
    assert snap.error is None and snap.saved and snap.measuring.note == TOO_FEW_TO_MEASURE


def test_a_curve_of_one_gesture_says_what_it_needs(store: Store) -> None:
    from ui.jobs.curve import CurveRun

    store.clear_class("default", "pointing_right")
    run = CurveRun(store, "default", TrainConfig(epochs=4, patience=2)).start()
    assert run.wait(60)
    assert run.snapshot().error == "it tests your own samples, so it needs two gestures of at least two samples each"
