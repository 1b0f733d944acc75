"""Session-state accessors and cached resources shared by the pages.

Shared between users: the ``Store`` of a data directory (kept by this module, whatever clears Streamlit's caches;
it opens a connection per call, so it is thread-safe) and, in ``st.cache_resource``, trained classifiers (read-only
at inference: a cleared cache only loads them again). Per user (``st.session_state``): the current project and
everything tied to a stream or a training run.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

import streamlit as st

from core.classes.first_project import remember
from core.classes.session_store import SessionStore
from core.data.saved_models.model_files import current_folder
from core.data.saved_models.project_folders import folder_problem
from core.data.sql.schema import StoreError
from core.data.store import Store
from core.gestures.catalog import DEFAULT_PROJECT, GestureClass, shown_name
from ui.common.signin import VIEWER_KEY, first_project, held_sign_in, session_ref
from ui.common.text import plain
from ui.server.settings import AppSettings, load_settings
from ui.server.warm import import_heavy_modules

if TYPE_CHECKING:  # torch (via core.gestures.classifier) takes seconds to import: only the pages that need it do
    from core.gestures.classifier import GestureClassifier

PROJECT_KEY = "handteach_project"
_REMEMBERED_KEY = "handteach_project_remembered"  # the project the server keeps as this person's last, this session
_VIEWER_STORE_KEY = "handteach_viewer_store"
PROJECT_PARAM = "project"  # ?project=NAME in the URL
MODEL_FOLDER = "model"  # core.data.project.MODEL_FOLDER, repeated so that Home renders without importing torch
_WARM_UP_DELAY_S = 3.0


def limit_torch_threads() -> None:
    """One intra-op thread: the MLP is tiny, and extra threads only fight MediaPipe for the cores."""
    import torch

    if torch.get_num_threads() != 1:
        torch.set_num_threads(1)


@st.cache_resource(show_spinner=False)
def warm_up() -> threading.Thread:
    """Import torch and the keypoint runtime in the background once per server, while the user reads Home
    (``ui.server.warm``)."""

    def load() -> None:
        time.sleep(_WARM_UP_DELAY_S)  # let the first page reach the browser before the GIL-heavy imports
        if import_heavy_modules():  # else the page that needs it will report the problem
            limit_torch_threads()

    thread = threading.Thread(target=load, name="handteach-warm-up", daemon=True)
    thread.start()
    return thread


SETTINGS_REREAD_S = 5.0  # secrets.toml changes reach the pages within this
_settings_read: tuple[float, tuple[tuple[str, str], ...], AppSettings] | None = None


def settings() -> AppSettings:
    """The server's settings, read again when a ``HANDTEACH_`` variable changes or after ``SETTINGS_REREAD_S``.

    A Live rerun asks a dozen times, and with no ``secrets.toml`` Streamlit searches its folders again on each
    look (about a third of the script's CPU for a signed-in student's label, issue 54)."""
    global _settings_read
    wanted = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("HANDTEACH_")))
    read = _settings_read
    now = time.monotonic()
    if read is not None and read[1] == wanted and now - read[0] < SETTINGS_REREAD_S:
        return read[2]
    fresh = load_settings()  # a SettingsError is raised again on the next look, never remembered
    _settings_read = (now, wanted, fresh)
    return fresh


_stores: dict[str, Store] = {}  # one per data directory, kept here: a cleared st.cache_resource loses none (issue 63)
_stores_lock = threading.Lock()


def _store(data_dir: str) -> Store:
    with _stores_lock:
        found = _stores.get(data_dir)
    if found is not None:
        return found
    store = Store(data_dir)
    store.ensure_project(DEFAULT_PROJECT)
    with _stores_lock:
        return _stores.setdefault(data_dir, store)


def store() -> Store:
    """The store of ``$HANDTEACH_DATA`` (one per data directory, shared by every session); in a class, opened as the
    signed-in person (``ui.common.signin``): the store's own functions then check what they may see and change, and
    every write checks that this session's sign-in still holds (``core.classes.session_store``: a fragment, a
    component's message, the recorder's thread or an upload writing after *Sign out* elsewhere is refused)."""
    shared = _store(str(settings().data_dir))
    viewer = st.session_state.get(VIEWER_KEY)
    if viewer is None:
        return shared
    held = held_sign_in()
    kept = st.session_state.get(_VIEWER_STORE_KEY)
    mine = kept[1] if isinstance(kept, tuple) and kept[0] == held else None
    if not isinstance(mine, SessionStore) or mine.viewer != viewer or mine.data_dir != shared.data_dir:
        mine = SessionStore(shared.data_dir, viewer, session_ref(shared, viewer))
        st.session_state[_VIEWER_STORE_KEY] = (held, mine)
    return mine


def require_session() -> None:
    """``core.classes.session.SessionEndedError`` when this session's sign-in has ended (nothing when no one signed
    in): for a write that does not go through the store, a job sent to the runner."""
    if st.session_state.get(VIEWER_KEY) is not None and isinstance(mine := store(), SessionStore):
        mine.require_session()


def current_project() -> str:
    """The project this browser session works on: the session's, else the URL's, else the default project.

    The name is kept in the URL (``?project=NAME``) too, so a reload or a new tab with the
    same address (each a new Streamlit session) opens the same project.
    """
    s = store()
    projects = s.list_projects()
    name = st.session_state.get(PROJECT_KEY)
    if name not in projects:
        name = st.query_params.get(PROJECT_PARAM)
    problem = folder_problem(s.data_dir, name) if name in projects else None
    if problem:  # an older handteach's name too long for a folder: every page would fail on it, so say so and go on
        st.warning(plain(problem))
    asked = name if name not in projects and isinstance(name, str) and name else None
    if name not in projects or problem:
        name = s.ensure_project(DEFAULT_PROJECT) if s.viewer is None else first_project(s)
    if asked:  # a link to a project gone, renamed, someone else's or never here
        shown = asked if len(asked) <= 100 else f"{asked[:100]}…"
        st.warning(plain(f"No project named {shown!r} here: opened {name!r} instead (choose one on Home)"))
    set_project(name)
    return name


def set_project(name: str) -> None:
    """Work on ``name`` in this session, and say so in the address bar (reloads and new tabs keep it); in a class,
    the server keeps it as the project this person opens when they sign in again (``core.classes.first_project``)."""
    st.session_state[PROJECT_KEY] = name
    if st.session_state.get(_REMEMBERED_KEY) != name and st.session_state.get(VIEWER_KEY) is not None:
        with contextlib.suppress(StoreError):  # busy: the next page remembers it
            remember(store(), name)
            st.session_state[_REMEMBERED_KEY] = name
    if st.query_params.get(PROJECT_PARAM) != name:
        st.query_params[PROJECT_PARAM] = name


def project_url(project: str, path: str = "/") -> str:
    """A link to ``path`` in the app that opens ``project`` (a plain link starts a new session)."""
    return f"{path}?{urlencode({PROJECT_PARAM: project})}"


def classes() -> list[GestureClass]:
    return store().list_classes(current_project())


def title_of(name: str, gestures: list[GestureClass] | None = None) -> str:
    """ "👍 thumbs up" for a class name (the bare name when unknown, e.g. "unknown")."""
    for g in gestures if gestures is not None else classes():
        if g.name == name:
            return g.title
    return shown_name(name)


def _model_folder(project: str) -> Path:
    """``core.data.project.model_dir`` without importing torch (for stamps and summaries): on one server without
    asking the database; on a shared store this server's copy of the current model (one small read: a model trained
    on another server changes the stamp, ``core.data.saved_models.model_files``)."""
    if (s := store()).shared:
        return current_folder(s, project, MODEL_FOLDER)
    return settings().data_dir / "projects" / project / MODEL_FOLDER


def model_stamp(project: str) -> int:
    """Changes whenever the project's model is saved again (0 when there is none)."""
    path = _model_folder(project) / "model.json"
    return path.stat().st_mtime_ns if path.exists() else 0


