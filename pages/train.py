"""Train: one click with sensible defaults; live curves; accuracy, confusion and samples to fix; downloads."""

import streamlit as st

from core.classes import quotas
from core.data.counts import project_counts
from core.gestures.training import NotEnoughDataError, TrainConfig
from core.io.limits import check_hidden
from ui.common import model_classes, more, state, widgets
from ui.jobs import pool
from ui.jobs.training import NotReadyError, TrainingRun, check_trainable
from ui.train import curve_panel, downloads_panel, finetune_panel, results

widgets.page_title("🧠", "Train", "Teach the computer your gestures")
widgets.show_flash()
store, project = state.store(), state.current_project()
looking = widgets.look_only(project)  # a teacher at a student's project: the results, no Train or fine-tune
if store.project_is_motion(project):  # a motion model learns from the project's clips
    from ui.samples import clips

    clips.train_page(store, project)
    st.stop()
gestures = store.list_classes(project)
project_count = project_counts(store, project)  # the sidebar's, Home's and `projects list`'s words
counts = project_count.per_class
titles = {g.name: g.title for g in gestures}
body = store.project_skeleton(project).name == "body"
recorded = {titles[n]: c for n, c in counts.items() if c}
st.caption(
    widgets.plain(f"{project_count.summary()}: " + (", ".join(f"{t} {c}" for t, c in recorded.items()) or "none yet"))
)

if looking:  # the saved model's results without the gallery that deletes and moves samples
    results.saved_model_results(store, project, gestures, fixes=False)
    st.stop()
limits = quotas.viewer_limits(store, store.viewer.account_id if store.viewer else None)  # a student's class's bounds
most_epochs = min(3000, limits.epochs) if limits else 3000
with st.expander("⚙️ Training settings (the defaults work well)"):
    c1, c2, c3 = st.columns(3)
    epochs = c1.number_input("Practices with your samples, at most", 10, most_epochs, min(300, most_epochs),
                             step=10, key="train_epochs", help="Training stops earlier by itself (a practice over "
                             "all the samples is also called a pass, or an epoch)")  # fmt: skip
    hidden_text = c2.text_input("Hidden layer sizes", "128, 64", key="train_hidden", help="Comma-separated widths")
    rate = c3.select_slider(
        "Learning rate", [1e-4, 3e-4, 1e-3, 3e-3, 1e-2], value=3e-3, format_func="{:g}".format, key="train_lr"
    )
    augment = c1.checkbox("Augment (small rotations, stretch, jitter)", True, key="train_augment")
    mirror = c2.checkbox(f"Mirror (also learn the other {'side' if body else 'hand'})", True, key="train_mirror")
    val_share = c3.slider("Share set aside to tell it when to stop", 0.1, 0.5, 0.2, 0.05, key="train_val_share",
                          help="These samples are not learned from (also called the validation share)")  # fmt: skip
if body:
    st.info("Body poses have no starter examples: it learns from your own samples only (about ten per pose).")
starter = not body and st.toggle(
    "Start from the built-in starter data",
    True,
    key="train_starter",
    help="Adds thousands of example hands of the eight built-in gestures (and of other signs, to learn "
    "'unknown'): about ten samples per gesture of your hand are enough. Turn off to learn from your own "
    "samples only.",
)
keep = starter and st.checkbox(
    model_classes.KEEP_LABEL,
    False,
    key="train_keep_starter",
    help="It learns the gestures you recorded (and their mirror images). Tick to also keep the built-in "
    "gestures you did not record, learnt from the starter data alone; otherwise their starter examples "
    "teach 'unknown'.",
)
mirror_map = {g.name: g.mirror_partner for g in gestures}
run = st.session_state.get("train_run")
run = run if isinstance(run, TrainingRun) and run.project == project else None
running = run is not None and run.snapshot().running
button_column, plan_column = st.columns([1, 3])  # the button beside the plan: eight gestures listed pushed it
with plan_column:  # below a 720 px window
    model_classes.show_train_plan(model_classes.plans_for(gestures, counts, mirror, starter, keep), gestures, starter)
if button_column.button("🧠 Start training", type="primary", disabled=running, key="train_start"):
    try:
        hidden = tuple(int(h) for h in hidden_text.replace(" ", "").split(",") if h)
        if not hidden or min(hidden) < 1:
            raise ValueError(f"hidden layer sizes must be positive whole numbers, got {hidden_text!r}")
        check_hidden("Hidden layer sizes", hidden)
        quotas.check_training(limits, hidden, int(epochs))  # the class's bounds: one job cannot hold the worker
        config = TrainConfig(
            epochs=int(epochs), hidden=hidden, learning_rate=rate, augment=augment, mirror=mirror, val_share=val_share
        )
        check_trainable(counts, mirror_map, config, starter=starter, keep_unrecorded=keep)
    except (NotReadyError, NotEnoughDataError) as exc:
        st.error(widgets.plain(str(exc)))  # it names the gestures short of samples: as typed
    except ValueError as exc:
        st.error(widgets.plain(f"Check the training settings: {exc}"))
    else:
        run = TrainingRun(store, project, config, starter=starter, keep_unrecorded=keep, measure=True)
        st.session_state["train_run"] = run.start()
        running = True

if run is not None:
    snapshot = run.snapshot()
    training, waiting = snapshot.training, bool(snapshot.waiting)  # its results show once saved, while measured
    st.fragment(run_every=pool.poll_every(waiting) if training else None)(results.progress)(run, waiting)
    if not training:
        results.results(run, store, project, gestures)
else:  # the saved model's results, kept with it (they vanished once the page was left)
    results.saved_model_results(store, project, gestures)

with st.expander("📈 How many samples do I need?"):
    curve_panel.panel(store, project, starter, keep)

# the downloads (ONNX, CSV, kinivi) and the keypoint model's fine-tuning: for experts, behind the page's More
if more.more_switch("train"):
    downloads_panel.panel(store, project, gestures, counts, body)
    if not body:  # the CPM is a hand model
        finetune_panel.finetune_panel(store, project)
