"""The ONNX files a tab runs: the bytes ``export-onnx`` writes (Live's browser path, the editor), and a motion
project's graph (the editor), each made once per saved model."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

import streamlit as st

from core.gestures.catalog import GestureClass

if TYPE_CHECKING:
    from core.data.store import Store
    from core.gestures.classifier import GestureClassifier


@st.cache_resource(show_spinner=False, max_entries=16)
def _onnx(project: str, stamp: int, gestures: tuple[tuple[str, str, str], ...], model_id: int,
          _model: GestureClassifier) -> tuple[str, bytes]:  # fmt: skip
    """Cached per project, model save (``stamp``), the model object itself (``model_id``: a model loaded before a
    save never goes out under the new stamp) and the classes' names, emoji and mirrors (the starter's key)."""
    from core.gestures.onnx_export import onnx_model

    names = [GestureClass(name, emoji, mirror) for name, emoji, mirror in gestures]
    data = onnx_model(_model, names).SerializeToString()
    return f"{stamp}-{hashlib.sha256(data).hexdigest()[:12]}", data


def model_for_browser(
    project: str, stamp: int, model: GestureClassifier, gestures: list[GestureClass]
) -> tuple[str, bytes]:
    """(version, ONNX bytes): the version changes when the project is trained again, so the tab reloads it.

    Kept in the session too: each label event reruns Live's fragment, and the cache's lookup (hashing its
    arguments) took 2.3 ms of that rerun's 10.5."""
    names = tuple((g.name, g.emoji, g.mirror) for g in gestures)
    key = (project, stamp, names, id(model))
    last = st.session_state.get(_LAST)
    if last is not None and last[0] == key:
        return last[1]
    found = _onnx(project, stamp, names, id(model), model)
    st.session_state[_LAST] = (key, found)
    return found


_LAST = "handteach_browser_onnx"  # (key, (version, bytes)) of the model this session's tab last ran


@st.cache_resource(show_spinner=False, max_entries=16)
def _motion_onnx(data_dir: str, project: str, stamp: int, gestures: tuple[tuple[str, str, str], ...],
                 _store: Store) -> tuple[str, bytes]:  # fmt: skip
    """A motion project's model as the editor's tab runs it (``core.motion.onnx_export``), cached per project and
    model save (``stamp``: its motion.json's time)."""
    from core.data.project_motion import load_motion_model
    from core.motion.onnx_export import motion_onnx_model

    model = load_motion_model(_store, project)
    if model is None:
        raise FileNotFoundError(f"project {project!r} has no motion model")
    names = [GestureClass(name, emoji, mirror) for name, emoji, mirror in gestures]
    data = motion_onnx_model(model, names).SerializeToString()
    return f"motion-{stamp}-{hashlib.sha256(data).hexdigest()[:12]}", data


def motion_model_for_browser(store: Store, project: str, gestures: list[GestureClass]) -> tuple[str, bytes] | None:
    """(version, ONNX bytes) of the project's motion model, None before its first training."""
    from core.data.project_motion import MODEL_FILE, motion_model_dir

    config = motion_model_dir(store, project) / MODEL_FILE
    if not config.exists():
        return None
    names = tuple((g.name, g.emoji, g.mirror) for g in gestures)
    return _motion_onnx(str(store.data_dir), project, config.stat().st_mtime_ns, names, store)
