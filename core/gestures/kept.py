"""Per gesture, what the "unknown" rule does with the person's own samples: kept, or taken for another gesture.

Each sample is judged by a model trained without it (``core.gestures.crossval``'s out-of-fold answers, the
app's own decision), so its examples (``core.gestures.familiarity``) were fitted without it too: a sample the
rule keeps is one a later hand like it would be known by. For each gesture: how many of its samples were kept
(answered with a gesture, not "unknown"), how many were taken for another gesture and which, each share with
its Wilson interval (``core.gestures.figure``). A gesture with fewer than ``MIN_SURE`` samples gets figures that
say little: Train says its rule is uncertain (``uncertain_text``), also when no fold could be measured.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from core.gestures.figure import Figure, wilson
from core.types import UNKNOWN_LABEL

# Fewer samples than this: one more or less kept moves the share by more than 10 points, and the examples the
# rule measures against are that few samples' copies. Ten a gesture is what Record and the README advise.
MIN_SURE = 10


@dataclass(frozen=True)
class Kept:
    """One gesture's samples under the rule (``samples`` = ``kept.total`` = ``taken.total``)."""

    gesture: str
    kept: Figure  # answered with a gesture (its own or another), not unknown
    right: int  # answered with its own name
    taken_for: dict[str, int]  # other gesture -> samples answered as it, most first

    @property
    def samples(self) -> int:
        return self.kept.total

    @property
    def taken(self) -> Figure:
        """The samples answered as another gesture."""
        return wilson(sum(self.taken_for.values()), self.samples)

    @property
    def uncertain(self) -> bool:
        return self.samples < MIN_SURE


def kept_by_gesture(labels: Sequence[str], answers: Sequence[str]) -> list[Kept]:
    """One ``Kept`` per gesture of ``labels``, in their first-seen order, from each sample's out-of-fold answer
    (``answers[i]`` for ``labels[i]``: a gesture's name or ``UNKNOWN_LABEL``)."""
    if len(labels) != len(answers):
        raise ValueError(f"got {len(labels)} labels but {len(answers)} answers")
    out = []
    for gesture in dict.fromkeys(labels):
        given = [a for y, a in zip(labels, answers, strict=True) if y == gesture]
        kept = sum(a != UNKNOWN_LABEL for a in given)
        others = Counter(a for a in given if a not in (gesture, UNKNOWN_LABEL))
        out.append(Kept(gesture, wilson(kept, len(given)), given.count(gesture), dict(others.most_common())))
    return out


def kept_text(kept: Kept, titles: Mapping[str, str] | None = None) -> str:
    """One gesture's line in words: '9 of 10 kept; 1 taken for fist' (what ``titles`` calls each gesture)."""
    title = lambda name: (titles or {}).get(name, name)  # noqa: E731
    words = f"{kept.kept.correct} of {kept.samples} kept"
    if kept.taken_for:
        words += "; " + ", ".join(f"{n} taken for {title(other)}" for other, n in kept.taken_for.items())
    unknown = kept.samples - kept.kept.correct
    if unknown:
        words += f"; {unknown} answered unknown"
    return words + (" (too few samples to tell)" if kept.uncertain else "")


def uncertain_text(counts: Mapping[str, int], titles: Mapping[str, str] | None = None) -> str | None:
    """What Train says of gestures with fewer than ``MIN_SURE`` samples (``counts``: gesture -> own samples;
    gestures without any are not the rule's), or None when every gesture has enough."""
    few = [f"{(titles or {}).get(name, name)} ({n})" for name, n in counts.items() if 0 < n < MIN_SURE]
    if not few:
        return None
    return (f"Too few samples to tell how well “unknown” keeps {', '.join(few)}: with so few, what counts as "
            f"near them rests on a handful of hands. Record {MIN_SURE} or more of each.")  # fmt: skip
