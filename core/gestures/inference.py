"""Recognise gestures in an image or video file: annotated output and one JSON record per frame."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.gestures.classifier import GestureClassifier
from core.gestures.pipeline import STREAM_SMOOTHING_FRAMES, FrameResult, HandSource, Pipeline
from core.io.progress import FrameCounter
from core.io.video import iter_frames, media_kind, video_info, write_image, write_video
from core.keypoints.smoothing import KeypointSmoother
from core.viz.draw import draw_result


def frame_record(source: Path, result: FrameResult) -> dict:
    """JSON-ready description of one processed frame (keypoints in pixels of the unmirrored frame).

    Each entry of "hands" is a hand or, in a body project, a person ("skeleton": "body", handedness
    "Unknown", with MediaPipe Pose's per-joint "visibility").
    """
    hands = []
    for hand, prediction in zip(result.hands, result.predictions, strict=True):
        record = {
            "skeleton": hand.skeleton.name,
            "handedness": hand.handedness,
            "label": prediction.label if prediction else None,
            "score": round(float(prediction.score), 4) if prediction else None,
            "keypoints": np.round(hand.pixel.astype(float), 1).tolist(),
        }
        if hand.visibility is not None:
            record["visibility"] = np.round(hand.visibility.astype(float), 3).tolist()
        hands.append(record)
    return {"source": str(source), "frame": result.frame_index, "hands": hands}


def annotate_file(path: Path, tracker: HandSource, classifier: GestureClassifier, output: Path | None,
                  every_n: int = 1, counter: FrameCounter | None = None) -> Iterator[dict]:  # fmt: skip
    """Run the pipeline over ``path``; yield a record per frame and write the annotated file to ``output``.

    Video frames are streamed: the annotated video is written while it is read, so
    long videos do not have to fit in memory. ``counter`` hears of each frame done; its cancel event
    ends the file before the next frame (the output then holds the frames done: the caller drops it).
    """
    kind = media_kind(path)
    # a video's keypoints are steadied as the webcam's are, on the file's own clock
    smoother = KeypointSmoother() if kind == "video" else None
    rate = (video_info(path).fps or 25.0) if kind == "video" else 25.0
    pipeline = Pipeline(
        tracker, classifier, smoothing=1 if kind == "image" else STREAM_SMOOTHING_FRAMES, smoother=smoother
    )
    records: list[dict] = []

    def annotated() -> Iterator[npt.NDArray[np.uint8]]:
        for index, rgb in iter_frames(path, every_n=every_n):
            if counter is not None and counter.cancelled:
                return
            result = pipeline.process(rgb, frame_index=index, timestamp=index / rate)
            records.append(frame_record(path, result))
            yield draw_result(rgb, result)
            if counter is not None:
                counter()

    frames = annotated()
    if output is None:
        for _ in frames:
            yield records.pop()
    elif kind == "image":
        image = next(frames, None)  # None: cancelled before it
        if image is not None:
            write_image(output, image)
        yield from records
    else:
        fps = video_info(path).fps / max(every_n, 1)
        write_video(output, frames, fps or 25.0)
        yield from records


def output_paths(files: list[Path], output: Path | None) -> dict[Path, Path]:
    """Where ``infer`` writes each annotated file: never onto an input, never two inputs to one file.

    One input and an OUT with a file suffix: OUT itself (unless it is the input). Otherwise OUT/<the input's folder
    below the inputs' common folder>/<stem>.png (.mp4 for videos), so ``a/x.jpg`` and
    ``b/x.jpg`` go to ``OUT/a/x.png`` and ``OUT/b/x.png``. Written into a folder that holds
    inputs (``-o`` naming an input's folder), names get ``.annotated`` before the suffix,
    so the user's own files there are never replaced; two inputs differing only in their
    suffix (``x.jpg``, ``x.png``) keep it in the name (``x_jpg.png``).
    """
    if output is None:
        return {}
    files = list(dict.fromkeys(files))
    resolved = [f.resolve() for f in files]
    inputs, source_dirs = set(resolved), {r.parent for r in resolved}
    single = len(files) == 1 and bool(output.suffix)
    if single:
        targets = {files[0]: output}
    else:
        base = Path(os.path.commonpath([r.parent for r in resolved]))
        targets = {}
        taken: set[Path] = set()
        for f, r in zip(files, resolved, strict=True):
            folder = output / r.parent.relative_to(base)
            suffix = ".mp4" if media_kind(f) == "video" else ".png"
            target = folder / (f.stem + suffix)
            if target.resolve() in taken:
                target = folder / f"{f.stem}_{f.suffix.lstrip('.')}{suffix}"
            targets[f] = target
            taken.add(target.resolve())
    for f, target in targets.items():
        if target.resolve() in inputs or (not single and target.resolve().parent in source_dirs):
            targets[f] = target.with_name(f"{target.stem}.annotated{target.suffix}")
    written = [t.resolve() for t in targets.values()]
    if len(set(written)) != len(written) or inputs & set(written):
        raise ValueError(f"{output}: annotated files would overwrite an input or each other; choose another -o")
    return targets
