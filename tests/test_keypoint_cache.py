"""The photo keypoint cache: detects once, then reads back the same hands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from skeletonmaker import make_keypoints

import core.keypoints.cache as cache_module
from core.keypoints.cache import detect_in_photos, file_key, load_cache, save_cache
from core.skeletons import HAND_21
from core.types import Keypoints


def _hand(x: float) -> Keypoints:
    return make_keypoints(np.full((21, 2), x, np.float32), HAND_21)


class _CountingTracker:
    """Stands in for MediaPipe: one made-up hand a photo, and a count of the photos it was asked about."""

    calls = 0

    def __init__(self, *args: object, **kwargs: object) -> None:
        pass

    def __enter__(self) -> _CountingTracker:
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def process(self, image: object) -> list[Keypoints]:
        _CountingTracker.calls += 1
        return [_hand(7.0)]


@pytest.fixture
def tracker(monkeypatch: pytest.MonkeyPatch) -> type[_CountingTracker]:
    _CountingTracker.calls = 0
    monkeypatch.setattr(cache_module, "HandTracker", _CountingTracker)
    monkeypatch.setattr(cache_module, "read_image", lambda path: np.zeros((4, 4, 3), np.uint8))
    return _CountingTracker


def _old_key(path: Path, mtime: int) -> str:
    return f"{path.resolve()}|{path.stat().st_size}|{mtime}"


def test_a_copied_and_touched_photo_keeps_its_hands(tmp_path: Path, tracker: type[_CountingTracker]) -> None:
    """The shared data is copied anew between sessions (every file with a new time): that must not send
    every photo through MediaPipe again, as keying by modification time did."""
    photo, copy = tmp_path / "a.jpg", tmp_path / "copies" / "a.jpg"
    photo.write_bytes(b"photo bytes")
    cache = tmp_path / "cache.npz"
    save_cache(cache, {file_key(photo): [_hand(3.0)]})
    copy.parent.mkdir()
    copy.write_bytes(photo.read_bytes())
    (hands,) = detect_in_photos([copy], cache)
    assert tracker.calls == 0 and hands[0].pixel[0, 0] == 3.0
    copy.write_bytes(b"other bytes")
    (hands,) = detect_in_photos([copy], cache)
    assert tracker.calls == 1 and hands[0].pixel[0, 0] == 7.0


def test_old_key_entries_are_taken_over_once(tmp_path: Path, tracker: type[_CountingTracker]) -> None:
    """A cache of the old key (path, size, modification time): the same path and size take over the
    newest entry of a photo; a photo of another size is detected again; other photos' entries stay."""
    photo, resized, elsewhere = (tmp_path / n for n in ("a.jpg", "b.jpg", "c.jpg"))
    for path in (photo, resized, elsewhere):
        path.write_bytes(b"photo bytes")
    cache = tmp_path / "cache.npz"
    save_cache(cache, {_old_key(photo, 100): [_hand(1.0)], _old_key(photo, 200): [_hand(2.0)],
                       _old_key(resized, 100): [_hand(4.0)], _old_key(elsewhere, 100): [_hand(5.0)]})  # fmt: skip
    resized.write_bytes(b"photo bytes, edited")  # its old entry is for 11 bytes
    first, second = detect_in_photos([photo, resized], cache)
    assert first[0].pixel[0, 0] == 2.0 and second[0].pixel[0, 0] == 7.0 and tracker.calls == 1
    kept = load_cache(cache)
    assert set(kept) == {file_key(photo), file_key(resized), _old_key(elsewhere, 100)}
    detect_in_photos([photo, resized], cache)
    assert tracker.calls == 1


@pytest.mark.slow
def test_second_call_reads_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    photos = sorted(shared_path("hagrid_380", "images", "palm").glob("*.jpg"))[:3]
    broken = tmp_path / "broken.jpg"
    broken.write_text("not a photo")
    cache = tmp_path / "cache.npz"
    first = detect_in_photos([*photos, broken], cache)
    assert sum(1 for hands in first if hands) >= 2 and first[-1] == []

    def no_tracker(*args: object, **kwargs: object) -> None:
        raise AssertionError("MediaPipe must not run when every photo is cached")

    monkeypatch.setattr(cache_module, "HandTracker", no_tracker)
    second = detect_in_photos([*photos, broken], cache)
    for a, b in zip(first, second, strict=True):
        assert len(a) == len(b)
        for ha, hb in zip(a, b, strict=True):
            np.testing.assert_array_equal(ha.pixel, hb.pixel)
            np.testing.assert_array_equal(ha.world, hb.world)
            assert (ha.handedness, ha.score, ha.image_size) == (hb.handedness, hb.score, hb.image_size)


@pytest.mark.slow
@pytest.mark.parametrize("content", [b"", b"garbage" * 400, b"PK\x03\x04 truncated zip"])
def test_garbage_cache_file_is_named(tmp_path: Path, content: bytes) -> None:
    """Issue 19 item 8: a garbage --cache file gave a message that did not name the file."""
    cache = tmp_path / "mine.npz"
    cache.write_bytes(content)
    with pytest.raises(ValueError, match=rf"{cache}: not a keypoint cache .*--cache"):
        detect_in_photos([], cache)
    np.savez(cache, unrelated=np.zeros(3))
    with pytest.raises(ValueError, match=rf"{cache}: not a keypoint cache \(arrays .* are missing\)"):
        detect_in_photos([], cache)
