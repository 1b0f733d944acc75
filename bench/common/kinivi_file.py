"""A large kinivi keypoint log, made up: what a class's biggest CSV import looks like, without the data.

The kinivi app (Kazuhito00/hand-gesture-recognition-using-mediapipe) logs one row per frame: a label id
and 42 numbers, the 21 points' (x, y) relative to the wrist, divided by the largest |value|, written as
Python writes a float (about 19 characters each). A 238,020-row log of that form is 190 MB, the file of
issue 53. Here each label has its own hand shape and each row moves it a little (normal noise), so
``import_kinivi`` accepts every row and the two-hand check finds none.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

LABELS = ("Open", "Close", "Pointer", "OK", "Peace", "Thumbs up", "Rock", "Call")
BYTES_PER_ROW = 800  # measured on files made here: 238,020 rows are 190 MB


def write_kinivi_file(folder: Path, rows: int, seed: int = 0, chunk: int = 20_000) -> tuple[Path, Path]:
    """``folder/keypoint.csv`` of ``rows`` rows and its ``keypoint_classifier_label.csv``; returns both paths."""
    rng = np.random.default_rng(seed)
    shapes = rng.uniform(-1.0, 1.0, (len(LABELS), 21, 2))
    keypoints, labels = folder / "keypoint.csv", folder / "keypoint_classifier_label.csv"
    labels.write_text("\n".join(LABELS) + "\n", encoding="utf-8")
    with keypoints.open("w", encoding="utf-8", newline="") as out:
        for start in range(0, rows, chunk):
            n = min(chunk, rows - start)
            ids = (np.arange(start, start + n) // 50) % len(LABELS)  # runs of 50 frames per gesture, as logged
            points = shapes[ids] + rng.normal(0, 0.03, (n, 21, 2))
            points -= points[:, :1]  # wrist-relative
            flat = points.reshape(n, 42)
            flat /= np.abs(flat).max(axis=1, keepdims=True)
            out.writelines(
                f"{i},{','.join(map(repr, row))}\n" for i, row in zip(ids.tolist(), flat.tolist(), strict=True)
            )
    return keypoints, labels


def rows_for_megabytes(megabytes: float) -> int:
    return max(1, int(megabytes * 1e6 / BYTES_PER_ROW))
