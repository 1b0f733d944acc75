"""A student's pages in a student's words (issue 64, item 7): the words a 12-year-old does not read (keypoint,
MediaPipe, CPM, ONNX, CSV, kinivi, OSC, WebSocket, server, and issue 70's ``CHILD_WORDS``: "starter model",
"Source", "open_palm", "passes over the samples", "frames a second", "model"...) are nowhere on Home, Record, Train,
Live or the sidebar until the page's *More* switch is on (``ui.common.more``), and the expert choices are all there
once it is: the keypoint networks of a new project, Record's CSV import, Train's downloads and fine-tuning, Live's
outputs and the sidebar's choice of where the hands are found. Under ``AppTest``: every label, value, option and
tooltip of the element tree counts, collapsed expanders included (the class's browser walkthrough,
``test_browser_class.py``, counts what is in sight at 1280×720). The same for one person alone, with no class on the
server. "Project" stays (every page and the docs say it): Home says once, in plain words, what one is."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import Expander, Node
from test_app_words import shown

from core.data.store import Store
from tests.classmaker import make_class
from ui.common import more
from ui.common.signin import VIEWER_KEY
from ui.common.widgets import DETAILS_LABEL

pytestmark = pytest.mark.slow  # Streamlit runs every page
ROOT = Path(__file__).resolve().parents[1]
CHILD_WORDS = (  # what two 11-year-olds could not place (issue 70), page by page
    r"small network|starter model|default gestures|read-only|\.handteach\b",  # Home
    r"\bSource\b|Variety in|tilt \d+°|frames rejected|more hands than asked for|Left out until recorded",  # Record
    r"thumbs_up|thumbs_down|pointing_up|pointing_right|pointing_left|open_palm",  # a stored name, not a shown one
    r"passes over the samples|trained without it|\bround \d+ of \d+|Skip measuring|confusion matrix",  # Train
    r"learning curve|starter examples of other hands|\(between \d+% and \d+%\)",
    r"frames a second|How unlike your examples|Steady points|Hands to follow",  # Live
    r"\bmodels?\b",  # "Model", "Train model", "models trained on fewer samples": "what it learned", "the computer"
)
JARGON = re.compile("|".join((r"keypoint|mediapipe|\bcpm\b|onnx|\bcsv\b|kinivi|\bosc\b|websocket|server", *CHILD_WORDS)),
                    re.IGNORECASE)  # fmt: skip
PAGES = ("home", "record", "train", "live")
PROJECT_MEANS = "A project is your own set of gestures, with their samples and what the computer learned from them."


def jargon(text: str) -> list[str]:
    """Each jargon word in ``text`` with a little of what surrounds it."""
    return [text[max(0, m.start() - 40) : m.end() + 40] for m in JARGON.finditer(text)]


def _run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def tooltips(node: Node) -> list[str]:
    """The help text of ``node`` and below: a child hovers the (?) too; the diagnostics panel left out."""
    if isinstance(node, Expander) and DETAILS_LABEL in node.label:
        return []
    said = getattr(node, "help", None) or getattr(getattr(node, "proto", None), "help", None)
    found = [said] if isinstance(said, str) and said else []
    for child in getattr(node, "children", {}).values():
        found += tooltips(child)
    return found


def _words(at: AppTest) -> str:
    return "\n".join(shown(at.main) + shown(at.sidebar) + tooltips(at.main) + tooltips(at.sidebar))


@pytest.mark.parametrize("student", [True, False], ids=["a class's student", "one person alone"])
def test_the_pages_say_no_jargon_until_more_is_on(data_dir: Path, student: bool) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    if student:
        at.session_state[VIEWER_KEY] = make_class(data_dir, crops_allowed=False).ana  # a class's default: no pictures
        at.query_params["project"] = "ana-signs"
    else:  # no class on this server: the same pages, the same More
        Store(data_dir).ensure_project()
    _run(at)
    for page in PAGES:
        _run(at.switch_page(f"pages/{page}.py"))
        assert at.toggle(key=more.key(page)).label == more.LABEL and not at.toggle(key=more.key(page)).value
        assert not jargon(at.toggle(key=more.key(page)).help)  # its tooltip said "keypoint networks"
        assert not jargon(_words(at)), (page, jargon(_words(at)))
        if page == "home":  # where a student first meets the word
            assert PROJECT_MEANS in [c.value for c in at.caption]

    expert = {  # what each page's More brings, in an expert's words
        "home": lambda: [r for r in at.radio if r.key == "new_project_backend"],
        "record": lambda: (
            "Import CSV" in at.segmented_control(key="record_source").options
            and [r for r in at.sidebar.radio if r.key == "keypoints_path_widget"]
        ),
        "train": lambda: (
            [b for b in at.get("download_button") if "ONNX" in b.proto.label]
            and [e for e in at.expander if "Teach the keypoint model (CPM)" in e.label]
        ),
        "live": lambda: (
            [e for e in at.expander if e.label == "📡 Outputs: OSC and WebSocket"]
            and [t for t in at.toggle if t.key == "live_cpm_stream"]
            and [r for r in at.sidebar.radio if r.key == "keypoints_path_widget"]
        ),
    }
    for page, found in expert.items():
        _run(at.switch_page(f"pages/{page}.py"))
        assert not found(), page
        at.toggle(key=more.key(page)).set_value(True)
        _run(at)
        assert found(), page
        assert jargon(_words(at)), page  # the expert's words, now that they were asked for


def test_more_left_off_with_the_csv_source_chosen_goes_back_to_the_webcam(data_dir: Path) -> None:
    from test_app_pages import app

    at = app("record", more=True)
    at.segmented_control(key="record_source").set_value("📄 Import CSV")
    _run(at)
    assert at.get("file_uploader")
    at.toggle(key=more.key("record")).set_value(False)
    _run(at)
    assert at.segmented_control(key="record_source").value == "📷 Webcam"
    assert "Import CSV" not in at.segmented_control(key="record_source").options  # shown without its icon
