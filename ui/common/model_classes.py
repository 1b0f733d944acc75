"""Which classes the next model will know, in words, for the Train and Record pages.

The rule is ``core.data.class_plan``'s (what ``train_project`` applies). Class names are the
user's own text, so they are shown with ``st.text`` (never Markdown: a name may hold ``*`` or ``[``).
"""

from __future__ import annotations

import streamlit as st

from core.data.class_plan import LEFT_OUT, MIRRORED, SAMPLES, ClassPlan, plan_classes, reason_text, starter_gestures
from core.data.class_plan import uses_starter as starter_joins
from core.gestures.catalog import GestureClass

KEEP_LABEL = "Keep starter gestures I did not record"
UNKNOWN_TAUGHT = "other hand shapes, from other people's hands"  # what the starter rows teach as unknown


def plans_for(gestures: list[GestureClass], counts: dict[str, int], mirror: bool, starter: bool,
              keep_unrecorded: bool) -> list[ClassPlan]:  # fmt: skip
    """``core.data.class_plan.plan_classes`` of a project's classes, as the Train page will train them."""
    mirror_map = {g.name: g.mirror_partner for g in gestures}
    counts = {g.name: int(counts.get(g.name, 0)) for g in gestures}
    return plan_classes(counts, mirror_map, mirror, starter_gestures() if starter else None, keep_unrecorded)


def train_lines(plans: list[ClassPlan], gestures: list[GestureClass], starter: bool) -> list[str]:
    """One plain line per class, model classes first, then "unknown" when the starter rows teach it."""
    titles = {g.name: g.title for g in gestures}
    lines = [reason_text(plan, titles.get(plan.name, plan.name), titles.get(plan.partner, plan.partner))
             for plan in plans if plan.reason != LEFT_OUT]  # fmt: skip
    # the left-out classes on one line each kind: eight suggestions made eight lines of the same advice
    suggested = [titles.get(p.name, p.name) for p in plans if p.reason == LEFT_OUT and starter and p.starter_gesture]
    empty = [titles.get(p.name, p.name) for p in plans if p.reason == LEFT_OUT and not (starter and p.starter_gesture)]
    if suggested:
        lines.append(f"not recorded, left out: {', '.join(suggested)} (tick “{KEEP_LABEL}” to keep them)")
    if empty:
        lines.append(f"no samples, left out: {', '.join(empty)}")
    if starter_joins(plans, starter):
        lines.append(f"unknown: {UNKNOWN_TAUGHT}")
    return lines


def show_train_plan(plans: list[ClassPlan], gestures: list[GestureClass], starter: bool) -> None:
    """The Train page's list of the classes the model will know and why, above the Train button."""
    kept = sum(p.kept for p in plans)
    with st.container(key="train_plan"):
        # not "classes": in a class of students that is their class (7B); gestures or poses, the list says which
        st.caption(f"It will learn {'this one' if kept == 1 else f'these {kept}'}:")
        st.text("\n".join(train_lines(plans, gestures, starter)))


def record_line(gestures: list[GestureClass], counts: dict[str, int], starter: bool = True) -> str:
    """One plain line for the Record page: what training (with its defaults) learns now, and what it leaves out."""
    plans = plans_for(gestures, counts, mirror=True, starter=starter, keep_unrecorded=False)
    titles = {g.name: g.title for g in gestures}
    if not any(p.reason == SAMPLES for p in plans):
        return "No samples yet: training learns the gestures you record here (the others stay suggestions)."
    learnt = [titles[p.name] + (" (mirrored)" if p.reason == MIRRORED else "") for p in plans if p.kept]
    line = "Training learns: " + ", ".join(learnt) + "."
    left = [titles[p.name] for p in plans if not p.kept]
    if left:
        line += " Not learned until you record them: " + ", ".join(left) + "."
    return line


def show_record_line(gestures: list[GestureClass], counts: dict[str, int], starter: bool = True) -> None:
    with st.container(key="record_plan"):
        st.text(record_line(gestures, counts, starter))
