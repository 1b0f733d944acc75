"""The one accuracy figure of a saved model, in words, for every page that shows it (light: no torch, no pandas)."""

from __future__ import annotations


def measured_on_text(summary: dict) -> str:
    """ "on 14 of your own held-out samples": what a saved model's accuracy (``result_metadata``) rests on."""
    n_val = int(summary.get("n_val") or 0)
    if n_val:
        return f"on {n_val} of your own held-out sample{'s' if n_val != 1 else ''}"
    if summary.get("val_on_training_samples"):
        return "on the samples it trained on"
    return "on held-out starter examples"


def saved_figure_text(summary: dict) -> str:
    """ "accuracy 86% on 14 of your own held-out samples", from a saved model's metadata."""
    return f"accuracy {summary['val_accuracy']:.0%} {measured_on_text(summary)}"
