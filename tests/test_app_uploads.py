"""ui.samples.uploads: several uploaded files, some of them bad."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from conftest import hagrid_photos, shared_path

from core.data.imports.uploads import UploadedFile, UploadReport, import_uploads
from core.data.store import Store


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


@pytest.mark.parametrize(
    ("sent", "kept"),
    [("..", "upload"), (".", "upload"), ("", "upload"), ("../../etc/passwd", "passwd"), ("C:\\x\\y.PNG", "y.PNG"),
     (".hidden.jpg", "hidden.jpg"), ("a\x00b\n.jpg", "ab.jpg"), ("photo.jpg", "photo.jpg")],
)  # fmt: skip
def test_every_uploaded_name_becomes_a_plain_file_name(sent: str, kept: str) -> None:
    from core.data.imports.uploads import safe_name

    assert safe_name(sent) == kept


def test_a_very_long_name_is_cut_to_what_a_filesystem_takes() -> None:
    from core.data.imports.uploads import unique_name

    taken: set[str] = set()
    names = [unique_name("é" * 400 + ".jpg", taken) for _ in range(3)]
    assert len(set(names)) == 3 and all(n.endswith(".jpg") and len(n.encode()) < 255 for n in names)


@pytest.mark.slow
def test_an_upload_named_dotdot_is_named_and_the_rest_of_its_batch_is_stored(store: Store) -> None:
    """Issue 34 item 3: before, ``..`` became the upload folder itself (IsADirectoryError) and the batch was lost."""
    photos = hagrid_photos("like", 2)
    uploads = [UploadedFile("..", photos[0].read_bytes()), UploadedFile("a.jpg", photos[1].read_bytes())]
    report = import_uploads(store, "default", "thumbs_up", uploads)
    assert report.stored == 1 and [name for name, _ in report.failed] == [".."], report
    assert "unsupported file type" in report.failed[0][1]


@pytest.mark.slow  # MediaPipe
def test_an_upload_reports_frames_done_of_all_and_a_cancel_stores_nothing(store: Store) -> None:
    """#45 item 9: Record's "Looking for hands…" counted nothing; now frames done of all the files' frames, and
    a cancel ends it before the next frame with nothing stored (the report says where it stopped)."""
    from core.data.imports.extract import ExtractConfig

    video, photo = shared_path("video", "asl_hand.25fps.mp4"), hagrid_photos("like", 1)[0]
    files = [UploadedFile(photo.name, photo.read_bytes()), UploadedFile(video.name, video.read_bytes())]
    seen: list[tuple[int, int]] = []
    report = import_uploads(store, "default", "thumbs_up", files, ExtractConfig(every_n=25),
                            lambda done, total: seen.append((done, total)))  # fmt: skip
    assert seen == [(n, 14) for n in range(15)] and report.frames == 14 and report.stored >= 12  # 1 photo + 13
    cancel = threading.Event()
    stop_at_5 = lambda done, total: cancel.set() if done == 5 else None  # noqa: E731
    stopped = import_uploads(store, "default", "ok", files, ExtractConfig(every_n=25), stop_at_5, cancel)
    assert stopped.cancelled and stopped.frames == 5 and stopped.stored == 0 and stopped.sample_ids == []
    assert store.class_counts("default")["ok"] == 0


@pytest.mark.slow  # MediaPipe
def test_recognising_a_video_reports_frames_and_a_cancel_keeps_nothing() -> None:
    """#45 item 9: Live's "Recognising…" for a 13 s video: frames done of all, then the browser's copy; a
    cancel returns nothing half-done."""
    from ui.samples.uploads import annotate_upload

    video = shared_path("video", "asl_hand.25fps.mp4")
    upload, seen = UploadedFile(video.name, video.read_bytes()), []
    annotated = annotate_upload(upload, None, every_n=25, on_progress=lambda done, total: seen.append((done, total)))
    assert annotated is not None and annotated.kind == "video" and len(annotated.records) == 13
    assert seen == [(n, 13) for n in range(14)]
    cancel = threading.Event()
    stop_at_2 = lambda done, total: cancel.set() if done == 2 else None  # noqa: E731
    assert annotate_upload(upload, None, every_n=25, on_progress=stop_at_2, cancel=cancel) is None
