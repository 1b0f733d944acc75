"""What a class's mirrored copies weigh in training: full where they teach the other hand, less where they argue.

Training adds a left-right mirrored copy of every sample (``features.mirror_features``) so that a gesture taught
with one hand is known in the other. Most often the copies land where nothing else is: there they should teach
the other hand at full weight (people switch hands between their first samples and later). Sometimes a class's
mirror image *is* another of the person's gestures ("Move Left" mirrored is their own "Move Right"): there the
copies would sit on the other class's own samples, and the person's own samples must decide, so they weigh
``TrainConfig.mirror_weight`` (``core.gestures.training.copy_weights``). Decided per class from the person's own
samples alone (starter rows never argue).
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import numpy.typing as npt

from core.gestures.features import FeatureConfig, mirror_features
from core.gestures.nearest import squared_distances
from core.types import FloatArray

# A copy lands on another class when it lies within this share of the person's typical gap between two of their
# gestures (the median distance from an own sample to the nearest own sample of another class) of that class's own
# samples, and nearer to them than to the class it is labelled with. On 17 people's kinivi logs (their taught rows
# only) the one real pair, "Move Left" mirrored onto the same person's "Move Right", lands at 0.17-0.26 of the gap;
# every other class's copies stay at 0.57 or more (bench/people/fewshot.py, docs/benchmarks.md).
LANDS_WITHIN = 0.5
# A class's copies argue when at least this share of them land on another class (an odd sample is no conflict).
CONFLICT_SHARE = 0.5


# At most this many samples of a class take part (evenly spread): a kinivi import holds thousands a class.
MAX_PER_CLASS = 400


def mirror_landings(
    x: FloatArray, y: npt.NDArray[np.str_], mirror_map: Mapping[str, str], config: FeatureConfig
) -> dict[str, str]:
    """Classes of (N, D) ``x`` / (N,) ``y`` whose mirrored copies land on another class's own samples, each with the
    class they land on most (labels by ``mirror_map``; a class missing there is its own mirror)."""
    names = np.asarray(y).astype(str)
    classes = [str(c) for c in np.unique(names)]
    if len(classes) < 2:
        return {}
    rows = {c: _spread(np.flatnonzero(names == c)) for c in classes}
    gaps = np.concatenate([_nearest(x[rows[c]], x[np.concatenate([rows[o] for o in classes if o != c])])[0]
                           for c in classes])  # fmt: skip
    gap = float(np.median(gaps))
    landings: dict[str, str] = {}
    for name in classes:
        target = mirror_map.get(name, name)
        if target not in rows:  # the copies are the only teachers of their class (👉 mirrored fills 👈)
            continue
        copies = mirror_features(x[rows[name]], config)
        others = np.concatenate([rows[o] for o in classes if o != target])
        (to_other, nearest_other), (to_target, _) = _nearest(copies, x[others]), _nearest(copies, x[rows[target]])
        lands = (to_other < to_target) & (to_other < LANDS_WITHIN * gap)
        if np.mean(lands) >= CONFLICT_SHARE:
            landed = names[others[nearest_other[lands]]]
            values, counts = np.unique(landed, return_counts=True)
            landings[name] = str(values[counts.argmax()])
    return landings


def mirror_landings_text(landings: Mapping[str, str], titles: Mapping[str, str] | None = None) -> str:
    """What a person should know when some classes' mirror images are others of theirs (Train and ``train`` say it)."""
    title = lambda name: (titles or {}).get(name, name)  # noqa: E731
    pairs = "; ".join(f"{title(a)} mirrored looks like your {title(b)}" for a, b in sorted(landings.items()))
    return (f"{pairs}. Your own samples decide between them, so the model learns these from the hand you recorded "
            "them with: to use them with the other hand too, record a take of each with that hand.")  # fmt: skip


def _spread(rows: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """At most ``MAX_PER_CLASS`` of ``rows``, evenly spread (deterministic)."""
    if len(rows) <= MAX_PER_CLASS:
        return rows
    return rows[np.linspace(0, len(rows) - 1, MAX_PER_CLASS).astype(np.intp)]


def _nearest(a: FloatArray, b: FloatArray) -> tuple[FloatArray, npt.NDArray[np.intp]]:
    """(len(a),) distance from each row of ``a`` to its nearest row of ``b``, and that row's index in ``b``
    (a training of 8 gestures makes 32 calls, ``bench/people/train_time.py``)."""
    squared = squared_distances(a, b)
    nearest = squared.argmin(axis=1)
    return np.sqrt(squared[np.arange(len(a)), nearest]), nearest
