"""Accuracy of a project's model on labelled photos: ``python -m core evaluate-images``.

The labels file is a CSV with a header holding ``file`` and ``label`` columns (others
are ignored); ``file`` is relative to the CSV's folder (or absolute). A label is one
of the model's classes, or ``unknown`` for a hand that should be rejected (another
sign), so the same command measures false accepts. Each photo is run through
MediaPipe (static mode, up to ``MAX_HANDS`` hands; a photo with no hand is searched
again zoomed out, for hands that fill the frame or are cut by its border); the
``hands`` largest hands are classified and the most confident prediction counts.

Counted apart, never scored, each listed by file: rows whose label is not a class of
the model; photos of several people (more than two hands, or two of the same
handedness); photos whose largest hand is tiny (under ``TINY_HAND_PX`` pixels across,
too small for reliable keypoints).
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt
from sklearn.metrics import confusion_matrix

from core.gestures.classifier import GestureClassifier
from core.io.video import read_image
from core.keypoints.cache import detect_in_photos
from core.keypoints.landmarks import HandTracker, TrackerConfig
from core.starter.sources import MAX_HANDS
from core.types import UNKNOWN_LABEL, Keypoints, Prediction

NO_HAND = "no hand"
SEVERAL_PEOPLE = "several people"
TINY_HAND = "tiny hand"
NOT_IN_MODEL = "not a class of the model"
TINY_HAND_PX = 40


class LabelsFileError(ValueError):
    """A labels CSV that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class LabelRow:
    path: Path
    label: str
    line: int  # 1-based line of the CSV, for messages


