"""Steps the real-browser tests share (test_e2e_browser, test_e2e_motion, test_browser_path): the app served for
one test, a project created on Home, and the checks of the words on a page and of Live's card against the video."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from test_app_words import BANNED

from bench.common.browser import AppServer

# A script for the browser path's frame only, by the iframe's title: it runs as the frame's document is made, while
# its address still reads about:blank (``context.add_init_script(IN_CAMERA_FRAME.format(script))``)
IN_CAMERA_FRAME = "if (window.frameElement && /handteach_camera/.test(window.frameElement.title)) {{ {} }}"
# a browser without WebGL, as some school laptops are
NO_WEBGL = """for (const Kind of [HTMLCanvasElement, globalThis.OffscreenCanvas].filter(Boolean)) {
  const own = Kind.prototype.getContext;
  Kind.prototype.getContext = function (type, ...rest) { return /webgl/.test(type) ? null : own.call(this, type, ...rest); };
}"""
# The tab's hand worker (frontend/src/handworker.js) made with `before` run in it first, as a camera-frame script;
# the page's other workers (onnxruntime-web's) are left as they are
IN_HAND_WORKER = """const NativeWorker = window.Worker;
window.Worker = function (url, options) {{
  const script = new URL(url, location.href).href;
  if (!/handworker[.]js$/.test(script)) return new NativeWorker(url, options);
  const source = {before!r} + "\\nimportScripts(" + JSON.stringify(script) + ");";
  return new NativeWorker(URL.createObjectURL(new Blob([source], {{ type: "text/javascript" }})), options);
}};"""
# in the hand worker, each frame's first look at its pixels waits `ms` (a worker on a slow core)
SLOW_FRAMES = """const width = Object.getOwnPropertyDescriptor(ImageData.prototype, "width"), seen = new WeakSet();
Object.defineProperty(ImageData.prototype, "width", { configurable: true, get() {
  if (!seen.has(this)) { seen.add(this); const until = performance.now() + %d; while (performance.now() < until); }
  return width.get.call(this); } });"""


@contextlib.contextmanager
def served_app(tmp_path: Path, on_failure: Callable[[], None], keypoints: str = "server") -> Iterator[AppServer]:
    """The app on a fresh data dir under ``tmp_path``; ``on_failure`` runs (a screenshot) when the body raises.
    Its log must hold no traceback: a page can fail server-side while the browser still shows something.
    ``keypoints``: the path the app serves (``browser``, as `make run` does, or ``server``)."""
    server = AppServer(tmp_path / "data", log=tmp_path / "streamlit.log", keypoints=keypoints).start()
    try:
        yield server
    except Exception:
        on_failure()
        raise
    finally:
        server.stop()
    log = server.log.read_text(encoding="utf-8")
    assert "Expected ASGI message" not in log and "Traceback" not in log, log[-3000:]


def create_project(page, name: str, created: str, kind: str | None = None) -> str:  # noqa: ANN001 - playwright Page
    """Home creates project ``name`` (of the kind whose radio label starts with ``kind``; None: the default);
    waits for the ``created`` message and the URL naming it; returns the URL's query for the other pages."""
    page.get_by_label("New project").fill(name)
    if kind is not None:
        page.get_by_text(kind).click()
    page.get_by_role("button", name="Create project").click()
    page.get_by_text(created).wait_for(timeout=30_000)
    page.wait_for_function("n => new URLSearchParams(location.search).get('project') === n", arg=name)
    return page.url.split("?", 1)[1]


def more_on(page) -> None:  # noqa: ANN001 - playwright Page
    """The page's *More* switch on (``ui.common.more``): its expert choices in sight. The page is scrolled back to
    where it was (the click scrolls the switch into view): the layout tests measure from there."""
    from bench.common.browser import wait_app_ready

    main = "document.querySelector('[data-testid=\"stMain\"]')"
    scrolled = page.evaluate(f"{main}.scrollTop")
    page.get_by_text("More", exact=True).click()
    wait_app_ready(page)
    page.evaluate(f"{main}.scrollTo(0, {scrolled})")