@st.cache_resource(show_spinner=False, max_entries=16)
def _load_model(data_dir: str, project: str, stamp: int) -> GestureClassifier | None:
    """``core.data.project.load_project_model``, cached per data folder and project until the model is saved again."""
    if not stamp:
        return None
    from core.data.project import load_project_model  # lazy: torch loads only with a model

    limit_torch_threads()
    return load_project_model(_store(data_dir), project)


@st.cache_resource(show_spinner=False, max_entries=16)
def _starter_model(class_names: tuple[str, ...]) -> GestureClassifier | None:
    from core.starter import starter_model_for

    limit_torch_threads()
    return starter_model_for(list(class_names))


def project_model(project: str | None = None, starter_fallback: bool = False) -> GestureClassifier | None:
    """The saved classifier of the project (cached until it is saved again); None if untrained.

    With ``starter_fallback`` an untrained project with default gestures gets the shipped
    starter model (``core.starter.is_shipped_starter`` is True), so Live works before any training.
    Raises ``core.gestures.classifier.ModelFileError`` when the saved model cannot be read.
    """
    project = project or current_project()
    stamp = model_stamp(project)
    if not stamp and starter_fallback:
        return _starter_model(tuple(g.name for g in store().list_classes(project)))
    return _load_model(str(settings().data_dir), project, stamp)


def model_summary(project: str | None = None) -> dict[str, Any] | None:
    """The metadata of the saved model (accuracy, classes, date), without loading weights."""
    path = _model_folder(project or current_project()) / "model.json"
    if not path.exists():
        return None
    try:
        description = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return {"error": f"{path} cannot be read"}
    return {"classes": description.get("classes", []), **description.get("metadata", {})}


def rerun_once(slot: str, token: object) -> None:
    """Rerun the whole page the first time ``token`` (a run, a take id) reaches ``slot``: a fragment that follows a
    background job hands its end to what lies outside it (buttons, the model Live loads), once per job."""
    seen = st.session_state.get(slot)
    if seen is token or (isinstance(token, int | str) and seen == token):  # a run by identity, an id by value
        return
    st.session_state[slot] = token
    st.rerun(scope="app")


_START_WEBCAM = "handteach_start_server_webcam"


def ask_webcam_start() -> None:
    """The server path's webcam asks for the camera without a press (after the browser path failed)."""
    st.session_state[_START_WEBCAM] = True


def webcam_start_asked(playing: bool | None = None) -> bool:
    """True after ``ask_webcam_start`` until the webcam plays (``playing``: the widget's state, once drawn). Kept
    over reruns: the widget's frame may load after the next one."""
    if playing:
        st.session_state.pop(_START_WEBCAM, None)
    return bool(st.session_state.get(_START_WEBCAM, False))
