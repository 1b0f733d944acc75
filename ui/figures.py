"""The one accuracy figure of a saved model, in words, for every page that shows it (light: no torch, no pandas)."""

from __future__ import annotations


def saved_figure_text(summary: dict) -> str:
    """ "accuracy 86% on 14 of your own held-out samples", from a saved model's metadata (``result_metadata``)."""
    n_val = int(summary.get("n_val") or 0)
    if n_val:
        on = f"on {n_val} of your own held-out sample{'s' if n_val != 1 else ''}"
    elif summary.get("val_on_training_samples"):
        on = "on the samples it trained on"
    else:
        on = "on held-out starter examples"
    return f"accuracy {summary['val_accuracy']:.0%} {on}"
