"""The one accuracy figure of a saved model, in words, for every page that shows it (light: no torch, no pandas;
``core.gestures.figure`` reads the k-fold figure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from core.gestures.figure import CROSSVAL_KEY, TESTED_WITHOUT, Figure, summary_figure


def measured_on(n_val: int, on_training_samples: bool, whose: str = "your") -> str:
    """ "14 of your own held-out samples": what an accuracy figure rests on, in the one wording of every page
    (``n_val`` held-out own samples; else the training samples, flagged by ``core.starter.fit._result``;
    ``whose``: "Ana's" where the viewer looks at Ana's project, ``ui.common.sharing.whose``)."""
    if n_val:
        return f"{n_val} of {whose} own held-out sample{'s' if n_val != 1 else ''}"
    if on_training_samples:
        return "the samples it trained on (too few to hold any out), so it says little"
    return "held-out starter examples (you recorded none to hold out)"


# "not measured yet" was said to a student whose check had stopped when she left Train: it never comes by waiting
NOT_MEASURED = (
    "accuracy not measured: Train checks it after training, and the check stops if you leave the page "
    "before it ends (train there again and stay until it is done)"
)


def saved_kfold(summary: Mapping[str, Any]) -> Figure | None:
    """The saved model's k-fold figure (every sample tested by a model trained without it, written by the Train
    page once measured); None for a model without one: retrained on Live, by the command line, measuring skipped."""
    found = summary_figure(summary) if CROSSVAL_KEY in summary else None
    return found[0] if found is not None and found[1] else None


def measured_on_text(figure: Figure, whose: str = "your") -> str:
    """ "on all 74 of your samples, each one guessed by a copy that learned without it" (its range, a grown-up's
    figure, is ``core.gestures.figure.span_text``'s: in the tooltips)."""
    return f"on all {figure.total} of {whose} samples, {TESTED_WITHOUT}"


def saved_figure_text(summary: Mapping[str, Any], whose: str = "your") -> str:
    """The saved model's one measure, in one wording on every page (the sidebar, Home): its k-fold figure, or
    that it has none. The sidebar said "100% on all 45 … (92–100%)", then after *Teach it here* "100% on 12 of
    your own held-out samples" under the same label: a held-out figure is not shown as the model's."""
    figure = saved_kfold(summary)
    return NOT_MEASURED if figure is None else f"accuracy {figure.share:.0%} {measured_on_text(figure, whose)}"
