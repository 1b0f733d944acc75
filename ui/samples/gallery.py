"""Sample galleries: stored hand crops with select + delete (Record) and fix-up actions (Train).

A sample without a picture (pictures off, a class's default, or imported keypoints) shows its skeleton as
the model sees it (``core.viz.skeleton_tiles``), so a bad sample can still be found and deleted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import streamlit as st

from core.data.store import Sample, Store
from core.gestures.catalog import GestureClass, shown_name
from core.viz.skeleton_tiles import skeleton_png
from ui.common.assistive import emoji_words
from ui.common.dates import readable_time
from ui.common.text import plain

COLUMNS = 8
PAGE = 48  # crops shown before "show all"
FIX_COLUMNS = 6  # Train's wrong samples: wider columns for the "✋ → 👍" caption and its checkbox


def _selection_key(prefix: str, sample_id: int) -> str:
    return f"{prefix}_sel_{sample_id}"


def selected_ids(prefix: str, samples: Sequence[Sample]) -> list[int]:
    return [int(s.id) for s in samples if s.id is not None and st.session_state.get(_selection_key(prefix, s.id))]


def ticked_ids(prefix: str) -> list[int]:
    """Ids of every ticked box of ``prefix``, shown now or not: a sample deleted elsewhere since the user ticked it
    is still asked for, so the delete can say it was gone rather than quietly do less."""
    pattern = re.compile(re.escape(prefix) + r"_sel_(\d+)")
    found = (pattern.fullmatch(str(key)) for key, ticked in st.session_state.items() if ticked is True)
    return sorted(int(m.group(1)) for m in found if m)


def deleted_text(deleted: int, asked: int, noun: str = "sample") -> tuple[str, str]:
    """(what was deleted, what was already gone: "" when nothing) for the flash after a delete of ``asked`` rows."""
    done = f"Deleted {deleted} {noun}(s)." if deleted else ""
    gone = asked - deleted
    if gone <= 0:
        return done, ""
    rest = f"the other {deleted} {_was(deleted)} deleted" if deleted else "nothing else was deleted"
    return done, f"{gone} of the selected {noun}s {_was(gone)} already deleted elsewhere; {rest}."


def _was(count: int) -> str:
    return "was" if count == 1 else "were"


def _clear_selection(prefix: str, ids: Sequence[int]) -> None:
    for sample_id in ids:
        st.session_state.pop(_selection_key(prefix, sample_id), None)


_HOW = {
    "webcam": "Recorded from the webcam",
    "image": "From the photo",
    "video": "From the video",
    "csv": "Imported from",
}


def sample_origin(sample: Sample) -> str:
    """A crop's tooltip: how and when it was taken ("From the video clip.mp4, frame 35, 23 Nov 2026, 19:04:05 …")."""
    how = " ".join(filter(None, [_HOW.get(sample.source_kind, sample.source_kind), sample.source_name]))
    if sample.frame is not None:
        how += f", {'row' if sample.source_kind == 'csv' else 'frame'} {sample.frame}"
    when = readable_time(sample.created_at, seconds=True)
    if sample.hand.skeleton.name == "body":  # MediaPipe Pose's score is the torso's visibility (core.keypoints.pose)
        return f"{how}, {when} (person, torso visibility {sample.hand.score:.0%})"
    return f"{how}, {when} ({sample.hand.handedness.lower()} hand, confidence {sample.hand.score:.0%})"


def crop_grid(samples: Sequence[Sample], prefix: str, captions: Sequence[str] | None = None,
              helps: Sequence[str] | None = None, columns: int = COLUMNS, select: bool = True) -> None:  # fmt: skip
    """Crops in rows of ``columns``, each with a checkbox keyed by sample id (``select``; else its caption alone);
    ``helps`` lead its tooltip."""
    for start in range(0, len(samples), columns):
        row = st.columns(columns)
        for i, (column, sample) in enumerate(zip(row, samples[start : start + columns], strict=False)):
            with column:
                if sample.crop_jpeg:
                    st.image(sample.crop_jpeg, width="stretch")
                else:  # pictures off, or imported keypoints: the skeleton as the model sees it
                    tile = skeleton_png(sample.hand, sample.id)
                    imported = "imported" if sample.source_kind == "csv" else None
                    st.image(tile, width="stretch", caption=imported, output_format="PNG")
                caption = plain(captions[start + i]) if captions else f"#{sample.id}"
                origin = plain(sample_origin(sample))  # file names are the user's too
                tooltip = f"{plain(helps[start + i])}  \n{origin}" if helps else origin
                if select:
                    st.checkbox(caption, key=_selection_key(prefix, int(sample.id or 0)), help=tooltip)
                else:
                    st.caption(caption, help=tooltip)


