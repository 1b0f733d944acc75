"""A gesture classifier as one ONNX file that reads MediaPipe's landmarks as they come.

The graph holds the whole of ``core.gestures.features`` (``user_view_points`` then
``keypoints_to_features``) in front of the classifier, so any ONNX runtime next to any MediaPipe
runtime (Python, the browser's Tasks Vision, mobile) runs the model without re-implementing
the features. The contract (``docs/export.md``):

* ``landmarks`` (batch, K, 3) float32: MediaPipe's *normalised image* x, y, z of one hand (K = 21)
  or person (K = 33) per row, on the **unmirrored** frame (``Keypoints.normalised``);
* ``image_size`` (2,) float32: [width, height] of that frame in pixels. Features are measured in
  pixels (x and z × width, y × height), so the aspect ratio changes them; the scale does not;
* ``visibility`` (batch, K) float32: MediaPipe Pose's per-landmark visibility, only for a body
  model that reads it (``FeatureConfig.use_visibility``);
* outputs ``probabilities`` (batch, C) float32 (softmax, columns in the order of the ``classes``
  metadata), ``class_index`` (batch,) int64 (the class answered) and ``known`` (batch,) bool: the
  app's own decision for that one frame (``GestureClassifier.decide``: for a model with examples,
  ``core.gestures.familiarity``, a hand within the radius of one of the person's examples (and, for a
  starter gesture, no starter hand of a sign the model does not know clearly nearer: at two thirds of the
  distance or less) is that example's class, known; elsewhere the top class, known when it has starter hands and the hand is
  nearer to them or the person's examples than to every starter hand of a sign the model does not
  know; without examples, the argmax, known when its probability reaches the ``threshold`` metadata).
  A model with examples also gives ``distance`` (batch, C), each class's nearest own example in
  radii (≤ 1: near enough), ``starter_distance`` (batch, C), the
  nearest own example or starter hand (inf for a class without starter hands), and
  ``other_distance`` (batch,), the nearest hand of no class; Live averages all of them and the
  probabilities over 5 frames per hand, then decides.

Handedness is no input: models learn each gesture on both hands (mirrored copies of every sample,
``mirror_features``), so none reads it. A row whose points all sit on the root (a degenerate
detection) gives zero features instead of NaN: the size is clamped, where ``keypoints_to_features``
raises.
"""

from __future__ import annotations

import io
import json
import warnings
from collections.abc import Sequence
from dataclasses import asdict
from importlib import metadata as package_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import nn

from core.gestures.catalog import GestureClass, shown_name
from core.gestures.familiarity import UNTAUGHT_NEARER
from core.gestures.features import _VISIBLE_SCALE_MIN, FeatureConfig
from core.io.atomic import write_bytes

if TYPE_CHECKING:
    from core.gestures.classifier import GestureClassifier

ONNX_FORMAT = "handteach-landmarks-onnx"
ONNX_FORMAT_VERSION = 1
ONNX_OPSET = 17  # what every current runtime (onnxruntime, onnxruntime-web, mobile) runs
INPUTS = ("landmarks", "image_size", "visibility")
OUTPUTS = ("probabilities", "class_index", "known", "distance", "starter_distance", "other_distance")
EXAMPLE_OUTPUTS = 3  # the distances: only for a model with examples
# Why a motion project has no ONNX export (docs/export.md): what classifies a motion is not a function of one
# frame's landmarks, and a graph holding only part of it would answer otherwise than the app.
MOTION_REFUSAL = (
    "a motion model cannot be exported as ONNX: the app cuts each gesture out of the stream first (when the hand "
    "starts and stops moving, core.motion.spotting), then trims still frames by a percentile of the speeds, fills "
    "gaps and resamples the clip in time before the network sees it; export-onnx serves hand and body projects"
)


