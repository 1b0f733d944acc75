"""core.data.csv_io: kinivi and handteach CSV round trips, and every kind of bad file refused with its line."""

from __future__ import annotations

import csv
import itertools
import tracemalloc
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import shared_path
from storemaker import make_body

from core.data import csv_io
from core.data.csv_io import HANDTEACH_HEADER, CsvFormatError
from core.data.store import Sample, Store
from core.gestures.catalog import DEFAULT_PROJECT
from core.gestures.features import FeatureConfig, hand_features, keypoints_to_features
from core.skeletons import BODY_33, HAND_21
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


@pytest.fixture
def store(data_dir: Path) -> Store:
    s = Store(data_dir)
    s.ensure_project()
    return s


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


# -- handteach -----------------------------------------------------------------------


def varied_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample(make_hand(rng), "ok", "image", 'odd, "name"\nwith newline.jpg', None, 1700000000.123456),
        Sample(make_hand(rng, depth=False), "fist", "video", "clip.mp4", 42, backend="cpm"),
        Sample(make_hand(rng), "pointing_right", "webcam", "", None, 0.0),
        Sample(make_hand(rng), "new class ✌", "csv", "x.csv", 3),
    ]


def test_handteach_round_trip_is_exact(store: Store, tmp_path: Path, data_dir: Path) -> None:
    store.add_class(DEFAULT_PROJECT, "new class ✌")
    samples = varied_samples(np.random.default_rng(5))
    store.add_samples(DEFAULT_PROJECT, samples)
    path = tmp_path / "all.csv"
    assert csv_io.export_handteach(store, DEFAULT_PROJECT, path) == 4
    assert path.read_text(encoding="utf-8").split("\n", 1)[0] == ",".join(HANDTEACH_HEADER)
    read = csv_io.read_handteach(path)
    other = Store(data_dir.parent / "other")
    other.create_project("p", default_classes=False)
    report = csv_io.import_handteach(other, "p", path)
    assert report.n_added == 4 and report.new_classes == ("ok", "fist", "pointing_right", "new class ✌")
    for original, parsed, stored in zip(samples, read, other.list_samples("p"), strict=True):
        assert_same_sample(original, parsed)
        assert_same_sample(original, stored)
    again = tmp_path / "again.csv"
    csv_io.export_handteach(other, "p", again)
    assert again.read_bytes() == path.read_bytes()


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
        ("Open\na/b\n", 2, "contains '/'"),
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


def _handteach_file(store: Store, tmp_path: Path) -> list[list[str]]:
    store.add_samples(DEFAULT_PROJECT, [Sample(make_hand(np.random.default_rng(i)), "ok", "image") for i in range(3)])
    path = tmp_path / "good.csv"
    csv_io.export_handteach(store, DEFAULT_PROJECT, path)
    with path.open(newline="") as f:
        return list(csv.reader(f))


def _set(column: str, value: str, row: int = 2):
    def edit(rows: list[list[str]]) -> None:
        rows[row][HANDTEACH_HEADER.index(column)] = value

    return edit


HANDTEACH_BAD = {
    "empty": (lambda rows: rows.clear(), 1, "empty"),
    "header only": (lambda rows: rows.__delitem__(slice(1, None)), 2, "no samples after the header"),
    "bad header": (_set("score", "confidence", 0), 1, "column 3 should be 'score'"),
    "wrong column count": (lambda rows: rows[3].pop(), 4, "expected 200 columns, got 199"),
    "short header": (lambda rows: rows[0].pop(), 1, "expected 200 columns for hand keypoints, got 199"),
    "skeleton cell disagrees": (
        _set("skeleton", "body"),
        3,
        "column skeleton: 'body', but the header has the columns of hand keypoints .21 points.",
    ),  # fmt: skip
    "one visibility of 21": (_set("v3", "0.5"), 3, "column 1.*'' is not a number"),
    "score not a number": (_set("score", "high"), 3, "column score: 'high' is not a number"),
    "score out of range": (_set("score", "1.5"), 3, "not in \\[0, 1\\]"),
    "nan pixel": (_set("px3", "nan"), 3, "not a finite number"),
    "inf world": (_set("wz20", "inf"), 3, "not a finite number"),
    "bad handedness": (_set("handedness", "Middle"), 3, "'Middle'"),
    "bad source kind": (_set("source_kind", "fax"), 3, "'fax'"),
    "zero width": (_set("image_w", "0"), 3, "image_w"),
    "bad frame": (_set("frame", "x"), 3, "column frame"),
    "reserved class": (_set("class", "unknown"), 3, "reserved"),
    "bad created_at": (_set("created_at", "yesterday"), 3, "created_at"),
    # issue 19 items 6 and 8: integers SQLite cannot hold (OverflowError before), unknown backends, absurd times
    "frame 2^63": (_set("frame", str(2**63)), 3, "column frame: '9223372036854775808' is not an integer from 0"),
    "width 2^64": (_set("image_w", str(2**64)), 3, "column image_w"),
    "unknown backend": (_set("backend", "openpose"), 3, "column backend: 'openpose' is not one of"),
    "created_at 1e300": (_set("created_at", "1e300"), 3, "column created_at: '1e300' is not a Unix time"),
    "created_at negative": (_set("created_at", "-5"), 3, "column created_at"),
}


