"""Extraction of samples from real photos and videos, with the reasons frames are rejected."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import close_up_photo, faststart_copy, shared_path
from forked_cli import run_forked
from handmaker import make_hand
from PIL import Image
from test_images import jpeg_claiming, zero_png
from test_video import cut_in_half

from core.data.imports.extract import (
    LOW_CONFIDENCE,
    NO_HAND,
    TOO_MANY_HANDS,
    ExtractConfig,
    InputsRefusedError,
    extract_to_store,
    usable_files,
    usable_hands,
)
from core.data.store import Store
from core.io.video import MediaError


def test_usable_hands_reasons() -> None:
    config = ExtractConfig(hands_per_frame=1, min_score=0.5)
    hand = make_hand()
    assert usable_hands([], config) == ([], NO_HAND)
    assert usable_hands([hand, hand], config) == ([], TOO_MANY_HANDS)
    weak = make_hand()
    object.__setattr__(weak, "score", 0.2)
    assert usable_hands([weak], config) == ([], LOW_CONFIDENCE)
    assert usable_hands([hand], config) == ([hand], None)
    assert usable_hands([hand, hand], ExtractConfig(hands_per_frame=2)) == ([hand, hand], None)


@pytest.mark.slow
def test_real_photos_become_samples_with_crops(tmp_path: Path) -> None:
    store = Store(tmp_path)
    project = store.ensure_project()
    photos = sorted(shared_path("hagrid_380", "images", "like").glob("*.jpg"))[:4]
    blank = tmp_path / "wall.png"
    Image.fromarray(np.full((120, 160, 3), 200, np.uint8)).save(blank)
    report = extract_to_store(store, project, "thumbs_up", [*photos, blank])
    assert report.frames == 5 and report.no_hand >= 1
    assert report.stored == len(report.sample_ids) == store.class_counts(project)["thumbs_up"] >= 3
    sample = store.get_sample(report.sample_ids[0])
    assert sample.source_kind == "image" and sample.source_name == photos[0].name and sample.frame is None
    assert sample.crop_jpeg is not None and sample.crop_jpeg[:2] == b"\xff\xd8"


@pytest.mark.slow
def test_two_hands_rejected_when_one_is_asked(tmp_path: Path) -> None:
    store = Store(tmp_path)
    project = store.ensure_project()
    image = shared_path("video", "hands.jpg")
    one = extract_to_store(store, project, "open_palm", [image], ExtractConfig(hands_per_frame=1))
    assert one.stored == 0 and one.rejected[TOO_MANY_HANDS] == 1
    two = extract_to_store(store, project, "open_palm", [image], ExtractConfig(hands_per_frame=2))
    assert two.stored == 2


@pytest.mark.slow
def test_video_every_nth_frame_and_cancel(tmp_path: Path) -> None:
    store = Store(tmp_path)
    project = store.ensure_project()
    video = shared_path("video", "asl_hand.25fps.mp4")
    report = extract_to_store(store, project, "ok", [video], ExtractConfig(every_n=25))
    assert report.frames == 13 and report.stored >= 12
    frames = [s.frame for s in store.list_samples(project, "ok")]
    assert frames[:3] == [0, 25, 50]
    cancel = threading.Event()
    cancel.set()
    stopped = extract_to_store(store, project, "fist", [video], ExtractConfig(every_n=25), cancel=cancel)
    assert stopped.cancelled and stopped.stored == 1


def test_when_no_input_is_usable_nothing_changes(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    project = store.ensure_project()
    good = tmp_path / "good.png"
    Image.fromarray(np.zeros((50, 50, 3), np.uint8)).save(good)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"\x89PNG not really")
    with pytest.raises(MediaError, match="broken.png"):
        extract_to_store(store, project, "fist", [broken])
    with pytest.raises(InputsRefusedError) as refused:
        extract_to_store(store, project, "wave", [broken, tmp_path / "missing.png"], create_class=True)
    assert [e.path.name for e in refused.value.errors] == ["broken.png", "missing.png"]
    assert str(refused.value).count("\nerror: ") == 1 and "file or folder not found" in str(refused.value)
    with pytest.raises(ValueError, match="no class 'wave'"):
        extract_to_store(store, project, "wave", [good])
    assert sum(store.class_counts(project).values()) == 0 and "wave" not in store.class_counts(project)


def test_usable_files_lists_each_bad_input_and_keeps_the_good(tmp_path: Path) -> None:
    good = [tmp_path / "a.png", tmp_path / "b.jpg"]
    for path in good:
        Image.fromarray(np.full((40, 60, 3), 90, np.uint8)).save(path)
    bomb, text = jpeg_claiming(tmp_path / "huge.jpg", 12000, 12000), tmp_path / "notes.jpg"
    text.write_text("not a photo")
    files, refused = usable_files([good[0], bomb, text, good[1], good[0], tmp_path / "gone.mp4"])
    assert files == good
    assert [e.path.name for e in refused] == ["huge.jpg", "notes.jpg", "gone.mp4"]
    assert "over the limit of 50,000,000" in refused[0].problem and refused[2].problem == "file or folder not found"
    assert refused[1].problem and "Traceback" not in refused[1].problem


@pytest.mark.slow
def test_a_close_up_photo_is_found_when_zoomed_out(tmp_path: Path) -> None:
    store = Store(tmp_path)
    project = store.ensure_project()
    close_up = close_up_photo()
    report = extract_to_store(store, project, "pointing_up", [close_up])
    assert report.stored == 1 and report.no_hand == 0
    hand = store.get_sample(report.sample_ids[0]).hand
    assert hand.image_size == (100, 100) and 0.0 <= hand.normalised[0, 1] <= 1.2  # the photo's coordinates


@pytest.mark.slow
def test_hostile_photos_end_in_a_clear_error_or_no_hand_never_an_abort(tmp_path: Path) -> None:
    """The photos of issue 19 through ``python -m core extract`` in a child process (an abort would kill pytest),
    forked from one that imported the CLI once (``forked_cli``).

    Before: the 11000×8 PNG aborted with SIGABRT (exit 134), the 20000×20000 PNG gave a
    DecompressionBombError traceback, a 12000×12000 JPEG took 5.8 GB and aborted.
    """
    wide = tmp_path / "wide.png"
    Image.fromarray(np.full((8, 11000, 3), 120, np.uint8)).save(wide)
    assert wide.stat().st_size < 1000
    bomb, huge = zero_png(tmp_path / "bomb.png", 20000, 20000), jpeg_claiming(tmp_path / "huge.jpg", 12000, 12000)
    env = {**os.environ, "HANDTEACH_DATA": str(tmp_path / "data")}
    outcomes, peak_mb = {}, 0.0
    for path in (wide, bomb, huge):
        done = run_forked(["extract", "-i", str(path), "--label", "fist"], env, timeout=180)
        assert "Traceback" not in done.stderr, done.stderr[-2000:]
        last = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        outcomes[path.name] = (done.returncode, last if done.returncode else done.stdout.splitlines()[0])
        peak_mb = max(peak_mb, done.peak_rss_mb)
    # searched (zoomed out, scaled down): no hand, nothing stored
    assert outcomes["wide.png"] == (0, "stored 0 samples from 1 frames; rejected: 1 no hand")
    assert outcomes["bomb.png"][0] == 2 and outcomes["bomb.png"][1].startswith(f"error: {bomb}: the header claims")
    assert outcomes["huge.jpg"] == (2, f"error: {huge}: 12000×12000 = 144,000,000 pixels, over the limit of 50,000,000")
    assert peak_mb < 2048


@pytest.mark.slow
def test_a_video_cut_in_the_middle_stores_its_samples_and_says_so(tmp_path: Path) -> None:
    store = Store(tmp_path / "data")
    project = store.ensure_project()
    whole = faststart_copy(shared_path("video", "asl_hand.25fps.mp4"), tmp_path / "whole.mp4")
    half = cut_in_half(whole, tmp_path / "clip.mp4")
    report = extract_to_store(store, project, "ok", [half], ExtractConfig(every_n=25))
    assert 0 < report.stored <= report.frames < 13
    (note,) = report.notes
    assert note.startswith("clip.mp4: the video ends after ") and "of its 325 frames (cut off or damaged)" in note
    assert report.summary().endswith(f"\nwarning: {note}")


@pytest.mark.slow
def test_each_frame_is_counted_and_a_cancel_ends_the_file_before_the_next(tmp_path: Path) -> None:
    """#45 item 9: frames done of frames planned, frame by frame; a cancel stops before the next frame."""
    from core.data.imports.extract import ExtractReport, iter_file_samples
    from core.io.progress import FrameCounter, planned_frames

    video = shared_path("video", "asl_hand.25fps.mp4")
    seen: list[tuple[int, int]] = []
    report = ExtractReport()
    counter = FrameCounter(planned_frames(video, 25), lambda done, total: seen.append((done, total)))
    samples = list(iter_file_samples(video, "ok", ExtractConfig(every_n=25), report, counter=counter))
    assert seen == [(n, 13) for n in range(14)] and report.frames == 13 and len(samples) >= 12
    cancel = threading.Event()
    stopping = FrameCounter(13, lambda done, total: cancel.set() if done == 3 else None, cancel)
    stopped = ExtractReport()
    assert len(list(iter_file_samples(video, "ok", ExtractConfig(every_n=25), stopped, counter=stopping))) <= 3
    assert stopped.cancelled and stopped.frames == 3
