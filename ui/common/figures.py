"""The one accuracy figure of a saved model, in words, for every page that shows it (light: no torch, no pandas)."""

from __future__ import annotations


def measured_on(n_val: int, on_training_samples: bool) -> str:
    """ "14 of your own held-out samples": what an accuracy figure rests on, in the one wording of every page
    (``n_val`` held-out own samples; else the training samples, flagged by ``core.starter.fit._result``)."""
    if n_val:
        return f"{n_val} of your own held-out sample{'s' if n_val != 1 else ''}"
    if on_training_samples:
        return "the samples it trained on (too few to hold any out), so it says little"
    return "held-out starter examples (you recorded none to hold out)"


def measured_on_text(summary: dict) -> str:
    """ "on 14 of your own held-out samples": what a saved model's accuracy (``result_metadata``) rests on."""
    return "on " + measured_on(int(summary.get("n_val") or 0), bool(summary.get("val_on_training_samples")))


def saved_figure_text(summary: dict) -> str:
    """ "accuracy 86% on 14 of your own held-out samples", from a saved model's metadata."""
    return f"accuracy {summary['val_accuracy']:.0%} {measured_on_text(summary)}"
