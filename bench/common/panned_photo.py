"""A photo sliding across a grey frame, made with ffmpeg: the moving-hand videos that the motion tests and
benches track with real MediaPipe (tests/test_e2e_motion.py, tests/test_cli_motion.py, bench/speed/live_motion.py)."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

Move = tuple[float, float, float]  # (start s, seconds, px): one eased slide; negative px go left


def pan_video(out: Path, photo: Path, x0: float, moves: Sequence[Move], total: float, size: tuple[int, int] = (640, 480),
              fps: int = 30, photo_height: int = 320, y: int = 80) -> Path:  # fmt: skip
    """``photo`` scaled to ``photo_height`` px at (``x0``, ``y``) of a ``size`` grey frame, sliding by ``moves``
    (each eased with a half cosine), ``total`` s of H.264 at ``fps``; light noise, so frames are not identical."""
    x = f"{x0}" + "".join(f"+({px})*(1-cos(PI*clip((t-{start})/{sec},0,1)))/2" for start, sec, px in moves)
    width, height = size
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"color=c=0x707070:s={width}x{height}:r={fps}:d={total}",
                    "-loop", "1", "-i", str(photo), "-filter_complex",
                    f"[1]scale=-2:{photo_height}[h];[0][h]overlay=x='{x}':y={y}:shortest=1,noise=alls=4:allf=t",
                    "-t", str(total), "-c:v", "libx264", "-crf", "23", "-pix_fmt", "yuv420p", str(out)],
                   check=True)  # fmt: skip
    return out
