"""core.data.csv_files.csv_io: kinivi CSV round trips and bad kinivi files refused with their line (handteach: test_csv_handteach.py)."""

from __future__ import annotations

import csv
import itertools
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import shared_path
from storemaker import make_body

from core.data.csv_files import csv_io
from core.data.csv_files.csv_io import CsvFormatError
from core.data.store import Sample, Store
from core.gestures.catalog import DEFAULT_PROJECT
from core.gestures.features import FeatureConfig, hand_features, keypoints_to_features
from core.types import Keypoints

KINIVI_LABELS = ["Open", "Close", "Pointer", "OK"]


def kinivi_preprocess(mirrored_px: list[list[int]]) -> list[float]:
    """Kazuhito00's ``pre_process_landmark``, verbatim in spirit: wrist-relative, flattened, ÷ max |v|."""
    base_x, base_y = mirrored_px[0]
    flat = list(itertools.chain.from_iterable([x - base_x, y - base_y] for x, y in mirrored_px))
    max_value = max(map(abs, flat))
    return [n / max_value for n in flat]


def write_kinivi(folder: Path, n: int = 12, seed: int = 0) -> tuple[Path, Path, list[list[float]], list[int]]:
    """A kinivi keypoint.csv as the original app logs it (int pixels of the mirrored image), plus its labels."""
    rng = np.random.default_rng(seed)
    rows, ids = [], []
    for i in range(n):
        px = rng.integers(100, 500, (21, 2)).tolist()
        rows.append(kinivi_preprocess(px))
        ids.append(i % len(KINIVI_LABELS))
    keypoints, labels = folder / "keypoint.csv", folder / "keypoint_classifier_label.csv"
    with keypoints.open("w", newline="") as f:
        csv.writer(f).writerows([i, *r] for i, r in zip(ids, rows, strict=True))  # \r\n, like the original
    labels.write_text("\n".join(KINIVI_LABELS) + "\n", encoding="utf-8-sig")  # with a BOM
    return keypoints, labels, rows, ids


def make_hand(rng: np.random.Generator, depth: bool = True) -> Keypoints:
    pixel = rng.normal(300, 80, (21, 2)).astype(np.float32)
    normalised = np.concatenate([pixel / np.float32(640), rng.normal(0, 0.05, (21, 1)).astype(np.float32)], axis=1)
    world = rng.normal(0, 0.05, (21, 3)).astype(np.float32) if depth else np.full((21, 3), np.nan, np.float32)
    return Keypoints(pixel, normalised.astype(np.float32), world, "Left", float(rng.random()), (640, 480))


def snapshot(store: Store) -> dict:
    return {p: (store.list_classes(p), store.class_counts(p)) for p in store.list_projects()}


def assert_same_sample(a: Sample, b: Sample) -> None:
    for name in ("pixel", "normalised", "world"):
        assert getattr(a.hand, name).tobytes() == getattr(b.hand, name).tobytes() or np.array_equal(
            getattr(a.hand, name), getattr(b.hand, name), equal_nan=True
        ), name
    assert replace(a, hand=b.hand, id=None, crop_jpeg=None) == replace(b, id=None, crop_jpeg=None)


# -- kinivi --------------------------------------------------------------------------


def test_kinivi_import_stores_unmirrored_2d_hands(store: Store, tmp_path: Path) -> None:
    keypoints, labels, rows, ids = write_kinivi(tmp_path)
    # Kinivi's "OK" would clash with the default class "ok" (names are unique regardless of case).
    project = store.create_project("kinivi", default_classes=False)
    report = csv_io.import_kinivi(store, project, keypoints, labels)
    assert report.n_added == 12 and report.per_class == {name: 3 for name in KINIVI_LABELS}
    assert report.new_classes == tuple(KINIVI_LABELS)  # "Open" etc. are not default classes
    samples = store.list_samples(project)
    for line, (sample, row, label_id) in enumerate(zip(samples, rows, ids, strict=True), start=1):
        values = np.float32(row).reshape(21, 2)
        assert sample.class_name == KINIVI_LABELS[label_id]
        assert np.array_equal(sample.hand.pixel, values * np.float32([-1, 1]))  # user view → unmirrored frame
        assert np.array_equal(sample.hand.normalised[:, :2], sample.hand.pixel)
        assert not sample.hand.normalised[:, 2].any() and np.isnan(sample.hand.world).all()
        assert (sample.hand.handedness, sample.hand.score, sample.hand.image_size) == ("Unknown", 1.0, (1, 1))
        assert (sample.source_kind, sample.source_name, sample.frame) == ("csv", "keypoint.csv", line)
    points, names = csv_io.read_kinivi(keypoints, labels)
    assert points.shape == (12, 21, 2) and points.dtype == np.float32
    assert np.array_equal(points, np.float32(rows).reshape(12, 21, 2))
    assert names == [KINIVI_LABELS[i] for i in ids]


