"""Every page in the states a student and a teacher meet, checked with axe-core (WCAG 2.0 and 2.1, A and AA) in a real
browser: headless Chromium, one served app, one browser, the states of ``tests/a11y_states.toml`` walked in one pass.
The first serious or critical violation fails the test, named with its state. A page of the app (``pages/``, the
teacher's sidebar) that no state opens fails it too, named, until a state is added to the list.

On the way, what axe cannot see: the student's loop by keyboard alone (sign in with pictures, a new project, Record,
START, a take, Train, Live, *Teach it here*, sign out), the focus seen at every stop (``keyboardmaker``); headings
in order on every state; reduced motion; the camera's video and the sample pictures named; each confidence bar
with its words beside it; Live's polite live region saying "Right hand: thumbs up" only when the gesture changes
and at most once a second; Record's take said ("Stored 15 samples of …") through the same region.
docs/accessibility.md is the report this test stands behind.

A class of a teacher and a picture-password student (Ana), her project of two gestures from HaGRID photos, trained
before the browser starts; the fake camera plays a real hand video. Skips, saying why, without chromium, ffmpeg,
playwright, the shared data or axe-core (``make frontend``).
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import time
import tomllib
from collections.abc import Callable
from pathlib import Path

import a11ywalk
import axemaker
import pytest
from a11ywalk import CAMERA_IFRAME, camera_running
from conftest import fake_camera_or_skip
from keyboardmaker import arrow_to, focused
from keyboardmaker import tab_to as _tab_to
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from bench.common.browser import CHROMIUM, chromium_args, wait_app_ready
from bench.common.fake_camera import DEFAULT_VIDEO, ROOT

pytestmark = pytest.mark.slow
STATES_FILE = Path(__file__).with_name("a11y_states.toml")
WAIT_MS = 60_000
CODE_NAME, TEACHER_PASSWORD = "7B", "teach-7B-pass"
ANA_PICTURES = ("dog", "rocket", "moon")
PROJECT = a11ywalk.PROJECT
GESTURES = {"thumbs_up": "like", "open_palm": "palm"}
tab_to = functools.partial(_tab_to, seen=True)  # every stop in sight too, not only ringed


def load_states(path: Path = STATES_FILE) -> tuple[list[dict], list[dict]]:
    """(states, upstream) of the list; a state without its name, page or step is said by its place."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    states = data.get("state", [])
    for i, state in enumerate(states, 1):
        absent = [k for k in ("name", "page", "step") if not state.get(k)]
        assert not absent, f"{path.name}: state {i} has no {', '.join(absent)}"
    return states, data.get("upstream", [])


def unseen_pages(states: list[dict], pages: list[str]) -> list[str]:
    """The pages (``pages/`` file stems, or a sidebar link's page) that no state of the list opens."""
    seen = {s["page"] for s in states}
    return sorted(p for p in pages if p not in seen)


def page_files() -> list[str]:
    return sorted(p.stem for p in (ROOT / "pages").glob("*.py") if not p.stem.startswith("_"))


