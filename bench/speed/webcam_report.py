"""What ``bench/speed/webcam.py`` prints: per-session frame rates and timings, and where the server's CPU went.

A frame's CPU (``breakdown``) joins two measurements: the CPU of each group of server threads over the
window (``bench/common/server_threads.py``) and the stages the frame callback times (``ui.webcam.frame_callbacks``),
which run on one thread, so their milliseconds are that thread's CPU when the machine is not saturated.
"""

from __future__ import annotations

from pathlib import Path

from bench.common.server_threads import describe

# The callback thread's stages, apart from the keypoints (MediaPipe works on its own threads meanwhile)
CALLBACK_STAGES = ("to_array", "features", "classifier", "cpm", "motion", "record", "draw", "to_frame")
ORDER = ("decode", "to_array", "keypoints", "features", "classifier", "cpm", "motion", "record", "draw", "to_frame",
         "encode", "event_loop", "reruns", "pools", "writers")  # fmt: skip


def session_summary(samples: list[dict]) -> dict:
    """One stream's frame rate (its frame counter over the window) and mean per-stage milliseconds."""
    stages = sorted({k for s in samples for k in s["ms"]})
    ms = {k: round(sum(s["ms"].get(k, 0.0) for s in samples) / len(samples), 2) for k in stages}
    return {"fps": frames_per_second(samples), "ms": ms, "samples": len(samples)}


def frames_per_second(samples: list[dict]) -> float:
    """Frames the server processed over the measured time (its frame counter), not a mean of window rates."""
    first, last = samples[0], samples[-1]
    span = last["time"] - first["time"]
    if len(samples) < 2 or span <= 0:
        return round(float(last["fps"]), 2)
    return round((last["frames"] - first["frames"]) / span, 2)


def browser_summary(samples: list[dict]) -> dict:
    stats = [s.get("browser") or {} for s in samples]
    stats = [b for b in stats if b.get("sent_fps") is not None]
    if not stats:
        return {}

    def mean(key: str) -> float:
        values = [b[key] for b in stats if b.get(key) is not None]
        return round(sum(values) / len(values), 1) if values else float("nan")

    reasons = sorted({b.get("limited_by") or "none" for b in stats})
    last = stats[-1]
    return {"sent_fps": mean("sent_fps"), "received_fps": mean("received_fps"),
            "sent_size": f"{last.get('sent_width')}x{last.get('sent_height')}", "limited_by": ",".join(reasons)}  # fmt: skip


def breakdown(groups_ms: dict[str, float], stages_ms: dict[str, float]) -> dict[str, float]:
    """A frame's server CPU in ms by part: thread groups, the callback thread split by its timed stages.

    ``groups_ms``: CPU ms a frame of each thread group; ``stages_ms``: the callback's mean stage times.
    The callback thread's CPU less its other stages is the Python side of the keypoints (handing the frame
    to MediaPipe, reading its results, the keypoint filter), added to MediaPipe's own threads.
    """
    parts = {k: v for k, v in groups_ms.items() if k not in {"callback", "mediapipe", "ended", "other"}}
    # Streamlit runs each script run (the page's fragments, twice a second a tab) on a thread of its own that
    # has ended by the time the window closes: those are the reruns. The threads alive and unnamed are native
    # pools (numpy's OpenBLAS, torch's, OpenCV's): apart, since issue 52's "reruns" of 18-29 ms a frame were
    # OpenBLAS's worker spinning, not the page (ui/webcam/blas.py)
    parts["reruns"] = parts.get("reruns", 0.0) + groups_ms.get("ended", 0.0)
    parts["pools"] = groups_ms.get("other", 0.0)
    callback = groups_ms.get("callback", 0.0)
    timed = {stage: stages_ms[stage] for stage in CALLBACK_STAGES if stages_ms.get(stage)}
    scale = min(1.0, callback / sum(timed.values())) if timed else 1.0  # never more than the thread used
    for stage, value in timed.items():
        parts[stage] = value * scale
    parts["keypoints"] = groups_ms.get("mediapipe", 0.0) + max(0.0, callback - sum(parts[s] for s in timed))
    return {k: round(parts[k], 2) for k in ORDER if parts.get(k)}


def print_report(result: dict, y4m: Path) -> None:
    sessions = result["sessions"]
    print(f"page={result['page']} camera={y4m.name} sessions={len(sessions)} window={result['window_s']:.0f} s")
    nan = float("nan")
    print(f"{'session':<8}{'fps':>7}{'lag ms':>8}{'total ms':>9}{'keypts ms':>10}   (server side)")
    for i, s in enumerate(sessions):
        ms = s["ms"]
        print(
            f"{i:<8}{s['fps']:>7.1f}{ms.get('lag', nan):>8.1f}{ms.get('total', nan):>9.1f}{ms.get('landmarks', nan):>10.1f}"
        )
    print(f"{'all':<8}{result['fps']:>7.1f}  frames/s served in all, min per session {result['min_fps']:.1f}")
    for i, tab in enumerate(result["tabs"]):
        if tab:
            print(
                f"browser tab {i}: sends {tab['sent_fps']} fps at {tab['sent_size']} (limited by: "
                f"{tab['limited_by']}), gets {tab['received_fps']} fps back"
            )
    print(f"\nbrowser (all its processes, every tab): {result['browser_cores']:.2f} cores")
    print(f"server CPU: {result['server_cores']:.2f} cores = {result['server_cpu_ms_per_frame']:.1f} ms a frame "
          f"(all threads, {result['frames']} frames)")  # fmt: skip
    print(f"{'part':<12}{'ms/frame':>9}  what")
    for part, value in result["cpu_ms"].items():
        print(f"{part:<12}{value:>9.2f}  {_what(part)}")
    print(f"\nfirst render {result['first_render_s']:.2f} s, server RSS {result['rss_mb']} MB, "
          f"{result['threads']} threads; load avg {result['load_avg']:.2f} (1 min, whole machine)")  # fmt: skip


def _what(part: str) -> str:
    stages = {"to_array": "the WebRTC frame to an RGB array", "keypoints": "MediaPipe (its threads and the Python "
              "around it)", "features": "features", "classifier": "classifier", "draw": "mirroring and drawing",
              "to_frame": "the drawn array back to a video frame", "cpm": "the CPM panel's pass",
              "motion": "motion spotting / clip takes", "record": "recording"}  # fmt: skip
    if part == "reruns":
        return "the page's script runs (a thread each, fragments twice a second a tab)"
    if part == "pools":
        return "unnamed native threads: numpy's BLAS, torch's and OpenCV's pools, the rest"
    return stages.get(part) or describe(part)
