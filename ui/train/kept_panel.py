"""Train's "How “unknown” treats each gesture": per gesture, how many of its samples the rule keeps and how
often it takes another gesture for it, each sample judged by a model trained without it (``core.gestures.kept``,
from the k-fold answers the headline was measured on: no training of its own). Gestures with too few samples
are named as uncertain, measured or not.
"""

from __future__ import annotations

from collections import Counter

import pandas as pd
import streamlit as st

from core.gestures.kept import kept_by_gesture, kept_text, uncertain_text
from core.gestures.report import TrainReport
from ui.common.text import plain

TITLE = "**How “unknown” treats each gesture**"
HELP = ("Each sample was shown to a copy that learned without it, as a new hand would be. Kept: it got a gesture's "
        "name, not “unknown”. Taken for another: it got another gesture's name.")  # fmt: skip


def kept_panel(report: TrainReport | None, labels: list[str], titles: dict[str, str]) -> None:
    """The table once ``report`` holds the k-fold answers (nothing while measuring, skipped or failed), and the
    note on gestures with too few samples (``labels``: the project's samples' gestures)."""
    note = uncertain_text(Counter(labels), titles)
    if report is not None and report.folds:
        rows = kept_by_gesture(*report.tally.answers())
        table = pd.DataFrame({
            "gesture": [titles.get(k.gesture, k.gesture) for k in rows],
            "kept": [k.kept.share for k in rows],
            "taken for another": [k.taken.share for k in rows],
            "in words": [kept_text(k, titles) for k in rows],
        })  # fmt: skip
        share = st.column_config.ProgressColumn(format="percent", min_value=0, max_value=1)
        with st.container(key="train_kept"):
            st.markdown(TITLE, help=HELP)
            st.dataframe(table, hide_index=True, width="stretch",
                         column_config={"kept": share, "taken for another": share})  # fmt: skip
    if note:
        st.info(plain(note), icon="🤏")  # gesture names as typed: never a link or a picture (issue 63 item 15)
