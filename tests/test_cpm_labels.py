"""Teacher labels: MediaPipe on real photos, the content-keyed cache, zoomed-out labels for close-ups."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from core.cpm.training import labels
from core.io.images import read_image
from core.keypoints.landmarks import ZOOM_OUT_BORDERS
from tests.conftest import close_up_photo, copy_open_hands, open_hand_photos, shared_path


class NoTeacher:
    def __init__(self, *_: object) -> None:
        raise AssertionError("MediaPipe ran again on cached files")


@pytest.mark.slow
def test_labels_are_cached_by_content(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = copy_open_hands(tmp_path, 3)
    cache = tmp_path / "labels.json"
    first = labels.label_media([folder], cache)
    assert len(first) == 3 and cache.is_file()

    monkeypatch.setattr("core.keypoints.landmarks.HandTracker", NoTeacher)
    again = labels.label_media([folder], cache)
    assert [len(f.hands) for f in again] == [len(f.hands) for f in first]
    copy = tmp_path / "copied"
    shutil.copytree(folder, copy)  # a fresh copy (new paths and times) keeps its labels
    assert [len(f.hands) for f in labels.label_media([copy], cache)] == [len(f.hands) for f in first]
    changed = sorted(folder.iterdir())[0]
    changed.write_bytes(changed.read_bytes() + b"\0")  # new size → new key → labelled again
    with pytest.raises(AssertionError, match="MediaPipe ran again"):
        labels.label_media([folder], cache)


@pytest.mark.slow
def test_a_version_1_cache_is_rekeyed_while_its_files_are_unchanged(tmp_path: Path, monkeypatch) -> None:
    folder = copy_open_hands(tmp_path, 2)
    cache = tmp_path / "labels.json"
    first = labels.label_media([folder], cache)
    data = json.loads(cache.read_text())
    old = {labels._old_key(Path(e["path"])): e for e in data["entries"].values()}
    cache.write_text(json.dumps({"version": 1, "teacher": labels.TEACHER, "entries": old}))

    monkeypatch.setattr("core.keypoints.landmarks.HandTracker", NoTeacher)
    assert [len(f.hands) for f in labels.label_media([folder], cache)] == [len(f.hands) for f in first]
    assert json.loads(cache.read_text())["version"] == labels.CACHE_VERSION


@pytest.mark.slow
def test_a_close_up_is_labelled_when_zoomed_out_and_only_on_request(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "close"
    folder.mkdir()
    shutil.copy(close_up_photo(), folder / "up.jpg")
    shutil.copy(open_hand_photos()[0], folder / "whole.jpg")
    cache = tmp_path / "labels.json"
    plain = {f.path.name: f.hands for f in labels.label_media([folder], cache)}
    assert plain["up.jpg"] == () and len(plain["whole.jpg"]) == 1
    assert "zoomed_out" not in json.dumps(json.loads(cache.read_text()))  # only done when asked

    zoomed = {f.path.name: f.hands for f in labels.label_media([folder], cache, zoom_out=True)}
    (hand,) = zoomed["up.jpg"]
    assert hand.zoom_out in ZOOM_OUT_BORDERS
    h, w = read_image(folder / "up.jpg").shape[:2]
    x0, y0 = hand.keypoints.min(axis=0)
    x1, y1 = hand.keypoints.max(axis=0)
    assert -0.1 * w < x0 < x1 < 1.1 * w and -0.1 * h < y0 < y1 < 1.1 * h  # in the image's pixels, not the framed ones
    assert x1 - x0 > 0.3 * w or y1 - y0 > 0.3 * h  # a close-up fills the frame
    assert zoomed["whole.jpg"][0].zoom_out == 0.0
    assert np.array_equal(zoomed["whole.jpg"][0].keypoints, plain["whole.jpg"][0].keypoints)

    monkeypatch.setattr("core.keypoints.landmarks.HandTracker", NoTeacher)
    again = {f.path.name: f.hands for f in labels.label_media([folder], cache, zoom_out=True)}
    assert np.array_equal(again["up.jpg"][0].keypoints, hand.keypoints)  # cached too
    without = {f.path.name: f.hands for f in labels.label_media([folder], cache)}
    assert without["up.jpg"] == ()  # the whole-image reference is unchanged by the cached zoomed-out labels


@pytest.mark.slow
def test_tight_hagrid_crops_are_labelled_padded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    crops = shared_path("hagrid_crops", "images")
    folder = tmp_path / "crops"
    folder.mkdir()
    for source in sorted((crops / "like").glob("*.jpg"))[:12]:
        shutil.copy(source, folder / source.name)
    cache = tmp_path / "labels.json"
    padded = labels.label_media([folder], cache, padded=(folder,))
    plain = labels.label_media([folder], tmp_path / "plain.json")
    found, found_plain = sum(bool(f.hands) for f in padded), sum(bool(f.hands) for f in plain)
    assert found > found_plain and found >= 9  # MediaPipe misses hands that fill the image
    for frame in padded:
        assert frame.pad == labels.PAD
        h, w = read_image(frame.path).shape[:2]
        for hand in frame.hands:  # keypoints in the crop's own pixels, the hand inside it (a little slack)
            assert (hand.keypoints > -0.2 * max(h, w)).all() and (hand.keypoints[:, 0] < 1.2 * w).all()
    keys = json.loads(cache.read_text())["entries"]
    assert all(k.endswith(f"|pad{labels.PAD}") for k in keys)
    monkeypatch.setattr("core.keypoints.landmarks.HandTracker", NoTeacher)  # the cache answers the second time
    again = labels.label_media([folder], cache, padded=(folder,))
    assert [len(f.hands) for f in again] == [len(f.hands) for f in padded]
