"""A keypoint model file is checked by ``os.stat`` before one byte is read (core.keypoints.model_reads): a 3 GB
sparse file or a FIFO in a model's place, or in its manifest's, is one line at once, under a memory cap too.

Each check runs ``python -m core.keypoints.models --check`` (what the server runs before it starts) in a process of
its own with 1 GB of address space and a time limit: read whole, the 3 GB file was a MemoryError traceback there, and
the FIFO hung until the limit."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
from test_keypoint_models import _fake_models

from core.keypoints.model_reads import ModelFileProblem, stream_checked
from core.keypoints.models import MAKE_STEP, MANIFEST, KeypointModelError, browser_tflite, model_path

ROOT = Path(__file__).resolve().parents[1]
THREE_GB = 3 * 1024**3
ADDRESS_SPACE = 1024**3


def _sparse(path: Path) -> None:
    path.unlink(missing_ok=True)
    with open(path, "wb") as handle:
        handle.truncate(THREE_GB)  # no block written: 3 GB to read, nothing on disk


def _fifo(path: Path) -> None:
    path.unlink(missing_ok=True)
    os.mkfifo(path)


def _capped() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def _check(folder: Path) -> tuple[int, list[str], float]:
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "core.keypoints.models", "--check", "--dir", str(folder)],
                          cwd=ROOT, capture_output=True, text=True, timeout=20, preexec_fn=_capped)  # fmt: skip
    return done.returncode, done.stderr.strip().splitlines(), time.monotonic() - started


@pytest.mark.slow
@pytest.mark.parametrize("make", [_sparse, _fifo], ids=["sparse-3GB", "fifo"])
@pytest.mark.parametrize("target", ["hand_landmark_full.onnx", MANIFEST])
def test_a_huge_file_or_a_fifo_in_a_models_place_is_one_line_at_once(tmp_path: Path, make, target: str) -> None:
    folder = _fake_models(tmp_path / "m")
    make(folder / target)
    code, lines, _ = _check(folder)  # a hang is the check's 20 s timeout
    assert code == 2 and len(lines) == 1, lines
    assert str(folder) in lines[0] and MAKE_STEP in lines[0] and "Traceback" not in lines[0]


def test_a_model_of_the_manifests_size_still_streams_and_its_hash_is_checked(tmp_path: Path) -> None:
    folder = _fake_models(tmp_path / "m")
    model_path("pose_detection", folder)
    path = folder / "pose_detection.onnx"
    path.write_bytes(path.read_bytes().upper())  # the same size, other bytes
    with pytest.raises(KeypointModelError, match="hash differs"):
        model_path("pose_detection", folder)
    path.unlink()
    path.mkdir()
    with pytest.raises(KeypointModelError, match="not a regular file"):
        model_path("pose_detection", folder)


@pytest.mark.parametrize("make", [_sparse, _fifo], ids=["sparse-3GB", "fifo"])
def test_the_browser_paths_tflite_is_checked_before_it_is_read(tmp_path: Path, make) -> None:
    make(tmp_path / "hand_landmark_full.tflite")
    started = time.monotonic()
    with pytest.raises(KeypointModelError) as caught:
        browser_tflite("hand_landmark_full", tmp_path)
    assert time.monotonic() - started < 2
    assert "\n" not in str(caught.value) and MAKE_STEP in str(caught.value)


def test_a_file_of_another_size_or_over_the_cap_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "model.onnx"
    path.write_bytes(b"x" * 10)
    assert stream_checked(path, 10, 100, keep=True).data == b"x" * 10
    with pytest.raises(ModelFileProblem, match="10 bytes, 11 expected"):
        stream_checked(path, 11, 100)
    with pytest.raises(ModelFileProblem, match="over the 5"):
        stream_checked(path, None, 5)


def test_cpm_weights_bigger_than_their_architecture_are_refused_by_their_size(tmp_path: Path, monkeypatch) -> None:
    """A weights file padded far past what its config's network holds was read whole (up to the 256 MB cap) before
    safetensors refused it; its size now says no first."""
    from core.cpm import checkpoint
    from core.cpm.checkpoint import CheckpointError
    from core.cpm.config import CPMConfig
    from core.cpm.model import HandCPM

    small = CPMConfig(input_size=64, stages=2, feature_channels=16, stage_channels=8, stem_channels=8,
                      backbone_blocks=1, stage_blocks=1)  # fmt: skip
    checkpoint.save(HandCPM(small), tmp_path)
    with open(tmp_path / checkpoint.WEIGHTS_FILE, "r+b") as handle:
        handle.truncate(200 * 1024**2)  # sparse: under the site's cap, far over this network's size
    read_capped = checkpoint.read_capped

    def weights_never_read(path: Path, *rest: object) -> bytes:
        assert Path(path).name != checkpoint.WEIGHTS_FILE, "the weights file was read before its size refused it"
        return read_capped(path, *rest)

    monkeypatch.setattr(checkpoint, "read_capped", weights_never_read)
    with pytest.raises(CheckpointError, match="not a handteach CPM weights file for this configuration"):
        checkpoint.load(tmp_path)
