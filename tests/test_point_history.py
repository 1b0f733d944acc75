"""core.data.csv_files.point_history: kinivi's point-history CSV read, written and refused with file, line and problem."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from motionmaker import asl_points

from core.data.csv_files.point_history import (
    HISTORY_LENGTH,
    PointHistory,
    PointHistoryError,
    history_windows,
    read_labels,
    read_point_history,
    write_point_history,
)


def _labels(tmp_path: Path, text: str = "Stop\nClockwise\nCounter Clockwise\nMove\n") -> Path:
    path = tmp_path / "point_history_classifier_label.csv"
    path.write_text(text, encoding="utf-8")
    return path


def _row(label: int | str, values: list[str] | None = None) -> str:
    return ",".join([str(label), *(values or ["0.0"] * (2 * HISTORY_LENGTH))])


def test_windows_follow_kinivis_pre_processing_and_round_trip(tmp_path: Path) -> None:
    fingertip = asl_points()[:40, 8, :2]  # the real index fingertip of the shared video, pixels
    windows = history_windows(fingertip, (620, 1080), step=4)
    assert windows.shape == (7, HISTORY_LENGTH, 2)
    # kinivi: each point minus the window's first, x / image width, y / image height
    np.testing.assert_allclose(windows[1, 5], (fingertip[9] - fingertip[4]) / np.array([620, 1080]), rtol=1e-5)
    assert not windows[:, 0].any()
    history = PointHistory(windows, np.arange(7) % 3, ["Stop", "Clockwise", "Move"])
    csv_path, labels_path = tmp_path / "point_history.csv", tmp_path / "labels.csv"
    write_point_history(csv_path, labels_path, history)
    back = read_point_history(csv_path, labels_path)
    np.testing.assert_array_equal(back.paths, windows)  # repr() of a float32 widened to float64 is exact
    assert back.label_ids.tolist() == [0, 1, 2, 0, 1, 2, 0] and back.names[:3] == ["Stop", "Clockwise", "Move"]


def test_kinivi_files_with_a_byte_order_mark_and_blank_lines_read(tmp_path: Path) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_bytes("\ufeffStop\nClockwise\n".encode())
    data = tmp_path / "point_history.csv"
    data.write_text(_row(1) + "\n\n" + _row(0) + "\n")
    history = read_point_history(data, labels)
    assert read_labels(labels) == ["Stop", "Clockwise"] and history.names == ["Clockwise", "Stop"]


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (_row(0, ["0.1"] * 31), "line 2: 32 columns, expected 33 (a label id and 16 x, y points)"),
        (_row("x"), "line 2: label id 'x' is not a whole number"),
        (_row(4), "line 2: unknown label id 4 (point_history_classifier_label.csv names ids 0 to 3)"),
        (_row(2, ["0.1"] * 5 + ["abc"] + ["0"] * 26), "line 2, column 7: 'abc' is not a number"),
        (_row(2, ["nan"] + ["0"] * 31), "line 2, column 2: 'nan' is not finite"),
    ],
)
def test_bad_rows_are_refused_naming_file_line_and_problem(tmp_path: Path, line: str, message: str) -> None:
    data = tmp_path / "point_history.csv"
    data.write_text(_row(1) + "\n" + line + "\n")
    with pytest.raises(PointHistoryError) as caught:
        read_point_history(data, _labels(tmp_path))
    assert str(caught.value) == f"{data}: {message}"


def test_bad_files_are_refused(tmp_path: Path) -> None:
    labels = _labels(tmp_path)
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(PointHistoryError, match="empty.csv: no rows"):
        read_point_history(empty, labels)
    with pytest.raises(PointHistoryError, match="missing.csv: file not found"):
        read_point_history(tmp_path / "missing.csv", labels)
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0" * 10)
    with pytest.raises(PointHistoryError, match="photo.csv: not a UTF-8 text file"):
        read_point_history(binary, labels)
    with pytest.raises(PointHistoryError, match="line 2: label 'Stop' appears twice"):
        read_labels(_labels(tmp_path, "Stop\nStop\n"))
    with pytest.raises(PointHistoryError, match="line 1: empty label"):
        read_labels(_labels(tmp_path, "\nMove\n"))


def test_the_size_is_checked_before_reading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import core.io.limits as limits

    monkeypatch.setattr(limits, "LIMITS", limits.Limits(upload_bytes=100))
    monkeypatch.setattr(limits.check_upload_bytes, "__defaults__", (limits.LIMITS,))
    data = tmp_path / "big.csv"
    data.write_text((_row(0) + "\n") * 3)
    with pytest.raises(PointHistoryError, match="big.csv: .* MB, over the upload limit"):
        read_point_history(data, _labels(tmp_path))
