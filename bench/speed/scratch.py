"""The Make page's Scratch editor in one tab: how soon it is ready, and how fast the blocks and the stage run.

    .venv/bin/python bench/speed/scratch.py [--seconds 20] [--throttle 4] [--video FILE] [--example thumbs] [--profile 6] [--compare] [--body] [--fresh-server]

The app serves, as ``make run`` does with the browser path on, an untrained hand project (the starter model); headless
Chromium's fake camera plays p01's ✋ then 👍 (``bench.common.gesture_video``; ``--video``: another y4m). Measured:

1. **ready**, cold and warm: seconds from ``page.goto`` of the Make page until a green flag would see a gesture: the
   editor mounted with its VM, the Gestures category registered and the tab's recognition through its first labelled
   frame; with the tab's steps on the way (``steps_cold_s``, ``steps_warm_s``: when the editor's frame opened, the
   recognition started, the camera opened, the editor's library was asked for and had run, the VM was made, the hand
   model and the gesture model were ready). Cold in a new browser context (a fresh profile, an empty cache) on a fresh
   server that has done its start, as the server a class visits has (its warm-up's imports, ``ui/server/warm.py``;
   the editor's 18 MB library gzipped at build time, the engine's files as the server starts:
   ``ui/server/assets.py``): ``server_settled_s`` says how long that took; ``--fresh-server`` asks at once instead.
   Warm: the same page reloaded (the files cached and revalidated);
2. with the rocket example open (``--example thumbs``: the thumbs-up game) and its green flag pressed, over
   ``--seconds``: **labelled frames a second** (the tab's recognition), the **stage's frames a second** (the Scratch
   runtime's steps, each one a frame it draws), and the **server's CPU per user** (its process from ``/proc``, one
   tab: the whole class's cost divides by nothing);
3. ``--throttle N`` slows the tab's CPU N times (DevTools' CPU throttling, as a slow school laptop) for all of it;
4. ``--profile S``: then S seconds of the tab's CPU profile (``bench/common/tab_profile.py``), its page thread's self
   time by script and function;
5. ``--compare``: then the labelled and stage frames a second with the camera's frames sent to the hand worker as
   pixels read back on the page and as VideoFrames handed over (``recognise.js``'s ``framesAs``), in turn, twice.

``--body``: a body-pose project instead (yoga8's tree and warrior2, trained on the server first; the camera holds a
tree pose it never saw) with its pose-dance example; labelled frames are then the pose worker's.

Prints a table, then one JSON line: ``labelled_fps``, ``stage_fps``, ``ready_cold_s``, ``ready_warm_s``, ``server_settled_s``,
``server_pct_core_per_user``, ``throttle``, ``stage_video``, ``example``, the load before and after (and ``profile``).
``--no-stage-video`` turns the camera's picture off the stage after the green flag, to see what drawing it costs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.body_project import PROJECT as BODY_PROJECT  # noqa: E402
from bench.common.body_project import trained_body_project, tree_pose_video  # noqa: E402
from bench.common.browser import AppServer, missing_tools, wait_app_ready  # noqa: E402
from bench.common.fake_camera import fake_camera_y4m  # noqa: E402
from bench.common.gesture_video import PERSON, gesture_video  # noqa: E402
from bench.common.scratch_editor import ROCKET_TITLE, THUMBS_TITLE, open_example, press_green_flag  # noqa: E402
from bench.common.tab_profile import profile  # noqa: E402
from bench.common.webcam_browser import chromium, new_page  # noqa: E402

FRAME = 'iframe[title*="handteach_scratch"]'
READY = """() => { const h = window.handteachScratch;
  return Boolean(h && h.page.vm && h.page.vm.runtime._blockInfo.some((c) => c.id === "handteach")
    && h.recogniser.timing.labelled > 0); }"""
# the runtime's steps counted from now on: scratch-vm draws the stage once a step
COUNT_STEPS = """() => { const rt = window.handteachScratch.page.vm.runtime;
  if (!rt.__steps) { rt.__steps = 0; const step = rt._step.bind(rt); rt._step = () => { rt.__steps += 1; step(); }; }
  return true; }"""
EXAMPLES = {"rocket": ROCKET_TITLE, "thumbs": THUMBS_TITLE, "dance": None}  # dance: a body project's one
READINGS = """() => { const h = window.handteachScratch;
  return { steps: h.page.vm.runtime.__steps, labelled: h.recogniser.timing.labelled, at: performance.now() }; }"""


# the tab's steps (host.js, recognise.js: "ht:…" performance marks) as seconds since the page was asked for
STEPS = """(asked) => Object.fromEntries([["frame", performance.timeOrigin], ...performance.getEntriesByType("mark")
    .filter((m) => m.name.startsWith("ht:")).map((m) => [m.name.slice(3), performance.timeOrigin + m.startTime])]
    .map(([name, at]) => [name, Math.round((at - asked) / 10) / 100]))"""


def ready_s(page, url: str, reload: bool = False, timeout_s: float = 180.0, query: str = "") -> tuple[float, dict]:  # noqa: ANN001
    """Seconds until a green flag would see a gesture, and the tab's steps then (``STEPS``)."""
    started, asked = time.monotonic(), time.time() * 1000
    if reload:
        page.reload()
    else:
        page.goto(f"{url}/make{query}")
    wait_app_ready(page, timeout_ms=int(timeout_s * 1000))
    frame = page.wait_for_selector(FRAME, timeout=timeout_s * 1000).content_frame()
    frame.wait_for_function(READY, timeout=timeout_s * 1000, polling=100)
    ready = time.monotonic() - started
    return ready, frame.evaluate(STEPS, asked)


