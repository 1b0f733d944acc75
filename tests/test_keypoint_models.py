"""core.keypoints.models: the ONNX keypoint models made from mediapipe 0.10.21's .tflite files and checked before a
tracker starts: missing, truncated or foreign files are one line naming the file and the make step."""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import keypoint_models_or_skip

from core.keypoints.models import (
    BROWSER_TFLITE,
    MAKE_STEP,
    MANIFEST,
    NAMES,
    SOURCES,
    KeypointModelError,
    check_all,
    main,
    make_models,
    model_path,
    tflite_models,
    up_to_date,
)


def _fake_models(folder: Path) -> Path:
    """Every model as a few bytes of its own, with the manifest make writes."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for source in SOURCES:
        data = f"onnx bytes of {source.name}".encode()
        (folder / f"{source.name}.onnx").write_bytes(data)
        files[f"{source.name}.onnx"] = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                                        "tflite_sha256": source.sha256}  # fmt: skip
    (folder / MANIFEST).write_text(json.dumps({"files": files}), encoding="utf-8")
    return folder


def test_models_as_made_pass_the_check(tmp_path: Path) -> None:
    made = keypoint_models_or_skip()
    folder = _fake_models(tmp_path / "m")
    assert [p.name for p in check_all(folder)] == [f"{n}.onnx" for n in NAMES]
    assert not up_to_date(folder)  # the browser bundles' .tflite files are not there yet
    for name in BROWSER_TFLITE:
        shutil.copy(made / f"{name}.tflite", folder)
    assert up_to_date(folder)


@pytest.mark.parametrize(
    ("spoil", "says"),
    [
        (lambda p: p.unlink(), "is missing"),
        (lambda p: p.write_bytes(p.read_bytes()[:-3]), "is truncated or changed"),
        (lambda p: p.write_bytes(bytes(len(p.read_bytes()))), "hash differs"),
    ],
    ids=["missing", "truncated", "foreign"],
)
def test_a_spoilt_model_is_one_line_naming_it_and_the_make_step(tmp_path: Path, spoil, says: str) -> None:
    folder = _fake_models(tmp_path / "m")
    spoil(folder / "hand_landmark_full.onnx")
    with pytest.raises(KeypointModelError) as caught:
        model_path("hand_landmark_full", folder)
    message = str(caught.value)
    assert says in message and str(folder / "hand_landmark_full.onnx") in message and MAKE_STEP in message
    assert "\n" not in message
    assert not up_to_date(folder)
    model_path("palm_detection_full", folder)  # the others are still fine


def test_check_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = _fake_models(tmp_path / "m")
    assert main(["--check", "--dir", str(folder)]) == 0
    (folder / "pose_detection.onnx").write_bytes(b"")
    capsys.readouterr()
    assert main(["--check", "--dir", str(folder)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "pose_detection.onnx" in err[0] and MAKE_STEP in err[0]


def test_a_wheel_with_other_model_files_is_refused(tmp_path: Path) -> None:
    wheel = tmp_path / "mediapipe-0.10.21-cp311-cp311-manylinux_2_28_x86_64.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for source in SOURCES:
            archive.writestr(source.wheel_path, b"not the model")
    with pytest.raises(KeypointModelError, match="is not MediaPipe 0.10.21's model"):
        tflite_models(wheel)
    assert main(["--wheel", str(wheel), "--dir", str(tmp_path / "out")]) == 2
    assert not (tmp_path / "out" / MANIFEST).exists()  # nothing half-made


@pytest.mark.slow
def test_make_models_converts_the_installed_wheels_files(tmp_path: Path) -> None:
    pytest.importorskip("tflite", reason="tflite (requirements.txt) converts the models")
    try:
        models, origin = tflite_models()
    except Exception as exc:  # no installed mediapipe 0.10.21 and no package index
        pytest.skip(f"mediapipe 0.10.21's models are not at hand here: {exc}")
    assert set(models) == set(NAMES)
    make_models(tmp_path / "m")
    assert up_to_date(tmp_path / "m")
    manifest = json.loads((tmp_path / "m" / MANIFEST).read_text(encoding="utf-8"))
    assert {f["tflite_sha256"] for f in manifest["files"].values()} == {s.sha256 for s in SOURCES}
