"""Export and import of a 1,000-sample project with crops as one ``.handteach`` file (target: ≤ 5 s together).

The samples are real: MediaPipe's keypoints and the stored 192 px JPEG crops of the hands in the shared
HaGRID photos (``hands/hagrid_380``, eight gesture folders), repeated until there are ``--samples`` of
them (each copy a sample of its own); a model is trained on them, so the file holds one. Then, ``--runs``
times, ``export_project`` into a file and ``import_project`` of it under a new name (everything checked:
central directory, manifest, checksums, every array and sample, every crop's header, the model loaded
from a staging folder), each timed in this process; then once each through the CLI in a child process
(``python -m core projects export`` / ``import``: the start of Python, and of torch for the model check, included).

    python bench/resources/bundle.py [--samples 1000] [--runs 3]
Last line: JSON with samples, crops, file_mb and the median export / import seconds.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from core.data.bundles.bundle import export_project, import_project  # noqa: E402
from core.data.store import Store  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "hands" / "hagrid_380" / "images"
FOLDERS = {"like": "thumbs_up", "dislike": "thumbs_down", "one": "pointing_up", "ok": "ok", "fist": "fist",
           "palm": "open_palm", "stop": "open_palm", "peace": "peace"}  # fmt: skip


def make_project(store: Store, samples: int) -> tuple[int, float]:
    """The project "bench": real hands of the shared photos, repeated to ``samples``; returns (photos' hands, s)."""
    from core.data.imports.extract import extract_to_store
    from core.data.project import train_project
    from core.gestures.training import TrainConfig

    if not SHARED.is_dir():
        raise SystemExit(f"shared photos not found at {SHARED} (expected ../shared/data beside the checkout)")
    started = time.perf_counter()
    store.create_project("bench")
    for folder, label in FOLDERS.items():
        extract_to_store(store, "bench", label, sorted((SHARED / folder).glob("*.jpg")), create_class=True)
    real = store.list_samples("bench", with_crops=True)
    copies, i = [], 0
    while len(real) + len(copies) < samples:
        copies.append(dataclasses.replace(real[i % len(real)], created_at=time.time(), id=None))
        i += 1
    store.add_samples("bench", copies)
    train_project(store, "bench", TrainConfig(epochs=30, seed=0))
    return len(real), time.perf_counter() - started


def cli_seconds(data: Path, *args: str) -> float:
    """Wall seconds of ``python -m core --data DATA ARGS`` in a child process."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "core", "--data", str(data), *args], cwd=REPO, check=True,
                   stdout=subprocess.DEVNULL)  # fmt: skip
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench_bundle_") as tmp:
        store = Store(Path(tmp) / "data")
        hands, made = make_project(store, args.samples)
        crops = sum(s.crop_jpeg is not None for s in store.iter_samples("bench", with_crops=True))
        print(f"made {args.samples} samples from {hands} hands of the shared photos in {made:.1f} s", flush=True)
        exports, imports = [], []
        for run in range(args.runs):
            path = Path(tmp) / f"bench{run}.handteach"
            started = time.perf_counter()
            export_project(store, "bench", path)
            exports.append(time.perf_counter() - started)
            started = time.perf_counter()
            report = import_project(store, path, as_name=f"copy {run}")
            imports.append(time.perf_counter() - started)
            assert report.samples == args.samples and report.models == ("model",), report
        file_mb = path.stat().st_size / 2**20
        cli = Path(tmp) / "cli.handteach"
        cli_export = cli_seconds(store.data_dir, "projects", "export", "bench", "-o", str(cli))
        cli_import = cli_seconds(store.data_dir, "projects", "import", str(cli), "--as", "cli copy")
    export_s, import_s = statistics.median(exports), statistics.median(imports)
    print(f"\n{'step':<8} {'samples':>8} {'crops':>6} {'file MB':>8} {'median s':>9} {'runs (s)':<24}")
    for step, times in (("export", exports), ("import", imports)):
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"{step:<8} {args.samples:>8} {crops:>6} {file_mb:>8.1f} {statistics.median(times):>9.2f} {runs:<24}")
    print(f"{'CLI':<8} {args.samples:>8} {crops:>6} {file_mb:>8.1f} {'':>9} export {cli_export:.2f}, import "
          f"{cli_import:.2f} (child processes)")  # fmt: skip
    print(f"together {export_s + import_s:.2f} s in process, {cli_export + cli_import:.2f} s through the CLI "
          "(target ≤ 5 s)")  # fmt: skip
    print(json.dumps({"samples": args.samples, "crops": crops, "real_hands": hands, "file_mb": round(file_mb, 2),
                      "export_s": round(export_s, 3), "import_s": round(import_s, 3),
                      "together_s": round(export_s + import_s, 3), "cli_export_s": round(cli_export, 2),
                      "cli_import_s": round(cli_import, 2), "runs": args.runs}))  # fmt: skip


if __name__ == "__main__":
    main()
