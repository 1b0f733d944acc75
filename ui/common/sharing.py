"""Sharing on the pages, in a class (``core.classes.sharing``): the owner's *Share with my class* toggle, the
classmates' *Shared by your class* list with *Open* and *Remix*, and the read-only line every page shows on a
project the signed-in person may only look at (a classmate's shared one, or a student's for their teacher).

With no class (no viewer) none of it is drawn and every project is one's own. Names are shown as their
characters (``st.text``, ``plain``), never as Markdown.
"""

from __future__ import annotations

import streamlit as st

from core.classes.access import may_change, share_project
from core.classes.sharing import is_shared, owner_name, project_access, remix_name, remix_project, shared_with_me
from core.data.sql.schema import StoreError
from core.data.store import Store
from ui.common import state
from ui.common.text import plain

SHARE_LABEL = "Share with my class (to look at, not change)"
SHARED_HEADING = "Shared by your class"


def read_only_line(store: Store, project: str) -> str | None:
    """What a page says on a project its viewer may only look at; None on one of their own (always, with no class)."""
    if store.viewer is None:
        return None
    access = project_access(store, project)
    if access == "own":
        return None
    owner = owner_name(store, project) or "someone"
    if access == "shared":
        return (f"You are looking at {owner}'s project {project!r}, shared with the class: nothing here can be "
                "changed. To record, train or teach it yourself, remix it on Home: you get your own copy.")  # fmt: skip
    return f"You are looking at {owner}'s project {project!r}: nothing here can be changed."


def whose(store: Store, project: str) -> str:
    """ "your", or "Ana's" on a project its viewer only looks at (a teacher at a student's, a classmate's shared
    one): the words before "samples" on the pages that speak of a project's samples. A teacher reading "your
    samples" on Ana's project (a class walkthrough) read them as their own."""
    if store.viewer is None or project_access(store, project) == "own":
        return "your"
    return f"{owner_name(store, project) or 'someone'}'s"


def show_read_only(store: Store, project: str) -> bool:
    """The read-only line on the page, if ``project`` is not the viewer's own; True then (the caller draws no
    changing control)."""
    line = read_only_line(store, project)
    if line is not None:
        with st.container(key="read_only"):
            st.info(plain(line), icon="👀")
    return line is not None


def can_change(store: Store, project: str) -> bool:
    return may_change(store, project)


def may_download(store: Store, project: str) -> bool:
    """The project file leaves the server for its owner and their teacher, not for a classmate it is shared with
    (``core.classes.access.check_copy_out``): they remix it instead."""
    return store.viewer is None or project_access(store, project) != "shared"


def own_or_current(store: Store, project: str) -> list[str]:
    """Home's project choice: a student's own projects, and the one open now if it is a classmate's (a teacher's
    list is their whole class's, ``Store.list_projects``; with no class, every project)."""
    projects = store.list_projects()
    if store.viewer is None or store.viewer.role == "teacher":
        return projects
    shared = {p.name for p in shared_with_me(store)}
    return [p for p in projects if p not in shared or p == project]


def share_toggle(store: Store, project: str) -> None:
    """The owner's toggle (in a class, on their own project): classmates may then open it read-only and remix it."""
    if store.viewer is None or store.viewer.role != "student" or not can_change(store, project):
        return
    key = f"share_{project}"
    st.session_state[key] = is_shared(store, project)  # follows a change made in another tab

    def changed() -> None:
        try:
            share_project(store, project, bool(st.session_state[key]))
        except StoreError as exc:  # deleted or renamed in another tab meanwhile, the store busy
            st.session_state["flash_warning"] = plain(f"Sharing did not change: {exc}")

    st.toggle(SHARE_LABEL, key=key, on_change=changed,
              help="Your classmates can then open this project and make their own copy of it (a remix). "
                   "They cannot change yours, nor download it.")  # fmt: skip


def shared_panel(store: Store) -> None:
    """*Shared by your class*: each classmate's shared project, *Open* (read-only) and *Remix* (a copy of one's own)."""
    if store.viewer is None or store.viewer.role != "student":
        return
    shared = shared_with_me(store)
    st.header(SHARED_HEADING)
    if not shared:
        st.caption("Nothing yet: when a classmate shares a project, it is listed here.")
        return
    by_name = {p.name: p for p in shared}
    chosen = st.selectbox("Project", list(by_name), key="shared_project",
                          format_func=lambda n: f"{n} · by {by_name[n].owner}")  # fmt: skip
    if chosen is None:
        return
    open_col, remix_col = st.columns([1, 2])
    # a callback, not a rerun: the page runs once, on the chosen project, with no control of one's own left drawn
    open_col.button("👀 Open to look at", key="shared_open", on_click=state.set_project, args=(chosen,))
    with remix_col, st.form("remix", border=False):
        name = st.text_input("Name of your copy", remix_name(store, chosen), max_chars=100, key=f"remix_name_{chosen}")
        if st.form_submit_button("🎨 Remix: make my own copy"):
            _remix(store, chosen, name)


def _remix(store: Store, source: str, name: str) -> None:
    try:
        remix = remix_project(store, source, name)
    except (StoreError, ValueError) as exc:  # a name taken, empty or too long; the store busy
        st.error(plain(f"No copy was made: {exc}"))
        return
    state.set_project(remix.name)
    pictures = f", {remix.crops} with their picture" if remix.crops else ""
    clips = f"{remix.clips} clips" if remix.clips else f"{remix.samples} samples{pictures}"
    st.session_state["flash"] = plain(f"Your copy {remix.name!r} holds {clips}. It is yours: record, then train it.")
    st.rerun()
