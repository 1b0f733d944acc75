"""Home: what handteach does, the current project, its data and model, and the next step."""

import pandas as pd
import streamlit as st

from core.data.store import DuplicateNameError, StoreError
from core.gestures.catalog import DEFAULT_CLASSES, InvalidNameError
from ui.common import state, widgets
from ui.common.dates import readable_time
from ui.common.figures import measured_on_text
from ui.home import bundle_panel

BACKEND_LABELS = {
    "mediapipe": "MediaPipe Hands (3D, most accurate)",
    "cpm": "our CPM (2D, belief maps)",
    "resnet-deconv": "ResNet-deconv (2D, heatmaps + attention)",
}
SKELETON_LABELS = {"hand": "✋ Hand gestures", "body": "🧍 Body poses (MediaPipe Pose)"}

st.title("✋ handteach")
st.markdown("Teach your computer **your own hand gestures** in a few minutes. Everything runs on this machine.")

steps = [
    ("record", "🎥", "1 · Record", "Show each gesture to the webcam for a few seconds, or upload photos.", "Record"),
    ("train", "🧠", "2 · Train", "One click. A small network learns your gestures in seconds.", "Train"),
    ("live", "✨", "3 · Use it live", "Watch it recognise your hands, or run it on a photo or video.", "Go live"),
]
for column, (page, icon, title, text, link) in zip(st.columns(3), steps, strict=True):
    with column, st.container(border=True):
        st.markdown(f"#### {title}")
        st.caption(text)
        st.page_link(widgets.PAGES[page], label=link, icon=icon)

store = state.store()
project = state.current_project()

st.subheader("Project")
left, right = st.columns([2, 3])
with left:
    st.session_state["home_project"] = project  # follows projects chosen or created elsewhere
    st.selectbox(
        "Current project",
        store.list_projects(),
        key="home_project",
        on_change=lambda: state.set_project(st.session_state["home_project"]),
    )
    if store.project_skeleton(project).name == "body":
        st.caption("Body poses: MediaPipe Pose (33 points in 3D, visibility per point)")
    else:
        st.caption(f"Hand keypoints: {BACKEND_LABELS[store.project_backend(project)]}")
    bundle_panel.download_button(store, project)
if st.session_state.pop("home_created", False):  # emptied only after a success: an error keeps what was typed
    st.session_state["new_project_name"] = ""
with right, st.form("new_project", clear_on_submit=False, border=False):
    name = st.text_input("New project", placeholder="e.g. slides-remote", key="new_project_name")
    skeleton = st.radio("Teach", list(SKELETON_LABELS), format_func=SKELETON_LABELS.get, horizontal=True,
                        key="new_project_skeleton", help="Fixed for the project: hands and bodies never mix.")  # fmt: skip
    motion = st.toggle("Motion gestures (swipes, waves, circles: clips instead of single frames)",
                       key="new_project_motion", help="Fixed for the project.")  # fmt: skip
    backend = st.radio(
        "Hand keypoints from",
        list(BACKEND_LABELS),
        format_func=BACKEND_LABELS.get,
        horizontal=True,
        key="new_project_backend",
        help="Fixed for the project: its samples and its model use the same keypoint model.",
    )
    if st.form_submit_button("Create project"):
        try:
            created = store.create_project(name, not motion, backend=backend, skeleton=skeleton, motion=motion)
        except (InvalidNameError, DuplicateNameError, StoreError) as exc:
            st.error(widgets.plain(f"Could not create the project: {exc}."))
        else:
            state.set_project(created)
            st.session_state["home_created"] = True
            st.session_state["flash"] = (
                f"Created the motion project {widgets.plain(repr(created))}: add your gestures and their clips on "
                "Record." if motion
                else f"Created project {widgets.plain(repr(created))} with the eight default gestures."
                if skeleton == "hand"
                else f"Created the body-pose project {widgets.plain(repr(created))}: add your poses on Record."
            )  # fmt: skip
            st.rerun()
bundle_panel.open_panel(store)

widgets.show_flash()

if store.project_is_motion(project):
    from core.data.clips import clip_counts

    counts = clip_counts(store, project)
else:
    counts = store.class_counts(project)
summary = state.model_summary(project)
data_col, model_col = st.columns([3, 2])
with data_col:
    st.markdown(f"**Samples per gesture** ({sum(counts.values())} in total)")
    titles = {g.name: g.title for g in store.list_classes(project)}
    table = pd.DataFrame({"gesture": [titles[n] for n in counts], "samples": list(counts.values())})
    st.dataframe(
        table,
        hide_index=True,
        width="stretch",
        column_config={"samples": st.column_config.ProgressColumn(format="%d", max_value=max([30, *counts.values()]))},
    )
with model_col:
    st.markdown("**Model**")
    if not summary:
        default_names = {c.name for c in DEFAULT_CLASSES}
        if len(default_names & set(counts)) >= 2:
            st.info("Not trained yet: Live already recognises the default gestures with the built-in starter model.")
        else:
            st.info("Not trained yet.")
    elif "error" in summary:
        st.error(widgets.plain(summary["error"]))
    else:
        st.metric("Accuracy", f"{summary.get('val_accuracy', 0):.0%}", help=f"Measured {measured_on_text(summary)}")
        classes = ", ".join(titles.get(c, c) for c in summary.get("classes", []))
        trained = readable_time(summary.get("trained_at"))
        st.caption(widgets.plain(f"Knows {classes}. Trained on {summary.get('n_samples', '?')} samples, {trained}."))

page, why = widgets.next_step(counts, summary)
with st.container(border=True, key="next_step"):
    st.markdown("**Next step**")
    st.page_link(page, label=why, icon="👉")
