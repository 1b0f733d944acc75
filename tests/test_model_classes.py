"""A project predicts only what it was taught (issue #30): the class plan, training, the pre-check, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import hagrid_photos
from handmaker import make_hand

from core.cli.main import main as cli_main
from core.data.class_plan import LEFT_OUT, MIRRORED, SAMPLES, STARTER, plan_classes, starter_gestures, summary_line
from core.data.project import features_of, load_project_model, train_project
from core.data.store import Sample, Store
from core.gestures.catalog import DEFAULT_CLASSES
from core.gestures.training import NotEnoughDataError, TrainConfig
from core.starter.poses import procedural_samples
from ui.jobs.training import NotReadyError, check_trainable

FAST = TrainConfig(epochs=60, patience=15)
CLASSES = [c.name for c in DEFAULT_CLASSES]
MIRROR = {c.name: c.mirror_partner for c in DEFAULT_CLASSES}
UNRECORDED = [c for c in CLASSES if c not in ("thumbs_up", "fist")]


def _counts(**recorded: int) -> dict[str, int]:
    return dict.fromkeys(CLASSES, 0) | recorded


def _reasons(counts: dict[str, int], starter: bool = True, keep: bool = False, mirror: bool = True) -> dict:
    plans = plan_classes(counts, MIRROR, mirror, starter_gestures() if starter else None, keep)
    return {p.name: p.reason for p in plans}


def test_the_model_classes_are_those_with_own_or_mirrored_samples() -> None:
    reasons = _reasons(_counts(thumbs_up=12, pointing_right=10))
    assert reasons == dict.fromkeys(CLASSES, LEFT_OUT) | {
        "thumbs_up": SAMPLES, "pointing_right": SAMPLES, "pointing_left": MIRRORED,
    }  # fmt: skip
    assert _reasons(_counts(pointing_right=10), mirror=False)["pointing_left"] == LEFT_OUT
    kept = _reasons(_counts(thumbs_up=12), keep=True)
    assert kept == dict.fromkeys(CLASSES, STARTER) | {"thumbs_up": SAMPLES}
    assert _reasons(_counts(thumbs_up=12), starter=False, keep=True)["fist"] == LEFT_OUT  # keep: starter gestures only
    assert set(_reasons(_counts()).values()) == {STARTER}  # nothing recorded: the starter gestures are all there is
    own = plan_classes({"wave": 10, "thumbs_up": 0}, {}, True, starter_gestures(), keep_unrecorded=True)
    assert [(p.name, p.reason) for p in own] == [("wave", SAMPLES), ("thumbs_up", STARTER)]


def test_the_cli_line_says_what_trains_and_what_is_left_out() -> None:
    plans = plan_classes(_counts(thumbs_up=12, pointing_right=10), MIRROR, True, starter_gestures())
    line = summary_line(plans, starter_on=True)
    assert line.startswith("training classes: thumbs_up, pointing_right, pointing_left (mirrored); unknown: ")
    assert line.endswith("--keep-starter-gestures keeps the starter gestures): thumbs_down, pointing_up, ok, fist, "
                         "open_palm")  # fmt: skip
    assert "unknown" not in summary_line(plans, starter_on=False)


def test_the_pre_check_agrees_with_the_plan() -> None:
    config = TrainConfig()
    plans = check_trainable(_counts(thumbs_up=12, fist=12), MIRROR, config, starter=True)
    assert [p.name for p in plans if p.kept] == ["thumbs_up", "fist"]
    with pytest.raises(NotReadyError, match="only 'thumbs up' has samples.*Keep starter gestures I did not record"):
        check_trainable(_counts(thumbs_up=12), MIRROR, config, starter=True)
    kept = check_trainable(_counts(thumbs_up=12), MIRROR, config, starter=True, keep_unrecorded=True)
    assert [p.name for p in kept if p.kept] == CLASSES
    with pytest.raises(NotReadyError, match="ok has 3"):
        check_trainable(_counts(thumbs_up=12, ok=3), MIRROR, config, starter=True)
    with pytest.raises(NotReadyError, match="at least two classes"):  # no starter gesture listed: no keep hint
        check_trainable({"wave": 10, "claw": 0}, {}, config, starter=True)


def _record(store: Store, project: str, labels: tuple[str, ...], n: int = 12) -> None:
    """``n`` webcam-like samples of each starter gesture of ``labels`` (procedural hands, palm 80 px)."""
    points, names = procedural_samples(3 * n, 0, seed=4)
    samples = []
    for label in labels:
        for user_view in points[np.array(names) == label][:n]:
            raw = user_view[:, :2] * np.array([-80.0, 80.0], np.float32)  # unmirror
            samples.append(Sample(hand=make_hand(raw), class_name=label, source_kind="webcam"))
    store.add_samples(project, samples)


@pytest.mark.slow
def test_a_project_with_two_recorded_gestures_trains_those_two(tmp_path: Path) -> None:
    store = Store(tmp_path)
    _record(store, store.ensure_project(), ("thumbs_up", "fist"))
    result, _ = train_project(store, "default", TrainConfig(epochs=15), starter=True)  # the classes, not the fit
    assert result.classes == ["thumbs_up", "fist"] and result.skipped_classes == UNRECORDED
    saved = load_project_model(store, "default")
    assert saved.classes == ["thumbs_up", "fist"] and saved.metadata["skipped_classes"] == UNRECORDED
    assert saved.metadata["starter"]["labelled_rows"] > 0  # the starter's 👍 and 👊 rows still adapt them
    with pytest.raises(NotEnoughDataError, match="--keep-starter-gestures"):
        store.clear_class("default", "fist")
        train_project(store, "default", TrainConfig(epochs=15), starter=True)


@pytest.mark.slow  # MediaPipe finds the hands in real photos; two trainings with the starter set
def test_a_real_open_palm_is_unknown_or_recorded_unless_kept(tmp_path: Path) -> None:
    from core.data.imports.extract import extract_to_store

    store = Store(tmp_path)
    project = store.ensure_project()
    for label, folder in (("thumbs_up", "like"), ("fist", "fist")):
        extract_to_store(store, project, label, hagrid_photos(folder, 12))
    palms = store.create_project("palms", default_classes=False)
    extract_to_store(store, palms, "palm", hagrid_photos("palm", 12), create_class=True)
    hands = [s.hand for s in store.list_samples(palms)]
    assert len(hands) >= 10

    def shown(model) -> list[str]:  # noqa: ANN001 - a GestureClassifier
        return [p.label for p in model.predict(features_of(hands, model.feature_config))]

    result, _ = train_project(store, project, FAST, starter=True)
    assert result.classes == ["thumbs_up", "fist"]
    labels = shown(result.classifier)  # hagrid_380: people the starter set never saw; 12 of 12 unknown, seeds 0-3
    assert set(labels) <= {"unknown", "thumbs_up", "fist"} and labels.count("unknown") >= len(labels) - 2, labels
    kept, _ = train_project(store, project, FAST, starter=True, keep_unrecorded=True)
    assert kept.classes == CLASSES and kept.skipped_classes == []
    assert shown(kept.classifier).count("open_palm") >= len(hands) - 2  # 12 of 12 on seeds 0-3


@pytest.mark.slow  # two trainings with the 25,000-row starter set
def test_cli_keep_starter_gestures(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    store = Store(tmp_path)
    _record(store, store.ensure_project(), ("thumbs_up", "fist"))

    def train(*flags: str) -> tuple[list[str], dict]:
        assert cli_main(["--data", str(tmp_path), "train", "--epochs", "40", *flags]) == 0
        lines = capsys.readouterr().out.strip().splitlines()
        return lines, json.loads(lines[-1])

    lines, taught = train()
    assert lines[0].startswith("training classes: thumbs_up, fist; unknown: starter examples of other hands; left out")
    assert taught["classes"] == ["thumbs_up", "fist"] and taught["left_out"] == UNRECORDED
    assert taught["from_starter_alone"] == []
    lines, kept = train("--keep-starter-gestures")
    assert "left out" not in lines[0] and "open_palm (starter)" in lines[0]
    assert kept["classes"] == CLASSES and kept["left_out"] == [] and kept["from_starter_alone"] == UNRECORDED
