"""The Make page's example games against real people's gestures, in Chromium: does the game react when the gesture
changes, only then, and does the rocket follow the fingertip?

    .venv/bin/python bench/people/scratch_reactions.py [--people p01_anupam1612 ...] [--seconds S]

For each person of ``webcam_people`` with both ✋ and 👍 (p01, p03, p05), a coded clip (``bench/common/coded_clip.py``)
of 14 segments of 2.1 s, 29.9 s in all: ✋ and 👍 with two of the person's other gestures between them, which the game
must not react to. Headless Chromium's fake camera plays it (looping) on the Make page of a never-trained project
(the starter model), as ``make run`` serves it with the browser path on:

1. **thumbs-up game** (``thumbs_jump``), green flag: on every camera frame the page presents, which clip frame it was
   and the stage's ``reaction`` variable, read through the VM. A change is caught where ``reaction`` turns to the
   gesture's state (👍 ``jumping``, ✋ ``stopped``; the other gestures keep it) within 1.0 s of the change's first
   frame on the page; a false reaction is a turn that no gesture shown in the second before explains
   (``bench/common/reaction_score.py``). Target: ≥ 95 % caught, 0 false.
2. **rocket** (``rocket``), green flag: the rocket's x against the index fingertip's x that MediaPipe (Python, static
   images, one hand) finds on the clip's frame shown at that moment, mirrored into stage units as the blocks'
   ``hand x``: Pearson's r over the frames with a hand. Target: r ≥ 0.9. The blocks' own ``hand x`` against the same
   truth is printed beside it (the hand finding's share of any miss).

Prints a table per person, then one JSON line (all people's figures, the load before and after).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.browser import AppServer, missing_tools, wait_app_ready  # noqa: E402
from bench.common.coded_clip import FPS, PEOPLE, Clip, composed, plan, unique_frames, write_y4m  # noqa: E402
from bench.common.fake_camera import ROOT  # noqa: E402
from bench.common.reaction_score import best_lag, follow_score, score_reactions  # noqa: E402
from bench.common.scratch_editor import ROCKET_TITLE, THUMBS_RULES, THUMBS_TITLE, open_example, press_green_flag, record  # noqa: E402
from bench.common.webcam_browser import chromium, new_page  # noqa: E402

# each person's two other gestures, shown between ✋ and 👍 (a reaction to them is a false one)
OTHERS = {"p01_anupam1612": ("fist", "ok"), "p03_hatemoos": ("ok", "peace"), "p05_vsh2607": ("pen", "pointer")}


def sequence(others: tuple[str, str]) -> tuple[str, ...]:
    """14 segments: 8 changes of the game's state, 6 shows of another gesture between them."""
    a, b = others
    return ("open_palm", "thumbs_up", a, "open_palm", "thumbs_up", b, "open_palm", a, "thumbs_up", "open_palm", b,
            "thumbs_up", a, "open_palm")  # fmt: skip


def fingertip_truth(clip: Clip) -> dict[int, float | None]:
    """Stage x (mirrored, −240…240) of the index fingertip MediaPipe finds on each clip frame; None: no hand.
    Kept in ``bench/out`` by the clip's plan (a minute of MediaPipe on a loaded machine)."""
    from core.keypoints.landmarks import HandTracker, TrackerConfig

    plan_key = hashlib.sha256(repr([(s.gesture, [p.name for p in s.photos]) for s in clip.segments]).encode())
    kept = ROOT / "bench" / "out" / f"scratch_fingertips.{clip.person}.{plan_key.hexdigest()[:12]}.json"
    if kept.exists():
        return {int(k): v for k, v in json.loads(kept.read_text()).items()}
    truth: dict[int, float | None] = {}
    with HandTracker(TrackerConfig(static_image_mode=True, max_num_hands=1)) as tracker:
        for first, photo in unique_frames(clip):
            hands = tracker.process(composed(photo, first))
            x = None if not hands else round(240 - float(hands[0].normalised[8][0]) * 480, 1)
            for offset in range(2):  # each photo is two frames of the clip
                truth[first + offset] = x
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text(json.dumps(truth))
    return truth


