"""Which classes a training's model will know, and why: one rule for ``train_project``, the pages and the CLI.

A model predicts only what the project taught it: a class is a model class when it has samples of
its own, or when its mirror partner has (👈 from mirrored 👉). A starter gesture the project lists
but never recorded (a new project lists all eight as suggestions) is left out, and the starter
rows of it then teach "unknown" like those of any other hand sign; ``keep_unrecorded`` keeps such
gestures, filled from the starter rows alone. A project with no samples at all keeps them: the
starter gestures are all it can know.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

SAMPLES, MIRRORED, STARTER, LEFT_OUT = "samples", "mirrored", "starter", "left_out"


@dataclass(frozen=True)
class ClassPlan:
    """One project class in a coming training: its own samples and why it is (not) a model class."""

    name: str
    samples: int
    reason: str  # SAMPLES, MIRRORED (from ``partner``'s samples), STARTER (starter rows alone) or LEFT_OUT
    partner: str = ""
    starter_gesture: bool = False  # the starter set has rows of it (by name)

    @property
    def kept(self) -> bool:
        return self.reason != LEFT_OUT


def starter_gestures() -> list[str]:
    """The starter set's gestures by name (the default classes), without reading the set: for pre-checks."""
    from core.gestures.catalog import DEFAULT_CLASSES

    return [c.name for c in DEFAULT_CLASSES]


def plan_classes(
    counts: Mapping[str, int], mirror_map: Mapping[str, str], mirror: bool = True,
    starter_classes: Collection[str] | None = None, keep_unrecorded: bool = False,
) -> list[ClassPlan]:  # fmt: skip
    """The plan of every class of ``counts`` (the project's classes, in order, with their samples).

    ``starter_classes``: the starter set's gestures when training adds it, else None (samples alone).
    """
    partners = mirror_map if mirror else {}
    # the first recorded class whose mirror image is each class (a user class mirrors to itself)
    mirrored_from: dict[str, str] = {}
    for name, n in counts.items():
        if n > 0:
            mirrored_from.setdefault(partners.get(name, name), name)
    starter = set(starter_classes or ())
    keep = starter_classes is not None and (keep_unrecorded or not any(counts.values()))
    plans = []
    for name, n in counts.items():
        if n > 0:
            reason, partner = SAMPLES, ""
        elif name in mirrored_from:
            reason, partner = MIRRORED, mirrored_from[name]
        elif keep and name in starter:
            reason, partner = STARTER, ""
        else:
            reason, partner = LEFT_OUT, ""
        plans.append(ClassPlan(name, int(n), reason, partner, name in starter))
    return plans


def kept_names(plans: list[ClassPlan]) -> list[str]:
    return [p.name for p in plans if p.kept]


def left_out_names(plans: list[ClassPlan]) -> list[str]:
    return [p.name for p in plans if not p.kept]


def uses_starter(plans: list[ClassPlan], starter_on: bool) -> bool:
    """Whether the starter rows join this training: only when a model class is a starter gesture
    (``core.starter.fit.adds_to``); its other rows then teach "unknown"."""
    return starter_on and any(p.kept and p.starter_gesture for p in plans)


def reason_text(plan: ClassPlan, title: str = "", partner_title: str = "") -> str:
    """ "👍 thumbs_up: 12 samples", "👈 pointing_left: from mirrored 👉 pointing_right", ... (plain text)."""
    title = title or plan.name
    if plan.reason == SAMPLES:
        return f"{title}: {plan.samples} sample{'s' if plan.samples != 1 else ''}"
    if plan.reason == MIRRORED:
        return f"{title}: from mirrored {partner_title or plan.partner}"
    if plan.reason == STARTER:
        return f"{title}: not recorded, from the starter data"
    return f"{title}: not recorded, left out"


def summary_line(plans: list[ClassPlan], starter_on: bool) -> str:
    """One line for the CLI: the classes the model will know and those left out."""
    kept = ", ".join(p.name if p.reason == SAMPLES else f"{p.name} ({p.reason})" for p in plans if p.kept)
    line = f"training classes: {kept or 'none'}"
    if uses_starter(plans, starter_on):
        line += "; unknown: starter examples of other hands"
    left = [p for p in plans if not p.kept]
    if left:
        keepable = starter_on and any(p.starter_gesture for p in left)
        hint = "not recorded; --keep-starter-gestures keeps the starter gestures" if keepable else "no samples"
        line += f"; left out ({hint}): {', '.join(p.name for p in left)}"
    return line
