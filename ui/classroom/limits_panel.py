"""The Class page's limits: what each student may store and how big and long one job of theirs may be
(``core.classes.quotas``), which the teacher raises or lowers here as with ``python -m core class set``."""

from __future__ import annotations

import streamlit as st

from core.classes.quotas import BOUNDS, limits_of, limits_text, set_limits
from core.classes.roster import SchoolClass
from core.data.store import Store
from ui.common.text import plain

LABELS = {"samples": "Samples per student", "megabytes": "MB per student", "layers": "Hidden layers of a model",
          "width": "Neurons of its widest layer", "epochs": "Passes over the samples",
          "job_seconds": "Seconds a job may run", "projects": "Projects per student",
          "gestures": "Gestures in a project"}  # fmt: skip


def limits_panel(store: Store, school_class: SchoolClass) -> None:
    """Eight numbers in a form; saved together, then one line of what holds now."""
    limits = limits_of(store, school_class.id)
    st.caption(plain(limits_text(limits) + ". A student who reaches one is told so in one line, and to ask you."))
    with st.form("classroom_limits"):
        columns = st.columns(3)
        values = {}
        for i, (name, label) in enumerate(LABELS.items()):
            low, high = BOUNDS[name]
            values[name] = columns[i % 3].number_input(label, min_value=low, max_value=high, step=1,
                                                       value=getattr(limits, name), key=f"classroom_limit_{name}")  # fmt: skip
        pressed = st.form_submit_button("Save limits")
    if not pressed:
        return
    try:
        changed = set_limits(store, school_class.id, **{k: int(v) for k, v in values.items()})
    except ValueError as exc:
        st.error(plain(str(exc)))
        return
    st.success(plain(f"Saved. {limits_text(changed)}."))
