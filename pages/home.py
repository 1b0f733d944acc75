"""Home: what handteach does, the current project, its data and model, and the next step."""

import pandas as pd
import streamlit as st

from core.data.counts import project_counts
from core.gestures.catalog import DEFAULT_CLASSES, STARTER_EMOJI
from core.gestures.figure import span_text
from ui.classroom import stored
from ui.common import more, sharing, state, widgets
from ui.common.dates import readable_time
from ui.common.figures import NOT_MEASURED, measured_on_text, saved_kfold
from ui.home import bundle_panel, new_project
from ui.home.new_project import BACKEND_LABELS

st.title("✋ handteach")
store = state.store()
project = state.current_project()
whose = sharing.whose(store, project)  # "Ana's" for her teacher looking at her project
if whose == "your":
    st.markdown("Teach your computer **your own hand gestures** in a few minutes. Everything runs on this machine.")
else:  # "your own … on this machine" read as the teacher's own project (a class walkthrough)
    st.markdown(f"**{widgets.plain(whose)} hand gestures**, as they taught them: their samples and what the computer "
                "learned from them are kept on this class's server.")  # fmt: skip

steps = [
    ("record", "🎥", "1 · Record", "Show each gesture to the webcam for a few seconds, or upload photos.", "Record"),
    ("train", "🧠", "2 · Train", "One click. Your computer learns your gestures in seconds.", "Train"),
    ("live", "✨", "3 · Use it live", "Watch it recognise your hands, or run it on a photo or video.", "Go live"),
]
for column, (page, icon, title, text, link) in zip(st.columns(3), steps, strict=True):
    with column, st.container(border=True):
        st.markdown(f"## {title}")  # under the page's h1: a heading level is not skipped
        st.caption(text)
        st.page_link(widgets.PAGES[page], label=link, icon=icon)

stored.what_is_stored_line()  # a signed-in student: what is kept about them, and for how long
looking = widgets.look_only(project)  # a classmate's or a student's for their teacher: no Open or Replace

st.header("Project")
left, right = st.columns([2, 3])
with left:
    st.session_state["home_project"] = project  # follows projects chosen or created elsewhere
    st.selectbox(
        "Current project",
        sharing.own_or_current(store, project),  # a student's own; classmates' shared ones are listed apart
        key="home_project",
        on_change=lambda: state.set_project(st.session_state["home_project"]),
    )
    # "project" is on every page: said once in plain words here, where a student first meets it (beside the
    # New project form: the column, not the page, grows, and Create project stays in a 1280x720 window)
    st.caption("A project is your own set of gestures, with their samples and what the computer learned from them.")
    if more.more_on("home"):  # which network finds the points: an expert's word (the switch is under New project)
        if store.project_skeleton(project).name == "body":
            st.caption("Body poses: MediaPipe Pose (33 points in 3D, visibility per point)")
        else:
            st.caption(f"Hand keypoints: {BACKEND_LABELS[store.project_backend(project)]}")
    sharing.share_toggle(store, project)  # in a class, on one's own project
    if sharing.may_download(store, project):
        bundle_panel.download_button(store, project)
with right:
    new_project.new_project_form(store, more.more_on("home"))
    more.more_switch("home")
if not looking:
    bundle_panel.open_panel(store)
sharing.shared_panel(store)  # in a class: classmates' shared projects, Open (read-only) and Remix

widgets.show_flash()

project_count = project_counts(store, project)  # the sidebar's and `projects list`'s words
counts = project_count.per_class
summary = state.model_summary(project)
data_col, model_col = st.columns([3, 2])
with data_col:
    heading = f"{project_count.unit.capitalize()}s per {project_count.noun}"  # the engine's words, not a user's
    st.markdown(f"**{widgets.plain(heading)}** ({widgets.plain(project_count.summary())})")
    titles = {g.name: g.title for g in store.list_classes(project)}
    table = pd.DataFrame({"gesture": [titles[n] for n in counts], "samples": list(counts.values())})
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"samples": st.column_config.ProgressColumn(format="%d", max_value=max([30, *counts.values()]))},
    )
with model_col:
    st.markdown("**What it learned**")  # not "Model": two 11-year-olds could not place the word
    if not summary:
        default_names = {c.name for c in DEFAULT_CLASSES}
        if len(default_names & set(counts)) >= 2:
            st.info(f"Not trained yet: Live already knows {STARTER_EMOJI} from other people's hands.")
        else:
            st.info("Not trained yet.")
    elif "error" in summary:
        st.error(widgets.plain(summary["error"]))
    else:
        figure = saved_kfold(summary)  # the sidebar's one measure
        if figure is None:
            st.caption(f"Trained; {NOT_MEASURED}.")
        else:
            st.metric(
                "Accuracy",
                f"{figure.share:.0%}",
                help=f"Measured {measured_on_text(figure, whose)} {span_text(figure)}",
            )
        classes = ", ".join(titles.get(c, c) for c in summary.get("classes", []))
        trained = readable_time(summary.get("trained_at"))
        st.caption(widgets.plain(f"Knows {classes}. Trained on {summary.get('n_samples', '?')} samples, {trained}."))

if sharing.can_change(store, project):  # on a classmate's project the next step is a remix (the line above says so)
    page, why = widgets.next_step(counts, summary)
    with st.container(border=True, key="next_step"):
        st.markdown("**Next step**")
        st.page_link(page, label=why, icon="👉")

# after the steps, not a fourth of them: four cards side by side pushed Create project below a 1280×720 window
st.page_link(widgets.PAGES["make"], label="Make a game with your gestures", icon="🎮")  # Scratch blocks that see them
