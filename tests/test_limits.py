"""core.io.limits: every bound refuses a value just over it by name, and model files are refused from their JSON alone."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from core.cli import main as cli
from core.cpm import checkpoint
from core.cpm.config import ConfigError, CPMConfig
from core.gestures.classifier import GestureClassifier, ModelFileError
from core.gestures.features import FeatureConfig
from core.io.limits import (
    LIMITS,
    LimitError,
    check_cpm_sizes,
    check_cpm_weights,
    check_hidden,
    check_image_size,
    check_upload_bytes,
    check_video_header,
)


def test_each_bound_passes_at_the_limit_and_names_what_is_over_it() -> None:
    side = LIMITS.image_side
    check_image_size("a.png", side, LIMITS.image_pixels // side)
    with pytest.raises(LimitError, match=r"^a\.png: .*side over the limit of 16,384"):
        check_image_size("a.png", side + 1, 8)
    with pytest.raises(LimitError, match=r"^b\.jpg: 12000×12000 = 144,000,000 pixels, over the limit of 50,000,000"):
        check_image_size("b.jpg", 12000, 12000)
    with pytest.raises(LimitError, match="empty size"):
        check_image_size("c.png", 0, 10)

    check_video_header("v.mp4", 4096, 4096, LIMITS.video_frames, 60.0)
    with pytest.raises(LimitError, match=r"^v\.mp4: frames of 4097×4096 pixels"):
        check_video_header("v.mp4", 4097, 4096, 10, 25.0)
    with pytest.raises(LimitError, match="108,001 frames, over the limit of 108,000"):
        check_video_header("v.mp4", 640, 480, LIMITS.video_frames + 1, 0.0)
    with pytest.raises(LimitError, match="33.3 minutes long, over the limit of 30 minutes"):
        check_video_header("v.mp4", 640, 480, 2000, 1.0)

    check_upload_bytes("up.mp4", LIMITS.upload_bytes)
    with pytest.raises(LimitError, match=r"^up\.mp4: 200\.0 MB, over the upload limit of 200 MB"):
        check_upload_bytes("up.mp4", LIMITS.upload_bytes + 1)

    check_hidden("--hidden", [LIMITS.hidden_width] * LIMITS.hidden_layers)
    with pytest.raises(LimitError, match=r"^--hidden: hidden layer width 2,049, over the limit of 2,048"):
        check_hidden("--hidden", [64, LIMITS.hidden_width + 1])
    with pytest.raises(LimitError, match="9 hidden layers, over the limit of 8"):
        check_hidden("--hidden", [8] * 9)

    with pytest.raises(LimitError, match=r"^cfg: stage_channels = 20,000, over the limit of 256"):
        check_cpm_sizes("cfg", {"stage_channels": 20000})
    with pytest.raises(LimitError, match="stem_channels must be a whole number"):
        check_cpm_sizes("cfg", {"stem_channels": 1e9})
    with pytest.raises(LimitError, match=r"stages = 7, over the limit of 6"):
        check_cpm_sizes("cfg", {"stages": 7})
    with pytest.raises(LimitError, match=r"^cfg: feature_channels = 0, must be at least 1"):
        check_cpm_sizes("cfg", {"feature_channels": 0})
    with pytest.raises(LimitError, match="50,000,001 weights"):
        check_cpm_weights("cfg", LIMITS.cpm_weights + 1)


def _write_cpm_config(folder: Path, **changes: object) -> Path:
    folder.mkdir()
    text = json.loads(CPMConfig().to_json())
    (folder / checkpoint.CONFIG_FILE).write_text(json.dumps(text | changes))
    return folder


def test_a_cpm_config_with_20000_channels_is_refused_from_its_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before: HandCPM(cfg) was built first and the process was OOM-killed at 23.7 GB."""
    folder = _write_cpm_config(tmp_path / "huge", stage_channels=20000)

    def never_built(*_: object, **__: object) -> None:
        raise AssertionError("the network was built before the config was checked")

    monkeypatch.setattr(checkpoint, "build", never_built)  # refused from the JSON, nothing built
    with pytest.raises(
        checkpoint.CheckpointError, match=r"huge/config\.json: stage_channels = 20,000, over the limit of 256"
    ):
        checkpoint.load(folder)
    with pytest.raises(ConfigError, match="feature_channels = 4,096"):
        CPMConfig(feature_channels=4096)  # train-cpm's flags build a CPMConfig too


def test_a_cpm_within_each_field_limit_but_too_large_as_a_whole_is_refused(tmp_path: Path) -> None:
    at_bounds = {"stem_channels": 256, "feature_channels": 256, "stage_channels": 256, "backbone_blocks": 8,
                 "stage_blocks": 8, "stages": 6, "stage_kernel": 7, "input_size": 368}  # fmt: skip
    folder = _write_cpm_config(tmp_path / "big", **at_bounds)
    with pytest.raises(
        checkpoint.CheckpointError, match=r"big/config\.json: the network would hold 159,896,709 weights"
    ):
        checkpoint.read_config(folder)
    assert checkpoint.read_config(checkpoint.DEFAULT_DIR).stage_channels == 64  # the shipped model is well inside


def test_a_classifier_json_with_a_20_million_wide_layer_is_refused_before_allocation(tmp_path: Path) -> None:
    """Before: 5.5 GB of weights were allocated, then the shape check refused the file."""
    folder = GestureClassifier(["a", "b"], FeatureConfig(), hidden=(8,)).save(tmp_path / "model")
    description = json.loads((folder / "model.json").read_text())
    (folder / "model.json").write_text(json.dumps(description | {"hidden": [20_000_000]}))
    with pytest.raises(ModelFileError, match=r"model\.json: .*hidden layer width 20,000,000, over the limit of 2,048"):
        GestureClassifier.load(folder)


def test_train_refuses_a_hidden_size_over_the_limit_naming_the_flag(
    data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["train", "--hidden", "100000000", "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert "error: --hidden: hidden layer width 100,000,000, over the limit of 2,048" in err
    assert "Traceback" not in err
    assert not data_dir.exists()  # refused before the store was even opened


@pytest.mark.slow
def test_the_train_page_refuses_a_hidden_size_over_the_limit(data_dir: Path) -> None:
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(__file__).resolve().parents[1] / "app.py"), default_timeout=60)
    at.switch_page("pages/train.py")
    at.run()
    at.text_input(key="train_hidden").set_value("128, 100000000")
    at.run()
    next(b for b in at.button if b.label.startswith("🧠 Start training")).click()
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Check the training settings: Hidden layer sizes: hidden layer width 100,000,000, over the limit of 2,048"
    ]
    assert "train_run" not in at.session_state
