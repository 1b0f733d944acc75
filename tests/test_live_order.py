"""Live's results column on the server path, in order (issue 52 item 10): the card beside the video, Teach it here
under it, the settings under both. At 1280x720 the settings stood above the card and pushed it below the fold.

Under AppTest (no WebRTC: the card says to press START); the real browser's look at 1280x720 is
tests/test_browser_live_layout.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from core.data.store import Store

pytestmark = pytest.mark.slow  # runs the Live page
ROOT = Path(__file__).resolve().parents[1]


def _walk(node) -> list:  # noqa: ANN001 - an AppTest element tree node
    """The node's elements and blocks depth-first, in the page's order."""
    found = []
    for child in getattr(node, "children", {}).values():
        found.append(child)
        found += _walk(child)
    return found


def _name(node) -> str:  # noqa: ANN001
    """Its key, label and value, those it has (an expander with a key has its title too)."""
    return " ".join(str(part) for a in ("key", "label", "value") if (part := getattr(node, a, None)))


def test_the_card_comes_first_beside_the_video_then_teach_it_here_then_the_settings(store: Store) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.switch_page("pages/live.py")
    at.session_state["live_more"] = True  # the outputs are behind Live's More switch
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    results = at.columns[1]  # Live's two columns, [3, 2]: the video, the results
    names = [_name(n) for n in _walk(results)]

    def first(part: str) -> int:
        at_ = [i for i, name in enumerate(names) if part in name]
        assert at_, f"{part!r} not in the results column: {names}"
        return at_[0]

    card = first("Press **START** on the video")  # the card before the stream runs
    teach = first("Teach it here")
    settings = [first("live_hands"), first("live_3d"), first("Outputs")]
    assert card < teach < min(settings), names
