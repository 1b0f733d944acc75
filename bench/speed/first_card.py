"""The first Live card from a cold browser, on the browser path: how long a student waits for the first answer.

    .venv/bin/python bench/speed/first_card.py [--runs 5] [--starter] [--video FILE]

The app serves, as ``make run`` does, a project on the browser path (``HANDTEACH_KEYPOINTS=browser``): a trained
two-gesture one (HaGRID photos, ``bench.common.browser.seed_project``), or with ``--starter`` an untrained one that
Live runs on the starter model. Headless Chromium plays the shared ASL video on its fake camera. First the fresh
server's first Live visit (its first Live run imports Live's modules: said apart, as the first visit of a day), then
``--runs`` times: a new browser context (a fresh profile: an empty cache) opens Live, and the seconds from
``page.goto`` to the first label on the page's card are its **cold** time; the same page reloaded (its files
cached) gives its **warm** time. Each run also says where the time went (``bench.common.webcam_browser.first_label``:
the component's frame opening, the camera, the gesture and hand models ready, the big files' arrival).

Prints a table (a run a row, then the median and p95), then one JSON line: ``first_card_cold_s`` and
``first_card_warm_s`` (medians), ``first_card_cold_p95_s``, ``first_card_warm_p95_s``, every run under ``runs``, the
first visit, ``python`` (the server's), the load before and after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.browser import AppServer, missing_tools, seed_project  # noqa: E402
from bench.common.fake_camera import DEFAULT_VIDEO, ROOT, fake_camera_y4m  # noqa: E402
from bench.common.webcam_browser import chromium, first_label, new_context  # noqa: E402

STEPS = ("frame", "camera", "landmarker", "gesture-model", "first-label")  # the tab's marks (frontend/src/main.js)


def p95(values: list[float]) -> float:
    """The 95th percentile, nearest rank (of 5 runs: the slowest)."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered) + 0.5) - 1))]


def measure(runs: int, video: Path, trained: bool) -> dict[str, Any]:
    out = ROOT / "bench" / "out"
    y4m = fake_camera_y4m(video, out)
    with tempfile.TemporaryDirectory(prefix="handteach-first-card-") as tmp:
        data_dir = Path(tmp) / "data"
        if trained:
            seed_project(data_dir)
        server = AppServer(data_dir, keypoints="browser", log=out / "streamlit-first-card.log").start()
        try:
            url = f"{server.url}/live"
            with chromium(y4m) as browser:
                context = new_context(browser)
                first_visit = first_label(context.new_page(), url)
                context.close()
                measured = []
                for _ in range(runs):
                    context = new_context(browser)
                    page = context.new_page()
                    cold = first_label(page, url)
                    warm = first_label(page, url, reload=True)
                    context.close()
                    measured.append({"cold": cold, "warm": warm})
        finally:
            server.stop()
    return {"first_visit": first_visit, "runs": measured}


def summary(measured: dict[str, Any]) -> dict[str, Any]:
    cold = [r["cold"]["card_s"] for r in measured["runs"]]
    warm = [r["warm"]["card_s"] for r in measured["runs"]]
    return {
        "first_card_cold_s": round(statistics.median(cold), 2),
        "first_card_warm_s": round(statistics.median(warm), 2),
        "first_card_cold_p95_s": p95(cold),
        "first_card_warm_p95_s": p95(warm),
        "first_card_first_visit_s": measured["first_visit"]["card_s"],
    }


def print_table(measured: dict[str, Any], figures: dict[str, Any]) -> None:
    print(f"first Live card, browser path, s from opening the page ({len(measured['runs'])} runs; the tab's marks "
          "from its time origin's opening)")  # fmt: skip
    header = f"{'run':<13}{'card':>7}{'drawn':>7}" + "".join(f"{s:>8}" for s in STEPS) + "  files over 100 kB (s, MB)"
    print(header)

    def row(name: str, each: dict[str, Any]) -> None:
        steps = "".join(f"{each['steps_s'][s]:>8.2f}" if s in each["steps_s"] else f"{'-':>8}" for s in STEPS)
        files = ", ".join(f"{f} {a:.2f}-{b:.2f} ({mb:g})" for f, (a, b, mb) in each["files_s"].items())
        print(f"{name:<13}{each['card_s']:>7.2f}{each['drawn_s']:>7.2f}{steps}  {files or 'none (cached)'}")

    row("first visit", measured["first_visit"])
    for i, run in enumerate(measured["runs"]):
        row(f"{i} cold", run["cold"])
        row(f"{i} warm", run["warm"])
    print(f"cold: median {figures['first_card_cold_s']:.2f} s, p95 {figures['first_card_cold_p95_s']:.2f} s; warm: "
          f"median {figures['first_card_warm_s']:.2f} s, p95 {figures['first_card_warm_p95_s']:.2f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="cold browsers, each reloaded once (default 5)")
    parser.add_argument("--starter", action="store_true", help="an untrained project: Live runs the starter model")
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    missing = missing_tools()
    if missing:
        sys.exit(f"first_card needs {', '.join(missing)}")
    load_before = os.getloadavg()
    measured = measure(args.runs, args.video, trained=not args.starter)
    load_after = os.getloadavg()
    figures = summary(measured)
    print_table(measured, figures)
    print(f"load {load_before[0]:.1f} before, {load_after[0]:.1f} after ({os.cpu_count()} cores); server Python "
          f"{platform.python_version()}")  # fmt: skip
    model = "the starter, 8 gestures" if args.starter else "trained, 2 gestures"
    print(json.dumps(figures | {"python": platform.python_version(), "model": model, "runs": measured["runs"],
                                "first_visit": measured["first_visit"],
                                "load": {"before": load_before, "after": load_after, "cores": os.cpu_count()}}))  # fmt: skip


if __name__ == "__main__":
    main()
