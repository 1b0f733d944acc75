"""core.io.capped: files a user can place are read only when regular and small enough; JSON fails by name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.io.capped import is_finite_number, parse_json, read_capped


class Refused(ValueError):
    pass


def test_a_regular_file_under_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "m.json"
    path.write_bytes(b'{"a": 1}')
    assert read_capped(path, 8, Refused) == b'{"a": 1}'


def test_a_symlink_to_dev_zero_is_refused_before_reading(tmp_path: Path) -> None:
    link = tmp_path / "model.json"
    link.symlink_to("/dev/zero")
    with pytest.raises(Refused, match=r"model\.json: not a regular file"):
        read_capped(link, 1024, Refused)


def test_a_fifo_is_refused_rather_than_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "weights.safetensors"
    os.mkfifo(fifo)
    with pytest.raises(Refused, match="not a regular file"):
        read_capped(fifo, 1024, Refused)


def test_a_huge_sparse_file_is_refused_by_its_size(tmp_path: Path) -> None:
    big = tmp_path / "model.safetensors"
    with open(big, "wb") as handle:
        handle.truncate(5 * 1024**3)  # 5 GB claimed, nothing written
    with pytest.raises(Refused, match=r"5,368,709,120 bytes, over the limit of 1,000 bytes"):
        read_capped(big, 1000, Refused)


def test_missing_and_folder(tmp_path: Path) -> None:
    with pytest.raises(Refused, match="file is missing"):
        read_capped(tmp_path / "nope", 10, Refused)
    with pytest.raises(Refused, match="not a regular file"):
        read_capped(tmp_path, 10, Refused)


def test_deeply_nested_json_is_a_named_error_not_a_recursion_error(tmp_path: Path) -> None:
    text = "[" * 100_000 + "]" * 100_000
    with pytest.raises(Refused, match=r"x\.json: not a readable JSON file \(nested too deeply\)"):
        parse_json(text, tmp_path / "x.json", Refused)


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_non_finite_numbers_are_refused(constant: str, tmp_path: Path) -> None:
    with pytest.raises(Refused, match=f"holds {constant}"):
        parse_json(f'{{"hand_threshold": {constant}}}', tmp_path / "c.json", Refused)


def test_bad_utf8_and_bad_json(tmp_path: Path) -> None:
    with pytest.raises(Refused, match="not a readable JSON file"):
        parse_json(b"\xff\xfe{", tmp_path / "c.json", Refused)
    with pytest.raises(Refused, match="not a readable JSON file"):
        parse_json("{", tmp_path / "c.json", Refused)
    assert parse_json('{"a": [1, 2.5]}', tmp_path / "c.json", Refused) == {"a": [1, 2.5]}


def test_is_finite_number() -> None:
    assert is_finite_number(1) and is_finite_number(0.5)
    assert not is_finite_number(True) and not is_finite_number(float("nan")) and not is_finite_number("1")
