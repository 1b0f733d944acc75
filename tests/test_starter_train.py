"""Training with the starter set: personalisation, new classes, conflicts, the CLI switch, the curve."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from handmaker import make_hand

from core.cli.main import main as cli_main
from core.data.store import Sample, Store
from core.gestures.catalog import DEFAULT_CLASSES
from core.gestures.features import FeatureConfig, keypoints_to_features
from core.gestures.training import NotEnoughDataError, TrainConfig
from core.starter import StarterOptions, check_trainable, load_starter_set, train_with_starter
from core.starter.claims import conflicting_rows
from core.starter.curve import learning_curve
from core.starter.poses import UP, WRIST_MIDDLE, FaceOn, Facing, _pose, oriented, procedural_samples

FAST = TrainConfig(epochs=60, patience=15)
CLASSES = [c.name for c in DEFAULT_CLASSES]
MIRROR = {c.name: c.mirror_partner for c in DEFAULT_CLASSES}
D2 = FeatureConfig(use_depth=False)


def vee_hands(n: int, seed: int) -> np.ndarray:
    """(n, 21, 3) user-view points of ✌ (index and middle up, spread), upright, facing the camera."""
    spread_vee = lambda r, m: _pose(r, m, "sscc", "tucked", spread=(1.0, 1.3))  # noqa: E731
    rules = (Facing(WRIST_MIDDLE, UP, 25), FaceOn(0.7))
    return oriented(spread_vee, rules, n, np.random.default_rng(seed)).astype(np.float32)


def gesture_hands(name: str, n: int, seed: int) -> np.ndarray:
    points, labels = procedural_samples(n, 0, seed=seed)
    return points[np.array(labels) == name]


@pytest.mark.slow  # trains with the whole starter set: 1-3 s of the quick suite's minute
def test_a_new_class_from_ten_samples_and_unrecorded_classes_still_work() -> None:
    user = keypoints_to_features(vee_hands(12, seed=5), D2)
    result = train_with_starter(user[:10], ["vee"] * 10, [*CLASSES, "vee"], MIRROR | {"vee": "vee"}, D2,
                                load_starter_set(), FAST)  # fmt: skip
    model = result.classifier
    assert "vee" in model.classes and set(CLASSES) <= set(model.classes)
    assert [p.label for p in model.predict(user[10:])] == ["vee", "vee"]
    hands, labels = procedural_samples(30, 0, seed=99)
    x = keypoints_to_features(hands, D2)
    shown = np.array([p.label for p in model.predict(x)])
    for name in ("thumbs_up", "fist", "pointing_left"):  # never recorded by this user
        assert np.mean(shown[np.array(labels) == name] == name) >= 0.8, name


@pytest.mark.slow  # trains with the whole starter set: 1-3 s of the quick suite's minute
def test_mirror_image_classes_are_named_only_when_training_mirrors() -> None:
    """Two own classes that are each other's mirror image, beside the starter: their copies weigh less and the
    result names them; without mirroring there are no copies, so nothing is named."""
    vee = vee_hands(10, seed=6)
    flipped = vee * np.array([-1.0, 1.0, 1.0], np.float32)  # the same pose with the other hand
    x = keypoints_to_features(np.concatenate([vee, flipped]), D2)
    labels, classes = ["vee_a"] * 10 + ["vee_b"] * 10, [*CLASSES, "vee_a", "vee_b"]
    mirror = MIRROR | {"vee_a": "vee_a", "vee_b": "vee_b"}
    landings = {"vee_a": "vee_b", "vee_b": "vee_a"}
    assert train_with_starter(x, labels, classes, mirror, D2, load_starter_set(), FAST).mirror_landings == landings
    no_mirror = TrainConfig(epochs=60, patience=15, mirror=False)
    assert train_with_starter(x, labels, classes, mirror, D2, load_starter_set(), no_mirror).mirror_landings == {}


@pytest.mark.slow  # several trainings with the 25,000-row starter set: 5-12 s each on a busy machine
def test_user_samples_win_where_they_disagree_with_the_starter() -> None:
    # This user's "fist" is what the starter calls ✌: their samples must decide.
    user = keypoints_to_features(vee_hands(22, seed=8), D2)
    result = train_with_starter(user[:12], ["fist"] * 12, CLASSES, MIRROR, D2, load_starter_set(), FAST)
    # 10 held-out hands: all closest to "fist", most of them above the threshold (the starter's
    # ✌ rows near the user's hands still pull some towards "unknown": 7 to 9 shown of 10 measured)
    probs = result.classifier.predict_proba(user[12:])
    assert np.all(probs.argmax(axis=1) == result.classifier.classes.index("fist"))
    assert [p.label for p in result.classifier.predict(user[12:])].count("fist") >= 6
    assert result.classifier.metadata["starter"]["dropped_for_conflicts"] > 0


def test_conflicting_rows_are_those_near_a_user_sample_of_another_class() -> None:
    starter = np.array([[0.0] * 40, [0.0] * 39 + [1.0], [5.0] * 40], np.float32)
    user = np.array([[0.0] * 40], np.float32)
    drop = conflicting_rows(starter, ["other", "fist", "other"], user, ["fist"], D2, radius=0.3)
    assert drop.tolist() == [True, False, False]  # same label kept, far rows kept


def test_min_samples_and_two_classes_rules() -> None:
    counts = dict.fromkeys(CLASSES, 0) | {"thumbs_up": 6}
    assert set(check_trainable(counts, MIRROR, TrainConfig())) == set(CLASSES)  # one recorded class is enough
    with pytest.raises(NotEnoughDataError, match="'ok' has 3"):
        check_trainable(counts | {"ok": 3}, MIRROR, TrainConfig())
    with pytest.raises(NotEnoughDataError, match="at least two"):
        check_trainable({"wave": 10}, {"wave": "wave"}, TrainConfig())  # no starter class, one user class
    one = keypoints_to_features(vee_hands(1, seed=2), D2)  # the curve trains on single samples
    result = train_with_starter(one, ["vee"], [*CLASSES, "vee"], MIRROR, D2, load_starter_set(),
                                TrainConfig(epochs=5), StarterOptions(min_samples_per_class=1))  # fmt: skip
    assert result.n_val == 0 and "vee" in result.classes


def _store_with_two_classes(data: Path) -> None:
    """12 webcam-like samples each of ☝ and ✋ in the default project."""
    store = Store(data)
    samples = []
    for label in ("pointing_up", "open_palm"):
        for user_view in gesture_hands(label, 12, seed=3):
            raw = user_view[:, :2] * np.array([-80.0, 80.0], np.float32)  # unmirror; palm length 80 px
            samples.append(Sample(hand=make_hand(raw), class_name=label, source_kind="webcam"))
    store.add_samples(store.ensure_project(), samples)


def _train_json(data: Path, *flags: str, capsys: pytest.CaptureFixture[str]) -> dict:
    assert cli_main(["--data", str(data), "train", "--epochs", "40", *flags]) == 0
    return json.loads(capsys.readouterr().out.strip().splitlines()[-1])


@pytest.mark.slow  # several trainings with the 25,000-row starter set: 5-12 s each on a busy machine
def test_cli_train_uses_the_starter_unless_told_not_to(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    _store_with_two_classes(data)
    alone = _train_json(data, "--no-starter", capsys=capsys)
    assert set(alone["classes"]) == {"pointing_up", "open_palm"}  # user samples only
    combined = _train_json(data, capsys=capsys)
    assert set(combined["classes"]) == {"pointing_up", "open_palm"}  # unrecorded starter gestures are left out
    assert combined["starter_rows"] > 0 and combined["n_samples"] == alone["n_samples"] == 24
    kept = _train_json(data, "--keep-starter-gestures", capsys=capsys)
    assert set(kept["classes"]) == set(CLASSES)  # kept: starter data fills the unrecorded classes


@pytest.mark.slow  # several trainings with the 25,000-row starter set: 5-12 s each on a busy machine
def test_learning_curve_points() -> None:
    x = keypoints_to_features(vee_hands(8, seed=4), D2)
    fists = keypoints_to_features(gesture_hands("fist", 8, seed=4), D2)
    X = np.concatenate([x, fists])
    labels = ["vee"] * 8 + ["fist"] * 8
    test = np.array(([False] * 5 + [True] * 3) * 2)
    points = learning_curve(X, labels, test, [*CLASSES, "vee"], MIRROR, D2, load_starter_set(), sizes=(1, 10),
                            repeats=1, config=TrainConfig(epochs=30, patience=10))  # fmt: skip
    assert [p.samples_per_class for p in points] == [1, 5]  # the curve stops at the largest pool (5)
    assert points[1].used == {"fist": 5, "vee": 5}
    assert all(0.0 <= p.accuracy <= 1.0 for p in points) and points[1].accuracy >= 0.8
    alone = learning_curve(X, labels, test, ["fist", "vee"], {}, D2, None, sizes=(1,), repeats=1,
                           config=TrainConfig(epochs=10))  # fmt: skip
    assert alone[0].used == {"fist": 1, "vee": 1}  # one sample each, nothing held out, no starter set


@pytest.mark.slow  # several trainings with the 25,000-row starter set: 5-12 s each on a busy machine
def test_a_project_trained_with_starter_data_is_not_taken_for_the_shipped_model(tmp_path: Path) -> None:
    from core.data.project import load_project_model, train_project
    from core.starter import is_shipped_starter, starter_model_for

    data = tmp_path / "data"
    _store_with_two_classes(data)
    store = Store(data)
    result, _ = train_project(store, "default", FAST, starter=True)
    assert result.classifier.metadata["starter_data"] is True
    assert isinstance(result.classifier.metadata["starter"], dict), "the starter rows used, as the trainer wrote them"
    assert not is_shipped_starter(load_project_model(store, "default"))
    assert is_shipped_starter(starter_model_for(CLASSES))


def _store_with_own_classes(data: Path, project: str, labels: tuple[str, ...]) -> Store:
    """12 samples each of ``labels`` (vee hands for a non-starter name, else procedural gestures) in a project
    created without the default classes."""
    store = Store(data)
    name = store.create_project(project, default_classes=False)
    samples = []
    for k, label in enumerate(labels):
        hands = vee_hands(12, seed=k) if label not in CLASSES else gesture_hands(label, 12, seed=k)
        if label == "claw":  # a second non-starter class: the vee turned upside down
            hands = hands * np.array([1.0, -1.0, 1.0], np.float32)
        for user_view in hands:
            raw = user_view[:, :2] * np.array([-80.0, 80.0], np.float32)
            samples.append(Sample(hand=make_hand(raw), class_name=label, source_kind="webcam"))
    store.add_samples(name, samples, create_classes=True)
    return store


def test_a_project_without_starter_gestures_trains_on_its_own_samples(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    _store_with_own_classes(data, "signs", ("vee", "claw"))
    assert cli_main(["--data", str(data), "train", "--project", "signs", "--epochs", "40"]) == 0
    out = capsys.readouterr().out
    report = json.loads(out.strip().splitlines()[-1])
    assert "starter rows used: 0" in out
    assert report["starter_rows"] == 0 and set(report["classes"]) == {"vee", "claw"}
    from core.data.project import load_project_model

    assert load_project_model(Store(data), "signs").metadata["starter_data"] is False  # the gate: train_with_starter


@pytest.mark.slow
def test_starter_rows_join_only_the_classes_a_project_has(tmp_path: Path) -> None:
    from core.data.project import load_project_model, train_project

    store = _store_with_own_classes(tmp_path, "mixed", ("fist", "vee"))
    result, _ = train_project(store, "mixed", FAST, starter=True)
    starter = load_starter_set()
    assert set(result.classifier.classes) == {"fist", "vee"}  # never a starter class the project lacks
    assert 0 < result.starter_rows <= len(starter)
    used = result.classifier.metadata["starter"]
    assert used["labelled_rows"] <= starter.counts()["fist"]  # labelled rows: fist only; the rest teach unknown
    assert used["labelled_rows"] + used["unknown_rows"] == result.starter_rows
    model = load_project_model(store, "mixed")
    palms = keypoints_to_features(gesture_hands("open_palm", 20, seed=8), model.feature_config)
    shown = [p.label for p in model.predict(palms)]
    # ✋ is no class here: often unknown. The user's own samples outweigh the "unknown" rows (16 against 0.2,
    # bench/people/fewshot.py: other people's other gestures accepted 0.34 -> 0.43), so this is no longer most of
    # them (8-11 of 20 over the last changes); trained on the samples alone, none would be.
    assert "open_palm" not in shown and shown.count("unknown") >= 6, shown


def test_a_curve_of_classes_the_starter_lacks_is_the_curve_without_it() -> None:
    x = keypoints_to_features(vee_hands(6, seed=5), D2)
    X = np.concatenate([x, x * np.array([1.0, -1.0] * 20, np.float32)])  # "claw": the vee upside down
    labels = ["vee"] * 6 + ["claw"] * 6
    test = np.array(([False] * 4 + [True] * 2) * 2)
    config = TrainConfig(epochs=10, patience=5)
    run = lambda starter: learning_curve(X, labels, test, ["vee", "claw"], {}, D2, starter, sizes=(1,), repeats=1,  # noqa: E731
                                         config=config)  # fmt: skip
    [with_set], [alone] = run(load_starter_set()), run(None)
    assert (with_set.accuracy, with_set.per_class) == (alone.accuracy, alone.per_class)
    assert with_set.used == {"claw": 1, "vee": 1}  # one sample a class trains: the starter's path, set left out


@pytest.mark.slow  # trains with the whole starter set: 1-3 s of the quick suite's minute
def test_ten_still_samples_recognise_the_hand_turned_later() -> None:
    """A person's 10 near-identical samples of their own ✌ and of 👊, then the same ✌ turned 30° in depth both
    ways and tilted 35°: the defaults (user samples outweigh the starter's, ±30° turns) keep them ✌ (12 of 12),
    where the settings before (weight 4, unknown 0.5, ±15° in plane only, no claims) kept 9."""
    from core.gestures.features import AugmentConfig, turn_points

    still = lambda points: points[:1].repeat(10, axis=0) + np.random.default_rng(1).normal(0, 0.004, (10, 21, 3))  # noqa: E731
    vee, fist = still(vee_hands(1, seed=11)), still(gesture_hands("fist", 4, seed=12))
    d3 = FeatureConfig(use_depth=True)
    x = keypoints_to_features(np.concatenate([vee, fist]).astype(np.float32), d3)
    labels = ["vee"] * 10 + ["fist"] * 10
    later = vee_hands(1, seed=11).repeat(12, axis=0)
    later = later - later[:, :1]
    later = turn_points(later, np.tile([30.0, -30.0], 6), np.tile([30.0, 30.0, -30.0], 4))
    tilt = np.deg2rad(np.tile([35.0, 35.0, -35.0, -35.0], 3))[:, None]
    x_, y_ = later[:, :, 0].copy(), later[:, :, 1].copy()
    later[:, :, 0], later[:, :, 1] = np.cos(tilt) * x_ - np.sin(tilt) * y_, np.sin(tilt) * x_ + np.cos(tilt) * y_
    test = keypoints_to_features(later.astype(np.float32), d3)
    mirror = {"vee": "vee", "fist": "fist"}
    before = StarterOptions(user_weight=4.0, rejection_weight=0.5, claim_share=1.0, coverage_copies=0,
                            min_samples_per_class=1)  # fmt: skip
    runs = {
        "defaults": (TrainConfig(epochs=80, patience=15), StarterOptions(min_samples_per_class=1)),
        "before": (TrainConfig(epochs=80, patience=15, aug=AugmentConfig()), before),
    }
    right = {}
    for name, (config, options) in runs.items():
        model = train_with_starter(x, labels, ["fist", "vee"], mirror, d3, load_starter_set(), config, options)
        # the top guess: views turned past training's ±30° lie beyond the examples' radius (core.gestures.familiarity),
        # so the label shown is "unknown" until a take of them is taught (Live's Teach it here), never "fist"
        top = model.classifier.predict_proba(test).argmax(axis=1)
        right[name] = int(sum(model.classifier.classes[i] == "vee" for i in top))
        assert {p.label for p in model.classifier.predict(test)} <= {"vee", "unknown"}
    assert right["defaults"] >= 11, right
