"""What the One Euro keypoint filter does on real footage: jitter of a still hand, lag on a moving one.

    .venv/bin/python bench/speed/smoothing.py [--complexity 0|1] [--min-cutoff 0.3 1 ...] [--beta 0 1 ...]

Clips, all real pixels run through MediaPipe Hands in video mode (the live tracker), made with ffmpeg:

* ``still_asl``: one frame of the shared ASL video, repeated for 3 s at 25 fps with temporal camera noise
  and H.264 compression (a hand held still, as the tracker sees it);
* ``still_photo``: a HaGRID palm photo, likewise;
* ``asl_still_parts``: the real ASL video (25 fps), measured only in the stretches where the hand holds a
  letter (its joints' centred 9-frame means move under 1 px a frame, mean over joints, for 8 frames or more);
* ``pan_photo`` / ``pan_asl``: the photo or the frame sliding across a 640×480 canvas (rest, a 0.8 s
  eased move of 240 px, rest, and back): a real-pixel swipe with a known shape;
* ``drift_photo``: the photo drifting slowly (80 px in 2.4 s), where a filter's lag at low speed shows.

Jitter = the standard deviation of each keypoint's position over the still frames, in px, mean over the
21 joints and over x and y (on the real video, around each still stretch's straight-line drift). Lag = the shift, in frames, that best lines the filtered track up with the raw
one (least squares over sub-frame shifts of the joints' mean position: cross-correlation), over the pan
clips' frames. MediaPipe runs once per clip; the filter settings are swept on the recorded tracks. Prints
a table per setting, then the chosen setting (least jitter among those lagging at most ``--max-lag``
frames) and one JSON line.
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
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from core.io.video import iter_frames, video_info  # noqa: E402
from core.keypoints.landmarks import HandTracker, TrackerConfig  # noqa: E402
from core.keypoints.smoothing import KeypointSmoother, SmoothingConfig  # noqa: E402
from core.types import Keypoints  # noqa: E402

SHARED = Path(os.environ.get("HANDTEACH_SHARED", ROOT.parent / "shared" / "data")) / "hands"
ASL_VIDEO = SHARED / "video" / "asl_hand.25fps.mp4"
PALM_PHOTO = SHARED / "hagrid_380" / "images" / "palm" / "palm_00000.jpg"
FPS = 25
PAN_SECONDS = 3.4


@dataclass
class Track:
    """One clip's hand, frame by frame: raw keypoints (None where MediaPipe found no hand) and timestamps."""

    name: str
    hands: list[Keypoints | None]
    times: list[float]
    still: np.ndarray  # (T,) bool: frames measured for jitter
    moving: bool  # a pan clip: measured for lag
    real_motion: bool = False  # real footage: jitter measured around each still stretch's linear drift


def ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True)


def eased(start: float, seconds: float, travel: float) -> str:
    """ffmpeg expression in t: 0 before ``start``, then a cosine-eased move of ``travel`` px over ``seconds``."""
    return f"{travel}*(1-cos(PI*clip((t-{start})/{seconds},0,1)))/2"


# a swipe (0.8 s over 240 px, and back) and a slow drift (2.4 s over 80 px), from rest to rest
PANS = {
    "pan": f"40+{eased(0.6, 0.8, 240)}-{eased(2.0, 0.8, 240)}",
    "drift": f"120+{eased(0.5, 2.4, 80)}",
}


def make_clips(folder: Path) -> dict[str, Path]:
    """The still and pan clips, written under ``folder``."""
    frame = folder / "asl_frame.png"
    ffmpeg("-i", str(ASL_VIDEO), "-vf", "select=eq(n\\,0),scale=310:540", "-frames:v", "1", str(frame))
    noise = "noise=alls=6:allf=t+u"
    encode = ["-r", str(FPS), "-c:v", "libx264", "-crf", "23", "-pix_fmt", "yuv420p"]
    canvas = f"color=c=0x808080:s=640x480:r={FPS}:d={PAN_SECONDS}"
    clips = {}
    for name, image, still_height, pan_height in (("photo", PALM_PHOTO, 420, 320), ("asl", frame, 460, 400)):
        clips[f"still_{name}"] = folder / f"still_{name}.mp4"
        ffmpeg("-loop", "1", "-i", str(image), "-t", "3",
               "-vf", f"scale=-2:{still_height},pad=640:480:(ow-iw)/2:(oh-ih)/2,{noise}",
               *encode, str(clips[f"still_{name}"]))  # fmt: skip
        for kind, x in PANS.items():
            if kind == "drift" and name == "asl":
                continue  # one slow clip is enough
            clips[f"{kind}_{name}"] = folder / f"{kind}_{name}.mp4"
            ffmpeg("-f", "lavfi", "-i", canvas, "-loop", "1", "-i", str(image), "-filter_complex",
                   f"[1]scale=-2:{pan_height}[h];[0][h]overlay=x='{x}':y=40:shortest=1,{noise}",
                   "-t", str(PAN_SECONDS), *encode, str(clips[f"{kind}_{name}"]))  # fmt: skip
    return clips


