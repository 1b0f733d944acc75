"""core.io.video: reading real and generated media, and the errors for files that cannot be used."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
from conftest import faststart_copy, shared_path
from PIL import Image

from core.io.video import (
    MediaError,
    MediaLimitError,
    expand_inputs,
    iter_frames,
    media_kind,
    read_image,
    video_info,
    write_image,
    write_video,
)


def _gradient(height: int = 48, width: int = 64) -> np.ndarray:
    """(H, W, 3) uint8 RGB test pattern: red grows to the right, green downwards, blue constant."""
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    return np.stack([x, y, np.full_like(x, 60)], axis=2).astype(np.uint8)


def test_real_jpg_and_png_read_as_rgb() -> None:
    jpg = read_image(shared_path("video", "hands.jpg"))
    assert jpg.ndim == 3 and jpg.shape[2] == 3 and jpg.dtype == np.uint8
    # Pillow and OpenCV (BGR) must agree once channels are swapped: proves RGB order.
    bgr = cv2.imread(str(shared_path("video", "hands.jpg")))
    assert np.abs(jpg.astype(int) - bgr[:, :, ::-1].astype(int)).mean() < 2
    png_dir = shared_path("keypoints_gt", "rhd")
    png = read_image(sorted(png_dir.glob("*.png"))[0])
    assert png.ndim == 3 and png.shape[2] == 3


@pytest.mark.parametrize("suffix", [".webp", ".bmp", ".png"])
def test_pillow_written_images_round_trip(tmp_path: Path, suffix: str) -> None:
    rgb = _gradient()
    path = tmp_path / f"img{suffix}"
    Image.fromarray(rgb).save(path, lossless=True) if suffix == ".webp" else Image.fromarray(rgb).save(path)
    assert np.array_equal(read_image(path), rgb)


def test_grey_and_rgba_become_rgb(tmp_path: Path) -> None:
    Image.fromarray(np.full((10, 12), 77, np.uint8), mode="L").save(tmp_path / "grey.png")
    Image.fromarray(np.full((10, 12, 4), 200, np.uint8), mode="RGBA").save(tmp_path / "rgba.png")
    assert read_image(tmp_path / "grey.png").shape == (10, 12, 3)
    assert read_image(tmp_path / "rgba.png").shape == (10, 12, 3)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    image = Image.fromarray(_gradient(20, 40))
    exif = image.getexif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    image.save(tmp_path / "rotated.jpg", exif=exif.tobytes())
    assert read_image(tmp_path / "rotated.jpg").shape == (40, 20, 3)


def test_text_renamed_jpg_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "notes.jpg"
    path.write_text("this is not a picture")
    with pytest.raises(MediaError, match=r"notes\.jpg.*not a readable image"):
        read_image(path)


def test_empty_and_truncated_images(tmp_path: Path) -> None:
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(MediaError, match=r"empty\.png.*empty"):
        read_image(tmp_path / "empty.png")
    full = shared_path("video", "hands.jpg").read_bytes()
    (tmp_path / "cut.jpg").write_bytes(full[: len(full) // 3])
    with pytest.raises(MediaError, match=r"cut\.jpg.*truncated"):
        read_image(tmp_path / "cut.jpg")


def test_unsupported_extension(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match=r"unsupported file type '\.txt' \(supported: .*\.jpg"):
        media_kind(tmp_path / "a.txt")
    assert media_kind("x.JPG") == "image" and media_kind("clip.gif") == "video"


def test_missing_file() -> None:
    with pytest.raises(MediaError, match="not found"):
        read_image("/nonexistent/hand.jpg")


def test_real_video_frames_and_every_n() -> None:
    video = shared_path("video", "asl_hand.25fps.mp4")
    info = video_info(video)
    assert (info.width, info.height) == (620, 1080) and info.frames == 325 and info.fps == pytest.approx(25)
    frames = list(iter_frames(video, every_n=5, max_frames=4))
    assert [i for i, _ in frames] == [0, 5, 10, 15]
    assert frames[0][1].shape == (1080, 620, 3) and frames[0][1].dtype == np.uint8


def test_empty_and_truncated_video(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(MediaError, match=r"empty\.mp4"):
        list(iter_frames(tmp_path / "empty.mp4"))
    head = shared_path("video", "asl_hand.25fps.mp4").read_bytes()[:2048]
    (tmp_path / "cut.mp4").write_bytes(head)
    with pytest.raises(MediaError, match=r"cut\.mp4.*no frames could be decoded"):
        list(iter_frames(tmp_path / "cut.mp4"))


def test_avi_written_by_opencv(tmp_path: Path) -> None:
    frames = [np.roll(_gradient(), shift, axis=1) for shift in range(0, 60, 10)]
    path = tmp_path / "clip.avi"
    assert write_video(path, frames, fps=10) == 6
    read = list(iter_frames(path))
    assert len(read) == 6 and read[0][1].shape == frames[0].shape
    # MJPG is lossy, but channel order must survive: the red ramp stays on the red channel.
    assert np.abs(read[0][1].astype(int) - frames[0].astype(int)).mean() < 8
    assert video_info(path).frames == 6


def test_mp4_writer(tmp_path: Path) -> None:
    frames = [_gradient(64, 64)] * 3
    assert write_video(tmp_path / "out.mp4", frames, fps=25) == 3
    assert len(list(iter_frames(tmp_path / "out.mp4"))) == 3


def test_gif_all_frames_rgb(tmp_path: Path) -> None:
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    frames = [np.full((16, 16, 3), c, np.uint8) for c in colours]
    assert write_video(tmp_path / "anim.gif", frames, fps=5) == 3
    read = list(iter_frames(tmp_path / "anim.gif"))
    assert [i for i, _ in read] == [0, 1, 2]
    assert [tuple(int(v) for v in f[8, 8]) for _, f in read] == colours
    assert list(iter_frames(tmp_path / "anim.gif", every_n=2))[1][0] == 2
    info = video_info(tmp_path / "anim.gif")
    assert info.frames == 3 and info.fps == pytest.approx(5)


def test_image_yields_single_frame(tmp_path: Path) -> None:
    path = write_image(tmp_path / "a.png", _gradient())
    frames = list(iter_frames(path, every_n=3))
    assert len(frames) == 1 and frames[0][0] == 0


def test_expand_inputs(tmp_path: Path) -> None:
    (tmp_path / "b" / "deep").mkdir(parents=True)
    for name in ["b/deep/z.png", "b/a.JPG", "b/notes.txt", "c.gif"]:
        (tmp_path / name).write_bytes(b"x")
    found = expand_inputs([tmp_path / "b", tmp_path / "c.gif"])
    assert found == [tmp_path / "b" / "a.JPG", tmp_path / "b" / "deep" / "z.png", tmp_path / "c.gif"]
    (tmp_path / "none").mkdir()
    with pytest.raises(MediaError, match="no media files"):
        expand_inputs([tmp_path / "none"])
    with pytest.raises(MediaError, match="not found"):
        expand_inputs([tmp_path / "missing.jpg"])
    with pytest.raises(MediaError, match="unsupported"):
        expand_inputs([tmp_path / "b" / "notes.txt"])


def cut_in_half(source: Path, target: Path) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: len(data) // 2])
    return target


@pytest.mark.slow
def test_a_video_cut_in_the_middle_gives_its_frames_and_says_it_was_cut(tmp_path: Path) -> None:
    video = shared_path("video", "asl_hand.25fps.mp4")  # 325 frames
    half = cut_in_half(faststart_copy(video, tmp_path / "whole.mp4"), tmp_path / "half.mp4")
    notes: list[str] = []
    frames = [index for index, _ in iter_frames(half, on_note=notes.append)]
    assert 50 < len(frames) < 300 and frames == list(range(len(frames)))
    assert notes == [f"half.mp4: the video ends after {len(frames)} of its 325 frames (cut off or damaged); "
                     f"the {len(frames)} frames read were used"]  # fmt: skip
    whole_notes: list[str] = []
    assert len(list(iter_frames(video, every_n=5, on_note=whole_notes.append))) == 65 and whole_notes == []
    # with the index at the end (as the shared file is), half a file has no index: nothing can be read
    with pytest.raises(MediaError, match=r"half-end\.mp4: no frames could be decoded .*cut off before its index"):
        list(iter_frames(cut_in_half(video, tmp_path / "half-end.mp4")))


def test_a_video_longer_than_the_limit_is_refused_from_its_header(tmp_path: Path) -> None:
    path = tmp_path / "slow.avi"
    write_video(path, (np.zeros((16, 16, 3), np.uint8) for _ in range(40)), fps=0.02)  # 40 frames, 2000 s
    with pytest.raises(MediaLimitError, match=r"slow\.avi: 33\.3 minutes long, over the limit of 30 minutes"):
        video_info(path)
    with pytest.raises(MediaLimitError, match="33.3 minutes"):
        next(iter_frames(path))


@pytest.mark.slow
def test_a_gif_cut_anywhere_gives_its_whole_frames_with_a_note_or_a_clear_error(tmp_path: Path) -> None:
    """Before: Pillow's IndexError (and struct.error) from a GIF cut between frames escaped as a traceback."""
    real = [cv2.resize(f, (62, 108)) for _, f in iter_frames(shared_path("video", "asl_hand.25fps.mp4"), max_frames=6)]
    data = (write_video(tmp_path / "clip.gif", real, fps=5) and (tmp_path / "clip.gif").read_bytes()) or b""
    outcomes = set()
    for cut in range(200, len(data), 97):
        path = tmp_path / "cut.gif"
        path.write_bytes(data[:cut])
        notes: list[str] = []
        try:
            frames = len(list(iter_frames(path, on_note=notes.append)))
        except MediaError as exc:
            assert str(exc).startswith(f"{path}: ")
            outcomes.add("error")
        else:
            assert 1 <= frames < 6 and len(notes) <= 1  # a cut between two frames' data is not seen as one
            if notes:
                assert notes[0].startswith(f"cut.gif: the GIF ends after {frames} frames (cut off or damaged")
                outcomes.add("note")
    assert outcomes == {"error", "note"}


@pytest.mark.slow
def test_a_raw_h264_stream_without_a_frame_count_stops_at_the_time_limit(tmp_path: Path, monkeypatch) -> None:
    """Issue 34: a raw H.264 stream (no container, no count) read on for 400 s; it now has the time limit
    of a counted video at its frame rate (here cut to 2 s so that a 6 s stream shows it)."""
    import shutil
    import subprocess
    from dataclasses import replace

    import core.io.video as video

    if shutil.which("ffmpeg") is None:
        pytest.skip("ffmpeg makes the raw H.264 stream")
    raw = tmp_path / "raw.mp4"  # what a phone app or a pipe may hand over under a video name
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25",
                    "-t", "6", "-c:v", "libx264", "-f", "h264", str(raw)], check=True)  # fmt: skip
    monkeypatch.setattr(video, "LIMITS", replace(video.LIMITS, video_seconds=2.0))
    notes: list[str] = []
    frames = list(video.iter_frames(raw, on_note=notes.append))
    assert len(frames) == 50 and notes == ["raw.mp4: stopped at the limit of 50 frames (2 s at 25 fps)"]
