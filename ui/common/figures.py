"""The one accuracy figure of a saved model, in words, for every page that shows it (light: no torch, no pandas;
``core.gestures.figure`` reads the k-fold figure)."""

from __future__ import annotations

from core.gestures.figure import CROSSVAL_KEY, summary_figure


def measured_on(n_val: int, on_training_samples: bool) -> str:
    """ "14 of your own held-out samples": what an accuracy figure rests on, in the one wording of every page
    (``n_val`` held-out own samples; else the training samples, flagged by ``core.starter.fit._result``)."""
    if n_val:
        return f"{n_val} of your own held-out sample{'s' if n_val != 1 else ''}"
    if on_training_samples:
        return "the samples it trained on (too few to hold any out), so it says little"
    return "held-out starter examples (you recorded none to hold out)"


def measured_on_text(summary: dict) -> str:
    """ "on 14 of your own held-out samples": what a saved model's accuracy (``result_metadata``) rests on; "on all
    74 of your samples, each tested by a model that did not see it (between 82% and 95%)" once the Train page
    measured it by k-fold (``core.data.project_accuracy``)."""
    found = summary_figure(summary) if CROSSVAL_KEY in summary else None
    if found is not None and found[1]:
        figure = found[0]
        return (f"on all {figure.total} of your samples, each tested by a model that did not see it "
                f"(between {figure.low:.0%} and {figure.high:.0%})")  # fmt: skip
    return "on " + measured_on(int(summary.get("n_val") or 0), bool(summary.get("val_on_training_samples")))


def saved_accuracy(summary: dict) -> float:
    """The saved model's one accuracy figure: the k-fold one once measured, else the held-out one."""
    found = summary_figure(summary) if CROSSVAL_KEY in summary else None
    return found[0].share if found is not None and found[1] else float(summary.get("val_accuracy") or 0.0)


def saved_figure_text(summary: dict) -> str:
    """ "accuracy 86% on 14 of your own held-out samples", from a saved model's metadata."""
    return f"accuracy {saved_accuracy(summary):.0%} {measured_on_text(summary)}"
