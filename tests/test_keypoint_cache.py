"""The photo keypoint cache: detects once, then reads back the same hands."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path

import core.keypoints.cache as cache_module
from core.keypoints.cache import detect_in_photos

pytestmark = pytest.mark.slow


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
