"""``CPMEstimator``: a frame and a hand box → keypoints, confidences and every stage's belief maps.

It runs either heatmap network (``core.cpm.architectures``): the CPM, or the ResNet-deconv, whose one heatmap
stack counts as one stage and which also returns its attention maps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.cpm import checkpoint
from core.cpm.architectures import HeatmapNetwork
from core.cpm.model import fused_for_inference
from core.cpm.runtime import BeliefRuntime
from core.cpm.upright import upright_angle
from core.io import crops as cropping
from core.skeletons import HAND_21
from core.types import FloatArray, Keypoints


@dataclass(frozen=True)
class CPMResult:
    """What the CPM saw and concluded for one hand crop.

    Attributes:
        keypoints_px: (21, 2) float32, pixel space of the unmirrored frame.
        confidence: (21,) float32 in [0, 1], peak belief of each joint (last stage).
        beliefs: one (22, h, w) float32 array per stage (21 joints + background), crop cells.
        crop: (S, S, 3) uint8 RGB network input.
        matrix: (2, 3) float32 affine, frame px → crop px.
        threshold: mean confidence at or above which the crop counts as holding a hand.
        image_size: (width, height) of the frame.
        stride: crop px per belief cell.
        attention: (A, h, w) float32 in 0..1, where a ResNet-deconv looked (``attention_names``); (0, h, w) else.
        attention_names: what each attention map is ("hand", then "palm", "thumb", ... "little").
    """

    keypoints_px: FloatArray
    confidence: FloatArray
    beliefs: list[FloatArray]
    crop: npt.NDArray[np.uint8]
    matrix: FloatArray
    threshold: float
    image_size: tuple[int, int]
    stride: int
    attention: FloatArray = field(default_factory=lambda: np.zeros((0, 1, 1), np.float32))
    attention_names: tuple[str, ...] = ()

    @property
    def score(self) -> float:
        """Mean joint confidence: how sure the model is that a hand fills the crop."""
        return float(self.confidence.mean())

    @property
    def has_hand(self) -> bool:
        """False for a crop with no hand: callers then report "no hand" instead of a skeleton."""
        return self.score >= self.threshold

    @property
    def keypoints_crop(self) -> FloatArray:
        """(21, 2) float32 keypoints in crop px (for drawing on ``crop``)."""
        return cropping.points_to_crop(self.keypoints_px, self.matrix)

    def to_hand(self, handedness: str = "Unknown", score: float | None = None) -> Keypoints:
        """A ``core.types.Hand``: 2D only (z = 0, world NaN); ``score`` defaults to the mean joint confidence."""
        width, height = self.image_size
        normalised = np.zeros((HAND_21.num_joints, 3), np.float32)
        normalised[:, :2] = self.keypoints_px / np.array([width, height], np.float32)
        world = np.full((HAND_21.num_joints, 3), np.nan, np.float32)
        return Keypoints(
            self.keypoints_px.copy(),
            normalised,
            world,
            handedness,
            self.score if score is None else float(score),
            (width, height),
        )


class CPMEstimator:
    """Runs a trained CPM on hand crops. Read-only after construction: one instance may serve several threads.

    Args:
        checkpoint_dir: a folder written by ``checkpoint.save`` (None, the default: the shipped weights).
        num_threads: onnxruntime threads used by ``estimate``; one thread is the fastest for a
            single small crop and does not fight MediaPipe for the cores. None or 0: onnxruntime's default.
        flip_test: also run the mirrored crop and average the (mirrored-back) beliefs: a little more
            accurate, about 1.9× the time. None (the default): as the weights' config says (``CPMConfig.flip_test``).
    """

    def __init__(
        self, checkpoint_dir: str | Path | None = None, num_threads: int | None = 1, flip_test: bool | None = None
    ) -> None:
        self.num_threads = num_threads
        self._flip_test = flip_test
        self.model = checkpoint.load(checkpoint.DEFAULT_DIR if checkpoint_dir is None else checkpoint_dir)

    @property
    def flip_test(self) -> bool:
        """Whether ``beliefs`` also reads the mirror image: the constructor's choice, else the weights' config."""
        return self.cfg.flip_test if self._flip_test is None else self._flip_test

    @property
    def model(self) -> HeatmapNetwork:
        """The weights (trainable, e.g. by fine-tuning); setting them also refreshes what ``estimate`` runs."""
        return self._model

    @model.setter
    def model(self, model: HeatmapNetwork) -> None:
        self._model, self.cfg = model, model.cfg
        names = getattr(model, "attention_names", None)
        self.attention_names: tuple[str, ...] = tuple(names()) if names else ()
        self._runtime = BeliefRuntime(fused_for_inference(model), model.cfg.input_size, self.num_threads or 0)

    def estimate(self, rgb: npt.NDArray[np.uint8], box: cropping.Box, upright_deg: float | None = None) -> CPMResult:
        """Keypoints of the hand inside ``box``.

        Args:
            rgb: (H, W, 3) uint8 RGB frame.
            box: (x0, y0, x1, y1) frame px, tight around the hand (e.g. ``Keypoints.bbox()``, a detector's
                box, or the previous frame's keypoints); the crop adds ``cfg.margin`` on each side.
            upright_deg: for an upright model, the angle that turns this hand upright when it is already
                known (``upright.upright_angle`` of MediaPipe's or the previous frame's keypoints): it saves
                the first pass. Other models ignore it.
        """
        if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
            raise ValueError(f"expected an (H, W, 3) uint8 RGB frame, got shape {rgb.shape} dtype {rgb.dtype}")
        window = cropping.window_from_box(box, self.cfg.margin)
        if self.cfg.upright and upright_deg is not None:
            matrix, crop, beliefs, attention = self._read(rgb, window, upright_deg)
        else:
            matrix, crop, beliefs, attention = self._read(rgb, window, 0.0)
            if self.cfg.upright:  # the first pass finds which way the hand points; the second reads it upright
                angle = upright_angle(self.cfg.decode(beliefs[-1])[0])
                matrix, crop, beliefs, attention = self._read(rgb, window, angle)
        points, confidence = self.cfg.decode(beliefs[-1])
        height, width = rgb.shape[:2]
        frame_points = cropping.points_from_crop(points, matrix)
        return CPMResult(
            frame_points, confidence, beliefs, crop, matrix, self.cfg.hand_threshold, (width, height),
            self.cfg.stride, attention, self.attention_names,
        )  # fmt: skip

    def _read(
        self, rgb: npt.NDArray[np.uint8], window: cropping.CropWindow, angle_deg: float
    ) -> tuple[FloatArray, npt.NDArray[np.uint8], list[FloatArray], FloatArray]:
        """(frame px → crop px matrix, crop, per-stage beliefs, attention) of ``window`` turned by ``angle_deg``."""
        matrix = cropping.crop_matrix(window, self.cfg.input_size, angle_deg)
        crop = cropping.warp(rgb, matrix, self.cfg.input_size)
        beliefs, attention = self.read_crop(crop)
        return matrix, crop, beliefs, attention

    def estimate_hand(self, rgb: npt.NDArray[np.uint8], hand: Keypoints) -> CPMResult:
        """``estimate`` with the box and direction of a known hand (MediaPipe's, or the previous frame's)."""
        return self.estimate(rgb, hand.bbox(), upright_angle(hand.pixel))

    def beliefs(self, crop: npt.NDArray[np.uint8]) -> list[FloatArray]:
        """Per-stage (22, h, w) float32 belief maps of one (S, S, 3) uint8 RGB crop."""
        return self.read_crop(crop)[0]

    def read_crop(self, crop: npt.NDArray[np.uint8]) -> tuple[list[FloatArray], FloatArray]:
        """``beliefs`` of one crop, and its (A, h, w) attention maps (A = 0 for a CPM)."""
        x = crop.transpose(2, 0, 1)[None].astype(np.float32)  # (1, 3, S, S)
        if self.flip_test:
            x = np.concatenate([x, x[..., ::-1]])  # (2, 3, S, S): the crop and its mirror image
        stages, attention = self._runtime.run(x)  # (B, T, 22, h, w), (B, A, h, w)
        if self.flip_test:  # mirroring a crop keeps joint identities, so the maps only flip back along x
            stages = (stages[:1] + stages[1:, ..., ::-1]) / 2
            attention = (attention[:1] + attention[1:, ..., ::-1]) / 2
        return list(stages[0]), attention[0]
