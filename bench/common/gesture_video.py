"""A fake camera's video of one person's gestures in turn: ``webcam_people``'s photos of each gesture, shown one
after another at 15 a second, as a 640×480 30 fps y4m (Chromium's fake camera loops it). The Scratch browser test and
``bench/speed/scratch.py`` show p01's ✋ then 👍."""

from __future__ import annotations

import subprocess
from pathlib import Path

PEOPLE = Path(__file__).resolve().parents[3] / "shared" / "data" / "hands" / "webcam_people"
PERSON = PEOPLE / "p01_anupam1612"
PHOTO_S = 1 / 15  # each photo this long: 80 photos a gesture, about 5 s each
FIT = "scale=640:480:force_original_aspect_ratio=decrease,pad=640:480:(ow-iw)/2:(oh-ih)/2,format=yuv420p"


def gesture_video(folder: Path, gestures: tuple[str, ...] = ("open_palm", "thumbs_up"), person: Path = PERSON) -> Path:
    """The y4m of ``person``'s photos of each of ``gestures`` in turn, made in ``folder`` with ffmpeg."""
    listing = folder / "frames.txt"
    lines = []
    for gesture in gestures:
        for photo in sorted((person / gesture).glob("*.jpg")):
            lines += [f"file '{photo}'", f"duration {PHOTO_S:.4f}"]
    listing.write_text("\n".join(lines + [lines[-2]]) + "\n")  # the concat demuxer's last photo needs naming twice
    out = folder / f"{'-'.join(gestures)}.y4m"
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-vf", FIT,
                    "-r", "30", str(out)], check=True)  # fmt: skip
    return out
