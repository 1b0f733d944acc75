"""The Train page's confusion view: a heatmap of a few classes, or the pairs most often confused.

Past ``HEATMAP_CLASSES`` classes a matrix's labels and cells cannot be read, and its cells grow with the
square (5,000 classes made 25 million cells, 10 GB in Python and a 1.3 GB chart): the page then lists
``core.gestures.metrics.top_confusions``, found in the matrix's non-zero cells only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from core.gestures.metrics import top_confusions
from ui.train.charts import chart

MIX_UPS = "Which gesture it took for which"  # the confusion matrix, in a child's words
HEATMAP_CLASSES = 30  # classes shown (rows or columns) up to which the page draws the matrix
TOP_CONFUSIONS = 20  # pairs listed past it


def confusion_cells(
    classes: list[str], confusion: np.ndarray, titles: dict[str, str]
) -> tuple[pd.DataFrame, list[str], list[str]]:
    """(one row per shown cell, true classes shown, predicted classes shown) of a (C, C) confusion matrix.

    Rows are the classes with validation samples; columns those and any class they were
    taken for, so a starter run's eight classes do not fill the table when the user
    recorded two. Each cell's ``fill`` is its share of its row: green on the diagonal
    (right, even at zero), red elsewhere, none for an empty off-diagonal cell.
    """
    confusion = np.asarray(confusion)
    rows = [i for i in range(len(classes)) if confusion[i].sum()]
    columns = [j for j in range(len(classes)) if j in rows or confusion[rows, j].sum()]
    cells = []
    for i in rows:
        total = int(confusion[i].sum())
        for j in columns:
            count = int(confusion[i, j])
            share = count / total
            if i == j:
                fill = f"rgba(47,158,90,{0.15 + 0.6 * share:.2f})"
            else:
                fill = f"rgba(220,60,60,{0.15 + 0.6 * share:.2f})" if count else "rgba(0,0,0,0)"
            cells.append(
                {"true": titles.get(classes[i], classes[i]), "predicted": titles.get(classes[j], classes[j]),
                 "count": count, "share": round(share, 3), "fill": fill}
            )  # fmt: skip
    shown_rows = [titles.get(classes[i], classes[i]) for i in rows]
    shown_columns = [titles.get(classes[j], classes[j]) for j in columns]
    return pd.DataFrame(cells, columns=["true", "predicted", "count", "share", "fill"]), shown_rows, shown_columns


def confusion_spec(rows: list[str], columns: list[str]) -> dict:
    """Vega-Lite heatmap of ``confusion_cells``: as wide as its container, counts written in the cells."""
    x = {
        "field": "predicted",
        "type": "nominal",
        "sort": columns,
        "title": "predicted →",
        "axis": {
            "labelAngle": 0 if len(columns) <= 4 else -45,
            "labelLimit": 160,
            "orient": "top",
            "labelOverlap": False,
        },
    }  # fmt: skip (every class named, slanted where many)
    y = {"field": "true", "type": "nominal", "sort": rows, "title": "true ↓", "axis": {"labelLimit": 200}}
    return {
        # 40 px a true class, as a number: a {"step": 40} height is discrete, and Vega-Lite warns "Dropping fit-y"
        # each time Streamlit's fitted chart draws it (twice in one page load once measuring redraws the matrix)
        "height": 40 * len(rows),
        "layer": [
            {
                "mark": {"type": "rect", "stroke": "#d0d0d0"},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": {"field": "fill", "type": "nominal", "scale": None, "legend": None},
                    "tooltip": [
                        {"field": "true"},
                        {"field": "predicted"},
                        {"field": "count"},
                        {"field": "share", "format": ".0%", "title": "share of the true class"},
                    ],
                },  # fmt: skip
            },
            {"mark": {"type": "text", "fontSize": 14}, "encoding": {"x": x, "y": y, "text": {"field": "count"}}},
        ],
    }


def top_confusion_table(
    classes: list[str], confusion: np.ndarray, titles: dict[str, str], limit: int = TOP_CONFUSIONS
) -> pd.DataFrame | None:
    """The ``limit`` pairs most often confused, most first; None when the classes shown fit a heatmap.

    Classes shown are those of ``confusion_cells``: with validation samples, and any they were taken for.
    """
    confusion = np.asarray(confusion)
    rows = np.flatnonzero(confusion.sum(axis=1))
    columns = np.union1d(rows, np.flatnonzero(confusion[rows].sum(axis=0)))
    if len(columns) <= HEATMAP_CLASSES:
        return None
    pairs = top_confusions(confusion, classes, limit)
    return pd.DataFrame(
        {
            "true": [titles.get(p.true, p.true) for p in pairs],
            "taken for": [titles.get(p.predicted, p.predicted) for p in pairs],
            "count": [p.count for p in pairs],
            "share of the true class": [p.share for p in pairs],
        }
    )


def show_confusion(classes: list[str], confusion: np.ndarray, titles: dict[str, str], on: str) -> None:
    """The heatmap, or past ``HEATMAP_CLASSES`` the table of the pairs most often confused; ``on``: what its
    samples are, in words ("all 60 of your samples, each tested by a model trained without it")."""
    table = top_confusion_table(classes, confusion, titles)
    if table is not None:
        st.markdown(f"**Most confused gestures** in {on}")
        st.caption(
            f"Too many gestures for a table of all of them: the {TOP_CONFUSIONS} pairs it mixes up most, "
            "each with how many samples of the true gesture it took for the other."
        )
        if table.empty:
            st.caption("It took no sample for another gesture.")
        else:
            share = st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
            st.dataframe(table, hide_index=True, width="stretch", column_config={"share of the true class": share})
        return
    st.markdown(f"**{MIX_UPS}** of {on}")
    cells, rows, columns = confusion_cells(classes, confusion, titles)
    if cells.empty:
        st.caption("No tested samples to show.")
    else:
        chart(cells, confusion_spec(rows, columns), "train_confusion", width="stretch")