def run_tracker(path: Path, complexity: int) -> tuple[list[Keypoints | None], list[float]]:
    fps = video_info(path).fps or FPS
    hands: list[Keypoints | None] = []
    times: list[float] = []
    with HandTracker(TrackerConfig(max_num_hands=1, model_complexity=complexity)) as tracker:
        for index, rgb in iter_frames(path):
            found = tracker.process(rgb)
            hands.append(found[0] if found else None)
            times.append(index / fps)
    return hands, times


def centred_mean(values: np.ndarray, width: int) -> np.ndarray:
    kernel = np.ones(width) / width
    padded = np.pad(values, ((width // 2, width // 2), (0, 0)), mode="edge")
    return np.stack([np.convolve(padded[:, c], kernel, mode="valid") for c in range(values.shape[1])], axis=1)


def still_stretches(points: np.ndarray, found: np.ndarray, max_speed: float = 1.0, min_len: int = 8) -> np.ndarray:
    """(T,) mask of the frames in stretches where the joints' centred 9-frame means barely move (px per frame)."""
    means = np.stack([centred_mean(np.nan_to_num(points[:, k]), 9) for k in range(points.shape[1])], axis=1)
    speed = np.r_[np.inf, np.linalg.norm(np.diff(means, axis=0), axis=2).mean(axis=1)]
    calm = (speed < max_speed) & found
    mask = np.zeros_like(calm)
    start = None
    for i, c in enumerate([*calm, False]):
        if c and start is None:
            start = i
        elif not c and start is not None:
            if i - start >= min_len:
                mask[start:i] = True
            start = None
    return mask


def pixels(hands: list[Keypoints | None]) -> np.ndarray:
    """(T, 21, 2) pixel positions, NaN where no hand."""
    return np.stack([h.pixel if h is not None else np.full((21, 2), np.nan, np.float32) for h in hands]).astype(float)


def smooth(track: Track, config: SmoothingConfig) -> tuple[list[Keypoints | None], float]:
    """The track through a fresh smoother (a frame without a hand resets it, as live); µs per frame."""
    smoother = KeypointSmoother(config)
    out: list[Keypoints | None] = []
    start = time.perf_counter()
    for hand, t in zip(track.hands, track.times, strict=True):
        result = smoother([hand] if hand is not None else [], t)
        out.append(result[0] if result else None)
    return out, (time.perf_counter() - start) / len(track.hands) * 1e6


def jitter(points: np.ndarray, still: np.ndarray, detrend: bool) -> float:
    """Mean over joints and x/y of the std of positions in each still stretch (px), weighted by its length.

    ``detrend``: the std around each coordinate's straight-line fit over the stretch, so that the slow drift of
    a real hand holding a letter does not count as jitter (the synthetic still clips do not move at all).
    """
    stds, weights = [], []
    edges = np.flatnonzero(np.diff(np.r_[0, still.astype(int), 0]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        part = points[a:b].reshape(b - a, -1)
        if detrend:
            t = np.arange(b - a, dtype=float)
            part = part - np.outer(t, np.polyfit(t, part, 1)[0])
        stds.append(np.std(part, axis=0).mean())
        weights.append(b - a)
    return float(np.average(stds, weights=weights)) if stds else float("nan")


def lag_frames(raw: np.ndarray, filtered: np.ndarray, max_lag: float = 6.0) -> float:
    """The shift s (frames, 0.05 steps) minimising Σ (filtered(t) − raw(t − s))² of the joints' mean position."""
    r, f = np.nanmean(raw, axis=1), np.nanmean(filtered, axis=1)  # (T, 2)
    t = np.arange(len(r), dtype=float)
    ok = np.isfinite(r).all(axis=1) & np.isfinite(f).all(axis=1)
    best, best_err = 0.0, np.inf
    for s in np.arange(0.0, max_lag, 0.05):
        shifted = np.stack([np.interp(t - s, t[ok], r[ok, c]) for c in range(2)], axis=1)
        keep = ok & (t - s >= 0)
        err = float(np.mean((f[keep] - shifted[keep]) ** 2))
        if err < best_err:
            best, best_err = float(s), err
    return best


def measure(tracks: list[Track], config: SmoothingConfig) -> dict[str, dict[str, float]]:
    rows: dict[str, dict[str, float]] = {}
    for track in tracks:
        raw = pixels(track.hands)
        filtered_hands, us = smooth(track, config)
        filtered = pixels(filtered_hands)
        row = {"frames": float(len(track.hands)), "found": float(np.isfinite(raw[:, 0, 0]).sum()), "us": us}
        if track.still.any():
            row.update(still_frames=float(track.still.sum()), jitter_raw=jitter(raw, track.still, track.real_motion),
                       jitter=jitter(filtered, track.still, track.real_motion))  # fmt: skip
        if track.moving:
            row.update(lag=lag_frames(raw, filtered), max_err=float(np.nanmax(np.abs(filtered - raw))))
        rows[track.name] = row
    return rows


def summary(rows: dict[str, dict[str, float]]) -> dict[str, float]:
    still = [r for r in rows.values() if "jitter" in r]
    moving = [r for r in rows.values() if "lag" in r]
    return {
        "jitter_raw_px": float(np.mean([r["jitter_raw"] for r in still])),
        "jitter_px": float(np.mean([r["jitter"] for r in still])),
        "lag_frames": float(np.mean([r["lag"] for r in moving])),
        "max_lag_frames": float(np.max([r["lag"] for r in moving])),
    }


def print_rows(config: SmoothingConfig, rows: dict[str, dict[str, float]]) -> None:
    print(f"\nmin_cutoff={config.min_cutoff} Hz, beta={config.beta}, d_cutoff={config.d_cutoff} Hz")
    print(f"{'clip':18} {'frames':>6} {'found':>5} {'still':>5} {'jitter raw':>10} {'filtered':>8} "
          f"{'lag fr':>6} {'max err px':>10} {'µs/frame':>8}")  # fmt: skip
    for name, r in rows.items():
        cells = [f"{r['frames']:6.0f}", f"{r['found']:5.0f}", f"{r.get('still_frames', 0):5.0f}",
                 f"{r['jitter_raw']:10.3f}" if "jitter" in r else f"{'':10}",
                 f"{r['jitter']:8.3f}" if "jitter" in r else f"{'':8}",
                 f"{r['lag']:6.2f}" if "lag" in r else f"{'':6}",
                 f"{r['max_err']:10.1f}" if "lag" in r else f"{'':10}", f"{r['us']:8.0f}"]  # fmt: skip
        print(f"{name:18} " + " ".join(cells))


def record_tracks(complexity: int) -> list[Track]:
    if shutil.which("ffmpeg") is None:
        sys.exit("ffmpeg not found: it makes the still and pan clips")
    for needed in (ASL_VIDEO, PALM_PHOTO):
        if not needed.exists():
            sys.exit(f"real hand data not found at {needed} (expected ../shared/data beside the checkout)")
    tracks = []
    with tempfile.TemporaryDirectory() as tmp:
        clips = make_clips(Path(tmp))
        for name, path in [*clips.items(), ("asl_still_parts", ASL_VIDEO)]:
            hands, times = run_tracker(path, complexity)
            found = np.array([h is not None for h in hands])
            if name.startswith("still_"):
                still = found.copy()
                still[: FPS // 2] = False  # the tracker settles on its first frames
            elif name.startswith(("pan_", "drift_")):
                still = np.zeros(len(hands), bool)
            else:
                still = still_stretches(pixels(hands), found)
            tracks.append(
                Track(name, hands, times, still, name.startswith(("pan_", "drift_")), name == "asl_still_parts")
            )
    return tracks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--complexity", type=int, choices=(0, 1), default=1)
    parser.add_argument("--min-cutoff", type=float, nargs="+", default=[0.1, 0.3, 0.5, 1.0, 2.0])
    parser.add_argument("--beta", type=float, nargs="+", default=[0.0, 1.0, 3.0, 5.0, 10.0, 20.0])
    parser.add_argument("--d-cutoff", type=float, default=SmoothingConfig().d_cutoff)
    parser.add_argument("--max-lag", type=float, default=1.0, help="frames a chosen setting may lag on the pans")
    args = parser.parse_args()
    tracks = record_tracks(args.complexity)
    results = []
    for min_cutoff in args.min_cutoff:
        for beta in args.beta:
            config = SmoothingConfig(min_cutoff=min_cutoff, beta=beta, d_cutoff=args.d_cutoff)
            rows = measure(tracks, config)
            print_rows(config, rows)
            results.append((config, rows, summary(rows)))
    print(f"\n{'min_cutoff':>10} {'beta':>6} {'jitter raw px':>13} {'jitter px':>9} {'lag fr':>6} {'max lag':>7}")
    for config, _, s in results:
        print(f"{config.min_cutoff:10.2f} {config.beta:6.2f} {s['jitter_raw_px']:13.3f} {s['jitter_px']:9.3f} "
              f"{s['lag_frames']:6.2f} {s['max_lag_frames']:7.2f}")  # fmt: skip
    fitting = [r for r in results if r[2]["max_lag_frames"] <= args.max_lag] or results
    config, rows, s = min(fitting, key=lambda r: r[2]["jitter_px"])
    default = SmoothingConfig()
    current = next((r for r in results if (r[0].min_cutoff, r[0].beta) == (default.min_cutoff, default.beta)), None)
    print(
        f"\nchosen (least jitter with lag <= {args.max_lag} frames): min_cutoff={config.min_cutoff}, beta={config.beta}"
    )
    payload = {
        "chosen": {"min_cutoff": config.min_cutoff, "beta": config.beta, "d_cutoff": config.d_cutoff, **s},
        "default": None if current is None else {"min_cutoff": default.min_cutoff, "beta": default.beta, **current[2]},
        "clips": {name: {k: round(v, 3) for k, v in r.items()} for name, r in rows.items()},
        "complexity": args.complexity,
        "fps": FPS,
    }
    print(json.dumps(payload))


if __name__ == "__main__":
    main()