def test_kinivi_labels_join_existing_classes_regardless_of_case(store: Store, tmp_path: Path) -> None:
    """Kinivi's "OK" into the default project (class "ok") was refused as a duplicate name; it joins "ok"."""
    keypoints, labels, _, ids = write_kinivi(tmp_path)
    labels.write_text("Open\nCLOSE\n Pointer \nOK\n", encoding="utf-8-sig")
    store.add_class(DEFAULT_PROJECT, "close")
    before = {c.name for c in store.list_classes(DEFAULT_PROJECT)}
    report = csv_io.import_kinivi(store, DEFAULT_PROJECT, keypoints, labels)
    assert report.per_class == {"Open": 3, "close": 3, "Pointer": 3, "ok": 3}
    assert report.new_classes == ("Open", "Pointer")
    names = [c.name for c in store.list_classes(DEFAULT_PROJECT)]
    assert set(names) == before | {"Open", "Pointer"} and len(names) == len(set(n.casefold() for n in names))
    stored = [s.class_name for s in store.list_samples(DEFAULT_PROJECT)]
    assert stored == [["Open", "close", "Pointer", "ok"][i] for i in ids]


def test_kinivi_labels_with_a_slash_are_stored_with_a_dash(store: Store, tmp_path: Path) -> None:
    """Real kinivi label files name classes "Mute/Next Slide"; a class name is a folder name, so "/" becomes "-"."""
    keypoints, labels, _, ids = write_kinivi(tmp_path)
    labels.write_text("Mute/Next Slide\nUnmute\\Prev\nCamera ON\nOK\n", encoding="utf-8")
    report = csv_io.import_kinivi(store, DEFAULT_PROJECT, keypoints, labels)
    assert report.new_classes == ("Mute-Next Slide", "Unmute-Prev", "Camera ON")
    stored = [s.class_name for s in store.list_samples(DEFAULT_PROJECT)]
    assert stored == [["Mute-Next Slide", "Unmute-Prev", "Camera ON", "ok"][i] for i in ids]


def test_kinivi_round_trip_is_exact(store: Store, tmp_path: Path, data_dir: Path) -> None:
    keypoints, labels, rows, ids = write_kinivi(tmp_path)
    store.create_project("k", default_classes=False)
    csv_io.import_kinivi(store, "k", keypoints, labels)
    out1, lab1 = tmp_path / "out1.csv", tmp_path / "lab1.csv"
    assert csv_io.export_kinivi(store, "k", out1, lab1) == 12
    assert lab1.read_text().splitlines() == KINIVI_LABELS
    exported, names = csv_io.read_kinivi(out1, lab1)
    assert np.array_equal(exported, np.float32(rows).reshape(12, 21, 2))  # the file's values, to float32
    assert names == [KINIVI_LABELS[i] for i in ids]
    # A second trip through a fresh store reproduces the text byte for byte.
    other = Store(data_dir.parent / "other")
    other.create_project("k", default_classes=False)
    csv_io.import_kinivi(other, "k", out1, lab1)
    out2, lab2 = tmp_path / "out2.csv", tmp_path / "lab2.csv"
    csv_io.export_kinivi(other, "k", out2, lab2)
    assert out2.read_bytes() == out1.read_bytes() and lab2.read_bytes() == lab1.read_bytes()


