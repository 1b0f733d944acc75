"""eval-keypoints: annotation formats, the CLI's report, and messages naming bad entries."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from core.cli.cpm import main
from core.cpm.evaluation.annotations import AnnotationError, _tip_first_votes, load_annotations
from core.cpm.evaluation.eval_keypoints import evaluate_both
from core.cpm.evaluation.metrics import normalised_errors, summary
from tests.conftest import shared_path


def test_pck_uses_the_given_hand_size() -> None:
    ref = np.zeros((1, 21, 2), np.float32)
    ref[0, :, 0] = np.arange(21) * 5  # 100 px wide
    pred = ref + np.array([0.0, 8.0], np.float32)  # 8 px off everywhere
    assert summary(normalised_errors(pred, ref))["pck_0.1"] == 1.0
    assert summary(normalised_errors(pred, ref, sizes=np.array([40.0])))["pck_0.1"] == 0.0
    visible = np.ones((1, 21), bool)
    visible[0, 3] = False
    assert np.isnan(normalised_errors(pred, ref, visible)[0, 3])


@pytest.mark.parametrize(
    "name, hands",
    [
        ("freihand/test_freihand.json", 8),
        ("onehand10k/test_onehand10k.json", 4),
        ("rhd/test_rhd.json", 3),
        ("coco/test_coco_wholebody.json", 10),
        ("interhand2.6m/test_interhand2.6m_data.json", 6),
    ],
)
def test_every_keypoints_gt_format_loads(name: str, hands: int) -> None:
    loaded = load_annotations(shared_path("keypoints_gt", name))
    assert len(loaded) == hands
    assert all(hand.keypoints.shape == (21, 2) and hand.image.is_file() for hand in loaded)
    # in our order finger bases lie nearer the wrist than tips (RHD lists tips first and is reordered)
    assert _tip_first_votes(loaded) <= 0.5


@pytest.mark.slow
def test_cli_reports_pck_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_path("keypoints_gt", "freihand", "test_freihand.json")
    assert main(["eval-keypoints", "--annotations", str(path), "--backend", "cpm", "--crop", "gt"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert {"pck_0.05", "pck_0.1", "pck_0.2", "mean_error", "detected", "ms_per_hand"} <= set(result)
    assert result["hands"] == 8 and result["detected"] == 1.0 and 0.5 <= result["pck_0.2"] <= 1.0
    assert "PCK@0.2" in lines[1]


@pytest.mark.slow
def test_the_resnet_deconv_is_scored_as_the_cpm_and_wrong_or_missing_weights_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from core.cpm.checkpoint import DEFAULT_DIR
    from core.data import project_cpm
    from tests.conftest import resdeconv_checkpoint

    path = str(shared_path("keypoints_gt", "freihand", "test_freihand.json"))
    untrained = str(resdeconv_checkpoint(tmp_path / "rd"))
    assert main(["eval-keypoints", "--annotations", path, "--backend", "resnet-deconv", "--checkpoint", untrained]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    assert lines[0].startswith("resnet-deconv (gt crops) on 8 hands, detected 100%, judged to hold a hand 100%")
    assert result["hands"] == 8 and result["has_hand"] == 1.0  # threshold 0: every crop holds a hand
    assert result["pck_0.2"] < 0.5  # random weights: the shipped CPM scores 0.5 to 1 on these (above)
    assert main(["eval-keypoints", "--annotations", path, "--backend", "resnet-deconv", "--checkpoint",
                 str(DEFAULT_DIR)]) == 2  # fmt: skip
    assert f"{DEFAULT_DIR} holds CPM weights, not ResNet-deconv: give --backend cpm" in capsys.readouterr().err
    monkeypatch.setitem(project_cpm.DEFAULT_DIRS, "resnet-deconv", tmp_path / "absent")
    assert main(["eval-keypoints", "--annotations", path, "--backend", "resnet-deconv"]) == 2
    err = capsys.readouterr().err
    assert f"the ResNet-deconv weights are missing: {tmp_path / 'absent'} has no config.json" in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_the_resnet_deconv_defaults_to_its_shipped_weights(capsys: pytest.CaptureFixture[str]) -> None:
    import core.resdeconv

    if not (core.resdeconv.DEFAULT_DIR / "config.json").is_file():
        pytest.skip(f"the ResNet-deconv's weights are not shipped yet: {core.resdeconv.DEFAULT_DIR}/config.json absent")
    path = str(shared_path("keypoints_gt", "freihand", "test_freihand.json"))
    assert main(["eval-keypoints", "--annotations", path, "--backend", "resnet-deconv"]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert result["hands"] == 8 and result["detected"] == 1.0 and 0.0 <= result["pck_0.2"] <= 1.0


@pytest.mark.slow  # MediaPipe answers the hands
def test_same_hands_scores_both_backends_on_the_hands_mediapipe_answered(capsys: pytest.CaptureFixture[str]) -> None:
    path = shared_path("keypoints_gt", "onehand10k", "test_onehand10k.json")
    hands = load_annotations(path)
    results, same = evaluate_both(hands)
    # the CPM answers every crop, so the shared hands are exactly those MediaPipe found
    assert results["cpm"]["detected"] == 1.0
    assert same["hands"] == round(results["mediapipe"]["detected"] * len(hands))
    assert same["mediapipe_pck_0.2"] == pytest.approx(results["mediapipe"]["pck_0.2"])
    assert main(["eval-keypoints", "--annotations", str(path), "--same-hands"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["same_hands"] == same["hands"] and out["pck_0.2"] == round(results["cpm"]["pck_0.2"], 4)
    assert out["same_hands_cpm_pck_0.2"] == round(same["cpm_pck_0.2"], 4)


def _copy_with(tmp_path: Path, edit) -> Path:
    source = shared_path("keypoints_gt", "freihand", "test_freihand.json")
    data = json.loads(source.read_text())
    edit(data)
    out = tmp_path / "bad.json"
    out.write_text(json.dumps(data))
    return out


def test_wrong_keypoint_count_names_the_entry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def drop_a_joint(data: dict) -> None:
        data["annotations"][2]["keypoints"] = data["annotations"][2]["keypoints"][:60]

    bad = _copy_with(tmp_path, drop_a_joint)
    images = str(shared_path("keypoints_gt", "freihand"))
    assert main(["eval-keypoints", "--annotations", str(bad), "--images", images]) == 2
    err = capsys.readouterr().err
    entry = json.loads(bad.read_text())["annotations"][2]["id"]
    assert f"annotation id {entry}" in err and "got 60 numbers" in err


def test_main_cli_reports_bad_entries(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from core.cli.main import main as core_main

    def truncate(data: dict) -> None:
        data["annotations"][0]["keypoints"] = [1, 2, 3]

    bad = _copy_with(tmp_path, truncate)
    entry = json.loads(bad.read_text())["annotations"][0]["id"]
    assert core_main(["eval-keypoints", "--annotations", str(bad)]) == 2
    assert f"annotation id {entry}" in capsys.readouterr().err


def test_missing_image_names_the_entry(tmp_path: Path) -> None:
    def rename(data: dict) -> None:
        data["images"][0]["file_name"] = "nowhere.jpg"

    bad = _copy_with(tmp_path, rename)
    with pytest.raises(AnnotationError, match=r"bad\.json: annotation id \d+ .*nowhere\.jpg not found"):
        load_annotations(bad, shared_path("keypoints_gt", "freihand"))


def test_not_coco_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / "list.json"
    bad.write_text("[1, 2]")
    with pytest.raises(AnnotationError, match="list.json: not a COCO-style file"):
        load_annotations(bad)