def jargon_in_sight(page) -> list[str]:  # noqa: ANN001 - playwright Page
    """Each word of ``test_app_more.JARGON`` (keypoint, MediaPipe, CPM, ONNX, CSV, kinivi, OSC, WebSocket, server)
    in what the page shows, main area and sidebar, with a little of what surrounds it: the rendered text only
    (``inner_text``), so a collapsed expander's insides, a switched-off *More*'s choices and tooltips do not count."""
    from test_app_more import jargon

    return [hit for where in ("stMain", "stSidebar") for hit in jargon(page.get_by_test_id(where).inner_text())]


def plain_words(page, where: str) -> None:  # noqa: ANN001 - playwright Page
    """The words a user reads on the page (main area and sidebar, the diagnostics panel left out) are plain."""
    text = page.evaluate(
        """label => { const parts = [];
        for (const root of document.querySelectorAll('[data-testid="stMain"], [data-testid="stSidebar"]')) {
          const copy = root.cloneNode(true);
          for (const e of copy.querySelectorAll('[data-testid="stExpander"]'))
            if (e.innerText.includes(label)) e.remove();
          parts.push(copy.textContent); }
        return parts.join(' '); }""",
        "Details for the curious",
    )
    found = {what: re.findall(rf".{{0,40}}(?:{pattern}).{{0,40}}", text) for what, pattern in BANNED.items()}
    assert not any(found.values()), f"{where}: { ({k: v for k, v in found.items() if v}) }"


def card_says_what_the_video_draws(page) -> None:  # noqa: ANN001
    """Read in one go (one rerun): the first card's title and caption, and the labels drawn on the video."""
    card, drawn = page.evaluate(
        """() => { const t = s => { const e = document.querySelector(s); return e ? e.innerText : ''; };
        return [t('.st-key-live_card_0'), t('.st-key-live_labels')]; }"""
    )
    # "ok 93% (Right)": the confidence decided; "ok, like your examples (Right)", "ok, closest sign (Right)": the
    # person's examples did (core.types.Prediction.short_text); "unknown (Right)": no number
    # a name as the pages show it: "open palm 93% (Right)", the built-in gestures with spaces (``shown_name``)
    first = re.match(r"Labels: (.+?)(?: (\d+)%|, like your examples|, closest sign)? \((Left|Right)\)", drawn)
    assert first, f"the labels line is not a hand's label: {drawn!r}"
    label, percent, side = first.groups()
    assert f"{side} hand" in card and label in card, f"the card ({card!r}) is not the video's {drawn!r}"
    if percent is not None:
        assert f"confidence {percent}%" in card, f"the card ({card!r}) gives another number than the video {drawn!r}"
    elif label != "unknown":
        assert "like your examples" in card or "closest of your gestures" in card, f"the card ({card!r}) for {drawn!r}"


def card_number_follows_the_hand(page, tab: Callable[[], dict] | None = None, seconds: float = 40.0) -> None:  # noqa: ANN001
    """Live's first card changes its numbers while its label stays (issue 52: on the browser path it froze at the
    number of the label's first moment). ``tab`` reads the browser path's tab: ``changes``, a count of the label
    changes it sent, and ``settled``, whether the server read all it sent half a second ago or more (the card
    then shows the tab's latest answer): a look counts as the first of two only when settled, and the two must see
    the same count, so that neither a change of label and back between them nor a card catching up counts."""
    import time

    looks: list[tuple[object, bool, list[str]]] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        state = tab() if tab else {"changes": None, "settled": True}
        text = page.evaluate(
            "() => { const e = document.querySelector('.st-key-live_card_0'); return e ? e.innerText : ''; }"
        )
        lines = [line for line in text.splitlines() if line.strip()]
        if len(lines) >= 3:  # side, label, what decided (then the bars)
            look = ((state["changes"], lines[0], lines[1]), state["settled"], re.findall(r"\d+(?:\.\d)?[%×]", text))
            if looks and looks[-1][1] and looks[-1][0] == look[0] and looks[-1][2] != look[2]:
                return
            looks.append(look)
        time.sleep(0.3)
    raise AssertionError(f"the card's numbers never changed while its label stayed: {looks[-6:]}")