def run_person(
    server: AppServer, clip: Clip, y4m: Path, truth: dict[int, float | None], seconds: float
) -> dict[str, Any]:
    with chromium(y4m) as browser:
        page = new_page(browser)
        page.goto(f"{server.url}/make")
        wait_app_ready(page, timeout_ms=180_000)
        frame = open_example(page, THUMBS_TITLE, timeout_ms=180_000)
        frame.wait_for_function("() => window.handteachScratch.recogniser.timing.labelled > 0", timeout=120_000)
        press_green_flag(frame)
        page.wait_for_timeout(1000)  # the flag's first step: "waiting", the cat placed
        thumbs = record(frame, seconds, variable="reaction")
        frame = open_example(page, ROCKET_TITLE)
        press_green_flag(frame)
        page.wait_for_timeout(1000)
        rocket = record(frame, seconds, sprite="Rocket")
    reactions = score_reactions(thumbs, clip, THUMBS_RULES)
    span = thumbs[-1].t - thumbs[0].t if thumbs else 0.0
    return {
        "person": clip.person,
        "changes": reactions.changes,
        "caught": reactions.caught,
        "false": reactions.false,
        "false_at": reactions.false_at,
        "late": reactions.late,
        "latency_s_median": sorted(reactions.latencies_s)[len(reactions.latencies_s) // 2]
        if reactions.latencies_s
        else None,
        "latency_s_max": max(reactions.latencies_s, default=None),
        "frames_read": len(thumbs),
        "frames_read_per_s": round(len(thumbs) / span, 1) if span else 0.0,
        "unreadable_frames": sum(r.frame < 0 for r in thumbs),
        **{f"rocket_{k}": v for k, v in follow_score(rocket, truth).items()},
        "rocket_best_lag": best_lag(rocket, truth),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", nargs="+", default=list(OTHERS), choices=list(OTHERS))
    parser.add_argument(
        "--seconds",
        type=float,
        default=None,
        help="each game's recorded window (default: the clip's loop and 1.5 s, each change judged once)",
    )
    args = parser.parse_args()
    missing = missing_tools()
    if missing or not PEOPLE.exists():
        sys.exit(f"needs {', '.join(missing) or f'webcam_people ({PEOPLE})'}")
    load_before = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="handteach-scratch-reactions-") as tmp:
        server = AppServer(Path(tmp) / "data", keypoints="browser").start()
        try:
            for person in args.people:
                clip = plan(PEOPLE / person, sequence(OTHERS[person]))
                y4m = write_y4m(clip, Path(tmp) / f"{person}.y4m")
                seconds = args.seconds or clip.frames / FPS + 1.5
                rows.append(run_person(server, clip, y4m, fingertip_truth(clip), seconds))
                y4m.unlink()
                print_row(rows[-1])
        finally:
            server.stop()
    load_after = os.getloadavg()[0]
    changes, caught = sum(r["changes"] for r in rows), sum(r["caught"] for r in rows)
    print(f"all: {caught}/{changes} changes caught within 1.0 s, {sum(r['false'] for r in rows)} false reactions; "
          f"load {load_before:.1f} before, {load_after:.1f} after ({os.cpu_count()} cores)")  # fmt: skip
    print(json.dumps({"people": rows, "changes": changes, "caught": caught, "false": sum(r["false"] for r in rows),
                      "seconds": args.seconds or "the clip and 1.5", "load_before": round(load_before, 1),
                      "load_after": round(load_after, 1)}))  # fmt: skip


def print_row(row: dict[str, Any]) -> None:
    print(f"{row['person']}: thumbs-up game {row['caught']}/{row['changes']} changes caught within 1.0 s "
          f"(latency median {row['latency_s_median']} s, max {row['latency_s_max']} s), {row['false']} false, {row['late']} late "
          f"{list(row['false_at']) or ''}; {row['frames_read']} frames read ({row['frames_read_per_s']}/s, "
          f"{row['unreadable_frames']} unreadable)")  # fmt: skip
    print(f"{'':<16}rocket: r {row['rocket_r_sprite']} (sprite x vs fingertip x, {row['rocket_readings']} frames with a "
          f"hand, {row['rocket_blocks_saw_no_hand']} of them no hand to the blocks), blocks' hand x r {row['rocket_r_blocks']}; best r {row['rocket_best_lag'][1]} at {row['rocket_best_lag'][0]} s lag")  # fmt: skip


if __name__ == "__main__":
    main()
