"""The fake camera of the browser tests and ``bench/speed/webcam.py``: a video as the y4m file Chromium plays.

``fake_camera_y4m`` fits any video into 640×480 (cached), ``usable_frames`` counts the frames
MediaPipe finds a usable hand in (what a browser test can record).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data"))
DEFAULT_VIDEO = SHARED / "hands" / "video" / "asl_hand.25fps.mp4"


# Fit inside 640×480 whatever the video's shape (16:9, 4:3, portrait): scale down (or up) until both
# sides fit, keep the aspect ratio, round to even sizes (yuv420p), then pad the rest with black.
FIT_640X480 = (
    "scale=640:480:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=640:480:(ow-iw)/2:(oh-ih)/2,setsar=1"
)


def fake_camera_y4m(video: Path, cache_dir: Path, fps: int = 30) -> Path:
    """A 640×480 ``fps`` y4m of ``video`` (fitted inside and padded, any shape), cached by name and mtime."""
    if not video.exists():
        raise FileNotFoundError(f"video for the fake camera not found: {video}")
    cache_dir.mkdir(parents=True, exist_ok=True)
    target = cache_dir / f"{video.stem}.{int(video.stat().st_mtime)}.640x480.{fps}fps.y4m"
    if target.exists():
        return target
    tmp = target.with_suffix(f".{os.getpid()}.part.y4m")  # two test workers may make it at once
    done = subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(video), "-vf", f"{FIT_640X480},fps={fps}", "-pix_fmt", "yuv420p",
         "-f", "yuv4mpegpipe", str(tmp)],
        capture_output=True, text=True,
    )  # fmt: skip
    if done.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise RuntimeError(f"ffmpeg could not make a fake camera from {video}: {done.stderr.strip()[-500:]}")
    tmp.rename(target)
    return target


def y4m_header(path: Path) -> dict[str, str]:
    """The stream header of a y4m file: {"W": "640", "H": "480", "F": "30:1", …}, and "frames" counted."""
    with path.open("rb") as file:
        header = file.readline().decode("ascii").split()
        if not header or header[0] != "YUV4MPEG2":
            raise ValueError(f"{path}: not a y4m file")
        fields = {item[0]: item[1:] for item in header[1:]}
        frame_bytes = int(fields["W"]) * int(fields["H"]) * 3 // 2  # yuv420p
        frames = 0
        while file.readline().startswith(b"FRAME"):
            frames += 1
            file.seek(frame_bytes, 1)
    return {**fields, "frames": str(frames)}


def y4m_frames(path: Path, every: int = 1, limit: int | None = None) -> Iterator:
    """RGB frames (H, W, 3) uint8 of a yuv420p y4m: every ``every``-th, at most ``limit``."""
    import cv2
    import numpy as np

    header = y4m_header(path)
    width, height = int(header["W"]), int(header["H"])
    size = width * height * 3 // 2
    with path.open("rb") as file:
        file.readline()
        index = yielded = 0
        while file.readline().startswith(b"FRAME") and (limit is None or yielded < limit):
            data = file.read(size)
            if len(data) < size:
                return
            if index % every == 0:
                yuv = np.frombuffer(data, np.uint8).reshape(height * 3 // 2, width)
                yielded += 1
                yield cv2.cvtColor(yuv, cv2.COLOR_YUV2RGB_I420)
            index += 1


def usable_frames(y4m: Path, every: int = 3, limit: int = 60, min_score: float = 0.5) -> tuple[int, int]:
    """(frames where MediaPipe finds one hand the Record page would keep, frames looked at) of a fake camera.

    What the browser test records comes from these frames: a video with too few of them
    cannot give enough samples, and the test says so instead of timing out.
    """
    sys.path.insert(0, str(ROOT))
    from core.data.imports.extract import ExtractConfig, usable_hands
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    found = looked = 0
    with HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=2)) as tracker:
        for rgb in y4m_frames(y4m, every, limit):
            looked += 1
            usable, _ = usable_hands(tracker.process(rgb), ExtractConfig(hands_per_frame=1, min_score=min_score))
            found += bool(usable)
    return found, looked
