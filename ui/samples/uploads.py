"""Live's uploaded file: the gestures recognised and drawn on a copy for download (``annotate_upload``).

Record's uploads go into the store with ``core.data.imports.uploads``, in the server's job runner.
"""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING

from core.data.imports.uploads import UploadedFile, write_uploads
from core.io.progress import FrameCounter, Progress, planned_frames
from core.io.video import MediaError, media_kind
from core.keypoints.backend import KeypointBackend
from core.keypoints.landmarks import TrackerConfig

if TYPE_CHECKING:
    from core.gestures.classifier import GestureClassifier


@dataclass
class AnnotatedUpload:
    """An uploaded file with the skeleton and predictions drawn on it."""

    name: str
    kind: str  # "image" or "video"
    data: bytes  # PNG for images, H.264 MP4 for videos
    mime: str
    records: list[dict] = field(default_factory=list)  # one per frame, see core.gestures.inference.frame_record

    @property
    def download_name(self) -> str:
        return f"{Path(self.name).stem}.annotated.{'png' if self.kind == 'image' else 'mp4'}"


def annotate_upload(upload: UploadedFile, classifier: GestureClassifier | None, model_complexity: int = 1,
                    every_n: int = 1, backend: KeypointBackend | None = None, on_progress: Progress | None = None,
                    cancel: threading.Event | None = None) -> AnnotatedUpload | None:  # fmt: skip
    """Run the recogniser over an uploaded image or video (``MediaError`` naming the file if unusable).

    ``backend`` finds the keypoints (default MediaPipe): the project's, as its model learned on it.
    ``on_progress(frames done, frames planned)`` after each frame (a video is then encoded for the browser);
    ``cancel`` set: it stops before the next frame and returns None (nothing half-done is kept).
    """
    from core.gestures.inference import annotate_file  # imports torch: only when a file is annotated

    with tempfile.TemporaryDirectory(prefix="handteach-annotate-") as tmp:
        (path,) = write_uploads([upload], Path(tmp))
        kind = media_kind(path)
        photo = kind == "image"
        config = TrackerConfig(
            static_image_mode=photo, zoom_out_photos=photo, max_num_hands=2, model_complexity=model_complexity
        )
        output = Path(tmp) / ("annotated.png" if kind == "image" else "annotated-mp4v.mp4")
        try:
            counter = FrameCounter(planned_frames(path, every_n), on_progress, cancel)
            source = (backend or KeypointBackend()).source(config)
            try:
                records = list(annotate_file(path, source, classifier, output, every_n=every_n, counter=counter))
            finally:
                source.close()
        except MediaError as exc:
            raise MediaError(upload.name, exc.problem) from None
        if counter.cancelled:
            return None
        if kind == "image":
            return AnnotatedUpload(upload.name, kind, output.read_bytes(), "image/png", records)
        h264 = Path(tmp) / "annotated.mp4"
        transcode_h264(output, h264, cancel=cancel)
        if counter.cancelled:
            return None
        return AnnotatedUpload(upload.name, kind, h264.read_bytes(), "video/mp4", records)


def transcode_h264(source: Path, target: Path, crf: int = 23, cancel: threading.Event | None = None) -> int:
    """Re-encode a video as H.264/yuv420p MP4 (what browsers play; OpenCV writes mp4v). Returns frames written;
    ``cancel`` set: it stops before the next frame (the file is then incomplete)."""
    import av

    count = 0
    with av.open(str(source)) as inp, av.open(str(target), "w", options={"movflags": "faststart"}) as out:
        vin = inp.streams.video[0]
        rate = vin.average_rate or vin.guessed_rate or Fraction(25)
        width, height = vin.codec_context.width // 2 * 2, vin.codec_context.height // 2 * 2
        vout = out.add_stream("libx264", rate=Fraction(rate).limit_denominator(1001))
        vout.width, vout.height, vout.pix_fmt = width, height, "yuv420p"
        vout.options = {"crf": str(crf), "preset": "veryfast"}
        time_base = 1 / Fraction(rate).limit_denominator(1001)
        for frame in inp.decode(vin):
            if cancel is not None and cancel.is_set():
                break
            picture = frame.reformat(width=width, height=height, format="yuv420p")
            picture.pts, picture.time_base = count, time_base
            out.mux(vout.encode(picture))
            count += 1
        out.mux(vout.encode(None))
    if count == 0 and not (cancel is not None and cancel.is_set()):
        raise MediaError(source, "no frames to transcode")
    return count
