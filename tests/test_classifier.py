"""GestureClassifier: predictions, threshold, save/load that trusts nothing, ONNX parity."""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from handmaker import make_hand, pointing_hand
from safetensors.torch import save_file
from skeletonmaker import make_body

from core.gestures.classifier import CONFIG_FILE, GestureClassifier, ModelFileError
from core.gestures.features import FeatureConfig, hand_features
from core.types import UNKNOWN_LABEL

CLASSES = ["thumbs_up", "fist", "pointing_right", "pointing_left", "open_palm"]


def _classifier(seed: int = 0, use_depth: bool = True, threshold: float = 0.6) -> GestureClassifier:
    """Random weights, scaled up so probabilities are far from uniform."""
    torch.manual_seed(seed)
    clf = GestureClassifier(CLASSES, FeatureConfig(use_depth=use_depth), hidden=(32, 16), threshold=threshold)
    with torch.no_grad():
        for p in clf.network.parameters():
            p.mul_(3.0)
    clf.metadata.update(val_accuracy=0.93, n_samples=120, note="ünïcode 👉")
    return clf


def _features(n: int, config: FeatureConfig, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(0, 0.5, (n, config.size)).astype(np.float32)


@pytest.fixture
def saved(tmp_path: Path) -> tuple[GestureClassifier, Path]:
    clf = _classifier()
    folder = tmp_path / "model"
    clf.save(folder)
    return clf, folder


WEIGHTS = r"model\.[0-9a-f]{16}\.safetensors"  # the weights file's name: model.<sha256[:16]>.safetensors


def _weights(folder: Path) -> Path:
    """The weights file that ``model.json`` names."""
    return folder / json.loads((folder / CONFIG_FILE).read_text())["weights_file"]


def _replace_weights(folder: Path, data: bytes) -> None:
    """Put ``data`` in place of the weights *and* fix the checksum, so load must judge the content itself."""
    _weights(folder).write_bytes(data)
    description = json.loads((folder / CONFIG_FILE).read_text())
    description["weights_sha256"] = hashlib.sha256(data).hexdigest()
    (folder / CONFIG_FILE).write_text(json.dumps(description))


def _edit_json(folder: Path, **changes: object) -> None:
    description = json.loads((folder / CONFIG_FILE).read_text())
    description.update(changes)
    (folder / CONFIG_FILE).write_text(json.dumps(description))


# ---- predictions -----------------------------------------------------------------------


@pytest.mark.parametrize("use_depth", [True, False])
def test_predict_proba_is_a_distribution(use_depth: bool) -> None:
    clf = _classifier(use_depth=use_depth)
    probs = clf.predict_proba(_features(9, clf.feature_config))
    assert probs.shape == (9, len(CLASSES)) and probs.dtype == np.float32
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-5)
    one = clf.predict_proba(_features(9, clf.feature_config)[0])  # a single (D,) row works too
    np.testing.assert_allclose(one, probs[:1], atol=1e-6)  # not bit-equal: BLAS paths differ by batch size


def test_predict_proba_refuses_bad_input() -> None:
    clf = _classifier()
    with pytest.raises(ValueError, match=r"\(N, 60\)"):
        clf.predict_proba(np.zeros((2, 40), np.float32))
    bad = _features(2, clf.feature_config)
    bad[1, 3] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        clf.predict_proba(bad)


def test_threshold_gives_unknown_but_keeps_score() -> None:
    clf = _classifier(threshold=0.6)
    with torch.no_grad():
        clf.network[-1].weight.zero_()
        clf.network[-1].bias.zero_()  # equal logits: every class 1/5
    pred = clf.predict(_features(1, clf.feature_config))[0]
    assert pred.label == UNKNOWN_LABEL
    assert pred.score == pytest.approx(0.2, abs=1e-6)
    assert list(pred.probabilities) == CLASSES
    clf.threshold = 0.1
    assert clf.predict(_features(1, clf.feature_config))[0].label == CLASSES[0]


def test_predict_labels_match_argmax() -> None:
    clf = _classifier(threshold=0.0)
    x = _features(20, clf.feature_config)
    labels = [p.label for p in clf.predict(x)]
    assert labels == [CLASSES[i] for i in clf.predict_proba(x).argmax(axis=1)]


def test_predict_hand_uses_user_view_features() -> None:
    clf = _classifier(threshold=0.0)
    hand = make_hand(pointing_hand(180))
    expected = clf.predict_proba(hand_features(hand, clf.feature_config)[None])[0]
    pred = clf.predict_hand(hand)
    np.testing.assert_allclose(list(pred.probabilities.values()), expected, atol=1e-7)


# ---- save / load -----------------------------------------------------------------------