@pytest.mark.parametrize("case", HANDTEACH_BAD)
def test_bad_handteach_files_are_refused(store: Store, tmp_path: Path, data_dir: Path, case: str) -> None:
    rows = _handteach_file(store, tmp_path)
    edit, line, problem = HANDTEACH_BAD[case]
    edit(rows)
    path = tmp_path / "bad.csv"
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    target = Store(data_dir.parent / "target")
    target.ensure_project()
    before = snapshot(target)
    with pytest.raises(CsvFormatError, match=problem) as info:
        csv_io.import_handteach(target, DEFAULT_PROJECT, path)
    assert str(path) in str(info.value) and f"line {line}:" in str(info.value)
    assert snapshot(target) == before


def test_missing_handteach_file_is_named(store: Store, tmp_path: Path) -> None:
    with pytest.raises(CsvFormatError, match="nowhere.csv: file not found"):
        csv_io.read_handteach(tmp_path / "nowhere.csv")


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


def body_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample(make_body(rng), "tree", "image", "tree_001.jpg", None, 1700000000.5),
        Sample(make_body(rng), "warrior2", "video", "flow.mp4", 40),
        Sample(replace(make_body(rng), world=np.full((33, 3), np.nan, np.float32)), "tree", "webcam", "", None, 0.0),
    ]


def test_body_project_round_trip_is_exact_with_skeleton_and_visibility(tmp_path: Path, data_dir: Path) -> None:
    store = Store(data_dir)
    store.create_project("yoga", default_classes=False, skeleton="body")
    samples = body_samples(np.random.default_rng(7))
    store.add_samples("yoga", samples, create_classes=True)
    path = tmp_path / "yoga.csv"
    assert csv_io.export_handteach(store, "yoga", path) == 3
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    assert (
        len(header) == 308 and header[9:11] == ["backend", "skeleton"] and header[-33:] == [f"v{j}" for j in range(33)]
    )
    assert {row[10] for row in rows[1:]} == {"body"}
    skeleton, _ = csv_io.open_handteach(path)
    assert skeleton is BODY_33
    other = Store(data_dir.parent / "other")
    other.create_project("poses", default_classes=False, skeleton="body")
    report = csv_io.import_handteach(other, "poses", path)
    assert report.n_added == 3 and report.per_class == {"tree": 2, "warrior2": 1}
    for original, stored in zip(samples, other.list_samples("poses"), strict=True):
        assert stored.hand.skeleton is BODY_33
        assert stored.hand.visibility.tobytes() == original.hand.visibility.tobytes()
        assert_same_sample(original, stored)
    again = tmp_path / "again.csv"
    csv_io.export_handteach(other, "poses", again)
    assert again.read_bytes() == path.read_bytes()


def test_a_file_of_the_other_skeleton_is_refused_naming_file_and_both_skeletons(store: Store, tmp_path: Path) -> None:
    store.add_samples(DEFAULT_PROJECT, [Sample(make_hand(np.random.default_rng(1)), "ok", "image")])
    hands = tmp_path / "hands.csv"
    csv_io.export_handteach(store, DEFAULT_PROJECT, hands)
    store.create_project("yoga", default_classes=False, skeleton="body")
    store.add_samples("yoga", body_samples(np.random.default_rng(2)), create_classes=True)
    bodies = tmp_path / "bodies.csv"
    csv_io.export_handteach(store, "yoga", bodies)
    before = snapshot(store)
    cases = [
        (bodies, DEFAULT_PROJECT, "holds body keypoints .33 points.; project 'default' holds hand keypoints .21"),
        (hands, "yoga", "holds hand keypoints .21 points.; project 'yoga' holds body keypoints .33"),
    ]
    for path, project, problem in cases:
        with pytest.raises(CsvFormatError, match=problem) as info:
            csv_io.import_handteach(store, project, path)
        assert str(info.value).startswith(f"{path}: ")
    assert snapshot(store) == before


