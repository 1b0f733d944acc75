"""What a training refuses before it starts: malformed features, too few samples, too many classes.

``trainable_classes`` is the one rule for "can this project train?" (``core.gestures.training``, which
re-exports everything here, ``core.starter``, the Train page).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from core.gestures.features import FeatureConfig
from core.io.limits import LIMITS
from core.types import FloatArray


class NotEnoughDataError(ValueError):
    """Too few classes or samples to train; the message says which.

    ``few`` maps classes with too few samples to their count; ``active`` lists the classes
    that would train when fewer than two do.
    """

    def __init__(self, message: str, few: dict[str, int] | None = None, active: list[str] | None = None) -> None:
        super().__init__(message)
        self.few = few or {}
        self.active = active or []


class TooManyClassesError(ValueError):
    """More classes have samples than a model trains on (``LIMITS.classes``); the message says what to do."""


def check_inputs(
    X: FloatArray, labels: Sequence[str], classes: Sequence[str], cfg: FeatureConfig
) -> tuple[FloatArray, npt.NDArray[np.str_]]:
    x = np.asarray(X, dtype=np.float32)
    if x.ndim != 2 or x.shape[1] != cfg.size:
        raise ValueError(f"expected features of shape (N, {cfg.size}) for this feature config, got {x.shape}")
    if len(labels) != len(x):
        raise ValueError(f"got {len(x)} feature rows but {len(labels)} labels")
    if not np.isfinite(x).all():
        raise ValueError("features contain NaN or infinity")
    if len(set(classes)) != len(classes):
        raise ValueError(f"class names must be unique, got {list(classes)}")
    strays = sorted(set(labels) - set(classes))
    if strays:
        raise ValueError(f"labels not among the classes {list(classes)}: {strays}")
    return x, np.asarray(labels, dtype=str)


def trainable_classes(
    counts: Mapping[str, int], mirror_map: Mapping[str, str], min_samples: int, known: Collection[str] = ()
) -> tuple[list[str], list[str]]:
    """(classes a training would have, in ``counts`` order; classes left out for having no sample).

    The one rule for "can this project train?" (``train_classifier``, ``core.starter``, the Train
    page). ``counts`` maps every class to its own samples; a class without any counts when its
    mirror partner (``mirror_map``, empty when mirroring is off) has some, or when it is in
    ``known`` (classes the starter set fills). Raises ``NotEnoughDataError`` with ``few`` and
    ``active`` set, so a page can word its own advice, and ``TooManyClassesError`` past ``LIMITS.classes``.
    """
    filled = {mirror_map.get(name, name) for name, n in counts.items() if n > 0} | set(known)
    active = [name for name in counts if counts[name] > 0 or name in filled]
    if len(active) > LIMITS.classes:  # first: listing thousands of classes short of samples helps nobody
        raise TooManyClassesError(
            f"{len(active):,} classes have samples; a model trains on at most {LIMITS.classes} (more would take "
            "minutes to train and could not be told apart); clear the samples of classes you do not need, "
            "or split them across projects"
        )
    few = {name: n for name, n in counts.items() if 0 < n < min_samples}
    if few:
        listed = ", ".join(f"{name!r} has {n}" for name, n in few.items())
        who = "each class you record" if known else "each class"  # with a starter set, unrecorded classes are fine
        raise NotEnoughDataError(f"{who} needs at least {min_samples} samples: {listed}", few=few)
    if len(active) < 2:
        raise NotEnoughDataError(f"need samples of at least two classes, got {active or 'none'}", active=active)
    return active, [name for name in counts if name not in active]
