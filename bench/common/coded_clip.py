"""A fake camera's clip whose every frame says which frame it is: one person's gestures from ``webcam_people`` in
known segments, each frame's index written as a bar code in a black strip under the picture.

Chromium's fake camera loops a y4m at its own pace, and under load it may drop or repeat frames; a page that reads
the strip knows which frame of the clip it is looking at, so what the clip shows at any moment is known without
trusting any clock but the page's (``bench/scratch/reactions.py``).

Layout of a 640×480 frame (unmirrored camera pixels): the person's photo scaled to 608×456 (4:3 kept) at x 16…624,
y 0…456; the strip y 456…480 black, with ``BITS`` blocks of ``BLOCK`` px at x ``CODE_X0``…, y 460…476, white for a
1: the frame's index, low bit first, then an even-parity bit (a frame whose bits disagree is not trusted).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

PEOPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "hands" / "webcam_people"
WIDTH, HEIGHT, FPS = 640, 480, 30
PHOTO_BOX = (16, 0, 608, 456)  # x, y, width, height of the photo in the frame
DATA_BITS = 11  # up to 2048 frames: 68 s at 30 fps
BITS = DATA_BITS + 1
BLOCK = 40
CODE_X0, CODE_Y0, CODE_H = 80, 460, 16
FRAMES_PER_PHOTO = 2  # 15 photos a second, as webcam_people's takes were recorded at about that pace


@dataclass(frozen=True)
class Segment:
    """``photos`` of one gesture shown in turn from the clip's frame ``start`` (inclusive) to ``end`` (exclusive)."""

    gesture: str
    photos: tuple[Path, ...]
    start: int
    end: int


@dataclass(frozen=True)
class Clip:
    """A coded clip's plan: its segments in order, ``frames`` in all at ``FPS`` (it loops)."""

    person: str
    segments: tuple[Segment, ...]

    @property
    def frames(self) -> int:
        return self.segments[-1].end

    def gesture_at(self, frame: int) -> str:
        frame %= self.frames
        return next(s.gesture for s in self.segments if s.start <= frame < s.end)

    def photo_at(self, frame: int) -> Path:
        frame %= self.frames
        segment = next(s for s in self.segments if s.start <= frame < s.end)
        return segment.photos[(frame - segment.start) // FRAMES_PER_PHOTO]


def plan(person: Path, gestures: tuple[str, ...], photos_each: int = 32) -> Clip:
    """The clip of ``person``'s ``gestures`` in this order, ``photos_each`` consecutive photos a segment (32: 2.13 s);
    each gesture's photos are taken on from where its last segment stopped, in recording order, round its folder."""
    taken: dict[str, int] = {}
    segments, start = [], 0
    for gesture in gestures:
        folder = sorted((person / gesture).glob("*.jpg"))
        if not folder:
            raise FileNotFoundError(f"no photos of {gesture} in {person}")
        first = taken.get(gesture, 0)
        photos = tuple(folder[(first + i) % len(folder)] for i in range(photos_each))
        taken[gesture] = first + photos_each
        end = start + photos_each * FRAMES_PER_PHOTO
        segments.append(Segment(gesture, photos, start, end))
        start = end
    if start >= 2**DATA_BITS:
        raise ValueError(f"a clip of {start} frames does not fit {DATA_BITS} bits")
    return Clip(person.name, tuple(segments))


def code_blocks(index: int) -> list[int]:
    """The strip's bits for frame ``index``: low bit first, then the even-parity bit."""
    bits = [(index >> i) & 1 for i in range(DATA_BITS)]
    return bits + [sum(bits) % 2]


def composed(photo: Path, index: int) -> npt.NDArray[np.uint8]:
    """The clip's frame ``index``: (480, 640, 3) RGB uint8, unmirrored."""
    import cv2

    bgr = cv2.imread(str(photo))
    if bgr is None:
        raise ValueError(f"not a picture: {photo}")
    frame = np.zeros((HEIGHT, WIDTH, 3), np.uint8)
    x, y, w, h = PHOTO_BOX
    frame[y : y + h, x : x + w] = cv2.resize(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB), (w, h), interpolation=cv2.INTER_AREA)
    for bit, on in enumerate(code_blocks(index)):
        if on:
            left = CODE_X0 + bit * BLOCK
            frame[CODE_Y0 : CODE_Y0 + CODE_H, left + 4 : left + BLOCK - 4] = 255
    return frame


def unique_frames(clip: Clip) -> Iterator[tuple[int, Path]]:
    """(first frame index, photo) of each photo shown, in order."""
    for segment in clip.segments:
        for i, photo in enumerate(segment.photos):
            yield segment.start + i * FRAMES_PER_PHOTO, photo


def write_y4m(clip: Clip, out: Path) -> Path:
    """The clip as a 640×480 30 fps yuv420p y4m at ``out`` (about 0.46 MB a frame)."""
    import cv2

    with out.open("wb") as file:
        file.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F{FPS}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for index in range(clip.frames):
            rgb = composed(clip.photo_at(index), index)
            file.write(b"FRAME\n" + cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420).tobytes())
    return out


# The page's side: the frame index read back from the strip of the frame the camera video shows now. `video`: a
# playing <video>; returns the index, or -1 where the bits disagree (a frame torn or scaled).
READ_CODE_JS = f"""(video) => {{
  const c = (window.__codeCanvas = window.__codeCanvas || Object.assign(document.createElement("canvas"),
    {{ width: {WIDTH}, height: {CODE_H} }}));
  const g = c.getContext("2d", {{ willReadFrequently: true }});
  const scale = video.videoWidth / {WIDTH};
  g.drawImage(video, 0, {CODE_Y0} * scale, video.videoWidth, {CODE_H} * scale, 0, 0, {WIDTH}, {CODE_H});
  const row = g.getImageData(0, {CODE_H // 2}, {WIDTH}, 1).data;
  let index = 0, parity = 0;
  for (let bit = 0; bit < {BITS}; bit += 1) {{
    const on = row[({CODE_X0} + bit * {BLOCK} + {BLOCK // 2}) * 4] > 128 ? 1 : 0;
    if (bit < {DATA_BITS}) {{ index |= on << bit; parity ^= on; }} else if (on !== parity) return -1;
  }}
  return index;
}}"""