def headings_out_of_order(page) -> list[str]:  # noqa: ANN001 - playwright Page
    """Headings of the main area (as a screen reader lists them) that skip a level: an h1 first, then no h(n+2)
    after an h(n)."""
    levels = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMain"] :is(h1,h2,h3,h4,h5,h6)')]
          .filter(h => h.offsetParent !== null && h.innerText.trim())
          .map(h => [Number(h.tagName[1]), h.innerText.trim().slice(0, 40)])"""
    )
    wrong, before = [], 0
    for level, text in levels:
        if level > before + 1:
            wrong.append(f"h{level} {text!r} after h{before}")
        before = level
    return wrong


# ---- the class, before the browser starts ------------------------------------------------------------------------


def make_school(data: Path) -> str:
    """A class 7B with its teacher and Ana (a picture password); Ana's project: thumbs_up and open_palm from 15
    HaGRID photos each, trained. Returns the join code."""
    from conftest import hagrid_photos

    from core.classes.pictures import picture_secret
    from core.classes.roster import add_student, create_class
    from core.classes.signin import sign_in
    from core.data.imports.extract import extract_to_store
    from core.data.project import train_project
    from core.data.project_accuracy import record_crossval, train_report
    from core.data.store import Store

    store = Store(data)
    school = create_class(store, CODE_NAME, "Ms Teacher", TEACHER_PASSWORD, crops_allowed=True)
    add_student(store, CODE_NAME, "Ana", picture_secret(*ANA_PICTURES))
    ana = Store(data, viewer=sign_in(store, school.code, "Ana", picture_secret(*ANA_PICTURES), "127.0.0.1"))
    ana.create_project(a11ywalk.BODY_PROJECT, skeleton="body")  # first: the last one made is the current one
    ana.create_project(a11ywalk.MOTION_PROJECT, False, motion=True)
    ana.create_project(PROJECT)
    for name, folder in GESTURES.items():
        extract_to_store(ana, PROJECT, name, hagrid_photos(folder, 15), create_class=True)
    # a few palms recorded as thumbs up: Train's results list wrong samples (two, held out), whose names the walk
    # reads; the results kept with the model as the Train page keeps them (on the held-out samples, no k-fold)
    extract_to_store(ana, PROJECT, "thumbs_up", hagrid_photos("palm", 19)[15:])
    result, dataset = train_project(ana, PROJECT)
    record_crossval(ana, PROJECT, result.classifier, dataset.project_identity, None, train_report(result, dataset))
    return school.code


# ---- the steps, by the names the list gives them -------------------------------------------------------------------


class Walk:
    """The browser's two people (Ana, the teacher) and what the steps share."""

    def __init__(self, browser, url: str, code: str, tmp_path: Path) -> None:  # noqa: ANN001 - playwright Browser
        self.browser, self.url, self.code, self.tmp_path = browser, url, code, tmp_path
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        context.grant_permissions(["camera"])
        self.ana = context.new_page()
        self.teacher = None
        self.page = self.ana  # the page the state is on
        self.said: list[tuple[float, str]] = []
        self.training_started = False  # Train's Start pressed (by the step of the state "training", when walked)

    def goto(self, path: str) -> None:
        """A page of the app, signed in (a new session: the session cookie signs it in)."""
        self.page.goto(f"{self.url}/{path}")
        wait_app_ready(self.page)
        self.page.get_by_text("Signed in: ").wait_for(timeout=WAIT_MS)

    def signed_in(self, name: str) -> None:
        """After the sign-in form: until the session cookie has come (from a frame, just after the first page)."""
        self.page.get_by_text(f"Signed in: {name}").wait_for(timeout=WAIT_MS)
        for _ in range(100):
            if [c for c in self.page.context.cookies() if c["name"] == "handteach_session"]:
                return
            self.page.wait_for_timeout(100)
        raise AssertionError("no session cookie after signing in")

    def announcements(self) -> list[tuple[float, str]]:
        """What the live region said since the page was loaded: (seconds, text), read from the page's record."""
        return [tuple(x) for x in self.page.evaluate("() => window.__a11ySaid || []")]


# Records each saying of the live region with its time, from the start of each document (the region is in a closed
# shadow root: ui/common/assistive.js sends each saying as an event too)
RECORD_ANNOUNCEMENTS = """(() => { window.__a11ySaid = [];
  document.addEventListener('handteach-said', e => window.__a11ySaid.push([performance.now() / 1000, e.detail])); })();"""


def live_region_text(page) -> list[str]:  # noqa: ANN001 - playwright Page
    """The text of each polite status region in the page's accessibility tree (what a screen reader is given)."""
    cdp = page.context.new_cdp_session(page)
    try:
        nodes = cdp.send("Accessibility.getFullAXTree")["nodes"]
    finally:
        cdp.detach()
    by_id = {n["nodeId"]: n for n in nodes}

    def text(node: dict) -> str:
        own = node.get("name", {}).get("value", "") if node.get("role", {}).get("value") == "StaticText" else ""
        return own + "".join(text(by_id[c]) for c in node.get("childIds", []) if c in by_id)

    def polite(node: dict) -> bool:
        props = {p["name"]: p.get("value", {}).get("value") for p in node.get("properties", [])}
        return node.get("role", {}).get("value") == "status" and props.get("live") == "polite"

    return [text(n) for n in nodes if polite(n)]


