"""The checker of hand-transcribed kinivi rows names each row that cannot be a kinivi row."""

from __future__ import annotations

from pathlib import Path

from bench.common.kinivi_people_check import check_file

GOOD = "3," + ",".join(["0.0", "0.0"] + ["0.25", "-0.5"] * 19 + ["0.1", "-1.0"])


def test_good_rows_are_counted_per_class(tmp_path: Path) -> None:
    path = tmp_path / "teach.csv"
    path.write_text("\n".join([GOOD, GOOD, GOOD.replace("3,", "4,", 1)]) + "\n")
    assert check_file(path, {3, 4}) == ({3: 2, 4: 1}, [])


def test_each_wrong_row_is_named_by_its_line(tmp_path: Path) -> None:
    rows = [
        GOOD,
        GOOD + ",0.5",  # a cell too many
        GOOD.replace("3,0.0,0.0", "3,0.1,0.0", 1),  # the wrist moved
        GOOD.replace("-1.0", "-0.9"),  # largest value not 1: a value mis-copied
        GOOD.replace("3,", "7,", 1),  # not an own class
        GOOD.replace("0.25", "0.2x5", 1),  # not a number
    ]
    path = tmp_path / "later.csv"
    path.write_text("\n".join(rows) + "\n")
    counts, problems = check_file(path, {3})
    assert [p.split(":")[1] for p in problems] == ["2", "3", "4", "5", "6"], problems
    assert "43" in problems[0] and "wrist" in problems[1] and "largest" in problems[2] and "own class" in problems[3]
