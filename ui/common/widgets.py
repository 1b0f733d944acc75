"""Small widgets shared by the pages: the next-step link, page titles, the sidebar status, one-shot messages."""

from __future__ import annotations

import streamlit as st

from core.data.counts import project_counts
from core.gestures.catalog import GestureClass
from ui.common import state
from ui.common.figures import saved_figure_text
from ui.common.text import plain

PAGES = {
    "home": "pages/home.py",
    "record": "pages/record.py",
    "train": "pages/train.py",
    "live": "pages/live.py",
    "make": "pages/make.py",
}
# The one collapsed panel of a page that holds its diagnostics (timings, internal counts, stage names): what a
# teacher need not read stays out of sight, and everything outside it is said in plain words (issue 45, item 7).
DETAILS_LABEL = "Details for the curious"
NOT_TRAINED = "Not trained yet"  # the sidebar's line before any training


# Streamlit leaves 6rem above a page's title; at 1280×720 that pushed Record's button and Home's *Create project*
# below the fold. Style-only st.html goes to the page's event container: it takes no room of its own.
_SMALL_SCREEN_CSS = """<style>
[data-testid="stMainBlockContainer"] { padding-top: 2.5rem; }
</style>"""


def fit_small_screens() -> None:
    """Less empty space above each page's title (app.py, every run)."""
    st.html(_SMALL_SCREEN_CSS)


def details_panel():  # noqa: ANN201 - Streamlit's expander container
    """The page's diagnostics panel, collapsed."""
    return st.expander(f"🔎 {DETAILS_LABEL}", expanded=False)  # no icon=: AppTest would see a Status block


def next_step(counts: dict[str, int], summary: dict | None) -> tuple[str, str]:
    """(page, why) of the most useful next step for a project."""
    recorded = [name for name, n in counts.items() if n > 0]
    if len(recorded) < 2:
        have = "one gesture" if recorded else "no samples yet"
        return PAGES["record"], f"Record at least two gestures (you have {have})"
    if not summary or "error" in summary:
        return PAGES["train"], "Train it on your gestures: one click, a few seconds"
    if summary.get("n_samples") != sum(counts.values()):
        return PAGES["train"], "You changed the samples since the last training: train again"
    return PAGES["live"], "Try it live with your webcam"


def next_step_link(page: str, why: str, key: str) -> None:
    """The next step in words (wrapped, never cut at the column edge as a long link label is) and a link there."""
    with st.container(key=key):
        st.markdown(f"👉 **Next:** {why}")
        title = next(name for name, path in PAGES.items() if path == page).capitalize()
        st.page_link(page, label=f"Go to {title}", icon="➡️")


def page_title(icon: str, title: str, subtitle: str) -> None:
    st.title(f"{icon} {title}")
    project = state.current_project()
    st.caption(f"{subtitle} · project **{plain(project)}** (change it on [Home]({state.project_url(project)}))")


def look_only(project: str) -> bool:
    """True, and says so in one line, when this session may only look at ``project`` (a classmate's shared project,
    or a student's for their teacher): the page then leaves out every control that would change it (the store
    refuses them anyway). The line itself is ``ui.common.sharing``'s, one wording for every page."""
    from ui.common import sharing  # sharing imports this room's state: lazily, no circle

    return sharing.show_read_only(state.store(), project)


def sidebar_status() -> None:
    """Project, sample count and how well it learned, shown on every page (not "Model": a child's words)."""
    project = state.current_project()
    counts = project_counts(state.store(), project)  # Home, Train and `projects list` say the same
    if state.store().project_is_motion(project):  # clips and a motion model (light imports: on every page)
        from core.data.project_motion import has_motion_model

        st.sidebar.markdown(f"**Project:** {plain(project)} (motion)")
        st.sidebar.caption(counts.summary())
        trained = has_motion_model(state.store(), project)
        st.sidebar.caption("Trained" if trained else NOT_TRAINED)
        return
    summary = state.model_summary(project)
    st.sidebar.markdown(f"**Project:** {plain(project)}")
    st.sidebar.caption(counts.summary())
    if summary and "error" not in summary:
        from ui.common.sharing import whose  # sharing imports this room's state: lazily, no circle

        st.sidebar.caption(f"Trained: {saved_figure_text(summary, whose(state.store(), project))}")
    else:
        st.sidebar.caption(NOT_TRAINED)


def counts_text(gestures: list[GestureClass], counts: dict[str, int]) -> str:
    """ "Samples so far: 👍 thumbs_up 14 · ✋ open_palm 15" (gestures without samples left out)."""
    parts = [f"{g.title} {counts[g.name]}" for g in gestures if counts.get(g.name)]
    return "Samples so far: " + (" · ".join(parts) if parts else "none yet")


def show_flash() -> None:
    """A one-shot success message left by the previous run (before its st.rerun).

    Its container is there with or without a message: an element appearing above the webcam
    would shift it in the page, and the browser would remount the video and stop the stream.
    """
    message = st.session_state.pop("flash", None)
    warning = st.session_state.pop("flash_warning", None)  # what the user should know about what just succeeded
    with st.container(key="flash"):
        if message:
            st.success(message)
        if warning:
            st.warning(warning)