class LandmarkFeatures(nn.Module):
    """MediaPipe landmarks → the classifier's features, as ``hand_features`` computes them.

    ``forward(landmarks (N, K, 3) normalised, unmirrored; image_size (2,) [width, height] px;
    visibility (N, K) or None) -> (N, config.size) float32``. Joints, roots and scale segments are
    the skeleton's, fixed when the module is built, so the traced graph holds constants only.
    """

    def __init__(self, config: FeatureConfig) -> None:
        super().__init__()
        layout = config.layout
        self.config = config
        self.num_joints = layout.num_joints
        self.register_buffer("joints", torch.tensor(config.joints, dtype=torch.int64), persistent=False)
        self.register_buffer("roots", torch.tensor(layout.root_joints, dtype=torch.int64), persistent=False)
        a, b = zip(*layout.scale_joints, strict=True) if layout.scale_joints else ((), ())
        self.register_buffer("seg_a", torch.tensor(a, dtype=torch.int64), persistent=False)
        self.register_buffer("seg_b", torch.tensor(b, dtype=torch.int64), persistent=False)
        # user view on the pixel scale: x mirrored and × width, y × height, z × width (user_view_points)
        self.register_buffer("signs", torch.tensor([-1.0, 1.0, 1.0]), persistent=False)

    def forward(
        self, landmarks: torch.Tensor, image_size: torch.Tensor, visibility: torch.Tensor | None = None
    ) -> torch.Tensor:
        dims = self.config.dims
        scale = image_size[[0, 1, 0]] * self.signs  # (3,): -width, height, width
        points = (landmarks * scale)[:, :, :dims]  # (N, K, dims) user view, pixels
        if len(self.config.layout.root_joints) == 1:
            origin = points[:, self.roots]  # (N, 1, dims): a single root is indexed, as in version 1
        else:
            origin = points[:, self.roots].mean(dim=1, keepdim=True)
        relative = points[:, self.joints] - origin  # (N, J, dims)
        if self.config.layout.scale_joints:
            segments = points[:, self.seg_a, :2] - points[:, self.seg_b, :2]
            size = segments.square().sum(dim=2).sqrt().mean(dim=1)  # (N,) mean scale-segment length
        else:
            size = relative[:, :, :2].square().sum(dim=2).sqrt().amax(dim=1)  # (N,) the reach
        # all points on the root: zeros, where the Python path refuses the row
        features = relative / size.clamp_min(_VISIBLE_SCALE_MIN)[:, None, None]
        if not self.config.use_visibility:
            return features.flatten(1)  # Flatten, not Reshape(N, -1): a batch of none stays valid
        if visibility is None:
            raise ValueError("this feature config reads visibility; pass MediaPipe Pose's (N, K) visibility")
        visible = visibility >= self.config.min_visibility  # (N, K)
        features = torch.where(visible[:, self.joints, None], features, torch.zeros_like(features))
        return torch.cat([features.flatten(1), visible.to(features.dtype)], dim=1)