def signin_letters(w: Walk) -> None:
    """Ana's browser asks for reduced motion (as her computer's setting would) for the whole walk: no transition
    or animation runs longer than a millisecond (without the setting, 19 elements of this form move: the sidebar's
    0.3 s slide, its links' 0.15 s, the text fields' 0.2 s)."""
    w.page.context.add_init_script(RECORD_ANNOUNCEMENTS)
    w.page.emulate_media(reduced_motion="reduce")
    w.page.goto(w.url)
    w.page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
    wait_app_ready(w.page)
    moving = w.page.evaluate(
        """() => [...document.querySelectorAll('*')]
          .map(e => getComputedStyle(e)).flatMap(s => [s.transitionDuration, s.animationDuration])
          .flatMap(d => d.split(',')).map(d => parseFloat(d) * (d.trim().endsWith('ms') ? 0.001 : 1))
          .filter(d => d > 0.001)"""
    )
    assert not moving, f"with reduced motion asked for, transitions or animations of {moving[:5]} s"


def signin_pictures(w: Walk) -> None:
    tab_to(w.page, w.page.get_by_label("I sign in with pictures"))
    w.page.keyboard.press("Space")
    w.page.locator(".st-key-signin_picture_2 button").first.wait_for(timeout=WAIT_MS)
    wait_app_ready(w.page)
    names = w.page.locator(".st-key-signin_picture_0 button").all_inner_texts()
    assert "🐶 dog" in [" ".join(n.split()) for n in names], f"a picture's button does not say its word: {names[:4]}"


def home_after_signin(w: Walk) -> None:
    """With the keyboard alone: signs in with her pictures (Home as the sign-in leaves it: the sidebar's frames of
    the session's cookie among it)."""
    keys = w.page.keyboard
    tab_to(w.page, w.page.get_by_label("Class code"))
    keys.type(w.code)
    tab_to(w.page, w.page.get_by_label("Your name"))
    keys.type("Ana")
    for row, picture in enumerate(ANA_PICTURES):  # Tab enters a row of pictures once; the arrows move in it
        tab_to(w.page, w.page.locator(f".st-key-signin_picture_{row}"))
        arrow_to(w.page, w.page.locator(f".st-key-signin_picture_{row} button").filter(has_text=picture).first)
        keys.press("Enter")
        wait_app_ready(w.page)
    tab_to(w.page, w.page.get_by_role("button", name="Sign in", exact=True))
    keys.press("Enter")
    w.signed_in("Ana")
    wait_app_ready(w.page)
    settled(w.page)  # the form faded out (Streamlit's stale elements) until the run that replaces it ends


def home_signed_in(w: Walk) -> None:
    """With the keyboard alone: creates a project; then her trained one by address."""
    keys = w.page.keyboard
    tab_to(w.page, w.page.get_by_label("New project"))
    keys.type("by keyboard")
    keys.press("Tab")  # the name is taken as the field is left
    tab_to(w.page, w.page.get_by_role("button", name="Create project"))
    keys.press("Enter")
    w.page.get_by_text("Created project 'by keyboard'").wait_for(timeout=WAIT_MS)
    w.goto(f"?project={PROJECT}")


def settled(page, timeout_ms: int = WAIT_MS) -> None:  # noqa: ANN001 - playwright Page
    """Until no element of a run before is left faded on the page (Streamlit's stale elements, at a third of their
    colour, go when the run that replaces them ends: the sign-in's page runs twice)."""
    page.wait_for_function("() => !document.querySelector('[data-stale=\"true\"]')", timeout=timeout_ms)


def keyboard_nav(w: Walk, title: str) -> None:
    """The sidebar's link to the page ``title``, with the keyboard."""
    tab_to(w.page, w.page.get_by_test_id("stSidebarNavLink").filter(has_text=title), back=True)
    w.page.keyboard.press("Enter")
    w.page.wait_for_url(re.compile(f"/{title.lower()}"), timeout=WAIT_MS)
    wait_app_ready(w.page)


def record_camera_on(w: Walk) -> None:
    keyboard_nav(w, "Record")
    camera_running(w)
    assert w.page.locator(CAMERA_IFRAME).first.get_attribute("aria-label") == "your camera"
    w.page.locator("[data-testid='stImage'] img").first.wait_for(timeout=WAIT_MS)  # the gallery
    first = w.page.locator("[data-testid='stImage'] img[alt*='sample 1 of']").first
    first.wait_for(state="attached", timeout=10_000)  # named once a second
    assert re.fullmatch(r"(?:thumbs up|open palm), sample 1 of 1[0-9]", first.get_attribute("alt")), (
        first.get_attribute("alt")
    )


