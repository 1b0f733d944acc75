"""core.data.csv_files.csv_handteach: handteach CSVs of hands and bodies round-trip bit-exact, the old hand format still
imports, a file of the other skeleton is refused by name, every bad file is refused with its line, memory stays flat."""

from __future__ import annotations

import csv
import tracemalloc
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from storemaker import make_body
from test_csv_io import assert_same_sample, make_hand, snapshot

from core.data.csv_files import csv_io
from core.data.csv_files.csv_io import HANDTEACH_HEADER, CsvFormatError
from core.data.store import Sample, Store
from core.gestures.catalog import DEFAULT_PROJECT
from core.gestures.features import FeatureConfig, hand_features
from core.skeletons import BODY_33, HAND_21

# -- handteach -----------------------------------------------------------------------


def varied_samples(rng: np.random.Generator) -> list[Sample]:
    return [
        Sample(make_hand(rng), "ok", "image", 'odd, "name"\nwith newline.jpg', None, 1700000000.123456),
        Sample(make_hand(rng, depth=False), "fist", "video", "clip.mp4", 42),
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


def test_a_row_of_another_detector_is_refused_at_its_line_and_nothing_is_stored(store: Store, tmp_path: Path,
                                                                               data_dir: Path) -> None:  # fmt: skip
    """Issue 34 item 10: a ``backend=cpm`` row cannot enter a MediaPipe project (nor the reverse); a CPM
    project takes its own rows."""
    rng = np.random.default_rng(8)
    cpm_store = Store(data_dir.parent / "cpm")
    cpm_store.create_project("c", backend="cpm")
    cpm_store.add_samples("c", [Sample(make_hand(rng), "ok", "image", backend="cpm") for _ in range(3)])
    path = tmp_path / "cpm.csv"
    csv_io.export_handteach(cpm_store, "c", path)
    before = store.class_counts(DEFAULT_PROJECT)
    with pytest.raises(CsvFormatError, match=r"cpm\.csv, line 2: column backend: 'cpm' keypoints, but project "
                                             r"'default' holds 'mediapipe' keypoints"):  # fmt: skip
        csv_io.import_handteach(store, DEFAULT_PROJECT, path)
    assert store.class_counts(DEFAULT_PROJECT) == before
    cpm_store.create_project("c2", backend="cpm", default_classes=False)
    assert csv_io.import_handteach(cpm_store, "c2", path).n_added == 3


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


@pytest.mark.slow
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
    for hand, (cls, frame, backend) in zip(hands, [("ok", "", "mediapipe"), ("fist", "7", "mediapipe")], strict=True):
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
    assert [(s.frame, s.backend) for s in stored] == [(None, "mediapipe"), (7, "mediapipe")]
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


@pytest.mark.extended
@pytest.mark.slow  # exports and imports thousands of rows twice, traced
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


def test_an_import_counts_its_rows_and_a_cancel_stores_none(store: Store, tmp_path: Path, data_dir: Path) -> None:
    """#45 item 9: Record's "Importing…" counted nothing; rows done of all, and a cancel rolls every row back."""
    import threading

    from core.io.progress import Stopped

    rng = np.random.default_rng(3)
    store.add_samples(DEFAULT_PROJECT, [Sample(make_hand(rng), "ok", "image", f"{i}.jpg") for i in range(30)])
    path = tmp_path / "thirty.csv"
    csv_io.export_handteach(store, DEFAULT_PROJECT, path)
    other = Store(data_dir.parent / "other")
    other.create_project("p", default_classes=False)
    seen: list[tuple[int, int]] = []
    assert csv_io.import_handteach(other, "p", path, on_progress=lambda d, t: seen.append((d, t))).n_added == 30
    assert seen == [(n, 30) for n in range(31)]
    other.create_project("q", default_classes=False)
    cancel = threading.Event()
    with pytest.raises(Stopped):
        csv_io.import_handteach(other, "q", path, on_progress=lambda d, t: cancel.set() if d == 10 else None,
                                cancel=cancel)  # fmt: skip
    assert other.list_samples("q") == [] and other.list_classes("q") == []


def test_text_a_spreadsheet_would_run_is_written_as_text_and_reads_back_unchanged(store: Store, tmp_path: Path,
                                                                                  data_dir: Path) -> None:  # fmt: skip
    """A gesture named "=SUM(1+1)*cmd" (and a name or source starting with +, -, @, a tab, or a quote before one of
    those) is written after one quote, so a spreadsheet shows it as text (OWASP's CSV injection); handteach reads
    its own export back unchanged, a name starting with a plain quote stays as it is, and negative numbers stay
    numbers. The kinivi labels file too."""
    names = ["=SUM(1+1)*cmd", "+1", "-x", "@me", "'=already quoted", "''two", "'plain", "ok"]
    for name in names[:-1]:
        store.add_class(DEFAULT_PROJECT, name)
    rng = np.random.default_rng(11)
    samples = [Sample(make_hand(rng), name, "image", source)
               for name, source in zip(names, ["\tcmd.jpg", "\r.jpg", "-1.jpg", "a.jpg"] * 2, strict=True)]  # fmt: skip
    store.add_samples(DEFAULT_PROJECT, samples)
    path = tmp_path / "names.csv"
    csv_io.export_handteach(store, DEFAULT_PROJECT, path)
    rows = list(csv.reader(path.open(encoding="utf-8", newline="")))[1:]
    shown = {row[0] for row in rows} | {row[6] for row in rows}
    assert not [cell for cell in shown if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert {row[0] for row in rows} == {"'=SUM(1+1)*cmd", "'+1", "'-x", "'@me", "''=already quoted", "'''two",
                                        "'plain", "ok"}  # fmt: skip
    assert any(cell.startswith("-") and float(cell) < 0 for row in rows for cell in row[11:])  # numbers as numbers
    read = csv_io.read_handteach(path)
    assert [(s.class_name, s.source_name) for s in read] == [(s.class_name, s.source_name) for s in samples]
    other = Store(data_dir.parent / "other")
    other.create_project("p", default_classes=False)
    csv_io.import_handteach(other, "p", path)
    assert [c.name for c in other.list_classes("p")] == names
    keypoints, labels = tmp_path / "keypoint.csv", tmp_path / "labels.csv"
    csv_io.export_kinivi(store, DEFAULT_PROJECT, keypoints, labels)
    assert "'=SUM(1+1)*cmd\n" in labels.read_text(encoding="utf-8")
    assert set(csv_io.read_kinivi(keypoints, labels)[1]) == set(names)