def read_labels(csv_path: str | Path, allowed: Sequence[str] | None = None) -> list[LabelRow]:
    """Rows of a ``file,label`` CSV; ``allowed`` (plus ``unknown``) limits the labels."""
    path = Path(csv_path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise LabelsFileError(f"{path}: labels file not found") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise LabelsFileError(f"{path}: cannot be read as UTF-8 text ({exc})") from None
    reader = csv.reader(text.splitlines())
    header = [h.strip().lower() for h in next(reader, [])]
    if "file" not in header or "label" not in header:
        raise LabelsFileError(f"{path}:1: the header must name the columns 'file' and 'label', got {header}")
    f_col, l_col = header.index("file"), header.index("label")
    ok_labels = None if allowed is None else {*allowed, UNKNOWN_LABEL}
    rows = []
    for line, cells in enumerate(reader, start=2):
        if not any(c.strip() for c in cells):
            continue  # blank lines are harmless
        if len(cells) != len(header):
            raise LabelsFileError(f"{path}:{line}: expected {len(header)} columns, got {len(cells)}: {cells}")
        name, label = cells[f_col].strip(), cells[l_col].strip()
        if not name or not label:
            raise LabelsFileError(f"{path}:{line}: empty file name or label")
        if ok_labels is not None and label not in ok_labels:
            raise LabelsFileError(f"{path}:{line}: label {label!r} is not a class of the model {sorted(ok_labels)}")
        rows.append(LabelRow(path.parent / name, label, line))
    if not rows:
        raise LabelsFileError(f"{path}: no rows below the header")
    return rows


@dataclass
class ImageReport:
    """What ``evaluate_images`` found. Accuracy counts the label shown (threshold applied:
    ``unknown`` is wrong for a gesture and right for a row labelled ``unknown``)."""

    labels: list[str]  # true labels present, in model order (then unknown)
    columns: list[str]  # predicted labels of the confusion matrix: model classes, unknown
    confusion: npt.NDArray[np.int64]  # (len(labels), len(columns)) images with a hand
    no_hand: dict[str, int]  # per true label
    missing: list[str] = field(default_factory=list)  # files not found or unreadable
    predictions: list[str] = field(default_factory=list)  # per CSV row: label, NO_HAND, "missing" or apart
    argmax_correct: int = 0  # images whose most probable class is right (threshold ignored)
    # counted apart, not scored: reason (NOT_IN_MODEL, SEVERAL_PEOPLE, TINY_HAND) -> "file:line (detail)"
    apart: dict[str, list[str]] = field(default_factory=dict)

    @property
    def n_with_hand(self) -> int:
        return int(self.confusion.sum())

    @property
    def correct(self) -> int:
        return sum(int(self.confusion[i, self.columns.index(n)]) for i, n in enumerate(self.labels))

    @property
    def accuracy(self) -> float:
        """Share right among images with a hand."""
        return self.correct / self.n_with_hand if self.n_with_hand else 0.0

    @property
    def accuracy_all(self) -> float:
        """Share right among all readable images (no hand counts as wrong)."""
        total = self.n_with_hand + sum(self.no_hand.values())
        return self.correct / total if total else 0.0

    def per_class(self) -> dict[str, float]:
        out = {}
        for i, name in enumerate(self.labels):
            total = int(self.confusion[i].sum())
            if total:
                out[name] = int(self.confusion[i, self.columns.index(name)]) / total
        return out

    def summary(self, subject: str = "hand") -> dict[str, object]:
        """JSON-ready numbers (the CLI's last line); ``subject`` "person" names a body project's no_person keys."""
        return {
            "accuracy": round(self.accuracy, 4),
            "accuracy_all": round(self.accuracy_all, 4),
            "accuracy_argmax": round(self.argmax_correct / self.n_with_hand, 4) if self.n_with_hand else 0.0,
            "per_class": {k: round(v, 4) for k, v in self.per_class().items()},
            f"no_{subject}": sum(self.no_hand.values()),
            f"no_{subject}_per_class": self.no_hand,
            "n_images": self.n_with_hand + sum(self.no_hand.values()),
            "missing": len(self.missing),
            "not_in_model": len(self.apart.get(NOT_IN_MODEL, [])),
            "several_people": len(self.apart.get(SEVERAL_PEOPLE, [])),
            "tiny_hand": len(self.apart.get(TINY_HAND, [])),
            "labels": self.labels,
            "columns": self.columns,
            "confusion": self.confusion.tolist(),
        }


def _detect(paths: list[Path], hands: int, cache_file: Path | None,
            on_progress: Callable[[int, int], None] | None) -> list[list[Keypoints] | None]:  # fmt: skip
    """Hands per photo; None for a photo that cannot be read. A cache must have been made with ``hands``."""
    if cache_file is not None:
        return list(detect_in_photos(paths, cache_file, MAX_HANDS, on_progress, zoom_out=True))
    found: list[list[Keypoints] | None] = []
    with HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=MAX_HANDS, zoom_out_photos=True)) as tracker:
        for done, path in enumerate(paths, start=1):
            try:
                found.append(tracker.process(read_image(path)))
            except ValueError:  # core.io.video.MediaError: not an image, damaged
                found.append(None)
            if on_progress is not None:
                on_progress(done, len(paths))
    return found


def several_people(hands: list[Keypoints]) -> bool:
    """More hands than one person has, or two of the same handedness."""
    return len(hands) > 2 or (len(hands) == 2 and hands[0].handedness == hands[1].handedness != "Unknown")


def best_prediction(model: GestureClassifier, hands: list[Keypoints], count: int = 2) -> Prediction:
    """The most confident prediction among the ``count`` largest hands of one photo."""
    largest = sorted(hands, key=Keypoints.extent, reverse=True)[:count]
    return max((model.predict_hand(h) for h in largest), key=lambda p: p.score)


def _apart(report: ImageReport, reason: str, row: LabelRow, detail: str) -> None:
    report.apart.setdefault(reason, []).append(f"{row.path}:{row.line} ({detail})")
    report.predictions.append(reason)


