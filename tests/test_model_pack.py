"""core.data.saved_models.model_pack: a model folder as one value of the store and back, every name, size and checksum checked."""

from __future__ import annotations

import hashlib
import json
import struct
from pathlib import Path

import pytest

from core.data.saved_models.model_pack import FORMAT, ModelRowError, folder_files, pack, unpack
from core.gestures.classifier import GestureClassifier
from core.gestures.features import FeatureConfig

FILES = {"model.json": b'{"weights_file": "model.0123456789abcdef.safetensors"}', "model.0123.safetensors": b"\x00" * 9}


def _value(entries: list, body: bytes) -> bytes:
    header = json.dumps({"format": FORMAT, "version": 1, "files": entries}).encode()
    return struct.pack("<Q", len(header)) + header + body


def test_files_come_back_as_they_went() -> None:
    assert unpack(pack(FILES, "the model"), "the model") == FILES


def test_a_saved_model_travels_without_its_previous_weights_or_temporary_files(tmp_path: Path) -> None:
    GestureClassifier(["open_palm", "fist"], FeatureConfig()).save(tmp_path)
    model = GestureClassifier(["open_palm", "fist"], FeatureConfig(), metadata={"note": "again"})
    model.save(tmp_path)  # other weights: the previous ones stay for a reader mid-load
    (tmp_path / ".model.json.1234.tmp").write_bytes(b"half")
    files = folder_files(tmp_path, "model", "the gesture model")
    named = json.loads(files["model.json"])["weights_file"]
    assert sorted(files) == sorted(["model.json", named]) and len(list(tmp_path.glob("*.safetensors"))) == 2
    back = _written(tmp_path / "back", unpack(pack(files, "m"), "m"))
    assert GestureClassifier.load(back).metadata["note"] == "again"


def _written(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir()
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


@pytest.mark.parametrize("weights", ["../../etc/passwd", ".hidden", "model.json", 7])
def test_a_description_naming_an_odd_weights_file_is_refused(tmp_path: Path, weights: object) -> None:
    (tmp_path / "model.json").write_text(json.dumps({"weights_file": weights}))
    with pytest.raises(ModelRowError, match="names no weights file, or an odd one"):
        folder_files(tmp_path, "model", "the gesture model")


def test_a_damaged_or_foreign_value_writes_nothing_and_says_so_in_one_line() -> None:
    good = pack(FILES, "m")
    data = b"".join(FILES.values())
    digest = hashlib.sha256(FILES["model.json"]).hexdigest()
    bad = {
        "too short": good[:5],
        "its header": struct.pack("<Q", 10**9) + good[8:],
        "not a readable model header": struct.pack("<Q", 3) + b"{x}",
        "not a list of model files": _value([], b""),
        "a file entry": _value([["model.json", "9", digest]], data),
        "the file '../model.json'": _value([["../model.json", len(FILES["model.json"]), digest]], data),
        "the file 'model.json'": _value([["model.json", 10**6, digest]], data),
        "the checksum of 'model.json'": _value([["model.json", len(FILES["model.json"]), "0" * 64]], data),
        "bytes after its files": good + b"!",
    }
    for why, value in bad.items():
        with pytest.raises(ModelRowError) as refused:
            unpack(value, "the gesture model")
        assert why in str(refused.value) and "\n" not in str(refused.value), why
    twice = _value([["model.json", 3, hashlib.sha256(b"abc").hexdigest()]] * 2, b"abcabc")
    with pytest.raises(ModelRowError, match="the file 'model.json'"):
        unpack(twice, "m")
