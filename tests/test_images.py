"""core.io.images: photos read with their size checked from the header first, and 16-bit grey decoded right."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import shared_path
from PIL import Image

from core.io.images import MediaLimitError, image_size, read_image, read_image_bytes
from core.io.video import iter_frames, video_info


def _gradient(height: int = 48, width: int = 64) -> np.ndarray:
    x = np.linspace(0, 255, width, dtype=np.float32)[None, :].repeat(height, 0)
    y = np.linspace(0, 255, height, dtype=np.float32)[:, None].repeat(width, 1)
    return np.stack([x, y, np.full_like(x, 60)], axis=2).astype(np.uint8)


def zero_png(path: Path, width: int, height: int) -> Path:
    """A black greyscale PNG of any size in a few hundred kB, written row by row (nothing of its size in memory)."""
    squeeze = zlib.compressobj(9)
    row = bytes(width + 1)  # filter byte + pixels
    data = b"".join(squeeze.compress(row) for _ in range(height)) + squeeze.flush()

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b""))
    return path


def jpeg_claiming(path: Path, width: int, height: int) -> Path:
    """A real 64×64 JPEG whose frame header (SOF0) claims ``width`` × ``height``: a huge photo's header, 1 kB."""
    buffer = io.BytesIO()
    Image.fromarray(_gradient(64, 64)).save(buffer, "JPEG")
    data = bytearray(buffer.getvalue())
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.slow
def test_a_decompression_bomb_and_a_huge_header_are_refused_before_decoding(tmp_path: Path) -> None:
    """Before: a raw DecompressionBombError traceback (20000×20000 PNG) and 5.8 GB for a 12000×12000 JPEG."""
    bomb = zero_png(tmp_path / "bomb.png", 20000, 20000)
    assert bomb.stat().st_size < 1_000_000
    with pytest.raises(
        MediaLimitError, match=r"bomb\.png: the header claims more than .* over the limit of 50,000,000"
    ):
        read_image(bomb)
    huge = jpeg_claiming(tmp_path / "huge.jpg", 12000, 12000)
    for read in (read_image, image_size, video_info):
        with pytest.raises(MediaLimitError, match=r"huge\.jpg: 12000×12000 = 144,000,000 pixels, over the limit"):
            read(huge)
    with pytest.raises(MediaLimitError, match=r"upload\.jpg: 12000×12000"):
        read_image_bytes("upload.jpg", huge.read_bytes())
    wide = zero_png(tmp_path / "wide.png", 40000, 8)  # 320,000 pixels, but OpenCV aborts on a side >= 32767
    with pytest.raises(MediaLimitError, match=r"wide\.png: 40000×8 pixels: a side over the limit of 16,384"):
        list(iter_frames(wide))
    assert isinstance(MediaLimitError(wide, "x"), ValueError) and str(MediaLimitError(wide, "x")) == f"{wide}: x"


def test_a_16_bit_grey_png_reads_as_its_8_bit_picture(tmp_path: Path) -> None:
    """Before: Pillow's convert("RGB") clipped I;16 at 255 and a real photo read as all white."""
    grey = np.asarray(Image.open(shared_path("video", "hands.jpg")).convert("L"))
    path = tmp_path / "grey16.png"
    Image.fromarray(grey.astype(np.uint16) * 257).save(path)  # 0..255 → 0..65535, Pillow writes a 16-bit PNG
    with Image.open(path) as check:
        assert check.mode in {"I;16", "I"}
    rgb = read_image(path)
    assert rgb.shape == (*grey.shape, 3) and rgb.dtype == np.uint8
    assert np.array_equal(rgb[:, :, 0], grey) and np.array_equal(rgb[:, :, 2], grey)
    assert rgb.mean() < 200  # a photo, not a white page
