"""``python -m core live``: Live without a browser. A video file or a camera through the project's pipeline,
each frame's gestures sent as OSC and WebSocket JSON (``core.outputs``, ``docs/outputs.md``).

``register(subparsers)`` is called by ``core.cli.main`` through ``core.cli.registry``.
The parser imports nothing heavy; torch, MediaPipe and OpenCV come in when the command runs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import queue
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from core.gestures.catalog import DEFAULT_PROJECT
from core.outputs.settings import LOCALHOST, OutputError, OutputSettings, check_port, parse_origin, parse_target

if TYPE_CHECKING:
    from core.data.store import Store
    from core.gestures.classifier import GestureClassifier
    from core.motion.spotting import SpotEvent, Spotter
    from core.outputs.hub import Outputs
    from core.types import Keypoints, RGBImage

Frames = Iterator[tuple[int, float, "RGBImage"]]  # (frame index, seconds, (H, W, 3) uint8 RGB unmirrored)


class CameraError(ValueError):
    """A camera that cannot be opened or read."""


def _osc_target(text: str) -> tuple[str, int]:
    try:
        return parse_target(text, "OSC")
    except OutputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _origin(text: str) -> str:
    try:
        return parse_origin(text)
    except OutputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _port(text: str) -> int:
    try:
        return check_port(int(text) if text.strip().isdigit() else text, "WebSocket")  # type: ignore[arg-type]
    except OutputError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _positive(text: str) -> int:
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number from 1, got {text!r}")
    return int(text)


def register(sub: argparse._SubParsersAction) -> None:
    help_text = (
        "run the project's model on a video or a camera and send each frame's gestures as OSC and WebSocket JSON"
    )
    p = sub.add_parser("live", help=help_text, description=help_text,
                       epilog="Message formats: docs/outputs.md. Ctrl-C stops; the summary is printed either way.")  # fmt: skip
    p.set_defaults(handler=live)
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--video", metavar="FILE", help="a video file, read as fast as the pipeline goes")
    source.add_argument("--camera", type=int, metavar="N", help="the camera with this index (OpenCV), until Ctrl-C")
    p.add_argument("--osc", type=_osc_target, metavar="HOST:PORT", help="send OSC messages over UDP there")
    p.add_argument("--ws", type=_port, metavar="PORT", help="serve WebSocket JSON on this port")
    p.add_argument("--ws-host", default=LOCALHOST, metavar="HOST",
                   help=f"the address the WebSocket server binds to (default {LOCALHOST}: this machine only)")  # fmt: skip
    p.add_argument("--ws-origin", type=_origin, action="append", default=[], metavar="ORIGIN",
                   help="also let web pages from ORIGIN (e.g. https://sketch.example.org) connect to the WebSocket; "
                        "repeatable; * for every page (default: programs, files and pages of this machine only)")  # fmt: skip
    p.add_argument("--every-frame", action="store_true", help="a message every frame (default: when a label changes)")
    p.add_argument("--keypoints", action="store_true", help="also send each hand's keypoints (normalised x, y, z)")
    p.add_argument("--hands", type=int, choices=(1, 2), default=1, help="hands to follow (default 1)")
    p.add_argument("--max-frames", type=_positive, metavar="N", help="stop after N frames")
    p.add_argument("--json", action="store_true", help="print the summary as one JSON line too")
    p.add_argument("--project", "-p", default=DEFAULT_PROJECT, help=f"project name (default: {DEFAULT_PROJECT})")


@dataclass
class Summary:
    frames: int = 0
    seconds: float = 0.0
    motion_events: int = 0
    interrupted: bool = False

    def as_json(self, outputs: Outputs) -> dict[str, Any]:
        stats = outputs.stats()
        fps = self.frames / self.seconds if self.seconds > 0 else 0.0
        return {"frames": self.frames, "seconds": round(self.seconds, 3), "fps": round(fps, 2), "sent": stats.sent,
                "dropped": stats.dropped, "clients": stats.peak_clients, "last_error": stats.last_error,
                "motion_events": self.motion_events, "interrupted": self.interrupted}  # fmt: skip


def video_frames(path: Path, max_frames: int | None) -> Frames:
    from core.io.video import iter_frames, video_info

    fps = video_info(path).fps or 30.0  # checked from the header before anything is decoded
    for index, rgb in iter_frames(path, max_frames=max_frames, on_note=lambda note: print(note, file=sys.stderr)):
        yield index, index / fps, rgb


def camera_frames(index: int, max_frames: int | None) -> Frames:
    import cv2

    capture = cv2.VideoCapture(index)
    try:
        if not capture.isOpened():
            raise CameraError(f"camera {index}: cannot be opened (no such camera, or another program uses it)")
        start, count = time.monotonic(), 0
        while max_frames is None or count < max_frames:
            ok, bgr = capture.read()
            if not ok:
                if count == 0:
                    raise CameraError(f"camera {index}: opened, but gave no frame")
                print(f"camera {index}: stopped giving frames after {count}", file=sys.stderr)
                return
            yield count, time.monotonic() - start, cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
            count += 1
    finally:
        capture.release()


def prefetched(frames: Frames, depth: int) -> Frames:
    """``frames`` read on a thread of their own, at most ``depth`` ahead, so decoding (4 ms a 620×1080 frame)
    overlaps MediaPipe's work on the frame before. A reading error is raised here, in the caller's thread."""
    items: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def offer(item: Any) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        with contextlib.closing(frames):  # a camera is released on this thread, where it was read
            try:
                for item in frames:
                    if not offer(item):
                        return
                offer(end)
            except Exception as exc:  # MediaError, CameraError...: the caller raises it
                offer(exc)

    reader = threading.Thread(target=read, name="handteach-live-reader", daemon=True)
    reader.start()
    try:
        while (item := items.get()) is not end:
            if isinstance(item, Exception):
                raise item
            yield item
    finally:
        stop.set()
        reader.join(5.0)


def live(args: argparse.Namespace) -> int:
    from core.outputs.hub import Outputs

    settings = OutputSettings(osc=args.osc, ws_port=args.ws, ws_host=args.ws_host, ws_origins=tuple(args.ws_origin),
                              every_frame=args.every_frame, keypoints=args.keypoints)  # fmt: skip
    if not settings.enabled:
        print("note: neither --osc nor --ws given: frames are processed and counted, nothing is sent", file=sys.stderr)
    if args.video is not None:
        from core.io.video import video_info

        video_info(Path(args.video))  # a missing or unreadable file stops here, before any port opens
    outputs = Outputs(settings)  # a port in use or an unknown host: one error line, before MediaPipe loads
    try:
        runner = Runner(args, outputs)
        try:
            print(f"live: {settings.describe()}", flush=True)
            if args.video is not None:  # a few frames ahead; a camera's newest frame only (no lag)
                frames = prefetched(video_frames(Path(args.video), args.max_frames), depth=4)
            else:
                frames = prefetched(camera_frames(args.camera, args.max_frames), depth=1)
            summary = _run(frames, runner)
        finally:
            runner.close()
    finally:
        outputs.close()  # what waits is sent, threads joined, the port free
    line = summary.as_json(outputs)
    print(f"{line['frames']} frames in {line['seconds']:.2f} s ({line['fps']:.1f} FPS); sent {line['sent']}, "
          f"dropped {line['dropped']}, WebSocket clients {line['clients']}"
          + (f"; last error: {line['last_error']}" if line["last_error"] else "")
          + ("; stopped by Ctrl-C" if summary.interrupted else ""), flush=True)  # fmt: skip
    if args.json:
        print(json.dumps(line, ensure_ascii=False), flush=True)
    return 0


def _run(frames: Frames, runner: Runner) -> Summary:
    summary = Summary()
    started = time.perf_counter()
    last_t = 0.0
    try:
        for index, t, rgb in frames:
            summary.motion_events += runner.step(index, t, rgb)
            summary.frames += 1
            last_t = t
        summary.motion_events += runner.finish(last_t)
    except KeyboardInterrupt:
        summary.interrupted = True
    summary.seconds = time.perf_counter() - started
    return summary


class Runner:
    """The project's per-frame work, as Live's: its keypoint source, model and smoothing (a motion project: its
    spotter, fed the followed hand, its events sent as they end). ``step`` returns the motion events sent."""

    def __init__(self, args: argparse.Namespace, outputs: Outputs) -> None:
        from core.cli.common import reading_store
        from core.gestures.pipeline import Pipeline
        from core.keypoints.backend import KeypointBackend
        from core.keypoints.landmarks import TrackerConfig
        from core.keypoints.smoothing import KeypointSmoother, SmoothingConfig

        store = reading_store(args, args.project)
        motion = args.project in store.list_projects() and store.project_is_motion(args.project)
        self.outputs = outputs
        self.spotter = _motion_spotter(store, args.project) if motion else None
        classifier = None if motion else _gesture_model(store, args.project)
        self.source = KeypointBackend.of_project(store, args.project).source(
            TrackerConfig(max_num_hands=1 if motion else args.hands))  # fmt: skip
        self.pipeline = Pipeline(self.source, classifier, smoother=KeypointSmoother(SmoothingConfig()))
        self._previous: Keypoints | None = None

    def step(self, index: int, t: float, rgb: RGBImage) -> int:
        result = self.pipeline.process(rgb, frame_index=index, timestamp=t)
        self.outputs.publish(result, t)
        if self.spotter is None:
            return 0
        from core.motion.track import follow

        skeleton = self.spotter.skeleton
        found = follow([k for k in result.hands if k.skeleton == skeleton], self._previous)
        self._previous = found or self._previous
        return self._send(self.spotter.push(found, t))

    def finish(self, t: float) -> int:
        """A motion cut off by the end of the video: no hand for longer than the spotter waits ends it."""
        if self.spotter is None:
            return 0
        return sum(self._send(event) for event in self.spotter.finish(t, rate=50.0))

    def _send(self, event: SpotEvent | None) -> int:
        if event is None:
            return 0
        self.outputs.publish_motion(event)
        return 1

    def close(self) -> None:
        self.source.close()


def _gesture_model(store: Store, project: str) -> GestureClassifier | None:
    from core.data.project import load_project_model

    model = load_project_model(store, project, starter_fallback=True)
    if model is None:
        print(f"note: project {project!r} has no trained model: keypoints are sent without labels", file=sys.stderr)
    return model


def _motion_spotter(store: Store, project: str) -> Spotter:
    from core.data.project_motion import load_motion_model
    from core.motion.spotting import Spotter

    model = load_motion_model(store, project)
    if model is None:
        raise ValueError(
            f"project {project!r} has no trained motion model yet; run `python -m core train -p {project}`"
        )
    return Spotter(model)