def test_kinivi_export_follows_kinivi_preprocessing(store: Store, tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    hands = [make_hand(rng) for _ in range(5)]
    store.add_samples(DEFAULT_PROJECT, [Sample(h, "pointing_left", "webcam") for h in hands])
    out, lab = tmp_path / "k.csv", tmp_path / "l.csv"
    csv_io.export_kinivi(store, DEFAULT_PROJECT, out, lab)
    with out.open() as f:
        rows = list(csv.reader(f))
    assert {row[0] for row in rows} == {"6"}  # pointing_left is class 6 of the defaults
    for row, hand in zip(rows, hands, strict=True):
        mirrored = np.stack([640.0 - hand.pixel[:, 0].astype(np.float64), hand.pixel[:, 1]], axis=1)
        expected = kinivi_preprocess(mirrored.tolist())  # what kinivi computes from the selfie image
        np.testing.assert_allclose([float(v) for v in row[1:]], expected, rtol=0, atol=1e-6)


# -- bad input ---------------------------------------------------------------------------


def _kinivi_line(label: object = 0, values: list[str] | None = None) -> str:
    values = values if values is not None else ["0.0", "0.0"] + ["0.5", "-1.0"] * 20
    return ",".join([str(label), *values])


GOOD = _kinivi_line()
KINIVI_BAD = {
    "empty": ("", 1, "empty"),
    "blank lines only": ("\n\n\n", 1, "empty"),
    "too few columns": (f"{GOOD}\n{GOOD}\n0,0.1,0.2\n", 3, "expected 43 columns"),
    "too many columns": (f"{GOOD}\n{GOOD},1.0\n", 2, "got 44"),
    "not a number": (f"{GOOD}\n{_kinivi_line(1, ['0.0', 'abc'] + ['0.5'] * 40)}\n", 2, "'abc' is not a number"),
    "nan": (f"{GOOD}\n{_kinivi_line(1, ['nan'] + ['0.5'] * 41)}\n", 2, "not a finite number"),
    "inf": (f"{_kinivi_line(1, ['0.0', '-inf'] + ['0.5'] * 40)}\n", 1, "not a finite number"),
    "float32 overflow": (f"{GOOD}\n{_kinivi_line(1, ['1e300'] + ['0.5'] * 41)}\n", 2, "too large for float32"),
    "unknown label id": (f"{GOOD}\n{GOOD}\n{_kinivi_line(9)}\n", 3, "label id 9"),
    "label id not an integer": (f"{_kinivi_line('1.5')}\n", 1, "'1.5' is not an integer"),
    "negative label id": (f"{GOOD}\n{_kinivi_line(-1)}\n", 2, "'-1' is not an integer from 0 to"),
    "all zeros": (f"{GOOD}\n{_kinivi_line(0, ['0'] * 42)}\n", 2, "all 42 numbers are zero"),
    "not utf-8": (f"{GOOD}\n{GOOD}\n".encode() + b"\xff\xfe,1\n", 3, "not UTF-8"),
    # issue 19 item 8: far outside the [-1, 1] every kinivi row is scaled to
    "value 1e30": (f"{GOOD}\n{_kinivi_line(1, ['1e30'] + ['0.5'] * 41)}\n", 2, "outside \\[-1, 1\\]"),
    "value -7": (f"{_kinivi_line(1, ['-7'] + ['0.5'] * 41)}\n", 1, "outside \\[-1, 1\\]"),
    "one endless line": ("0," + "0.5" * 400_000, 1, "longer than"),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", KINIVI_BAD)
def test_bad_kinivi_keypoints_are_refused(store: Store, tmp_path: Path, case: str) -> None:
    content, line, problem = KINIVI_BAD[case]
    keypoints, labels = tmp_path / "keypoint.csv", tmp_path / "labels.csv"
    keypoints.write_bytes(content if isinstance(content, bytes) else content.encode())
    labels.write_text("Open\nClose\n")
    before = snapshot(store)
    with pytest.raises(CsvFormatError, match=problem) as info:
        csv_io.import_kinivi(store, DEFAULT_PROJECT, keypoints, labels)
    assert str(keypoints) in str(info.value) and f"line {line}:" in str(info.value)
    assert info.value.line == line
    assert snapshot(store) == before


@pytest.mark.parametrize(
    ("labels_text", "line", "problem"),
    [
        (None, None, "file not found"),
        ("", 1, "empty"),
        ("Open\n\nPointer\n", 2, "label id 1 has no name"),  # a blank line keeps its id but has no name
        ("Open\na..b\n", 2, "contains '..'"),
        ("Open\nunknown\n", 2, "reserved"),
    ],
)
def test_bad_kinivi_labels_are_refused(store: Store, tmp_path: Path, labels_text, line, problem) -> None:
    keypoints, labels = tmp_path / "keypoint.csv", tmp_path / "labels.csv"
    keypoints.write_text(f"{GOOD}\n{_kinivi_line(1)}\n")
    if labels_text is not None:
        labels.write_text(labels_text)
    before = snapshot(store)
    with pytest.raises(CsvFormatError, match=problem) as info:
        csv_io.import_kinivi(store, DEFAULT_PROJECT, keypoints, labels)
    message = str(info.value)
    assert str(labels) in message  # the labels file is named even when a keypoint row is what failed
    assert line is None or f"line {line}:" in message
    assert snapshot(store) == before


def test_kinivi_refuses_a_body_project_by_name(store: Store, tmp_path: Path) -> None:
    keypoints, labels, _, _ = write_kinivi(tmp_path)
    store.create_project("poses", skeleton="body")
    store.add_samples("poses", [Sample(make_body(np.random.default_rng(0)), "tree", "image")], create_classes=True)
    before = snapshot(store)
    calls = [
        lambda: csv_io.import_kinivi(store, "poses", keypoints, labels),
        lambda: csv_io.export_kinivi(store, "poses", tmp_path / "out.csv", tmp_path / "out_labels.csv"),
    ]
    for call in calls:
        with pytest.raises(CsvFormatError, match="kinivi CSV format holds hand keypoints .21 points.; project "
                                                 "'poses' holds body"):  # fmt: skip
            call()
    assert snapshot(store) == before and not (tmp_path / "out.csv").exists()


# -- real keypoints ----------------------------------------------------------------------


@pytest.mark.slow
def test_real_mediapipe_keypoints_through_both_formats(store: Store, tmp_path: Path, data_dir: Path) -> None:
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    folder = shared_path("hagrid_380", "images")
    samples = []
    with HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=1)) as tracker:
        for cls, name in (("like", "thumbs_up"), ("one", "pointing_up"), ("palm", "open_palm")):
            image = cv2.cvtColor(cv2.imread(str(folder / cls / f"{cls}_00001.jpg")), cv2.COLOR_BGR2RGB)
            samples += [Sample(h, name, "image", f"{cls}_00001.jpg") for h in tracker.process(image)]
    assert len(samples) >= 2, "MediaPipe found fewer than 2 hands in 3 HaGRID images"
    store.add_samples(DEFAULT_PROJECT, samples)
    csv_io.export_handteach(store, DEFAULT_PROJECT, tmp_path / "h.csv")
    for original, back in zip(samples, csv_io.read_handteach(tmp_path / "h.csv"), strict=True):
        assert_same_sample(original, back)
    csv_io.export_kinivi(store, DEFAULT_PROJECT, tmp_path / "k.csv", tmp_path / "l.csv")
    points, labels = csv_io.read_kinivi(tmp_path / "k.csv", tmp_path / "l.csv")
    assert labels == [s.class_name for s in samples]
    # The kinivi view gives the same 2D features as the stored hand: same mirroring, same wrist.
    config = FeatureConfig(use_depth=False)
    expected = np.stack([hand_features(s.hand, config) for s in samples])
    np.testing.assert_allclose(keypoints_to_features(points, config), expected, atol=1e-6)


def test_a_kinivi_import_counts_its_rows_and_a_cancel_stores_none(store: Store, tmp_path: Path) -> None:
    """#45 item 9: rows done of all the keypoint file's rows; a cancel rolls every row back."""
    import threading

    from core.io.progress import Stopped

    keypoints, labels, _, _ = write_kinivi(tmp_path, n=12)
    before = snapshot(store)
    cancel = threading.Event()
    with pytest.raises(Stopped):
        csv_io.import_kinivi(store, DEFAULT_PROJECT, keypoints, labels, cancel=cancel,
                             on_progress=lambda done, total: cancel.set() if done == 5 else None)  # fmt: skip
    assert snapshot(store) == before
    seen: list[tuple[int, int]] = []
    report = csv_io.import_kinivi(
        store, DEFAULT_PROJECT, keypoints, labels, on_progress=lambda d, t: seen.append((d, t))
    )
    assert report.n_added == 12 and seen == [(n, 12) for n in range(13)]
