"""Settings of one classifier training run and the accepted range of each number in them.

One place for the dataclass, the CLI flags (``core.cli.main``) and the Train page's widgets.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from core.gestures.features import AugmentConfig

# Accepted range (inclusive) of each numeric TrainConfig field: one place for the dataclass,
# the CLI flags and the Train page's widgets. Outside them a run only wastes time or diverges
# (a learning rate of 10 gives NaN weights; a negative one unlearns).
TRAIN_LIMITS: Mapping[str, tuple[float, float]] = MappingProxyType({
    "epochs": (1, 100_000),
    "learning_rate": (1e-6, 1.0),
    "weight_decay": (0.0, 1.0),
    "dropout": (0.0, 0.9),
    "batch_size": (1, 65_536),
    "val_share": (0.01, 0.5),
    "patience": (1, 100_000),
    "seed": (0, 2**32 - 1),
    "threshold": (0.0, 1.0),
    "min_samples_per_class": (2, 100_000),  # one to train on, one to validate
    "mirror_weight": (0.0, 1.0),
})  # fmt: skip
INTEGER_FIELDS = ("epochs", "batch_size", "patience", "seed", "min_samples_per_class")


def check_limit(name: str, value: object, what: str | None = None) -> float:
    """``value`` as a number within ``TRAIN_LIMITS[name]``, else ValueError naming ``what`` (default: the field)."""
    low, high = TRAIN_LIMITS[name]
    integer = name in INTEGER_FIELDS
    kind = "an integer" if integer else "a number"
    ok = isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)
    if ok and integer:
        ok = float(value).is_integer()
    if not ok or not math.isfinite(float(value)) or not low <= value <= high:  # type: ignore[operator]
        span = f"{int(low)} to {int(high)}" if integer else f"{low:g} to {high:g}"
        raise ValueError(f"{what or name} must be {kind} from {span}, got {value!r}")
    return value  # type: ignore[return-value]


# A person's few samples are frames of one moment; their later frames tilt and turn. Wider than
# AugmentConfig's defaults (±15°, no turn: what the starter model is built with): ±30° in the image
# plane stays far from the 90° between ☝ and 👉 and the 180° between 👍 and 👎, and ±30° in depth
# covers a hand turned towards or away from the camera (bench/people/fewshot.py: docs/benchmarks.md).
USER_AUGMENT = AugmentConfig(max_rotation_deg=30.0, max_turn_deg=30.0)


@dataclass(frozen=True)
class TrainConfig:
    """Settings of one training run; numeric fields must lie within ``TRAIN_LIMITS``."""

    epochs: int = 300  # upper bound; early stopping usually ends sooner
    hidden: tuple[int, ...] = (128, 64)  # hidden layer widths of the MLP
    learning_rate: float = 3e-3  # AdamW
    weight_decay: float = 1e-4  # AdamW's decoupled L2
    dropout: float = 0.1  # after each hidden layer
    batch_size: int = 256
    val_share: float = 0.2  # share of each class held out for validation (at least one sample per class)
    patience: int = 20  # epochs without a better validation loss before stopping; best weights are restored
    augment: bool = True  # fresh random rotation/stretch/jitter of the training set every epoch
    mirror: bool = True  # add left-right mirrored training samples, labels mapped by mirror_map
    # What a mirrored copy weighs beside a sample of the user's own where the mirror image of one gesture lands
    # on another's own samples ("Move Left" mirrored is "Move Right"): the person's own samples decide.
    # bench/people/fewshot.py, 15 people's kinivi logs, k = 10: 1.0 → 0.3 mean 0.901 → 0.924 (one's "Move Right" 0 → 100%).
    mirror_weight: float = 0.3
    # Whether mirror_weight applies only to classes whose mirror image lands on another class's own samples
    # (core.gestures.mirror_weights; elsewhere copies weigh 1 and teach the other hand: people switch hands
    # between takes), or to every copy (False: sessions 18-20). 17 people, k = 10, seeds 0-2, worst person:
    # 0.645/0.660/0.640 -> 0.670/0.675/0.715, and taught as Record spreads samples 0.680/0.745/0.795 -> 0.832/0.810/0.832.
    mirror_weight_per_class: bool = True
    aug: AugmentConfig = field(default_factory=lambda: USER_AUGMENT)
    seed: int = 0  # split, initialisation, shuffling and augmentation are all drawn from it
    threshold: float = 0.6  # the trained model's confidence threshold (models without examples: see familiarity)
    # keep the person's own examples in a hand model, so "unknown" means "unlike anything taught"
    # (core.gestures.familiarity; bench/people/openset.py measures it)
    familiarity: bool = True
    min_samples_per_class: int = 5  # a class with fewer own samples is refused (zero means "skipped")
    # torch intra-op threads of the training thread (restored after); None keeps torch's setting.
    # 1 is fastest for this small MLP: on a busy 2-core machine 2 threads ran 5-10x slower
    # (OpenMP threads wait on each other), and it leaves a core to the webcam pipeline.
    num_threads: int | None = 1

    def __post_init__(self) -> None:
        for name in TRAIN_LIMITS:
            check_limit(name, getattr(self, name))
        if self.num_threads is not None and self.num_threads < 1:
            raise ValueError(f"num_threads must be at least 1 or None, got {self.num_threads}")
