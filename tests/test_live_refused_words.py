"""Live's line for an answer from another version of the model says "before the last training" only when a training
happened since that version was saved; a model saved again without one (its accuracy written in) says nothing."""

from __future__ import annotations

from datetime import UTC, datetime

from ui.live.browser_live import REFUSED, refused_line

OLD_VERSION = "model_version: the labels came from a model this page no longer runs ('{}')"


def _version(when: datetime) -> str:
    return f"{int(when.timestamp() * 1e9)}-0123456789ab"  # model_for_browser's "<save stamp in ns>-<hash>"


def test_a_model_saved_again_without_training_says_nothing() -> None:
    trained = datetime(2026, 11, 28, 10, 0, 0, tzinfo=UTC)
    saved = _version(trained.replace(second=3))  # the training's own save, 3 s after its trained_at
    assert refused_line(OLD_VERSION.format(saved), saved, trained.isoformat()) is None


def test_a_training_since_the_tabs_version_is_said() -> None:
    saved = _version(datetime(2026, 11, 28, 10, 0, 3, tzinfo=UTC))
    retrained = datetime(2026, 11, 28, 10, 5, 0, tzinfo=UTC).isoformat(timespec="seconds")
    line = refused_line(OLD_VERSION.format(saved), saved, retrained)
    assert line == f"{REFUSED}: it came from before the last training. The next ones use what it learned since."


def test_without_a_training_time_the_line_claims_no_training() -> None:
    saved = _version(datetime(2026, 11, 28, 10, 0, 3, tzinfo=UTC))
    for trained_at in (None, "", "yesterday"):
        line = refused_line(OLD_VERSION.format(saved), saved, trained_at)
        assert line is not None and "training" not in line, line
