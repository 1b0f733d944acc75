"""Live's "Teach it here": how a fix retrains, so that Live never forgets a gesture it knew."""

from __future__ import annotations

from ui.live.live_fix import FixPlan, fix_plan

EIGHT = ["thumbs_up", "thumbs_down", "pointing_up", "ok", "fist", "pointing_right", "pointing_left", "open_palm"]


def test_a_project_never_trained_keeps_the_starters_eight_gestures() -> None:
    """On the starter model, teaching one fist must not leave a model that knows fists alone."""
    assert fix_plan(False, EIGHT, {"fist": 15}) == FixPlan(starter=True, keep_unrecorded=True)


def test_a_model_of_the_users_own_gestures_stays_their_own() -> None:
    counts = {"wave": 12, "peace": 10, "fist": 0}
    assert fix_plan(False, ["wave", "peace"], counts) == FixPlan(starter=True, keep_unrecorded=False)


def test_a_model_that_kept_unrecorded_starter_gestures_keeps_them() -> None:
    assert fix_plan(False, ["wave", "fist", "ok"], {"wave": 12}) == FixPlan(starter=True, keep_unrecorded=True)


def test_body_poses_train_on_the_users_samples_alone() -> None:
    assert fix_plan(True, ["tree", "warrior"], {"tree": 10}) == FixPlan(starter=False, keep_unrecorded=False)
    assert fix_plan(False, None, {"wave": 10}) == FixPlan(starter=True, keep_unrecorded=False)
