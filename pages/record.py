"""Record: pick a gesture, record it from the webcam (or upload photos/videos), review the samples."""

import streamlit as st

from core.data.imports.extract import ExtractConfig
from core.data.store import DuplicateNameError
from core.gestures.catalog import InvalidNameError
from core.gestures.variety import sample_variety, variety_text
from ui.browser import path as keypoints_path
from ui.browser.record import record_panel as browser_record_panel
from ui.common import more, state, widgets
from ui.common.model_classes import show_record_line
from ui.samples import take_panel
from ui.samples.csv_panel import csv_import_panel
from ui.samples.gallery import class_gallery
from ui.samples.upload_panel import upload_panel
from ui.webcam.recorder import RecordPlan
from ui.webcam.widget import stream_session, tracker_config, webcam

MAX_RADIO_CLASSES = 30  # more gestures than this are picked from a searchable select

widgets.page_title("🎥", "Record", "Show a gesture to the camera and press Record")
widgets.show_flash()
store, project = state.store(), state.current_project()
if widgets.look_only(project):  # recording only changes a project: nothing here for someone looking
    st.caption("The samples it gets wrong are drawn on Train.")  # where to look instead
    st.stop()
expert = more.more_on("record")  # the switch is drawn under the settings; the sidebar's choice and CSV need it first
in_browser = keypoints_path.use_browser_for(store, project, expert)  # the sidebar's setting (ui/browser/path.py)
if store.project_is_motion(project):  # motion gestures: clips, not single frames
    from ui.samples import clips

    clips.record_page(store, project)
    st.stop()
gestures = store.list_classes(project)
body = store.project_skeleton(project).name == "body"  # one person a sample: the hand settings do not apply
counts = store.class_counts(project)
by_name = {g.name: g for g in gestures}

video_col, side_col = st.columns([3, 2], gap="large")
with side_col:
    if st.session_state.get("record_class_next") in by_name:
        st.session_state["record_class"] = st.session_state.pop("record_class_next")
    # Labels stay fixed (no counts in them): Streamlit 1.60 shows no selection when a radio's labels change.
    if not by_name:  # a new body or motion project: no empty choice, faded as Streamlit draws one (2.6:1)
        target = None
    elif len(by_name) <= MAX_RADIO_CLASSES:
        target = st.radio("Gesture to record", list(by_name), format_func=lambda n: widgets.plain(by_name[n].title),
                          key="record_class")  # fmt: skip
    else:  # a thousand imported classes made a radio list 23,000 px long: a select the user can type into
        target = st.selectbox("Gesture to record", list(by_name), format_func=lambda n: by_name[n].title,
                              key="record_class")  # fmt: skip
    gesture = by_name.get(target)
    if gesture is None:  # a new body project starts with no classes
        st.info("No gestures or poses yet: add one below, then record it.")
    with st.container(key="record_counts"):
        st.caption(widgets.plain(widgets.counts_text(gestures, counts)))
    show_record_line(gestures, counts, starter=not body)
    if not body:
        # bench/people/fewshot.py: ten still frames of one moment are what a model taught by them misses later
        st.caption("While it records, turn and tilt your hand a little and move it nearer and farther: "
                   "ten varied samples teach more than ten alike.")  # fmt: skip
        if gesture is not None:  # how varied this gesture's samples are, and what to vary next
            hands = [sample.hand for sample in store.list_samples(project, target)]
            with st.container(key="record_variety"):
                st.caption(widgets.plain(variety_text(sample_variety(hands))))
    if st.session_state.pop("record_added", False):  # emptied only after a success: an error keeps what was typed
        st.session_state["new_class_name"] = st.session_state["new_class_emoji"] = ""
    with st.expander("➕ Add a gesture"), st.form("add_class", clear_on_submit=False, border=False):
        name = st.text_input("Name", placeholder="e.g. rock_on", key="new_class_name")
        emoji = st.text_input("Emoji (optional)", placeholder="🤘", key="new_class_emoji", max_chars=8)
        if st.form_submit_button("Add gesture"):
            try:
                added = store.add_class(project, name, emoji)
            except (InvalidNameError, DuplicateNameError) as exc:
                st.error(widgets.plain(f"Could not add the gesture: {exc}."))
            else:
                st.session_state["record_class_next"] = added.name  # the radio above reads it on the rerun
                st.session_state["record_added"] = True
                st.session_state["flash"] = f"Added {widgets.plain(added.title)}. Record a few seconds of it now."
                st.rerun()
    with st.expander("⚙️ Recording settings"):
        rate = st.slider("Samples per second", 1, 15, 5, key="record_rate")
        seconds = st.slider("Seconds to record", 1, 15, 3, key="record_seconds")
        hands = st.radio("Hands per sample", [1, 2], horizontal=True, key="record_hands", disabled=body)
        min_score = st.slider("Minimum hand confidence", 0.0, 1.0, 0.5, 0.05, key="record_min_score", disabled=body)
    more.more_switch("record")  # a CSV import among the sources, and the sidebar's choice of where hands are found
    extract = ExtractConfig(hands_per_frame=hands, min_score=min_score)
    if gesture is None:
        st.stop()
    next_page, why = widgets.next_step(counts, state.model_summary(project))
    if next_page != widgets.PAGES["record"]:
        widgets.next_step_link(next_page, why, key="record_next")

with video_col:
    sources = ["📷 Webcam", "📁 Upload files"] + (["📄 Import CSV"] if expert else [])
    if st.session_state.get("record_source") not in (None, *sources):  # More switched off with CSV chosen
        st.session_state["record_source"] = sources[0]
    source = st.segmented_control("Record from", sources, default="📷 Webcam", key="record_source")
    if source == "📄 Import CSV":
        csv_import_panel(store, project)
    elif source == "📁 Upload files":
        upload_panel(store, project, target, gesture.title, body, extract)  # frames done, time left, Cancel
    elif in_browser:  # the tab finds the hands; the take arrives whole at its end (ui/browser/record.py)
        files = {"record_source": "📁 Upload files"}
        st.fragment(browser_record_panel)(store, project, target, widgets.plain(gesture.title), float(rate),
                                          float(seconds), extract, files)  # fmt: skip
    else:
        session = stream_session("record", draw_predictions=False)
        session.set_tracker_config(tracker_config(max_hands=hands))  # samples get a search for one more hand
        button_slot = st.container(key="record_button_slot")  # above the video: in view at 1280×720
        context = webcam("record-webcam", session)
        playing = bool(context.state.playing)
        plan = RecordPlan(project, target, float(rate), float(seconds), 3, extract, session.backend.name,
                          session.backend.skeleton)  # fmt: skip
        every = 0.5 if playing else None
        with button_slot:
            st.fragment(run_every=every)(take_panel.record_button)(session, plan, widgets.plain(gesture.title), playing)
        st.fragment(run_every=every)(take_panel.record_panel)(session, plan, gestures, playing)  # the take's status

st.divider()
st.header(f"Samples of {widgets.plain(gesture.title)} ({counts.get(target, 0)})")
class_gallery(store, project, gesture)
