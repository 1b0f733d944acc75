"""ui.uploads: several uploaded files, some of them bad."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import hagrid_photos

from core.data.store import Store
from ui.uploads import UploadedFile, UploadReport, import_uploads


@pytest.fixture
def store(tmp_path: Path) -> Store:
    s = Store(tmp_path / "data")
    s.ensure_project("default")
    return s


@pytest.mark.slow
def test_good_files_are_stored_and_each_bad_one_is_named_with_its_problem(store: Store) -> None:
    good = hagrid_photos("like", 2)
    files = [
        UploadedFile(good[0].name, good[0].read_bytes()),
        UploadedFile("notes.txt", b"not an image"),
        UploadedFile("fake.jpg", b"not really a jpeg"),
        UploadedFile("empty.png", b""),
        UploadedFile(good[1].name, good[1].read_bytes()),
    ]
    report = import_uploads(store, "default", "thumbs_up", files)
    assert report.frames == 2  # the bad files count no frames
    assert report.stored == store.class_counts("default")["thumbs_up"] >= 1
    assert {s.source_name for s in store.list_samples("default", "thumbs_up")} <= {good[0].name, good[1].name}
    failed = dict(report.failed)
    assert list(failed) == ["notes.txt", "fake.jpg", "empty.png"]
    assert "unsupported file type '.txt'" in failed["notes.txt"]
    assert "not a readable image" in failed["fake.jpg"]
    assert "empty" in failed["empty.png"]
    text = report.failed_text()
    assert text.startswith("Skipped 3 files: notes.txt: unsupported") and "fake.jpg: not a readable image" in text


def test_only_bad_files_store_nothing_and_say_why(store: Store) -> None:
    report = import_uploads(store, "default", "thumbs_up", [UploadedFile("notes.txt", b"hello")])
    assert (report.stored, report.frames, report.sample_ids) == (0, 0, [])
    assert report.failed_text().startswith("Skipped 1 file: notes.txt: unsupported file type '.txt'")
    assert sum(store.class_counts("default").values()) == 0
    assert UploadReport().failed_text() == ""