def test_round_trip_is_exact(saved: tuple[GestureClassifier, Path]) -> None:
    clf, folder = saved
    loaded = GestureClassifier.load(folder)
    x = _features(33, clf.feature_config)
    np.testing.assert_array_equal(loaded.predict_proba(x), clf.predict_proba(x))
    assert loaded.classes == CLASSES and loaded.hidden == (32, 16) and loaded.threshold == 0.6
    assert loaded.feature_config == clf.feature_config and loaded.metadata == clf.metadata
    assert sorted(p.name for p in folder.iterdir()) == sorted([_weights(folder).name, CONFIG_FILE])  # no temporaries
    description = json.loads((folder / CONFIG_FILE).read_text())
    assert description["format"] == "handteach-gesture-mlp" and description["feature_config"]["version"] == 1


def test_same_weights_save_to_the_same_file_name(tmp_path: Path) -> None:
    """The weights file is named by its bytes' checksum: a rebuild with equal weights must not rename it."""
    clf = _classifier()
    names = {_weights(clf.save(tmp_path / str(n))).name for n in range(12)}
    assert len(names) == 1, names


def test_save_overwrites_previous_model(saved: tuple[GestureClassifier, Path]) -> None:
    _, folder = saved
    other = _classifier(seed=5, use_depth=False)
    other.save(folder)
    x = _features(4, other.feature_config)
    np.testing.assert_array_equal(GestureClassifier.load(folder).predict_proba(x), other.predict_proba(x))


def _same_model(folder: Path, clf: GestureClassifier) -> bool:
    x = _features(8, clf.feature_config)
    loaded = GestureClassifier.load(folder)
    return loaded.feature_config == clf.feature_config and np.array_equal(loaded.predict_proba(x), clf.predict_proba(x))


@pytest.mark.parametrize("step", [0, 1])
def test_crash_at_any_rename_keeps_the_old_model_whole(
    saved: tuple[GestureClassifier, Path], monkeypatch: pytest.MonkeyPatch, step: int
) -> None:
    """Issue 19 item 4: a crash between the weights rename and the JSON rename used to leave a pair
    failing its checksum with the previous model gone. Now either rename failing keeps the old model."""
    old, folder = saved
    real_replace, calls = os.replace, []

    def crash_at_step(src: str, dst: str) -> None:
        calls.append(dst)
        if len(calls) - 1 == step:
            raise OSError("simulated crash")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", crash_at_step)
    with pytest.raises(OSError, match="simulated crash"):
        _classifier(seed=9, use_depth=False).save(folder)
    monkeypatch.undo()
    assert _same_model(folder, old)


