"""``evaluate-images`` and the starter model on real photos from ../shared/data (MediaPipe: slow ones marked)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from conftest import HANDS, shared_path
from PIL import Image

from core.cli import main as cli_main
from core.starter.images_eval import LabelsFileError, read_labels
from core.starter.sources import EXCLUDED, labelled_photos

KNOWN = {"like": "thumbs_up", "dislike": "thumbs_down", "one": "pointing_up", "ok": "ok", "fist": "fist",
         "palm": "open_palm", "stop": "open_palm"}  # fmt: skip


def run(data: Path, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict | None, str]:
    code = cli_main(["--data", str(data), *args])
    out, err = capsys.readouterr()
    lines = out.strip().splitlines()
    return code, (json.loads(lines[-1]) if code == 0 else None), err


def hagrid_rows(indices: tuple[int, ...]) -> list[str]:
    rows = []
    for folder, label in KNOWN.items():
        for i in indices:  # photos 10-19 of each class were never looked at while designing
            rows.append(f"{shared_path('hagrid_380', 'images', folder, f'{folder}_{i:05d}.jpg')},{label}")
    return rows


@pytest.mark.slow
def test_starter_model_gets_most_real_hagrid_photos_right(tmp_path: Path, capsys) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text("file,label\n" + "\n".join(hagrid_rows((12, 17))) + "\n")
    code, report, err = run(tmp_path / "data", "evaluate-images", "--labels", str(labels), capsys=capsys)
    assert code == 0, err
    assert report["n_images"] == 14 and report["missing"] == 0
    assert report["accuracy"] >= 0.8, report  # a handful of people the starter model never saw


@pytest.mark.slow
def test_evaluate_images_counts_missing_files_and_photos_without_a_hand(tmp_path: Path, capsys) -> None:
    Image.fromarray(np.full((240, 320, 3), 180, np.uint8)).save(tmp_path / "wall.png")
    like = shared_path("hagrid_380", "images", "like", "like_00015.jpg")
    palm = shared_path("hagrid_380", "images", "palm", "palm_00015.jpg")
    labels = tmp_path / "labels.csv"
    labels.write_text(
        f"file,label,note\n{like},thumbs_up,\nwall.png,fist,blank\ngone.jpg,ok,missing\n{palm},open_palm,\n"
    )
    code, report, err = run(tmp_path / "data", "evaluate-images", "--labels", str(labels), capsys=capsys)
    assert code == 0, err
    assert report["no_hand"] == 1 and report["no_hand_per_class"]["fist"] == 1
    assert report["missing"] == 1 and report["n_images"] == 3
    assert set(report["per_class"]) == {"thumbs_up", "open_palm"}  # classes with a detected hand
    assert report["accuracy"] == pytest.approx(
        report["accuracy_all"] * 3 / 2, abs=1e-3
    )  # the blank photo counts only in _all


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("file,label\na.jpg,fist\nb.jpg\n", 3, "expected 2 columns"),
        ("file,label\na.jpg,fist\nb.jpg,waving\n", 3, "'waving' is not a class"),
        ("file,label\n\na.jpg,\n", 3, "empty file name or label"),
        ("image,class\na.jpg,fist\n", 1, "'file' and 'label'"),
    ],
)
def test_bad_labels_csv_names_file_and_line(tmp_path: Path, capsys, text: str, line: int, words: str) -> None:
    labels = tmp_path / "labels.csv"
    labels.write_text(text)
    with pytest.raises(LabelsFileError, match=f"labels.csv:{line}: .*{words}"):
        read_labels(labels, ["fist", "ok"])
    code, _, err = run(tmp_path / "data", "evaluate-images", "--labels", str(labels), capsys=capsys)
    assert code == 2 and f"labels.csv:{line}:" in err and words.strip("'") in err


def test_labels_are_relative_to_the_csv_and_unknown_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    labels = tmp_path / "sub" / "labels.csv"
    labels.write_text("label,file\nunknown,x.jpg\n")
    [row] = read_labels(labels, ["fist", "ok"])
    assert row.path == tmp_path / "sub" / "x.jpg" and row.label == "unknown" and row.line == 2
    with pytest.raises(LabelsFileError, match="not found"):
        read_labels(tmp_path / "none.csv")


def test_starter_photos_never_include_the_test_people() -> None:
    if not HANDS.is_dir():
        pytest.skip(f"real hand data not found at {HANDS} (expected ../shared/data beside the checkout)")
    items = labelled_photos(HANDS)
    assert len(items) > 5000
    assert not [p for p, _, _ in items if any(part in EXCLUDED for part in p.relative_to(HANDS).parts)]
