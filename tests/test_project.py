"""A project's samples as a dataset, training it, and loading its model."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from handmaker import make_hand, pointing_hand

from core.data.project import (
    ModelRefusedError,
    check_replacement,
    feature_config_for,
    load_project_model,
    model_dir,
    project_dataset,
    train_project,
)
from core.data.store import Sample, Store
from core.gestures.classifier import GestureClassifier
from core.gestures.training import NotEnoughDataError, TrainConfig


def _fill(store: Store, project: str, depth: bool = True) -> None:
    rng = np.random.default_rng(0)
    samples = []
    for label, angle in (("pointing_up", 90), ("pointing_right", 180), ("thumbs_down", -90)):
        for _ in range(12):
            points = pointing_hand(angle + rng.normal(0, 6)) + rng.normal(0, 2, (21, 2)).astype(np.float32)
            samples.append(Sample(hand=make_hand(points, depth=depth), class_name=label, source_kind="webcam"))
    store.add_samples(project, samples)


def _model_bytes(store: Store, project: str) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(model_dir(store, project).iterdir())}


def test_dataset_matches_store(tmp_path: Path) -> None:
    store = Store(tmp_path)
    project = store.ensure_project()
    _fill(store, project)
    dataset = project_dataset(store, project)
    assert dataset.features.shape == (36, 60) and dataset.feature_config.use_depth
    assert len(dataset.labels) == len(dataset.sample_ids) == 36
    assert dataset.classes[:2] == ["thumbs_up", "thumbs_down"] and len(dataset.classes) == 8
    assert dataset.mirror_map["pointing_right"] == "pointing_left"


def test_two_d_samples_give_a_two_d_config() -> None:
    assert not feature_config_for([make_hand(depth=True), make_hand(depth=False)]).use_depth
    assert feature_config_for([make_hand(depth=True)]).use_depth
    assert not feature_config_for([]).use_depth


def test_train_saves_and_loads(tmp_path: Path) -> None:
    store = Store(tmp_path)
    project = store.ensure_project()
    assert load_project_model(store, project) is None
    _fill(store, project)
    result, dataset = train_project(store, project, TrainConfig(epochs=80, patience=20))
    assert result.val_accuracy >= 0.9
    assert "pointing_left" in result.classes  # made from mirrored 👉 samples
    loaded = load_project_model(store, project)
    assert isinstance(loaded, GestureClassifier) and loaded.metadata["project"] == project
    np.testing.assert_allclose(
        loaded.predict_proba(dataset.features), result.classifier.predict_proba(dataset.features)
    )
    assert (model_dir(store, project) / "model.json").exists() and list(model_dir(store, project).glob("*.safetensors"))


def test_too_little_data_keeps_the_old_model(tmp_path: Path) -> None:
    store = Store(tmp_path)
    project = store.ensure_project()
    _fill(store, project)
    train_project(store, project, TrainConfig(epochs=20))
    before = _model_bytes(store, project)
    store.clear_class(project, "pointing_up")
    store.clear_class(project, "thumbs_down")
    store.clear_class(project, "pointing_right")
    with pytest.raises(NotEnoughDataError):
        train_project(store, project, TrainConfig(epochs=20))
    assert _model_bytes(store, project) == before


def test_collapsed_model_does_not_replace_a_good_one(tmp_path: Path) -> None:
    """Issue 19 item 4: ``--lr -1`` saved a 0% model over the working one. A run that barely moves from
    its random start (1 epoch at the smallest learning rate) is far below the saved model on the same
    validation samples: refused, the saved files unchanged; ``force`` saves it."""
    store = Store(tmp_path)
    project = store.ensure_project()
    _fill(store, project)
    good, _ = train_project(store, project, TrainConfig(epochs=80, patience=20))
    assert good.val_accuracy >= 0.9
    before = _model_bytes(store, project)
    weak = TrainConfig(epochs=1, learning_rate=1e-6, seed=3)
    with pytest.raises(ModelRefusedError, match=r"collapsed: \d+% on \d+ validation samples where the saved"):
        train_project(store, project, weak)
    assert _model_bytes(store, project) == before
    result, _ = train_project(store, project, weak, force=True)
    assert result.val_accuracy < 0.7 and _model_bytes(store, project) != before


def test_diverged_run_is_refused(tmp_path: Path) -> None:
    store = Store(tmp_path)
    project = store.ensure_project()
    _fill(store, project)
    result, dataset = train_project(store, project, TrainConfig(epochs=5))
    result.history = [replace(s, val_loss=float("nan"), train_loss=float("nan")) for s in result.history]
    with pytest.raises(ModelRefusedError, match="diverged"):
        check_replacement(store, project, result, dataset, force=True)