def record_countdown(w: Walk) -> None:
    """Record pressed with the keyboard: the take's 3-2-1 runs in the camera's frame, the page says what comes."""
    # on from the sidebar's link: the button lies above the gallery (Shift+Tab walked back through all of it)
    tab_to(w.page, w.page.get_by_role("button", name=re.compile("^⏺ Record ")))
    wait_app_ready(w.page)  # a press while the page reruns reached the server twice: take 1 restarted as take 2
    w.page.keyboard.press("Enter")
    w.page.locator(".st-key-record_status").get_by_text(re.compile("Get ready to show")).wait_for(timeout=WAIT_MS)


def record_take(w: Walk) -> None:
    """The take stored: said once (the live region; Streamlit's own alert around the same words is no region of its
    own), its start said by the camera's frame; the gallery's names counted again."""
    stored = re.compile(r"Stored \d+ samples of (?:thumbs up|open palm)")
    w.page.wait_for_function("() => (window.__a11ySaid || []).some(([, t]) => /^Recording /.test(t))", timeout=WAIT_MS)
    badge = rec_badge_contrast(w)
    assert badge >= 3.0, f"the REC badge's words {badge:.1f}:1 on their band"
    w.page.locator(".st-key-record_status").get_by_text(re.compile(r"Stored \d+ samples")).wait_for(timeout=WAIT_MS)
    w.page.wait_for_function(
        "re => (window.__a11ySaid || []).some(([, t]) => new RegExp(re).test(t))", arg=stored.pattern, timeout=5_000
    )
    said = [t for _, t in w.announcements()]
    assert any("Get ready to show" in t for t in said) and any(re.match("Recording ", t) for t in said), said
    regions = [t for t in live_region_text(w.page) if stored.search(t)]
    assert len(regions) == 1, f"the take's result is in {len(regions)} live regions: {regions}"
    wait_app_ready(w.page)
    tiles_named_by_their_number(w)


def rec_badge_contrast(w: Walk) -> float:
    """The REC badge's words against their band on the camera's canvas, from a screenshot (the band is the top 40 of
    the canvas's 480 rows: frontend/src/draw.js)."""
    import numpy as np
    from PIL import Image
    from test_webcam_overlay import words_on_box

    canvas = w.page.frame_locator(CAMERA_IFRAME).first.locator("canvas#view").bounding_box()
    band = {**canvas, "height": canvas["height"] * 36 / 480}  # its lowest rows as the canvas is scaled: band only
    shot = np.asarray(Image.open(io.BytesIO(w.page.screenshot(clip=band))).convert("RGB"))
    return words_on_box(shot)


def tiles_named_by_their_number(w: Walk) -> None:
    """Each gallery tile's name holds the number it shows ("#31") and the count its heading shows, never the count
    before the take."""
    w.page.wait_for_function(
        """() => [...document.querySelectorAll('[data-testid="stColumn"]')].every(c => {
             const img = c.querySelector('[data-testid="stImage"] img'), label = c.querySelector('[data-testid="stCheckbox"] p');
             if (!img || !label || !/^#\\d+$/.test(label.innerText.trim())) return true;
             return (img.alt || '').includes(`sample ${label.innerText.trim().slice(1)} of `); })""",
        timeout=5_000,
    )
    heads = w.page.locator("[data-testid='stMain'] :is(h2, h3)").filter(has_text=re.compile(r"^Samples of .*\(\d+\)"))
    total = re.search(r"\((\d+)\)", heads.first.inner_text()).group(1)
    alts = w.page.locator("[data-testid='stImage'] img[alt*='sample ']").evaluate_all("els => els.map(e => e.alt)")
    assert alts and all(a.endswith(f" of {total}") for a in alts), (total, alts[:3])


def train_first_view(w: Walk) -> None:
    """Train by the sidebar's link: the plan, *Start training*, the saved model's results with its wrong samples."""
    keyboard_nav(w, "Train")
    w.page.get_by_role("button", name=re.compile("Start training")).wait_for(timeout=WAIT_MS)
    w.page.locator(".st-key-train_metrics").get_by_text("Accuracy", exact=True).wait_for(timeout=WAIT_MS)
    wrong_samples_named(w)


