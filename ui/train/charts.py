"""The Train page's Vega-Lite charts, drawn afresh whenever their data change.

Streamlit 1.60 kept showing a chart's first data when a rerun sent the same spec with other data: the
confusion matrix still showed the 3 | 3 of six held-out samples after the page had sent the 15 | 15 of all
thirty (seen in Chromium, and in a two-line app). A chart inside a container keyed by a digest of its data
and spec is a new element whenever they change, and the browser draws it from its own data.
"""

from __future__ import annotations

import hashlib
import json

import pandas as pd
import streamlit as st


def data_key(key: str, data: pd.DataFrame, spec: dict) -> str:
    """``key`` and a digest of ``data`` (values and index) and ``spec``: the chart's container key."""
    digest = hashlib.sha1(pd.util.hash_pandas_object(data, index=True).to_numpy().tobytes())
    digest.update(json.dumps(spec, sort_keys=True, default=str).encode())
    return f"{key}_{digest.hexdigest()[:12]}"


def chart(data: pd.DataFrame, spec: dict, key: str, **kwargs: object) -> None:
    """``st.vega_lite_chart(data, spec, **kwargs)`` in a container keyed ``data_key(key, data, spec)``."""
    with st.container(key=data_key(key, data, spec)):
        st.vega_lite_chart(data, spec, **kwargs)
