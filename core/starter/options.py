"""How a training combines a person's samples with the starter set: weights, draws, conflicts and claims.

Its own module so that ``core.starter.fit`` (the training) and ``core.starter.claims`` (which starter
groups a person's class claims) both read it and neither imports the other back.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StarterOptions:
    """How user samples and the starter set are combined."""

    # One user sample counts as this many starter rows in the loss, and an "unknown" row this much: the
    # person's own samples outweigh the starter's (bench/people/fewshot.py: 4 and 0.5 left a stranger's turned
    # frames "unknown", worst person 0.50 of 12; 16 and 0.2 gave 0.975).
    user_weight: float = 16.0
    per_class: int = 200  # starter rows per class drawn each epoch (with replacement when fewer)
    rejection_per_epoch: int = 800  # rejection rows drawn each epoch
    rejection_weight: float = 0.2  # weight of the equal-probabilities loss of rejection rows
    # Starter rows closer (x, y features) than a class's radius to a user sample of it are dropped
    # unless they share its label. The radius is conflict_radius, widened to 1.5x the median
    # distance between the user's own samples of the class (spread-out samples claim more room),
    # at most max_conflict_radius. Same gesture by different people: ~0.2-0.45 apart; different
    # gestures: ~0.45-0.8 (measured on the starter photos).
    conflict_radius: float = 0.3
    max_conflict_radius: float = 0.6
    # A source group of "unknown" rows (one folder: other people's "call", relaxed hands, ...) with at least
    # claim_share of its rows within claim_radius of a user class's samples shows that class: the user
    # taught it, so none of the group stays an example of "unknown" (``core.starter.claims``).
    claim_radius: float = 1.0
    claim_share: float = 0.1
    # Claims are for a few samples of one moment; a class with more (an imported dataset of many people)
    # spans its gesture itself, and its thousands of rows would claim nearly every group.
    claim_max_samples: int = 60
    coverage_copies: int = 8  # augmented copies of each user sample that conflicts and claims are judged on
    val_per_class: int = 40  # starter rows per class (and 4x that of rejection rows) held out for early stopping
    min_samples_per_class: int | None = None  # user samples a recorded class needs; None: TrainConfig's rule