def test_crash_after_the_switch_keeps_the_new_model_whole(
    saved: tuple[GestureClassifier, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clean-up of the old weights comes after the switch: failing there leaves the new model."""
    _, folder = saved
    new = _classifier(seed=9, use_depth=False)
    new.save(folder)  # the first model's weights stay as "previous"; a third save removes them
    monkeypatch.setattr(Path, "unlink", lambda *a, **k: (_ for _ in ()).throw(OSError("simulated crash")))
    newest = _classifier(seed=11)
    with pytest.raises(OSError, match="simulated crash"):
        newest.save(folder)
    monkeypatch.undo()
    assert _same_model(folder, newest)
    _classifier(seed=12).save(folder)
    assert len(list(folder.glob("*.safetensors"))) == 2  # the current and the previous weights, no more


def test_non_finite_weights_are_never_saved(saved: tuple[GestureClassifier, Path]) -> None:
    """Issue 19 item 4: ``train --lr nan`` saved NaN weights over the working model."""
    old, folder = saved
    diverged = _classifier(seed=3)
    with torch.no_grad():
        diverged.network[0].weight[0, 0] = float("nan")
    with pytest.raises(ValueError, match="not finite"):
        diverged.save(folder)
    assert _same_model(folder, old)


_SAVE_LOOP = """
import os, sys
import torch
from core.gestures.classifier import GestureClassifier
from core.gestures.features import FeatureConfig

# torch is imported once; each line on stdin forks a saver, the process the test kills (a fork skips the
# seconds of a fresh interpreter's imports). The models are made in the saver: nothing ran in threads before it.
for command in sys.stdin:
    if command.startswith("reap"):
        os.waitpid(int(command.split()[1]), 0)
        print("reaped", flush=True)
        continue
    if os.fork() == 0:
        models = []
        for seed in (0, 1):
            torch.manual_seed(seed)
            models.append(GestureClassifier(["a", "b", "c"], FeatureConfig(use_depth=bool(seed)), hidden=(256, 128)))
        models[0].save(sys.argv[1])  # a whole model exists before the first kill can land
        print(f"ready {os.getpid()}", flush=True)
        i = 1
        while True:
            models[i % 2].save(sys.argv[1])
            i += 1
"""


@pytest.mark.slow
def test_kill_9_during_saves_leaves_a_whole_model(tmp_path: Path) -> None:
    """A real ``kill -9`` of a process saving two models in turn, at random moments: one of them loads."""
    import signal
    import subprocess
    import sys

    folder = tmp_path / "model"
    rng = np.random.default_rng(0)
    root = Path(__file__).resolve().parents[1]
    forker = subprocess.Popen([sys.executable, "-c", _SAVE_LOOP, str(folder)], cwd=root, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    assert forker.stdin is not None and forker.stdout is not None
    try:
        for _ in range(8):
            forker.stdin.write("save\n")
            forker.stdin.flush()
            ready = forker.stdout.readline().split()
            assert ready[:1] == ["ready"], ready
            time.sleep(float(rng.uniform(0.05, 0.6)))
            os.kill(int(ready[1]), signal.SIGKILL)
            forker.stdin.write(f"reap {ready[1]}\n")  # gone for good before the model is read
            forker.stdin.flush()
            assert forker.stdout.readline().strip() == "reaped"
            loaded = GestureClassifier.load(folder)  # never a checksum error, never a missing file
            assert loaded.classes == ["a", "b", "c"] and loaded.hidden == (256, 128)
    finally:
        forker.kill()
        forker.wait()


def test_pickle_in_place_of_weights_is_never_run(saved: tuple[GestureClassifier, Path], tmp_path: Path) -> None:
    """A protocol-0 pickle whose loading would create a folder (os.mkdir): load must refuse without running it."""
    _, folder = saved
    marker = tmp_path / "pickle_ran"
    payload = f"cposix\nmkdir\n(V{marker}\ntR.".encode()
    _replace_weights(folder, payload)
    with pytest.raises(ModelFileError, match=rf"{WEIGHTS}.*not a safetensors file"):
        GestureClassifier.load(folder)
    assert not marker.exists()


def test_torch_checkpoint_in_place_of_weights_is_refused(saved: tuple[GestureClassifier, Path]) -> None:
    clf, folder = saved
    path = folder / "checkpoint.pt"
    torch.save(clf.network.state_dict(), path)  # a zip holding a pickle: the classic unsafe format
    _replace_weights(folder, path.read_bytes())
    with pytest.raises(ModelFileError, match=rf"{WEIGHTS}.*not a safetensors file"):
        GestureClassifier.load(folder)


def test_random_bytes_are_refused(saved: tuple[GestureClassifier, Path]) -> None:
    _, folder = saved
    noise = np.random.default_rng(0).bytes(4000)
    _weights(folder).write_bytes(noise)
    with pytest.raises(ModelFileError, match=rf"{WEIGHTS}.*checksum"):
        GestureClassifier.load(folder)
    _replace_weights(folder, noise)
    with pytest.raises(ModelFileError, match=rf"{WEIGHTS}.*not a safetensors file"):
        GestureClassifier.load(folder)
    (folder / CONFIG_FILE).write_bytes(noise)
    with pytest.raises(ModelFileError, match=rf"{CONFIG_FILE}.*not a readable JSON"):
        GestureClassifier.load(folder)


def test_wrong_tensor_shapes_are_refused(saved: tuple[GestureClassifier, Path]) -> None:
    clf, folder = saved
    tensors = {k: v.clone() for k, v in clf.network.state_dict().items()}
    tensors["0.weight"] = torch.zeros(32, 40)  # a 2D-feature layer in a 3D-feature model
    save_file(tensors, folder / "other.safetensors")
    _replace_weights(folder, (folder / "other.safetensors").read_bytes())
    with pytest.raises(ModelFileError, match=rf"{WEIGHTS}.*'0.weight' is \(32, 40\)"):
        GestureClassifier.load(folder)


def test_hidden_sizes_that_do_not_match_weights_are_refused(saved: tuple[GestureClassifier, Path]) -> None:
    _, folder = saved
    _edit_json(folder, hidden=[64, 16])
    with pytest.raises(ModelFileError, match=rf"{WEIGHTS}.*implies"):
        GestureClassifier.load(folder)


def test_extra_or_missing_tensors_are_refused(saved: tuple[GestureClassifier, Path]) -> None:
    clf, folder = saved
    tensors = {k: v.clone() for k, v in clf.network.state_dict().items() if k != "6.bias"}
    tensors["extra"] = torch.zeros(3)
    save_file(tensors, folder / "other.safetensors")
    _replace_weights(folder, (folder / "other.safetensors").read_bytes())
    with pytest.raises(ModelFileError, match=r"missing \['6.bias'\], unexpected \['extra'\]"):
        GestureClassifier.load(folder)


def test_nan_weights_are_refused(saved: tuple[GestureClassifier, Path]) -> None:
    clf, folder = saved
    tensors = {k: v.clone() for k, v in clf.network.state_dict().items()}
    tensors["3.bias"][0] = float("nan")
    save_file(tensors, folder / "other.safetensors")
    _replace_weights(folder, (folder / "other.safetensors").read_bytes())
    with pytest.raises(ModelFileError, match="NaN"):
        GestureClassifier.load(folder)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"format": "keras-model"}, "not a handteach gesture model"),
        ({"format_version": 99}, "format version 99"),
        ({"feature_config": {"use_depth": True, "version": 0}}, "feature version 0"),
        ({"feature_config": "3d"}, "feature_config"),
        ({"feature_config": {"use_depth": True, "version": 1, "skeleton": "tail"}}, "skeleton 'tail'"),
        ({"feature_config": {"use_depth": True, "version": 1, "skeleton": ["hand"]}}, r"skeleton \['hand'\]"),
        ({"feature_config": {"use_depth": True, "version": 1, "min_visibility": 2}}, "min_visibility"),
        ({"feature_config": {"use_depth": True, "version": 1, "use_visibility": 1}}, "use_visibility"),
        ({"classes": ["a"]}, "at least two classes"),
        ({"classes": ["a", "a", "b", "c", "d"]}, "unique"),
        ({"threshold": 7}, "threshold"),
        ({"hidden": "128,64"}, "hidden"),
        ({"weights_sha256": None}, "weights_sha256"),
    ],
)
def test_bad_json_fields_are_refused(saved: tuple[GestureClassifier, Path], changes: dict, message: str) -> None:
    _, folder = saved
    _edit_json(folder, **changes)
    with pytest.raises(ModelFileError, match=rf"{CONFIG_FILE}.*{message}"):
        GestureClassifier.load(folder)


def test_json_of_another_tool_is_refused(saved: tuple[GestureClassifier, Path]) -> None:
    _, folder = saved
    (folder / CONFIG_FILE).write_text(json.dumps({"architectures": ["BertModel"], "hidden_size": 768}))
    with pytest.raises(ModelFileError, match=rf"{CONFIG_FILE}: not a handteach gesture model"):
        GestureClassifier.load(folder)
    (folder / CONFIG_FILE).write_text("[1, 2, 3]")
    with pytest.raises(ModelFileError, match=CONFIG_FILE):
        GestureClassifier.load(folder)


@pytest.mark.parametrize("missing", ["weights", CONFIG_FILE])
def test_missing_files_are_named(saved: tuple[GestureClassifier, Path], missing: str) -> None:
    _, folder = saved
    path = _weights(folder) if missing == "weights" else folder / missing
    path.unlink()
    with pytest.raises(ModelFileError, match=rf"{path.name}: file is missing"):
        GestureClassifier.load(folder)


def test_missing_folder_is_named(tmp_path: Path) -> None:
    with pytest.raises(ModelFileError, match="nowhere: model folder not found"):
        GestureClassifier.load(tmp_path / "nowhere")


def test_model_file_error_is_a_value_error() -> None:
    assert issubclass(ModelFileError, ValueError)


def test_metadata_that_is_not_json_is_refused_before_writing(tmp_path: Path) -> None:
    clf = _classifier()
    clf.metadata["when"] = object()
    with pytest.raises(ValueError, match="JSON"):
        clf.save(tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_the_skeleton_round_trips_and_old_models_read_hands(tmp_path: Path) -> None:
    body = FeatureConfig(use_depth=False, skeleton="body", use_visibility=True, min_visibility=0.3)
    clf = GestureClassifier(["t_pose", "arms_up"], body, hidden=(8,))
    back = GestureClassifier.load(clf.save(tmp_path / "body"))
    assert back.feature_config == body and back.n_features == 99
    assert json.loads((tmp_path / "body" / CONFIG_FILE).read_text())["feature_config"]["skeleton"] == "body"
    # a model saved before skeletons were data has only use_depth and version: it reads hands, as it always did
    _classifier().save(tmp_path / "old")
    _edit_json(tmp_path / "old", feature_config={"use_depth": True, "version": 1})
    assert GestureClassifier.load(tmp_path / "old").feature_config == FeatureConfig(use_depth=True)


def test_keypoints_of_another_skeleton_are_refused_by_name() -> None:
    body_model = GestureClassifier(["t_pose", "arms_up"], FeatureConfig(use_depth=False, skeleton="body"), hidden=(8,))
    with pytest.raises(ValueError, match="this model reads body keypoints, got hand keypoints"):
        body_model.predict_hand(make_hand())
    with pytest.raises(ValueError, match="this model reads hand keypoints, got body keypoints"):
        _classifier().predict_hand(make_body())
    assert body_model.predict_hand(make_body()).label in {"t_pose", "arms_up", UNKNOWN_LABEL}
