"""A job's arguments and answer as JSON (core.jobs.wire), as the queue stores them: what a training sends comes back
equal, bit for bit where it is an array; a stored value naming a class outside handteach, a function of a module
the worker does not run, or a model file with an odd name is refused in one line, with nothing imported or built."""

from __future__ import annotations

import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from core.classes.access import Viewer
from core.data.imports.uploads import UploadedFile, UploadReport
from core.data.project import Dataset
from core.gestures.features import FeatureConfig
from core.gestures.training import TrainConfig
from core.jobs import wire


@dataclass(frozen=True)
class Outside:
    """A dataclass of a module outside ``core``: a stored value may not name it."""

    text: str


def through_json(value: object) -> object:
    return wire.decode(json.loads(json.dumps(wire.encode(value), allow_nan=False)))  # jsonb has no NaN either


def test_a_trainings_arguments_come_back_equal() -> None:
    features = np.array([[-0.0, np.nan, 1e-42], [3.4e38, 0.5, -1.0]], np.float32)
    dataset = Dataset(features, ["a", "b"], [1, 2], ["a", "b"], {"a": "b"}, FeatureConfig(), "project-1")
    kwargs = {"data_dir": Path("/srv/handteach"), "project": "default", "config": TrainConfig(epochs=40),
              "viewer": Viewer(3, 1, "student", "Ann"), "files": [UploadedFile("take.mp4", b"\x00\xff" * 10)],
              "dataset": dataset, "pair": (1, float("inf")), "by_id": {7: "x"}}  # fmt: skip
    back = through_json(kwargs)
    assert isinstance(back, dict) and back.keys() == kwargs.keys()
    assert back["data_dir"] == Path("/srv/handteach") and back["config"] == TrainConfig(epochs=40)
    assert back["viewer"] == kwargs["viewer"] and back["files"] == kwargs["files"]
    assert back["pair"] == (1, float("inf")) and back["by_id"] == {7: "x"}
    got = back["dataset"]
    assert got.features.dtype == np.float32 and got.features.tobytes() == features.tobytes()
    assert (got.labels, got.mirror_map, got.feature_config, got.project_identity) == (
        dataset.labels, dataset.mirror_map, dataset.feature_config, dataset.project_identity)  # fmt: skip


def test_an_imports_report_keeps_its_counter() -> None:
    report = UploadReport(stored=3, frames=5, rejected=Counter({"no hand": 2}), failed=[("a.jpg", "unreadable")])
    back = through_json(report)
    assert back == report and isinstance(back.rejected, Counter)


def test_a_trained_model_travels_as_its_checked_files() -> None:
    from core.gestures.classifier import GestureClassifier

    model = GestureClassifier(["open_palm", "pointing"], FeatureConfig())
    back = through_json({"model": model})["model"]
    x = np.random.default_rng(0).random((4, model.n_features), dtype=np.float32)
    assert isinstance(back, GestureClassifier) and np.array_equal(back.predict_proba(x), model.predict_proba(x))
    with pytest.raises(wire.WireError, match="a stored model names an odd file: '../model.json'"):
        wire.decode({"$model": {"../model.json": ""}})


def test_a_stored_value_naming_a_class_outside_handteach_is_refused() -> None:
    stored = wire.encode({"a": Outside("x")})  # a page could never send it: what a hand-written row could say
    with pytest.raises(
        wire.WireError, match="^a stored value names a class outside handteach: 'test_jobs_wire:Outside'"
    ):
        wire.decode(stored)
    with pytest.raises(wire.WireError, match="outside handteach"):
        wire.decode({"$enum": "signal:Signals", "v": 9})
    with pytest.raises(wire.WireError):
        wire.decode({"$nd": "", "dtype": "|O", "shape": [0]})  # an object array would unpickle its items


def test_a_worker_imports_only_the_modules_it_runs() -> None:
    assert "antigravity" not in sys.modules
    with pytest.raises(wire.WireError, match="^this worker does not run jobs of 'antigravity:fly'$"):
        wire.resolve("antigravity:fly", wire.TASK_MODULES)
    assert "antigravity" not in sys.modules  # refused by name: nothing imported
    assert wire.resolve("core.jobs.tasks:train", wire.TASK_MODULES).__name__ == "train"


def test_what_cannot_travel_is_named_when_sent() -> None:
    with pytest.raises(wire.WireError, match="^a set cannot travel as JSON"):
        wire.encode({"ids": {1, 2}})
    with pytest.raises(wire.WireError, match="module-level function"):
        wire.fn_name(lambda context: None)