def train_training(w: Walk) -> None:
    """*Start training* pressed, until the page shows it running (its button disabled) or, on a quick machine, done."""
    tab_to(w.page, w.page.get_by_role("button", name=re.compile("Start training")))
    w.page.keyboard.press("Enter")
    w.training_started = True
    running = "button:disabled:has-text('Start training'), :text('Trained and saved')"
    w.page.locator(running).first.wait_for(timeout=WAIT_MS)


def train_trained(w: Walk) -> None:
    """Trained (pressed here where the walk did not stop while it trained): the wrong samples named in words."""
    if not w.training_started:
        tab_to(w.page, w.page.get_by_role("button", name=re.compile("Start training")))
        w.page.keyboard.press("Enter")
    w.page.get_by_text("Trained and saved").wait_for(timeout=120_000)
    w.page.locator(".st-key-train_metrics").get_by_text("Accuracy", exact=True).wait_for(timeout=WAIT_MS)
    wait_app_ready(w.page)
    wrong_samples_named(w)


def wrong_samples_named(w: Walk) -> None:
    """Train's wrong samples (the palms recorded as thumbs up among them) each named in words, by its place."""
    wrong_tiles = """() => [...document.querySelectorAll('[data-testid="stColumn"]')]
      .filter(c => / → /.test((c.querySelector('[data-testid="stCheckbox"] p') || {}).innerText || ''))
      .map(c => (c.querySelector('[data-testid="stImage"] img') || {}).alt || '')"""
    # tiles drawn and named (an empty list is "every" named at once: a results run still drawing them once read as none)
    with contextlib.suppress(PlaywrightTimeoutError):
        w.page.wait_for_function(f"() => {{ const a = ({wrong_tiles})(); return a.length > 0 && a.every(x => "
                                 "x.includes('guessed')); }", timeout=15_000)  # fmt: skip
    alts = w.page.evaluate(wrong_tiles)
    gesture = "(?:thumbs up|open palm)"
    assert alts, "no wrong samples listed: the palms recorded as thumbs up were all learned"
    for alt in alts:  # what it guessed may be a gesture the project lists without samples, or "unknown"
        place = re.fullmatch(rf"recorded as {gesture}, guessed [a-z][a-z ]*, sample (\d+) of (\d+)", alt)
        assert place and int(place[1]) <= int(place[2]), f"{alt!r} among {len(alts)}"


def live_card(w: Walk) -> None:
    keyboard_nav(w, "Live")
    camera_running(w)
    card = w.page.locator(".st-key-live_card_0")
    card.wait_for(timeout=WAIT_MS)
    bars = card.locator("[data-testid='stProgress']")
    bars.first.wait_for(timeout=WAIT_MS)
    for text in bars.all_inner_texts():  # never colour alone: each bar says its gesture and number, or its order
        # (an unknown or "Not so sure" card's bars: "closest: ✋ open palm", "next: 👊 fist", core.gestures.sureness)
        assert re.search(r"\w.* \d+%|^(closest|next): \S", text), f"a confidence bar without its words: {text!r}"
    live_region_says_the_gesture(w, seconds=8.0)


def live_region_says_the_gesture(w: Walk, seconds: float) -> None:
    """With a card showing, until the region has said two things of the hands (at most ``seconds``: a hand held
    still is said once): "Right hand: thumbs up" (a side, a gesture) or "No hand in view", never the same words
    twice in a row, never two sayings less than a second apart."""

    hands = r"(?:(?:Left|Right) hand|person): [^:;]+(?:; (?:Left|Right) hand: [^:;]+)*|No (?:hand|one) in view"
    count = f"() => (window.__a11ySaid || []).filter(([, t]) => /^(?:{hands})$/.test(t)).length"
    w.page.wait_for_function(f"{count} >= 1", timeout=WAIT_MS)
    with contextlib.suppress(PlaywrightTimeoutError):  # one saying only: the gesture stayed
        w.page.wait_for_function(f"{count} >= 2", timeout=seconds * 1000)
    said = [(t, text) for t, text in w.announcements() if re.fullmatch(hands, text)]
    assert any("hand:" in text or "person:" in text for _, text in said), f"no gesture said: {said[-5:]}"
    for (t0, a), (t1, b) in zip(said, said[1:], strict=False):
        assert a != b, f"said twice in a row: {a!r}"
        assert t1 - t0 >= 0.95, f"two sayings {t1 - t0:.2f} s apart: {a!r}, {b!r}"
    regions = live_region_text(w.page)  # the region a screen reader is given holds the latest saying (or the one
    latest = [text for _, text in w.announcements()[-2:]]  # before, when a new one came between the two reads)
    assert set(latest) & set(regions), f"the page's polite regions say {regions}, not {latest[-1]!r}"


