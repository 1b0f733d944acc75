"""Recognise gestures in an image or video file: annotated output and one JSON record per frame."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.classifier import GestureClassifier
from core.draw import draw_result
from core.pipeline import FrameResult, HandSource, Pipeline
from core.video import iter_frames, media_kind, video_info, write_image, write_video


def frame_record(source: Path, result: FrameResult) -> dict:
    """JSON-ready description of one processed frame (keypoints in pixels of the unmirrored frame)."""
    hands = []
    for hand, prediction in zip(result.hands, result.predictions, strict=True):
        hands.append({
            "handedness": hand.handedness,
            "label": prediction.label if prediction else None,
            "score": round(float(prediction.score), 4) if prediction else None,
            "keypoints": np.round(hand.pixel.astype(float), 1).tolist(),
        })  # fmt: skip
    return {"source": str(source), "frame": result.frame_index, "hands": hands}


def annotate_file(path: Path, tracker: HandSource, classifier: GestureClassifier, output: Path | None,
                  every_n: int = 1) -> Iterator[dict]:  # fmt: skip
    """Run the pipeline over ``path``; yield a record per frame and write the annotated file to ``output``.

    Video frames are streamed: the annotated video is written while it is read, so
    long videos do not have to fit in memory.
    """
    kind = media_kind(path)
    pipeline = Pipeline(tracker, classifier, smoothing=1 if kind == "image" else 5)
    records: list[dict] = []

    def annotated() -> Iterator[npt.NDArray[np.uint8]]:
        for index, rgb in iter_frames(path, every_n=every_n):
            result = pipeline.process(rgb, frame_index=index)
            records.append(frame_record(path, result))
            yield draw_result(rgb, result)

    frames = annotated()
    if output is None:
        for _ in frames:
            yield records.pop()
    elif kind == "image":
        write_image(output, next(frames))
        yield from records
    else:
        fps = video_info(path).fps / max(every_n, 1)
        write_video(output, frames, fps or 25.0)
        yield from records