def class_gallery(store: Store, project: str, gesture: GestureClass) -> None:
    """The stored samples of one class: newest first, select + delete, clear with confirmation."""
    samples = store.list_samples(project, gesture.name, with_crops=True)[::-1]
    prefix = f"gallery_{gesture.name}"
    if not samples:
        st.info(f"No samples of {plain(gesture.title)} yet: record some above, or upload photos.")
        return
    show_all = len(samples) <= PAGE or st.toggle(f"Show all {len(samples)} samples", key=f"{prefix}_all")
    shown = samples if show_all else samples[:PAGE]
    crop_grid(shown, prefix, [f"#{len(samples) - i}" for i in range(len(shown))])  # numbered per gesture, oldest #1
    chosen = ticked_ids(prefix)  # with the ticks of samples deleted elsewhere meanwhile, to say so
    if chosen and st.toggle("🧊 3D view of the first selected sample", key=f"{prefix}_3d"):
        from ui.common.view3d import view3d_panel  # Plotly, only when asked for

        view3d_panel([s.hand for s in shown if s.id in chosen][:1], f"{prefix}_3d_view")
    left, right = st.columns(2)
    if left.button(f"🗑 Delete selected ({len(chosen)})", disabled=not chosen, key=f"{prefix}_delete"):
        done, gone = deleted_text(store.delete_samples(chosen), len(chosen))
        _clear_selection(prefix, chosen)
        st.session_state["flash"] = done and f"{done[:-1]} of {plain(gesture.title)}."
        st.session_state["flash_warning"] = gone
        st.rerun()
    confirm_key = f"{prefix}_confirm_clear"
    if not st.session_state.get(confirm_key):
        if right.button(f"Clear all {len(samples)} samples of {plain(gesture.title)}…", key=f"{prefix}_clear"):
            st.session_state[confirm_key] = True
            st.rerun()
        return
    right.warning(f"Delete all {len(samples)} samples of {plain(gesture.title)}? This cannot be undone.")
    yes, no = right.columns(2)
    if yes.button("Yes, delete them", key=f"{prefix}_clear_yes"):  # not the green primary: it destroys
        deleted = store.clear_class(project, gesture.name)
        st.session_state.pop(confirm_key, None)
        st.session_state["flash"] = f"Cleared {plain(gesture.title)}: {deleted} samples deleted."
        st.rerun()
    if no.button("Cancel", key=f"{prefix}_clear_no"):
        st.session_state.pop(confirm_key, None)
        st.rerun()


def fix_gallery(
    store: Store,
    project: str,
    wrong: Sequence[tuple[int, str, str]],
    gestures: list[GestureClass],
    look: bool = False,
) -> None:
    """Misclassified validation samples: crop, "is X, predicted Y", delete or relabel the selected ones.

    The list is the training run's, so it is checked against the store on every run:
    samples deleted or moved to another gesture since are no longer listed. ``look``: for someone only looking (a
    teacher at a student's project), each sample drawn as its skeleton, never its picture, with nothing to tick.
    """
    titles = {g.name: g.title for g in gestures}
    short = {g.name: g.emoji or g.name for g in gestures}
    samples, captions, helps = [], [], []
    for sample_id, truth, predicted in wrong:
        try:
            sample = store.get_sample(sample_id, with_crop=not look)
        except LookupError:  # deleted since training
            continue
        if sample.class_name != truth:  # relabelled since training: fixed
            continue
        samples.append(sample)
        # Short enough for a narrow column (the full words wrapped letter by letter in 8 columns)
        captions.append(f"{short.get(truth, truth)} → {short.get(predicted, predicted)}")
        helps.append(f"Recorded as {titles.get(truth, truth)}; it guessed {titles.get(predicted, predicted)}.")
    if not samples:
        st.success("It gets every sample it was tested on right." if not wrong else "Nothing left to fix here.")
        return
    # A fresh key prefix after each action: checkboxes of the moved samples' successors start unticked
    # (a widget whose key is only dropped from session_state can come back ticked from the browser).
    prefix = f"fix{st.session_state.get('fix_round', 0)}"
    st.caption("Under each sample: its gesture → what it guessed (hover for the names and where it came from).")
    emoji_words({g.emoji: shown_name(g.name) for g in gestures})  # the pictures' names say the emoji in words
    crop_grid(samples, prefix, captions, helps, columns=FIX_COLUMNS, select=not look)
    if look:
        return
    chosen = selected_ids(prefix, samples)
    left, mid, right = st.columns([1, 1, 1])
    if left.button(f"🗑 Delete selected ({len(chosen)})", disabled=not chosen, key="fix_delete"):
        done, gone = deleted_text(store.delete_samples(chosen), len(chosen))
        _next_round(prefix, chosen)
        st.session_state["flash"] = done and f"{done} Train again so it learns the change."
        st.session_state["flash_warning"] = gone
        st.rerun()
    target = mid.selectbox("Move selected to", [g.name for g in gestures], format_func=titles.get, key="fix_target")
    if right.button(f"Relabel selected ({len(chosen)})", disabled=not chosen, key="fix_relabel"):
        store.relabel_samples(chosen, project, target)
        _next_round(prefix, chosen)
        st.session_state["flash"] = (
            f"Moved {len(chosen)} sample(s) to {plain(titles.get(target, target))}. Train again."
        )
        st.rerun()


def _next_round(prefix: str, chosen: Sequence[int]) -> None:
    _clear_selection(prefix, chosen)
    st.session_state["fix_round"] = st.session_state.get("fix_round", 0) + 1