def evaluate_images(
    rows: list[LabelRow], model: GestureClassifier, hands: int = 1, cache_file: Path | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    detect: Callable[[list[Path]], list[list[Keypoints] | None]] | None = None,
) -> ImageReport:  # fmt: skip
    """Run ``model`` on every labelled photo; see ``ImageReport``. ``detect`` replaces MediaPipe Hands (body projects)."""
    known = {*model.classes, UNKNOWN_LABEL}
    present = [r for r in rows if r.path.is_file() and r.label in known]
    paths = [r.path for r in present]
    found = detect(paths) if detect else _detect(paths, hands, cache_file, on_progress)
    detected = dict(zip((r.line for r in present), found, strict=True))
    seen = {r.label for r in rows if r.label in known}
    labels = [c for c in model.classes if c in seen] + ([UNKNOWN_LABEL] if UNKNOWN_LABEL in seen else [])
    columns = [*model.classes, UNKNOWN_LABEL]
    report = ImageReport(labels, columns, np.zeros((len(labels), len(columns)), np.int64), dict.fromkeys(labels, 0))
    shown: list[tuple[str, str]] = []  # (true label, label shown) of each image with a prediction
    for row in rows:
        found = detected.get(row.line)
        if row.label not in known:
            _apart(report, NOT_IN_MODEL, row, f"label {row.label!r}")
        elif found is None:
            report.missing.append(str(row.path))
            report.predictions.append("missing")
        elif not found:
            report.no_hand[row.label] += 1
            report.predictions.append(NO_HAND)
        elif several_people(found):
            _apart(report, SEVERAL_PEOPLE, row, f"{len(found)} hands")
        elif max(h.extent() for h in found) < TINY_HAND_PX:
            _apart(report, TINY_HAND, row, f"{max(h.extent() for h in found):.0f} px across")
        else:
            prediction = best_prediction(model, found, hands)
            shown.append((row.label, prediction.label))
            report.predictions.append(prediction.label)
            report.argmax_correct += int(max(prediction.probabilities, key=prediction.probabilities.get) == row.label)
    if shown:  # labels are a subset of columns: the square matrix over columns, then the labels' rows
        square = confusion_matrix(*zip(*shown, strict=True), labels=columns)
        report.confusion[:] = square[[columns.index(name) for name in labels]]
    return report


def report_lines(report: ImageReport, subject: str = "hand") -> list[str]:
    """Human-readable table: accuracy, per class, confusion, no-hand (no-``subject``) and missing counts."""
    width = max(8, len(subject) + 3)  # "no hand" columns stay as they were
    lines = [
        f"accuracy {report.accuracy:.4f} on {report.n_with_hand} images with a {subject} "
        f"({report.accuracy_all:.4f} counting the {sum(report.no_hand.values())} without one as wrong); "
        f"{len(report.missing)} missing or unreadable",
        f"{'class':>16s} {'accuracy':>9s} {'images':>7s} {'no ' + subject:>{width}s}",
    ]
    per_class = report.per_class()
    for i, name in enumerate(report.labels):
        acc = f"{per_class[name]:.4f}" if name in per_class else "-"
        lines.append(f"{name:>16s} {acc:>9s} {int(report.confusion[i].sum()):7d} {report.no_hand[name]:{width}d}")
    short = [c[:8] for c in report.columns]
    lines.append("confusion (rows: true, columns: predicted)")
    lines.append(f"{'':>16s} " + " ".join(f"{c:>8s}" for c in short))
    for i, name in enumerate(report.labels):
        lines.append(f"{name:>16s} " + " ".join(f"{int(v):8d}" for v in report.confusion[i]))
    lines += [f"missing: {m}" for m in report.missing]
    for reason, items in report.apart.items():
        lines.append(f"{len(items)} counted apart, not scored: {reason}" + (":" if items else ""))
        lines += [f"  {item}" for item in items[:20]] + (
            [f"  ... and {len(items) - 20} more"] if len(items) > 20 else []
        )
    return lines