def test_a_hand_csv_of_the_format_before_body_projects_still_imports(store: Store, tmp_path: Path) -> None:
    """The previous format (178 columns: no skeleton, no visibility), written here as that version wrote it."""
    rng = np.random.default_rng(11)
    hands = [make_hand(rng), make_hand(rng, depth=False)]
    header = ["class", "handedness", "score", "image_w", "image_h", "source_kind", "source_name", "frame",
              "created_at", "backend"]  # fmt: skip
    header += [f"p{a}{j}" for j in range(21) for a in "xy"] + [f"n{a}{j}" for j in range(21) for a in "xyz"]
    header += [f"w{a}{j}" for j in range(21) for a in "xyz"]
    rows = [header]
    for hand, (cls, frame, backend) in zip(hands, [("ok", "", "mediapipe"), ("fist", "7", "cpm")], strict=True):
        values = [repr(float(v)) for a in (hand.pixel, hand.normalised, hand.world) for v in a.reshape(-1).tolist()]
        meta = [cls, hand.handedness, repr(float(hand.score)), "640", "480", "video", "old.mp4", frame, "1700000000.0"]
        rows.append([*meta, backend, *values])
    path = tmp_path / "old.csv"
    with path.open("w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(rows)
    report = csv_io.import_handteach(store, DEFAULT_PROJECT, path)
    assert report.n_added == 2 and report.per_class == {"ok": 1, "fist": 1}
    stored = store.list_samples(DEFAULT_PROJECT)
    for hand, sample in zip(hands, stored, strict=True):
        assert sample.hand.skeleton is HAND_21 and sample.hand.visibility is None
        assert_same_sample(Sample(hand, sample.class_name, "video", "old.mp4", sample.frame, 1700000000.0,
                                  backend=sample.backend), sample)  # fmt: skip
    assert [(s.frame, s.backend) for s in stored] == [(None, "mediapipe"), (7, "cpm")]
    store.create_project("yoga", default_classes=False, skeleton="body")
    with pytest.raises(CsvFormatError, match="old.csv: holds hand keypoints .21 points.; project 'yoga' holds body"):
        csv_io.import_handteach(store, "yoga", path)


def test_an_export_into_a_missing_folder_is_an_error_that_creates_nothing(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "typo" / "out.csv"
    with pytest.raises(FileNotFoundError, match="no folder") as info:
        csv_io.export_handteach(store, DEFAULT_PROJECT, target)
    assert info.value.filename == str(target) and not target.parent.exists()
    done = csv_io.export_handteach(store, DEFAULT_PROJECT, tmp_path / "out.csv")
    assert done == 0 and [p.name for p in tmp_path.iterdir() if p.is_file()] == ["out.csv"]  # no temporary left


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


@pytest.mark.slow
def test_real_yoga_bodies_round_trip_through_the_handteach_csv(tmp_path: Path, data_dir: Path) -> None:
    """Real MediaPipe Pose keypoints of shared yoga8 photos: export → import into a new body project, bit-exact."""
    from core.io.images import read_image
    from core.keypoints.pose import detect_people

    folder = shared_path("..", "body", "yoga8", "images")
    store = Store(data_dir)
    store.create_project("yoga", default_classes=False, skeleton="body")
    samples = []
    for pose in ("tree", "warrior2"):
        for photo in sorted((folder / pose).glob("*.jpg"))[:2]:
            samples += [Sample(b, pose, "image", photo.name) for b in detect_people(read_image(photo), False)]
    assert len(samples) >= 3, f"MediaPipe Pose found only {len(samples)} people in 4 yoga photos"
    assert all(s.hand.visibility is not None and s.hand.has_depth for s in samples)
    store.add_samples("yoga", samples, create_classes=True)
    path = tmp_path / "yoga.csv"
    assert csv_io.export_handteach(store, "yoga", path) == len(samples)
    other = Store(data_dir.parent / "other")
    other.create_project("poses", default_classes=False, skeleton="body")
    assert csv_io.import_handteach(other, "poses", path).n_added == len(samples)
    for original, back in zip(samples, other.list_samples("poses"), strict=True):
        assert back.hand.skeleton is BODY_33 and back.hand.visibility.tobytes() == original.hand.visibility.tobytes()
        assert_same_sample(original, back)
    # The same features come out of the imported bodies as out of the detected ones.
    config = FeatureConfig(skeleton="body", use_visibility=True)
    expected = np.stack([hand_features(s.hand, config) for s in samples])
    back = np.stack([hand_features(s.hand, config) for s in other.list_samples("poses")])
    assert np.array_equal(back, expected)


def _peak_bytes(action) -> int:  # noqa: ANN001 - a no-argument callable
    tracemalloc.start()
    try:
        action()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_export_and_import_memory_is_flat_in_the_number_of_rows(tmp_path: Path) -> None:
    """Issue 19 item 3: a 1M-row export peaked at 15.7 GB, the import at 5.4 GB: both held every row.
    Streaming, four times the rows must not need much more memory (before: about four times as much)."""
    peaks = {}
    for n in (500, 2000):
        source = Store(tmp_path / f"src{n}")
        source.ensure_project()
        rng = np.random.default_rng(n)
        source.add_samples(DEFAULT_PROJECT, [Sample(make_hand(rng), "ok", "image") for _ in range(n)])
        path = tmp_path / f"all{n}.csv"
        export_peak = _peak_bytes(lambda s=source, p=path: csv_io.export_handteach(s, DEFAULT_PROJECT, p))
        target = Store(tmp_path / f"dst{n}")
        target.ensure_project()
        import_peak = _peak_bytes(lambda t=target, p=path: csv_io.import_handteach(t, DEFAULT_PROJECT, p))
        assert target.class_counts(DEFAULT_PROJECT)["ok"] == n
        peaks[n] = (export_peak, import_peak)
    for small, large in zip(peaks[500], peaks[2000], strict=True):
        assert large < 1.5 * small + 200_000, peaks