def live_teach_open(w: Walk) -> None:
    tab_to(w.page, w.page.locator("summary").filter(has_text="A wrong answer? Teach it here"), limit=120)
    w.page.keyboard.press("Enter")
    w.page.get_by_role("button", name=re.compile(r"Show .* for 3 s, then retrain")).wait_for(timeout=WAIT_MS)


def make_editor(w: Walk) -> None:
    """The Make page by the sidebar's link, with the keyboard, until the Scratch editor's frame is there (axe leaves
    the editor itself out: axemaker.py says why); the focus back on the page for the next step."""
    tab_to(w.page, w.page.get_by_test_id("stSidebarNavLink").filter(has_text="Make a game"), back=True)
    w.page.keyboard.press("Enter")
    w.page.wait_for_url(re.compile("/make"), timeout=WAIT_MS)
    wait_app_ready(w.page)
    w.page.wait_for_selector('iframe[title*="handteach_scratch"]', timeout=WAIT_MS)
    w.page.evaluate("() => document.activeElement && document.activeElement.blur()")


def class_roster(w: Walk) -> None:
    """Ana signs out with the keyboard; the teacher signs in in a browser of her own."""
    sign_out = w.page.get_by_role("button", name="Sign out")
    tab_to(w.page, sign_out, back=True, limit=120)
    w.page.keyboard.press("Enter")
    try:
        w.page.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
    except PlaywrightTimeoutError:  # CI once waited here 60 s: say what the page showed, for the next look
        focus, _ = focused(w.page)
        heading = w.page.locator('[data-testid="stMainBlockContainer"] h1').first.inner_text(timeout=5_000)
        raise AssertionError(f"no sign-in form {WAIT_MS / 1000:.0f} s after Enter on Sign out: the page shows "
                             f"{heading!r}, Sign out {'still' if sign_out.count() else 'no longer'} there, "
                             f"the focus on {focus!r}") from None  # fmt: skip
    context = w.browser.new_context(viewport={"width": 1280, "height": 720}, accept_downloads=True)
    w.teacher = w.page = context.new_page()
    w.page.goto(w.url)
    w.page.get_by_label("Class code").fill(w.code)
    w.page.get_by_label("Your name").fill("Ms Teacher")
    w.page.get_by_role("textbox", name="Password").fill(TEACHER_PASSWORD)
    w.page.get_by_role("button", name="Sign in").click()
    w.signed_in("Ms Teacher")
    w.goto("class")
    w.page.get_by_text(re.compile(r"^One server: ")).wait_for(timeout=WAIT_MS)


def class_added(w: Walk) -> None:
    w.page.get_by_label(re.compile("Names, one a line")).fill("Ben\nZoë\n")
    w.page.get_by_role("button", name="Add students").click()
    w.page.get_by_text("Added 2 students").wait_for(timeout=WAIT_MS)
    w.page.locator(".st-key-classroom_cards_panel").wait_for(timeout=WAIT_MS)
    wait_app_ready(w.page)


def class_delete_form(w: Walk) -> None:
    from test_browser_class import _choose_to_delete

    _choose_to_delete(w.page, "Ben")
    w.page.get_by_text("Delete this student, their projects").click()
    w.page.get_by_label("Type their name once more").wait_for(timeout=WAIT_MS)
    wait_app_ready(w.page)


def printed_cards(w: Walk) -> None:
    with w.page.expect_download(timeout=WAIT_MS) as download:
        w.page.get_by_role("button", name="Download the cards").click()
    printed = w.tmp_path / download.value.suggested_filename
    download.value.save_as(printed)
    w.page = w.page.context.new_page()
    w.page.goto(printed.as_uri())


STEPS: dict[str, Callable[[Walk], None]] = {f.__name__: f for f in (
    signin_letters, a11ywalk.signin_refused, signin_pictures, home_after_signin, home_signed_in, a11ywalk.reflow_320,
    record_camera_on, record_countdown, record_take, a11ywalk.record_sample_chosen, a11ywalk.record_3d, train_first_view,
    train_training, train_trained, live_card, live_teach_open, a11ywalk.live_outputs, a11ywalk.live_server_3d,
    a11ywalk.live_cpm, make_editor, a11ywalk.body_project, a11ywalk.motion_project, a11ywalk.motion_live, class_roster, class_added,
    a11ywalk.class_reflow_320, class_delete_form, printed_cards, a11ywalk.class_done)}  # fmt: skip