def measure(seconds: float, throttle: float, video: Path, stage_video: bool = True, example: str = "rocket",
            profile_s: float = 0.0, compare: bool = False, body: bool = False, settle: bool = True) -> dict[str, Any]:  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="handteach-scratch-bench-") as tmp:
        query = ""
        if body:  # a trained body project; the camera holds a tree pose it never saw
            y4m = fake_camera_y4m(tree_pose_video(Path(tmp)), Path(tmp) / "y4m")
            trained_body_project(Path(tmp) / "data")
            query, example = f"?project={BODY_PROJECT}", "dance"
        else:
            y4m = video if video.suffix == ".y4m" else gesture_video(Path(tmp))
        server = AppServer(Path(tmp) / "data", keypoints="browser").start()
        settled = server.settle() if settle else 0.0
        try:
            with chromium(y4m) as browser:
                page = new_page(browser, throttle)
                cold, cold_steps = ready_s(page, server.url, query=query)
                warm, warm_steps = ready_s(page, server.url, reload=True)
                frame = open_example(page, EXAMPLES[example])
                press_green_flag(frame)
                frame.evaluate(COUNT_STEPS)
                if not stage_video:  # what the camera's picture on the stage costs
                    page.wait_for_timeout(500)
                    frame.evaluate("() => window.handteachScratch.page.blocks.setVideo(false)")
                page.wait_for_timeout(2000)  # the scripts started, the first frames after the flag left out
                before, cpu_before = frame.evaluate(READINGS), server.cpu_seconds()
                page.wait_for_timeout(int(seconds * 1000))
                after, cpu_after = frame.evaluate(READINGS), server.cpu_seconds()
                hot = profile(page, profile_s) if profile_s else None
                modes = compare_modes(frame, seconds / 2) if compare else None
        finally:
            server.stop()
    span = (after["at"] - before["at"]) / 1000
    return (
        {
            "ready_cold_s": round(cold, 2),
            "ready_warm_s": round(warm, 2),
            "server_settled_s": round(settled, 1),
            "steps_cold_s": cold_steps,
            "steps_warm_s": warm_steps,
            "labelled_fps": round((after["labelled"] - before["labelled"]) / span, 1),
            "stage_fps": round((after["steps"] - before["steps"]) / span, 1),
            "server_pct_core_per_user": round(100 * (cpu_after - cpu_before) / span, 2),
            "seconds": round(span, 1),
            "throttle": throttle,
            "stage_video": stage_video,
            "example": example,
            "skeleton": "body" if body else "hand",
        }
        | ({"profile": hot} if hot else {})
        | ({"frames_as": modes} if modes else {})
    )


