"""core.io.atomic: the target holds the old bytes or the new ones, never a mix, and no temporary file stays."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from core.io.atomic import atomic_path, move, replace_folder, write_bytes, write_text

ROOT = Path(__file__).resolve().parents[1]


def test_write_replaces_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "model.json"  # the folder is created
    write_text(target, "old")
    write_bytes(target, b"new \xe2\x9c\x93")
    assert target.read_text(encoding="utf-8") == "new ✓"
    assert [p.name for p in target.parent.iterdir()] == ["model.json"]


def test_a_failed_write_keeps_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "labels.json"
    write_text(target, "old")
    with pytest.raises(RuntimeError, match="disk full"), atomic_path(target) as tmp:
        tmp.write_text("half of the ne")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["labels.json"]


def test_numpy_writes_through_a_handle_under_any_name(tmp_path: Path) -> None:
    target = tmp_path / "hands.cache"  # no .npz: np.savez given a path would append one
    with atomic_path(target) as tmp, tmp.open("wb") as handle:
        np.savez_compressed(handle, points=np.arange(6, dtype=np.float32))
    with np.load(target) as loaded:
        np.testing.assert_array_equal(loaded["points"], np.arange(6, dtype=np.float32))
    assert [p.name for p in tmp_path.iterdir()] == ["hands.cache"]


def test_a_writer_killed_mid_write_leaves_the_previous_file(tmp_path: Path) -> None:
    target = tmp_path / "weights.bin"
    write_bytes(target, b"previous")
    writer = (
        "import sys, time\n"
        "from core.io.atomic import atomic_path\n"
        "with atomic_path(sys.argv[1]) as tmp, tmp.open('wb') as f:\n"
        "    f.write(b'x' * 1000); f.flush(); print('writing', flush=True); time.sleep(60)\n"
    )
    child = subprocess.Popen([sys.executable, "-c", writer, str(target)], cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert child.stdout is not None and child.stdout.readline() == b"writing\n"
        partial = [p for p in tmp_path.iterdir() if p.name != target.name]
        assert len(partial) == 1 and partial[0].stat().st_size == 1000  # the new bytes are only beside the target
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert target.read_bytes() == b"previous"


def test_replace_folder_puts_the_new_folder_in_place_whole(tmp_path: Path) -> None:
    """The old folder goes (its files with it), the new one is there with all its files, nothing is left aside."""
    target, fresh, aside = tmp_path / "cpm", tmp_path / ".cpm-new", tmp_path / ".cpm-old"
    write_text(target / "old.json", "old")
    write_text(fresh / "config.json", "new")
    write_bytes(fresh / "weights.bin", b"w")
    replace_folder(fresh, target, aside)
    assert sorted(p.name for p in target.iterdir()) == ["config.json", "weights.bin"]
    assert not fresh.exists() and not aside.exists()


def test_replace_folder_without_an_old_one_and_move_back(tmp_path: Path) -> None:
    fresh, target, aside = tmp_path / "new", tmp_path / "model", tmp_path / "aside"
    write_text(fresh / "model.json", "{}")
    replace_folder(fresh, target, aside)
    assert (target / "model.json").read_text() == "{}" and not aside.exists()
    move(target, aside)  # a folder kept aside for an undo, then put back
    assert not target.exists() and (aside / "model.json").exists()
    move(aside, target)
    assert (target / "model.json").exists()
    with pytest.raises(FileNotFoundError):
        move(tmp_path / "gone", tmp_path / "anywhere")