# ---- the tests ---------------------------------------------------------------------------------------------------


def test_the_list_names_every_page_and_only_steps_that_exist() -> None:
    states, upstream = load_states()
    assert not unseen_pages(states, page_files()), f"pages no state of {STATES_FILE.name} opens: {unseen_pages(states, page_files())}"  # fmt: skip
    assert not [s["step"] for s in states if s["step"] not in STEPS], "steps the test does not know"
    assert all({"rule", "target", "issue"} <= set(u) for u in upstream), "an upstream entry without its issue"


def test_a_page_the_list_has_never_seen_is_named() -> None:
    states = [{"name": "Home", "page": "home", "step": "x"}]
    assert unseen_pages(states, ["home", "quiz", "class_page"]) == ["class_page", "quiz"]


def test_headings_that_skip_a_level_are_found() -> None:
    """The heading check on a page made for it (no app): h1, h3 skips h2; h1, h2, h3, h2 is in order."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page()
        page.set_content('<div data-testid="stMain"><h1>a</h1><h3>b</h3><h2>c</h2><h3>d</h3><h2>e</h2></div>')
        assert headings_out_of_order(page) == ["h3 'b' after h1"]
        browser.close()


def walk_states(states: list[dict], upstream: list[dict], tmp_path: Path, factory: pytest.TempPathFactory) -> None:
    """``states`` walked in order in one browser on one app as `make run` serves it (the browser path): axe and the
    headings checked in each; at the end, every page of the teacher's sidebar is one some state of the list opens."""
    from browsermaker import served_app
    from playwright.sync_api import sync_playwright

    if axemaker.missing():
        pytest.skip(axemaker.missing())
    camera = fake_camera_or_skip(DEFAULT_VIDEO, factory.getbasetemp() / "y4m-cache")
    code = make_school(tmp_path / "data")
    checked: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=chromium_args(camera))
        walk = None
        try:
            shot = lambda: walk and walk.page.screenshot(path=tmp_path / "failure.png")  # noqa: E731
            with served_app(tmp_path, shot, keypoints="browser") as server:
                walk = Walk(browser, server.url, code, tmp_path)
                for state in states:
                    started = time.monotonic()
                    STEPS[state["step"]](walk)
                    if state["page"] != "file":  # no faded element of a run still going (a full rerun; Live's
                        with contextlib.suppress(PlaywrightTimeoutError):  # fragments rerun twice a second, and may
                            settled(walk.page, 15_000)  # never be all settled at once: then checked as they are)
                    found = axemaker.serious(walk.page, upstream)
                    print(f"{state['name']}: {time.monotonic() - started:.1f} s")
                    assert not found, f"{state['name']}: {found[0]} (and {len(found) - 1} more)"
                    wrong = headings_out_of_order(walk.page) if state["page"] != "file" else []
                    assert not wrong, f"{state['name']}: headings out of order: {wrong}"
                    checked.append(state["name"])
                listed = walk.teacher.evaluate(
                    "() => [...document.querySelectorAll('[data-testid=stSidebarNavLink]')].map(a => a.href)"
                )
                linked = [re.sub(r"^$", "home", p.rsplit("/", 1)[1].split("?")[0]) for p in listed]
                linked = ["class_page" if p == "class" else p for p in linked]
                every, _ = load_states()
                assert not unseen_pages(every, linked), f"sidebar pages no state opens: {unseen_pages(every, linked)}"
        finally:
            browser.close()
    assert checked == [s["name"] for s in states]


def test_every_state_has_no_serious_violation(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """CI's walk: the states not marked ``extended`` in the list (a student's loop on the browser path, the sign-in
    form's error, the teacher's roster)."""
    states, upstream = load_states()
    walk_states([s for s in states if not s.get("extended")], upstream, tmp_path, tmp_path_factory)


@pytest.mark.extended
def test_every_state_of_the_list(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Every state of the list, CI's and the extended ones between them, in one walk."""
    states, upstream = load_states()
    walk_states(states, upstream, tmp_path, tmp_path_factory)
