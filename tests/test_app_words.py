"""The words on every page (issue 45, item 7): no file path, stage name or bare internal number outside the page's
one collapsed diagnostics panel ("Details for the curious", ``ui.common.widgets.details_panel``).

Each page runs under AppTest on a project with a model trained on the Train page (handmaker's hands, no
MediaPipe), Record after an upload of real photos, and the webcam's health line rendered from a snapshot (AppTest
cannot stream). What a user sees is every label, value and text of the element tree outside that panel.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import finish_file_jobs, hagrid_photos
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Expander, Html, Node

from ui.common.widgets import DETAILS_LABEL

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[1]
BANNED = {  # what a teacher read and could not place, as the issue lists it
    "a file path": r"docs/|\.md\b",
    "a stage name": r"to_array|to_frame|callback_cpu|\blag\b|\bfps\b",
    "starter rows": r"[Rr]ows used",
    "a mirrored metric": r"Other (hand|side) \(mirrored\)",
    "frames for photos": r"from \d+ frames",
    "a bare confidence": r"\b(pose|hand) 0\.\d\d\b",
    "a training term": r"\b[Ee]pochs?\b|\b[Vv]alidation\b",
}


def shown(node: Node) -> list[str]:
    """Every label, value and option of ``node`` and below, the diagnostics panel left out."""
    if isinstance(node, Expander) and DETAILS_LABEL in node.label:
        return []
    if isinstance(node, Html):  # the words it shows: not its scripts and styles (the app's own are nothing else)
        seen = re.sub(r"<(script|style)\b.*?</\1>|<[^>]*>", " ", node.body or "", flags=re.DOTALL | re.IGNORECASE)
        return [seen] if seen.strip() else []
    found = []
    # a choice's value is what the code keeps ("open_palm"); what it shows is among its options ("✋ open palm")
    chosen = isinstance(getattr(node, "options", None), list | tuple)
    for name in ("label", "body", "text", "options") if chosen else ("label", "value", "body", "text", "options"):
        try:
            value = getattr(node, name, None)
        except Exception:  # noqa: BLE001 - a widget whose value needs a run: it has no words of its own
            value = None
        values = value if isinstance(value, list | tuple) else [value]
        found += [v for v in values if isinstance(v, str)]
    for child in getattr(node, "children", {}).values():
        found += shown(child)
    return found


def details(at: AppTest) -> str:
    return "\n".join(s for e in at.expander if DETAILS_LABEL in e.label for c in e.children.values() for s in shown(c))


def assert_plain(at: AppTest, page: str) -> None:
    from test_app_more import jargon  # its words a child does not read too (it imports this module's ``shown``)

    assert not at.exception, [e.message for e in at.exception]
    text = "\n".join(shown(at.main) + shown(at.sidebar))
    assert not jargon(text), (page, jargon(text))
    found = {what: re.findall(rf".{{0,40}}(?:{pattern}).{{0,40}}", text) for what, pattern in BANNED.items()}
    assert not any(found.values()), f"{page}: { ({k: v for k, v in found.items() if v}) }"
    assert len([e for e in at.expander if DETAILS_LABEL in e.label]) <= 1, f"{page}: one diagnostics panel"


def _project(data_dir: Path) -> None:
    """24 samples of 👉 and ✋ from tests/handmaker."""
    from handmaker import pointing_hand
    from storemaker import handmade_project

    handmade_project(data_dir, {"pointing_right": (pointing_hand(180.0), 12), "open_palm": (None, 12)})


def test_every_page_says_what_its_numbers_are_and_keeps_diagnostics_in_one_panel(data_dir: Path) -> None:
    _project(data_dir)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.switch_page("pages/train.py").run()
    at.toggle(key="train_starter").set_value(False)
    [b for b in at.button if b.label.startswith("🧠 Start training")][0].click()
    at.run()
    assert at.session_state["train_run"].wait(120), "training did not finish"
    at.run()
    assert any("Trained and saved" in s.value for s in at.success)
    assert_plain(at, "train")
    inside = details(at)  # the numbers are still there, in words
    assert "Samples the network learned from: " in inside and "other hand: 100% right" in inside, inside
    assert "built-in starter data learned alongside yours: 0." in inside

    for page in ("home", "live", "record"):
        at.switch_page(f"pages/{page}.py").run()
        assert_plain(at, page)

    photos = hagrid_photos("like", 2)
    at.segmented_control(key="record_source").set_value("📁 Upload files").run()
    at.get("file_uploader")[0].set_value([(p.name, p.read_bytes(), "image/jpeg") for p in photos]).run()
    at.button(key="record_upload_add").click().run()
    finish_file_jobs(at)
    flash = "\n".join(shown(at.main))
    assert re.search(r"Added \d samples of 👍 thumbs up from 2 photos", flash), flash
    assert_plain(at, "record after an upload")


def _health() -> None:
    from ui.webcam.health import show_stream_health
    from ui.webcam.stream import StreamSnapshot

    timings = {"landmarks": 24.1, "classifier": 0.4, "to_array": 0.3, "to_frame": 0.9, "lag": 31.0}
    snapshot = StreamSnapshot(True, 120, 27.3, {**timings, "callback_cpu": 12.5}, [], (640, 480), None, None, True)
    show_stream_health(snapshot, "live")


def test_the_webcam_s_line_says_its_frame_rate_and_keeps_the_stages_inside_the_panel() -> None:
    """It read "Server: 27.3 fps · landmarks 24.1 ms · … to_array · to_frame · lag · callback_cpu", then "27.3
    frames a second handled on the server" (issue 70: a child's "pictures", the tenths and the server inside)."""
    at = AppTest.from_function(_health).run()
    assert_plain(at, "webcam health")
    assert "Video: 27 pictures a second" in "\n".join(c.value for c in at.caption)
    assert "27.3 frames a second" in details(at)
    assert "callback_cpu 12.5 ms" in details(at)
