"""Does a take look like the gesture it is stored as? Live's *Teach it here* asks before a take of one gesture
is stored as another.

A student with the list on 👌 ok who shows a fist stored 15 fist frames as "ok" without a word, and Live then
answered "ok" for fists (issue 64). The model Live runs already knows what the take's hands look like: when most
of them are answered as another gesture it was taught (not "unknown", not the chosen one), the page asks once
("These look like 👊 fist. Keep them as 👌 ok?"). A gesture the model was never taught is not checked: every
answer would be another, and teaching it is the point of the take.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from core.gestures.classifier import GestureClassifier
from core.gestures.features import hand_features
from core.types import UNKNOWN_LABEL, Keypoints

MAJORITY = 0.5  # more than half of the take's hands answered as one other gesture


@dataclass(frozen=True)
class TakeLook:
    """What the model answered for a take's hands: the other gesture most of them looked like (None: none)."""

    other: str | None
    share: float  # of the take's hands answered as ``other`` (0 when None)
    hands: int


def take_look(classifier: GestureClassifier | None, hands: Sequence[Keypoints], chosen: str) -> TakeLook:
    """The other taught gesture more than half of ``hands`` look like to ``classifier``, if any; ``chosen`` is the
    gesture the take is stored as. No model, no hands or an untaught ``chosen``: nothing to ask."""
    if classifier is None or not hands or chosen not in classifier.classes:
        return TakeLook(None, 0.0, len(hands))
    layout = classifier.feature_config.layout
    usable = [hand for hand in hands if hand.skeleton == layout]
    if not usable:
        return TakeLook(None, 0.0, len(hands))
    features = np.stack([hand_features(hand, classifier.feature_config) for hand in usable])
    answers = Counter(p.label for p in classifier.predict(features))
    label, count = max(((lab, n) for lab, n in answers.items() if lab not in (chosen, UNKNOWN_LABEL)),
                       key=lambda item: item[1], default=(None, 0))  # fmt: skip
    share = count / len(usable)
    return (
        TakeLook(label, share, len(usable))
        if label is not None and share > MAJORITY
        else TakeLook(None, 0.0, len(usable))
    )