class LandmarkClassifier(nn.Module):
    """Landmarks → (probabilities (N, C), class_index (N,) int64, known (N,) bool[, distance (N, C),
    starter_distance (N, C), other_distance (N,) in radii]): ``LandmarkFeatures``, the MLP, then
    ``GestureClassifier.decide``'s rule at tolerance 1 (``Familiarity.class_distances``' columns, split)."""

    def __init__(self, classifier: GestureClassifier) -> None:
        super().__init__()
        self.features = LandmarkFeatures(classifier.feature_config)
        self.network = classifier.network
        self.threshold = float(classifier.threshold)
        familiarity = classifier.familiarity
        self.has_examples = familiarity is not None
        if familiarity is not None:
            self.n_classes = familiarity.n_classes
            self.register_buffer("reference", torch.from_numpy(familiarity.reference.copy()), persistent=False)
            # the rows of each column (own per class, starter per class, none): constants, one gather each
            self.groups = [torch.from_numpy(rows) for rows in familiarity.groups]
            self.register_buffer("has_own", torch.from_numpy(familiarity.has_own.copy()), persistent=False)
            self.register_buffer("has_starter", torch.from_numpy(familiarity.has_starter.copy()), persistent=False)
            self.radius = float(familiarity.radius)

    def forward(
        self, landmarks: torch.Tensor, image_size: torch.Tensor, visibility: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, ...]:
        features = self.features(landmarks, image_size, visibility)
        probabilities = torch.softmax(self.network(features), dim=1)
        top, best = probabilities.max(dim=1)
        if not self.has_examples:
            return probabilities, best, top >= self.threshold
        squared = (features.square().sum(1, keepdim=True) - 2.0 * features @ self.reference.T
                   + self.reference.square().sum(1)[None])  # (N, R)  # fmt: skip
        far = torch.full_like(top, float("inf"))
        nearest = torch.stack([squared[:, rows].amin(dim=1).clamp_min(0.0).sqrt() if len(rows) else far
                               for rows in self.groups], dim=1) / self.radius  # (N, 2C + 1)  # fmt: skip
        c = self.n_classes
        own, none = nearest[:, :c], nearest[:, 2 * c]
        starter = torch.where(self.has_starter[None], torch.minimum(own, nearest[:, c : 2 * c]), far[:, None])
        nearer = starter.gather(1, best[:, None])[:, 0] < none
        alone = ~self.has_own[best] & (top >= self.threshold)
        closest, nearest_own = own.min(dim=1)  # the person's own examples first: within the radius, theirs wins,
        # unless, for a starter gesture, a hand of no class lies clearly nearer (Familiarity.among_own)
        inside = (closest <= 1.0) & ((closest < UNTAUGHT_NEARER * none) | ~self.has_starter[nearest_own])
        return probabilities, torch.where(inside, nearest_own, best), inside | nearer | alone, own, starter, none


def input_names(config: FeatureConfig) -> list[str]:
    """The graph's inputs for a model of ``config``: visibility only when the features read it."""
    return list(INPUTS if config.use_visibility else INPUTS[:2])


def output_names(classifier: GestureClassifier) -> list[str]:
    """The graph's outputs: the distances only for a model with examples."""
    return list(OUTPUTS if classifier.familiarity is not None else OUTPUTS[:-EXAMPLE_OUTPUTS])


def contract(config: FeatureConfig, outputs: Sequence[str] = OUTPUTS[:3]) -> dict[str, str]:
    """Input and output name → what it holds, in words: the ``inputs`` metadata and the graph's doc strings."""
    k, what = config.layout.num_joints, config.layout.name
    described = {
        "landmarks": f"(batch, {k}, 3) float32: MediaPipe's normalised image x, y, z of one {what} per row, "
        "on the unmirrored camera frame (x, y in [0, 1] inside it)"
        + ("" if config.use_depth else "; z is not read by this model"),
        "image_size": "(2,) float32: [width, height] of that frame in pixels; only the aspect ratio matters",
        "visibility": f"(batch, {k}) float32: MediaPipe Pose's visibility per landmark; below "
        f"{config.min_visibility} a landmark counts as hidden",
        "probabilities": "(batch, C) float32: softmax over the classes, in the order of the 'classes' metadata",
        "class_index": "(batch,) int64: the class answered: argmax of probabilities, or, with examples, the class "
        "of the nearest taught example where one lies within the radius",
        "known": "(batch,) bool: the app's decision for this frame; false: say unknown",
        "distance": "(batch, C) float32: each class's nearest taught example, in radii (1: the edge of known)",
        "starter_distance": "(batch, C) float32: each class's nearest taught example or starter hand, in radii; "
        "inf for a class without starter hands",
        "other_distance": "(batch,) float32: the nearest starter hand of a sign the model does not know, in radii "
        "(inf: none kept); known when starter_distance of the top class is smaller",
    }
    return {name: described[name] for name in (*input_names(config), *outputs)}


