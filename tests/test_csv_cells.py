"""core.data.csv_files.csv_cells: records read as they come, and every bad cell named with its file and line."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from core.data.csv_files.csv_cells import (
    MAX_LINE_BYTES,
    CsvFormatError,
    iter_rows,
    read_integer,
    read_name,
    read_number,
    read_points,
    read_visibility,
)


def test_rows_keep_their_line_numbers_and_skip_blank_lines(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes("\ufeffa,b\n\n1,2\r\n".encode())  # a BOM, a blank line, Windows line ends
    assert list(iter_rows(path)) == [(1, ["a", "b"]), (3, ["1", "2"])]
    assert list(iter_rows(path, keep_blank=True)) == [(1, ["a", "b"]), (2, []), (3, ["1", "2"])]


@pytest.mark.parametrize(
    ("content", "where", "problem"),
    [
        (b"", "line 1", "the file is empty"),
        (b"ok\n\xff\xfe\n", "line 2", "not UTF-8 text"),
        (b"x" * (MAX_LINE_BYTES + 1), "line 1", f"line longer than {MAX_LINE_BYTES} bytes"),
    ],
)
def test_unreadable_files_are_named_with_the_line(tmp_path: Path, content: bytes, where: str, problem: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(content)
    with pytest.raises(CsvFormatError, match=f"bad.csv, {where}: {problem}") as info:
        list(iter_rows(path))
    assert info.value.path == path and info.value.line == int(where.split()[1])
    with pytest.raises(CsvFormatError, match="missing.csv: file not found"):
        list(iter_rows(tmp_path / "missing.csv"))


def test_cells_are_checked_one_by_one(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    assert read_number(path, 4, "score", " 0.5 ") == 0.5
    assert np.isnan(read_number(path, 4, "wx0", "nan", allow_nan=True))
    for text, problem in (
        ("abc", "is not a number"),
        ("inf", "is not a finite number"),
        ("nan", "is not a finite number"),
    ):
        with pytest.raises(CsvFormatError, match=f"f.csv, line 4: column score: '{text}' {problem}"):
            read_number(path, 4, "score", text)
    assert read_integer(path, 5, "frame", "12", 0) == 12
    for text in ("-1", "1.5", "9" * 25):
        with pytest.raises(CsvFormatError, match="line 5: column frame: .* is not an integer from 0 to"):
            read_integer(path, 5, "frame", text, 0)
    with pytest.raises(CsvFormatError, match="line 6: class name"):
        read_name(path, 6, "a/b", "class name")


def test_points_take_the_shape_asked_for_and_refuse_float32_overflow(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    cells = ["label", *map(str, range(10))]
    np.testing.assert_array_equal(read_points(path, 2, cells, 1, (5, 2), False), np.arange(10).reshape(5, 2))
    assert read_points(path, 2, cells, 1, (5, 2), False).dtype == np.float32
    with pytest.raises(CsvFormatError, match="p.csv, line 2: a value is too large for float32"):
        read_points(path, 2, ["1e39", "0"], 0, (1, 2), False)
    with pytest.raises(CsvFormatError, match="line 2: column 3: 'x' is not a number"):
        read_points(path, 2, ["0", "0", "x", "0"], 0, (2, 2), False)


def test_visibility_cells_are_all_empty_or_all_in_the_unit_interval(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    assert read_visibility(path, 2, ["x", "", " ", ""], 1, 3) is None  # a detector without visibility
    values = read_visibility(path, 2, ["x", "0", "0.25", "1"], 1, 3)
    assert values is not None and values.dtype == np.float32 and values.tolist() == [0.0, 0.25, 1.0]
    for cells, problem in (
        (["x", "0.5", "", "0.5"], "column 3: '' is not a number"),
        (["x", "0.5", "1.5", "0.5"], "column 3: visibility '1.5' is not in \\[0, 1\\]"),
        (["x", "-0.1", "0", "0"], "column 2: visibility '-0.1'"),
        (["x", "nan", "0", "0"], "column 2: 'nan' is not a finite number"),
    ):
        with pytest.raises(CsvFormatError, match=f"v.csv, line 2: {problem}"):
            read_visibility(path, 2, cells, 1, 3)
