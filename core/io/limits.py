"""Size limits checked before anything is decoded or allocated, in one place.

Every input that can make the process allocate in proportion to a number it
carries (an image header's width and height, a video's frame size and length,
an upload's byte count, a model file's layer widths) is checked here against a
fixed bound first, so a 366-byte PNG or a 1 kB ``model.json`` cannot claim
gigabytes. Over a limit: ``LimitError``, whose message names the file (or the
flag or config key) and the limit. docs/limits.md lists the same
numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """The bounds; one instance, ``LIMITS``. Each is far above any real use and far below a harmful one."""

    # 50 MP: a 48 MP phone photo fits; decoded RGB is 150 MB, well under the 2 GB a run may use.
    image_pixels: int = 50_000_000
    # OpenCV's remap (used inside MediaPipe) aborts the process on a side >= 32767 (SHRT_MAX).
    image_side: int = 16_384
    # 4096 × 4096: 4K video fits; a frame is 50 MB decoded, a few are alive at once.
    video_frame_pixels: int = 4096 * 4096
    # 30 minutes: a recording session is seconds; longer files are almost surely a mistake.
    video_seconds: float = 30 * 60.0
    # 30 minutes at 60 fps; also stops streams whose container does not say its length.
    video_frames: int = 108_000
    # Streamlit's own default upload cap; uploads sit in memory whole, twice (browser buffer, temp file).
    upload_bytes: int = 200 * 1024 * 1024
    # The zoomed-out search pads a photo by up to its longest side on each side; the padded
    # frame is scaled down to this side first (MediaPipe reads 192-224 px inputs anyway).
    zoom_out_side: int = 4096
    # Classifier: the default is (128, 64). At the bounds (8 layers of 2048) the MLP holds 29 M
    # weights: 117 MB, under 500 MB with the gradients and Adam's moments while training.
    hidden_width: int = 2048
    hidden_layers: int = 8
    # Classes a gesture model trains on (or a model file may name). A teachable machine for gestures has
    # a handful; 5,000 trained for minutes and its 25-million-cell confusion matrix took 10 GB. At 200
    # the matrix is 40,000 counts (320 kB) and the output layer stays small.
    classes: int = 200
    # CPM: the shipped model uses 24-64 channels, 3 stages, 3-4 blocks, 3×3 kernels, 128 px crops.
    # Each field alone is bounded here (the paper's CPM uses 368 px inputs and 7×7 kernels) ...
    cpm_channels: int = 256
    cpm_blocks: int = 8
    cpm_stages: int = 6
    cpm_kernel: int = 7
    cpm_input_size: int = 368
    # ... and the whole network too: every field at its bound gives 160 M weights; 50 M (200 MB,
    # 800 MB while training with Adam) is 100× the shipped model.
    cpm_weights: int = 50_000_000
    # A motion clip (core.motion): the gesture lasts 0.5-3 s inside a take of a few seconds; 600
    # frames (10 s at 60 fps) of 33 body points are 240 kB, so the bound is about intent, not memory.
    clip_seconds: float = 10.0
    clip_frames: int = 600
    # A model's JSON description (classes, settings, metadata) is kilobytes; a thousand classes with
    # long names stay under 1 MB.
    model_json_bytes: int = 4 * 1024 * 1024
    # A weights file: the largest network the limits above allow (cpm_weights float32) is 200 MB.
    model_weights_bytes: int = 256 * 1024 * 1024


LIMITS = Limits()


class LimitError(ValueError):
    """An input over a limit; the message names it (file, flag or key) and the limit."""

    def __init__(self, what: str | Path, problem: str) -> None:
        self.what = str(what)
        self.problem = problem
        super().__init__(f"{self.what}: {problem}")


def _n(value: float) -> str:
    return f"{value:,.0f}"


def check_image_size(what: str | Path, width: int, height: int, limits: Limits = LIMITS) -> None:
    """Refuse an image of ``width`` × ``height`` pixels (from its header) over the pixel or side limit."""
    if width <= 0 or height <= 0:
        raise LimitError(what, f"the image header gives an empty size {width}×{height}")
    if max(width, height) > limits.image_side:
        raise LimitError(what, f"{width}×{height} pixels: a side over the limit of {_n(limits.image_side)} pixels")
    if width * height > limits.image_pixels:
        raise LimitError(
            what, f"{width}×{height} = {_n(width * height)} pixels, over the limit of {_n(limits.image_pixels)}"
        )


def check_video_header(what: str | Path, width: int, height: int, frames: int, fps: float,
                       limits: Limits = LIMITS) -> None:  # fmt: skip
    """Refuse a video whose container says its frames are too large or it is too long.

    ``frames`` and ``fps`` may be 0 where the container does not say; then only the
    frame count read so far is bounded (``check_frames_read``).
    """
    if width * height > limits.video_frame_pixels or max(width, height) > limits.image_side:
        raise LimitError(
            what,
            f"frames of {width}×{height} pixels, over the limit of {_n(limits.video_frame_pixels)} pixels a frame",
        )
    if frames > limits.video_frames:
        raise LimitError(what, f"{_n(frames)} frames, over the limit of {_n(limits.video_frames)}")
    if fps > 0 and frames / fps > limits.video_seconds:
        raise LimitError(
            what, f"{frames / fps / 60:.1f} minutes long, over the limit of {limits.video_seconds / 60:.0f} minutes"
        )


def check_upload_bytes(what: str | Path, size: int, limits: Limits = LIMITS) -> None:
    """Refuse an upload (or file) larger than the upload limit."""
    if size > limits.upload_bytes:
        raise LimitError(
            what, f"{size / 2**20:,.1f} MB, over the upload limit of {limits.upload_bytes / 2**20:,.0f} MB"
        )


def check_hidden(what: str, hidden: Sequence[int], limits: Limits = LIMITS) -> None:
    """Refuse classifier hidden layer sizes over the width or layer-count limit (before any tensor is built)."""
    if len(hidden) > limits.hidden_layers:
        raise LimitError(what, f"{len(hidden)} hidden layers, over the limit of {limits.hidden_layers}")
    too_wide = [h for h in hidden if h > limits.hidden_width]
    if too_wide:
        raise LimitError(what, f"hidden layer width {_n(too_wide[0])}, over the limit of {_n(limits.hidden_width)}")


def check_cpm_sizes(what: str | Path, sizes: dict[str, object], limits: Limits = LIMITS) -> None:
    """Refuse CPM architecture fields (``*_channels``, ``*_blocks``, ``stages``, ``stage_kernel``,
    ``input_size``) that are not whole numbers or are over their limits; the message names the key."""
    bounds = {"stages": limits.cpm_stages, "stage_kernel": limits.cpm_kernel, "input_size": limits.cpm_input_size}
    for key, value in sizes.items():
        if key.endswith("_channels"):
            bound, least = limits.cpm_channels, 1
        elif key.endswith("_blocks"):
            bound, least = limits.cpm_blocks, 0
        elif key in bounds:
            bound, least = bounds[key], 1
        else:
            continue
        if type(value) is not int:
            raise LimitError(what, f"{key} must be a whole number, got {value!r}")
        if value > bound:
            raise LimitError(what, f"{key} = {_n(value)}, over the limit of {_n(bound)}")
        if value < least:
            raise LimitError(what, f"{key} = {value}, must be at least {least}")


def check_cpm_weights(what: str | Path, count: int, limits: Limits = LIMITS) -> None:
    """Refuse a CPM whose architecture holds more than ``cpm_weights`` weights (counted without allocating)."""
    if count > limits.cpm_weights:
        raise LimitError(
            what, f"the network would hold {_n(count)} weights, over the limit of {_n(limits.cpm_weights)}"
        )


def check_clip_length(what: str | Path, frames: int, seconds: float, limits: Limits = LIMITS) -> None:
    """Refuse a motion clip (or a video read as one) longer than ``clip_frames`` or ``clip_seconds``."""
    if frames > limits.clip_frames:
        raise LimitError(what, f"a clip of {_n(frames)} frames, over the limit of {_n(limits.clip_frames)} frames")
    if seconds > limits.clip_seconds:
        raise LimitError(what, f"a clip of {seconds:.1f} s, over the limit of {limits.clip_seconds:.0f} s")