def handteach_version() -> str:
    """The installed handteach's version; from ``pyproject.toml`` in a checkout that was never installed."""
    try:
        return package_metadata.version("handteach")
    except package_metadata.PackageNotFoundError:
        import tomllib

        pyproject = Path(__file__).resolve().parents[2] / "pyproject.toml"
        try:
            return str(tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"])
        except (OSError, KeyError, tomllib.TOMLDecodeError):
            return "unknown"


def onnx_metadata(classifier: GestureClassifier, gestures: Sequence[GestureClass] = ()) -> dict[str, str]:
    """``metadata_props`` of the exported file: key → a JSON text (``json.loads`` / ``JSON.parse`` each).

    ``gestures``: the project's classes (``Store.list_classes``), for each class's emoji and mirror
    partner; a class not among them gets no emoji and is its own mirror.
    """
    by_name = {g.name: g for g in gestures}
    classes = list(classifier.classes)
    config = classifier.feature_config
    values: dict[str, Any] = {
        "format": ONNX_FORMAT,
        "format_version": ONNX_FORMAT_VERSION,
        "classes": classes,
        "emoji": [by_name[c].emoji if c in by_name else "" for c in classes],
        "shown": [shown_name(c) for c in classes],  # the names as the pages show them: the tab draws these
        "mirror": [by_name[c].mirror_partner if c in by_name else c for c in classes],
        "threshold": classifier.threshold,
        "familiarity": None if classifier.familiarity is None else classifier.familiarity.as_json(),
        "skeleton": config.skeleton,
        "feature_config": asdict(config),
        "inputs": contract(config, output_names(classifier)),
        "handteach_version": handteach_version(),
        "training": classifier.metadata,
    }
    return {key: json.dumps(value, ensure_ascii=False, allow_nan=False) for key, value in values.items()}


def export_onnx(
    classifier: GestureClassifier,
    path: str | Path,
    gestures: Sequence[GestureClass] = (),
    opset: int = ONNX_OPSET,
) -> Path:
    """Write ``classifier`` as an ONNX file on MediaPipe landmarks (see the module's docstring); returns the path.

    ``gestures`` gives the classes' emoji and mirror partners (``onnx_metadata``). The file is
    written atomically: a failed export leaves what was at ``path``.
    """
    model = onnx_model(classifier, gestures, opset)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_bytes(target, model.SerializeToString())
    return target


def onnx_model(classifier: GestureClassifier, gestures: Sequence[GestureClass] = (), opset: int = ONNX_OPSET) -> Any:
    """The ``onnx.ModelProto`` that ``export_onnx`` writes, checked by ``onnx.checker``."""
    import onnx  # imported lazily: only export needs it

    config = classifier.feature_config
    names, outputs = input_names(config), output_names(classifier)
    k = config.layout.num_joints
    example = (torch.zeros(1, k, 3), torch.tensor([640.0, 480.0]), torch.ones(1, k))[: len(names)]
    batch = {0: "batch"}
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # The TorchScript exporter is deprecated, but the dynamo one needs onnxscript,
        # which is not installed; this one works offline and opset 17 runs everywhere.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            LandmarkClassifier(classifier).eval(),
            example,
            buffer,
            input_names=names,
            output_names=outputs,
            dynamic_axes={name: batch for name in (*names, *outputs) if name != "image_size"},
            opset_version=opset,
            dynamo=False,
        )
    model = onnx.load_from_string(buffer.getvalue())
    described = contract(config, outputs)
    for value in (*model.graph.input, *model.graph.output):
        value.doc_string = described[value.name]
    model.producer_name, model.producer_version = "handteach", handteach_version()
    model.doc_string = f"handteach {config.skeleton} gesture classifier on MediaPipe landmarks (docs/export.md)"
    for key, value in onnx_metadata(classifier, gestures).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    return model
