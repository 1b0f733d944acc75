"""Per-frame JSON records of the infer command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from handmaker import make_hand

from core.gestures.inference import frame_record, output_paths
from core.gestures.pipeline import FrameResult
from core.types import Prediction


def test_frame_record_is_json_with_pixel_keypoints() -> None:
    hand = make_hand(handedness="Left")
    result = FrameResult(hands=[hand], predictions=[Prediction("fist", 0.91234, {"fist": 0.91234})],
                         timings_ms={}, frame_index=7)  # fmt: skip
    record = json.loads(json.dumps(frame_record(Path("clip.mp4"), result)))
    assert record["source"] == "clip.mp4" and record["frame"] == 7
    (entry,) = record["hands"]
    assert entry["handedness"] == "Left" and entry["label"] == "fist" and entry["score"] == 0.9123
    assert len(entry["keypoints"]) == 21 and entry["keypoints"][0] == [round(float(v), 1) for v in hand.pixel[0]]


def test_frame_record_without_classifier() -> None:
    result = FrameResult(hands=[make_hand()], predictions=[None], timings_ms={}, frame_index=0)
    assert frame_record(Path("a.png"), result)["hands"][0]["label"] is None


def _touch(*paths: Path) -> list[Path]:
    for p in paths:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(b"user photo")
    return list(paths)


def test_same_names_in_two_folders_keep_their_folders(tmp_path: Path) -> None:
    """Issue 19 item 7: a/x.jpg and b/x.jpg were both written to OUT/x.png."""
    files = _touch(tmp_path / "in" / "a" / "x.jpg", tmp_path / "in" / "b" / "x.jpg")
    out = tmp_path / "out"
    assert output_paths(files, out) == {files[0]: out / "a" / "x.png", files[1]: out / "b" / "x.png"}


def test_names_differing_only_in_suffix_get_two_outputs(tmp_path: Path) -> None:
    files = _touch(tmp_path / "x.jpg", tmp_path / "x.png", tmp_path / "clip.mp4")
    targets = output_paths(files, tmp_path / "out")
    assert [t.name for t in targets.values()] == ["x.png", "x_png.png", "clip.mp4"]


def test_output_folder_of_the_inputs_never_replaces_a_photo(tmp_path: Path) -> None:
    """Issue 19 item 7: `-o` equal to the input's folder overwrote the user's photo."""
    files = _touch(tmp_path / "hand.png", tmp_path / "other.jpg")
    targets = output_paths(files, tmp_path)
    assert targets == {files[0]: tmp_path / "hand.annotated.png", files[1]: tmp_path / "other.annotated.png"}
    (single,) = _touch(tmp_path / "solo" / "pic.png")
    assert output_paths([single], tmp_path / "solo") == {single: tmp_path / "solo" / "pic.annotated.png"}
    assert output_paths([single], single) == {single: tmp_path / "solo" / "pic.annotated.png"}  # -o the photo itself
    assert output_paths([single], tmp_path / "mine.png") == {single: tmp_path / "mine.png"}  # a named new file


def test_the_same_input_twice_is_written_once(tmp_path: Path) -> None:
    (photo,) = _touch(tmp_path / "p.jpg")
    assert output_paths([photo, photo], tmp_path / "out") == {photo: tmp_path / "out" / "p.png"}


def test_looking_up_a_projects_keypoint_model_creates_no_folder(tmp_path: Path) -> None:
    """project_cpm_dir made data/projects/<name>/, so infer of a never-trained project failed on a read-only disk."""
    from core.data.project_cpm import DEFAULT_DIR, finetuned_checkpoint, project_checkpoint
    from core.data.store import Store
    from core.keypoints.backend import KeypointBackend

    store = Store(tmp_path / "data")
    store.create_project("signs", backend="cpm")
    assert finetuned_checkpoint(store, "signs") is None and project_checkpoint(store, "signs") == DEFAULT_DIR
    assert KeypointBackend.of_project(store, "signs").name == "cpm"
    assert not (tmp_path / "data" / "projects").exists()


@pytest.mark.slow
def test_annotating_counts_frames_and_stops_at_a_cancel(tmp_path: Path) -> None:
    """#45 item 9: Live's file recognition reports frames done of planned and stops before the next frame."""
    import threading

    from conftest import shared_path

    from core.gestures.inference import annotate_file
    from core.io.progress import FrameCounter
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    video = shared_path("video", "asl_hand.25fps.mp4")
    cancel, seen = threading.Event(), []

    def on_progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done == 4:
            cancel.set()

    with HandTracker(TrackerConfig(static_image_mode=False, max_num_hands=1)) as tracker:
        records = list(
            annotate_file(video, tracker, None, tmp_path / "out.mp4", 25, FrameCounter(13, on_progress, cancel))
        )
    assert seen == [(n, 13) for n in range(5)] and len(records) == 4