def compare_modes(frame, seconds: float, rounds: int = 2) -> dict[str, dict[str, float]]:  # noqa: ANN001 - a Frame
    """Labelled and stage frames a second with the camera's frames sent to the hand worker each way in turn
    (``recognise.js``'s ``framesAs``: "pixels" drawn and read back on the page, "videoframe" handed over as they
    are), ``rounds`` windows of ``seconds`` each, interleaved so that both see the same load."""
    sums: dict[str, list[float]] = {}
    for _ in range(rounds):
        for mode in ("pixels", "videoframe"):
            frame.evaluate("(mode) => { window.handteachScratch.recogniser.framesAs = mode; }", mode)
            frame.page.wait_for_timeout(1000)  # the frame under way finishes the old way
            before = frame.evaluate(READINGS)
            frame.page.wait_for_timeout(int(seconds * 1000))
            after = frame.evaluate(READINGS)
            took = sums.setdefault(mode, [0.0, 0.0, 0.0])
            took[0] += after["labelled"] - before["labelled"]
            took[1] += after["steps"] - before["steps"]
            took[2] += (after["at"] - before["at"]) / 1000
    return {mode: {"labelled_fps": round(n / span, 1), "stage_fps": round(steps / span, 1), "seconds": round(span, 1)}
            for mode, (n, steps, span) in sums.items()}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="the measured window, after the green flag")
    parser.add_argument("--throttle", type=float, default=1.0, help="slow the tab's CPU this many times")
    parser.add_argument("--video", type=Path, default=PERSON, help="a y4m for the fake camera (default: p01's ✋ 👍)")
    parser.add_argument("--no-stage-video", action="store_true", help="the camera's picture off the stage")
    parser.add_argument("--example", choices=list(EXAMPLES), default="rocket", help="the game running")
    parser.add_argument("--body", action="store_true",
                        help="a body-pose project (yoga8's tree and warrior2) and its pose-dance example; the camera "
                             "holds a tree pose")  # fmt: skip
    parser.add_argument(
        "--profile",
        type=float,
        default=0.0,
        metavar="S",
        help="after the window, S seconds of the tab's CPU profile: where its page thread goes",
    )
    parser.add_argument(
        "--fresh-server",
        action="store_true",
        help="the cold visit as soon as the server answers, not once it has started",
    )
    parser.add_argument(
        "--compare",
        action="store_true",
        help="then the camera's frames to the hand worker as pixels and as VideoFrames, interleaved",
    )
    args = parser.parse_args()
    missing = missing_tools()
    if missing:
        sys.exit(f"needs {', '.join(missing)}")
    load_before = os.getloadavg()[0]
    figures = measure(
        args.seconds,
        args.throttle,
        args.video,
        not args.no_stage_video,
        args.example,
        args.profile,
        args.compare,
        args.body,
        not args.fresh_server,
    )
    load_after = os.getloadavg()[0]
    video = "on" if figures["stage_video"] else "off"
    print(
        f"Scratch editor, one tab, CPU throttled {args.throttle:g}×, video on the stage {video}, {figures['seconds']:.0f} s"
    )
    print(
        f"{'ready cold':<28}{figures['ready_cold_s']:>8.2f} s  (the server settled {figures['server_settled_s']:.1f} s first)"
    )
    print(f"{'ready warm':<28}{figures['ready_warm_s']:>8.2f} s")
    for run in ("cold", "warm"):
        steps = sorted(figures[f"steps_{run}_s"].items(), key=lambda step: step[1])
        print(f"  {run}: " + ", ".join(f"{name} {at:.2f}" for name, at in steps))
    print(f"{'labelled frames a second':<28}{figures['labelled_fps']:>8.1f}")
    print(f"{'stage frames a second':<28}{figures['stage_fps']:>8.1f}")
    print(f"{'server CPU, % of a core':<28}{figures['server_pct_core_per_user']:>8.2f}")
    for mode, each in figures.get("frames_as", {}).items():
        print(f"frames as {mode:<11}{each['labelled_fps']:>6.1f} labelled, {each['stage_fps']:>5.1f} stage a second "
              f"({each['seconds']:.0f} s)")  # fmt: skip
    for where, share in figures.get("profile", {}).items():
        print(f"  {share:5.1f} %  {where}")
    print(f"load {load_before:.1f} before, {load_after:.1f} after ({os.cpu_count()} cores)")
    print(json.dumps(figures | {"load_before": round(load_before, 1), "load_after": round(load_after, 1)}))


if __name__ == "__main__":
    main()
