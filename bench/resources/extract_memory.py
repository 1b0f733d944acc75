"""Peak memory of extracting samples from long videos: is it flat in the video's length?

Builds 1- and 10-minute videos by looping the real shared hand video
(``asl_hand.25fps.mp4``, 620×1080, 25 fps) with ``ffmpeg -stream_loop`` (packets copied,
nothing re-encoded), then runs ``python -m core extract -i VIDEO --label ok`` on each in a
child process with a fresh data directory and the default every-5th-frame, and reads
the child's peak RSS (``ru_maxrss``). Prints a table, then one JSON line.

    .venv/bin/python bench/resources/extract_memory.py [--minutes 1 10]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data"))
VIDEO = SHARED / "hands" / "video" / "asl_hand.25fps.mp4"


def looped(source: Path, minutes: float, target: Path) -> Path:
    """``source`` played over and over for ``minutes``, packets copied (no re-encoding)."""
    command = ["ffmpeg", "-v", "error", "-y", "-stream_loop", "-1", "-i", str(source), "-t", str(minutes * 60),
               "-c", "copy", str(target)]  # fmt: skip
    subprocess.run(command, check=True)
    return target


def measure(video: Path, data: Path) -> dict:
    """Run the CLI extraction in a child; its own peak RSS is the only child's max since it is waited alone."""
    env = {**os.environ, "HANDTEACH_DATA": str(data)}
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _CHILD, str(video)], capture_output=True, text=True, env=env,
                          cwd=ROOT, check=True)  # fmt: skip
    result = json.loads(done.stdout.splitlines()[-1])
    return result | {"seconds": round(time.perf_counter() - started, 1)}


# The child reports its own peak: RUSAGE_CHILDREN in this process would mix the ffmpeg runs in.
_CHILD = """
import io, json, resource, sys, contextlib
from core.cli import main as cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = cli.main(["extract", "-i", sys.argv[1], "--label", "ok"])
summary = json.loads(out.getvalue().splitlines()[-1])
print(json.dumps({"code": code, "frames": summary["frames"], "stored": summary["stored"],
                  "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0])
    args = parser.parse_args()
    if shutil.which("ffmpeg") is None or not VIDEO.is_file():
        sys.exit(f"error: needs ffmpeg on PATH and {VIDEO}")
    rows = []
    with tempfile.TemporaryDirectory(prefix="handteach-bench-") as tmp:
        for minutes in args.minutes:
            video = looped(VIDEO, minutes, Path(tmp) / f"loop{minutes:g}.mp4")
            row = {"minutes": minutes, "mb_on_disk": round(video.stat().st_size / 2**20, 1)}
            rows.append(row | measure(video, Path(tmp) / f"data{minutes:g}"))
            video.unlink()
    print(f"{'minutes':>8} {'MB file':>8} {'frames read':>12} {'samples':>8} {'seconds':>8} {'peak RSS MB':>12}")
    for r in rows:
        print(f"{r['minutes']:>8g} {r['mb_on_disk']:>8} {r['frames']:>12} {r['stored']:>8} {r['seconds']:>8} "
              f"{r['peak_rss_mb']:>12}")  # fmt: skip
    print(json.dumps({"benchmark": "extract_memory", "every_n": 5, "runs": rows,
                      "cpu_count": os.cpu_count(), "parent_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))  # fmt: skip


if __name__ == "__main__":
    main()