class ConsoleWatch:
    """The browser console and failed requests of a page, per page load: a navigation of the main frame to another
    page, by its address or by the app's own links (a page's iframes are made anew either way)."""

    # Chromium's own notes on its software GL in these tests (headless, --disable-gpu): about the GPU, not the app;
    # and on the permissions list Streamlit gives every component iframe (streamlit/static IFrameUtil: features this
    # Chromium does not know), said once for each iframe of a page, so twice on a page with two components; and its
    # note on the sandbox Streamlit gives every component iframe (allow-scripts with allow-same-origin), said again
    # whenever a rerun makes the iframe anew
    IGNORED = re.compile(
        r"^\[\.WebGL-0x[0-9a-f]+\]GL Driver Message|^Unrecognized feature: '[a-z-]+'\.$"
        r"|^An iframe which has both allow-scripts and allow-same-origin for its sandbox attribute can escape"
    )

    def __init__(self, page) -> None:  # noqa: ANN001 - playwright Page
        self.page, self.loads, self.path = page, [[]], None
        self.failed: list[str] = []
        page.on("framenavigated", self._navigated)
        page.on("console", self._console)
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)

    def reloading(self) -> None:
        """Call before ``page.reload()``: the same page anew is a page load of its own (its iframes made again say
        Chromium's notes on them again)."""
        self.loads.append([])

    def _navigated(self, frame) -> None:  # noqa: ANN001
        from urllib.parse import urlsplit

        path = urlsplit(frame.url).path  # the app sets its query (?project=) itself: the same page still
        if frame == self.page.main_frame and path != self.path:
            self.path = path
            self.loads.append([])

    def _console(self, message) -> None:  # noqa: ANN001
        if message.type in ("warning", "error") and not self.IGNORED.match(message.text):
            # the same warning at another time, thread or address is the same warning
            text = re.sub(r"^[WE]\d{4} [\d:.]+ +\d+ ", "", message.text)
            self.loads[-1].append(re.sub(r"0x[0-9a-f]+", "0x…", text)[:200])

    def repeated(self) -> list[tuple[int, str, int]]:
        """(page load, warning, times) of each warning shown more than once in one page load."""
        from collections import Counter

        return [(i, text, n) for i, load in enumerate(self.loads) for text, n in Counter(load).items() if n > 1]

    def assert_quiet(self) -> None:
        """No warning repeated in a page load (issue 52: 2,261 theme warnings in one walk), no failed request."""
        assert not self.repeated(), f"warnings repeated in one page load: {self.repeated()[:5]}"
        assert not self.failed, f"failed requests: {self.failed[:5]}"


def console_watch(page) -> ConsoleWatch:  # noqa: ANN001 - playwright Page
    """Start watching ``page``'s console (before its first navigation)."""
    return ConsoleWatch(page)


def canvas_camera_server(folder: Path, engine: str, missing: list[str], person: Path) -> Iterator[AppServer]:
    """For a module fixture (``yield from``): the app on the browser path, smoothing off, for a test that shows
    ``person``'s frames to ``engine``'s canvas camera; skips saying what is ``missing`` (the engine's tools), and
    fails afterwards if the server's log holds a traceback."""
    import pytest

    from bench.common.browser import missing_tools
    from ui.browser.component import BUILD_COMMAND, missing_assets

    missing = missing + missing_tools()
    if missing:
        pytest.skip(f"the {engine} test needs {', '.join(missing)}")
    if missing_assets():
        pytest.skip(f"the browser path is not built ({', '.join(missing_assets())} missing): run `{BUILD_COMMAND}`")
    if not person.exists():
        pytest.skip(f"webcam_people not found: {person} (add ../shared/data)")
    app = AppServer(folder / "data", keypoints="browser", env={"HANDTEACH_SMOOTHING": "off"}).start()
    yield app
    app.stop()
    log = app.log.read_text(encoding="utf-8")
    assert "Traceback" not in log, log[-3000:]
