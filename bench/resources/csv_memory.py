"""Peak memory and time of ``export --format handteach`` and its import, against the number of rows.

Makes ``--rows`` samples with the store API (random hands with depth, 8 classes, in
batches of 10,000), then runs the real CLI in a child process for each step and reads
the child's peak resident memory from the kernel (``wait4`` → ``ru_maxrss``):

1. ``python -m core export -o all.csv --format handteach``
2. ``python -m core import all.csv --format handteach`` into a fresh data folder.

``--repo DIR`` runs another checkout's CLI on the same data (e.g. the commit before
streaming, for "before" numbers); the samples are always made with this checkout.

    python bench/resources/csv_memory.py [--rows 1000000] [--repo DIR] [--keep DIR]
Last line: JSON with rows, export/import peak_rss_mb and seconds, csv_mb.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from core.data.store import Sample, Store  # noqa: E402
from core.gestures.catalog import DEFAULT_PROJECT  # noqa: E402
from core.types import Keypoints  # noqa: E402

CLASSES = ("thumbs_up", "thumbs_down", "pointing_up", "ok", "fist", "pointing_right", "pointing_left", "open_palm")


def make_samples(data: Path, rows: int, batch: int = 10_000) -> float:
    """``rows`` random samples in the default project; returns the seconds taken."""
    started = time.perf_counter()
    store = Store(data)
    store.ensure_project()
    rng = np.random.default_rng(0)
    for start in range(0, rows, batch):
        n = min(batch, rows - start)
        pixel = rng.normal(320, 80, (n, 21, 2)).astype(np.float32)
        normalised = np.concatenate([pixel / 640, rng.normal(0, 0.05, (n, 21, 1))], axis=2).astype(np.float32)
        world = rng.normal(0, 0.05, (n, 21, 3)).astype(np.float32)
        samples = [
            Sample(Keypoints(pixel[i], normalised[i], world[i], "Right", 0.9, (640, 480)), CLASSES[(start + i) % 8], "webcam")
            for i in range(n)
        ]  # fmt: skip
        store.add_samples(DEFAULT_PROJECT, samples)
    return time.perf_counter() - started


def run_measured(args: list[str], data: Path, repo: Path) -> tuple[float, float]:
    """(seconds, peak RSS in MB) of ``python -m core ARGS`` run from ``repo`` on ``data``."""
    env = {**os.environ, "HANDTEACH_DATA": str(data), "PYTHONPATH": str(repo)}
    started = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "core", *args], cwd=repo, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"python -m core {' '.join(args)} failed with exit code {child.returncode}")
    return seconds, usage.ru_maxrss / 1024  # Linux reports kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout whose CLI is measured (default: this one)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it (default: a temporary one)")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="csv_memory_"))
    work.mkdir(parents=True, exist_ok=True)
    try:
        source, target, csv_file = work / "source", work / "target", work / "all.csv"
        if not (source / "handteach.sqlite").exists():
            print(f"making {args.rows} samples ...", flush=True)
            made = make_samples(source, args.rows)
            print(f"made in {made:.1f} s", flush=True)
        shutil.rmtree(target, ignore_errors=True)
        export_s, export_mb = run_measured(["export", "-o", str(csv_file), "--format", "handteach"], source, args.repo)
        import_s, import_mb = run_measured(["import", str(csv_file), "--format", "handteach"], target, args.repo)
        imported = sum(Store(target, read_only=True).class_counts(DEFAULT_PROJECT).values())
        assert imported == args.rows, f"imported {imported} of {args.rows} rows"
        csv_mb = csv_file.stat().st_size / 2**20
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print(f"\n{'step':<8} {'rows':>9} {'seconds':>9} {'peak RSS MB':>12}")
    print(f"{'export':<8} {args.rows:>9} {export_s:>9.1f} {export_mb:>12.0f}")
    print(f"{'import':<8} {args.rows:>9} {import_s:>9.1f} {import_mb:>12.0f}")
    print(f"CSV {csv_mb:.0f} MB; CLI of {args.repo}")
    print(json.dumps({"rows": args.rows, "repo": str(args.repo), "csv_mb": round(csv_mb, 1),
                      "export": {"seconds": round(export_s, 1), "peak_rss_mb": round(export_mb)},
                      "import": {"seconds": round(import_s, 1), "peak_rss_mb": round(import_mb)}}))  # fmt: skip


if __name__ == "__main__":
    main()
