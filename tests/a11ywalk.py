"""The accessibility walk's steps beyond the student's loop and the teacher's roster (tests/test_browser_a11y.py walks
all of them in the order of tests/a11y_states.toml): the sign-in form's error, the browser path's camera and take,
a chosen sample and its 3D view, Live's Outputs, its 3D view and CPM panel on the server
path, the body-pose and motion projects, the cards put away with *Done*. Each waits for the element that marks its
state, never a fixed time. ``w`` is the test's ``Walk``: its ``page``, ``url``, ``code`` and ``teacher``."""

from __future__ import annotations

import re

from bench.common.browser import WEBRTC_IFRAME, wait_app_ready

WAIT_MS = 60_000
CAMERA_IFRAME = 'iframe[title="ui.browser.component.handteach_camera"]'
PROJECT, BODY_PROJECT, MOTION_PROJECT = "ana-signs", "ana-poses", "ana-moves"  # Ana's


def camera_running(w) -> None:  # noqa: ANN001 - the test's Walk
    """Until the camera's component (the browser path: it starts with the page, no START) draws frames with its hand
    model running."""
    w.page.wait_for_function(
        """sel => { const f = document.querySelector(sel); const t = f && f.contentWindow && f.contentWindow.handteach;
               return t && t.state.finder && t.timing.frames > 3; }""",
        arg=CAMERA_IFRAME,
        timeout=WAIT_MS,
    )


def signin_refused(w) -> None:  # noqa: ANN001
    """A wrong password: the form says so in one line; the fields are emptied again for the keyboard sign-in."""
    w.page.get_by_label("Class code").fill(w.code)
    w.page.get_by_label("Your name").fill("Ana")
    w.page.get_by_role("textbox", name="Password").fill("not her password")
    w.page.get_by_role("button", name="Sign in").click()
    w.page.get_by_text("Wrong class code, name or password").wait_for(timeout=WAIT_MS)
    wait_app_ready(w.page)
    w.page.get_by_label("Class code").fill("")
    w.page.get_by_label("Your name").fill("")


def record_sample_chosen(w) -> None:  # noqa: ANN001
    """The first sample of the gallery ticked: its 3D view's switch and *Delete selected (1)* come."""
    w.page.locator("[data-testid='stCheckbox']").filter(has_text=re.compile(r"^#\d+$")).first.locator("label").click()
    w.page.get_by_role("button", name="🗑 Delete selected (1)").wait_for(timeout=WAIT_MS)
    wait_app_ready(w.page)


def record_3d(w) -> None:  # noqa: ANN001
    """The chosen sample's 3D view: one Tab stop named by the caption under it (ui/common/keyboard.js)."""
    w.page.get_by_text("🧊 3D view of the first selected sample").click()
    chart = w.page.locator("[class*='_3d_view'] [data-testid='stPlotlyChart']")
    chart.wait_for(timeout=WAIT_MS)
    w.page.wait_for_function(
        """() => { const c = document.querySelector("[class*='_3d_view'] [data-testid='stPlotlyChart']");
                   return c && /^3D view of the hand/.test(c.getAttribute('aria-label') || ''); }""",
        timeout=5_000,
    )
    wait_app_ready(w.page)


def live_outputs(w) -> None:  # noqa: ANN001
    """Live's *More* on and its Outputs (OSC, WebSocket) open."""
    from browsermaker import more_on

    more_on(w.page)
    w.page.get_by_text("📡 Outputs: OSC and WebSocket").click()
    w.page.get_by_text(re.compile("^The 3D view and the CPM panel need keypoints on the server")).wait_for(
        timeout=WAIT_MS
    )
    wait_app_ready(w.page)


def live_server_3d(w) -> None:  # noqa: ANN001
    """The sidebar's choice moved to the server (the 3D view and CPM panel need it), START, the 3D view."""
    w.page.get_by_test_id("stSidebar").get_by_text("the server", exact=True).click()
    start = w.page.frame_locator(WEBRTC_IFRAME).first.get_by_role("button", name="START")
    start.click(timeout=WAIT_MS)
    w.page.frame_locator(WEBRTC_IFRAME).first.get_by_role("button", name="STOP").wait_for(timeout=WAIT_MS)
    w.page.get_by_text("🧊 3D view", exact=True).click()
    w.page.locator("[class*='_3d_view'] [data-testid='stPlotlyChart'], [class*='_3d_view'] [data-testid='stCaptionContainer']").first.wait_for(timeout=WAIT_MS)  # fmt: skip
    wait_app_ready(w.page)


def live_cpm(w) -> None:  # noqa: ANN001
    """The CPM's belief maps under the video (the server path), the 3D view closed again."""
    w.page.get_by_text("🧊 3D view", exact=True).click()
    w.page.get_by_text("🔬 CPM belief maps").click()
    w.page.get_by_text(re.compile("^MULTI: where the CPM thinks the joints are")).wait_for(timeout=WAIT_MS)
    picture = w.page.locator("[data-testid='stImageContainer']").filter(has_text="MULTI:").locator("img").first
    w.page.wait_for_function("img => /^MULTI: /.test(img.alt)", arg=picture.element_handle(), timeout=5_000)


def body_project(w) -> None:  # noqa: ANN001
    """Record of Ana's body-pose project (the server path: the browser finds hands only)."""
    w.page.goto(f"{w.url}/record?project={BODY_PROJECT}")
    wait_app_ready(w.page)
    w.page.get_by_text("Signed in: ").wait_for(timeout=WAIT_MS)


def motion_project(w) -> None:  # noqa: ANN001
    """Record of Ana's motion project: its gestures are clips."""
    w.page.goto(f"{w.url}/record?project={MOTION_PROJECT}")
    wait_app_ready(w.page)
    w.page.get_by_text("Signed in: ").wait_for(timeout=WAIT_MS)


def motion_live(w) -> None:  # noqa: ANN001
    """Live of Ana's motion project, not trained yet: the webcam on the server, where her moves will be named, and
    the link on to Make."""
    w.page.goto(f"{w.url}/live?project={MOTION_PROJECT}")
    wait_app_ready(w.page)
    w.page.get_by_role("link", name=re.compile("Make a game with your moves")).wait_for(timeout=WAIT_MS)
    w.page.frame_locator(WEBRTC_IFRAME).first.get_by_role("button", name="START").wait_for(timeout=WAIT_MS)


def class_done(w) -> None:  # noqa: ANN001
    """Back on the teacher's page, the cards put away with *Done*: the line said in their place holds the focus."""
    w.page = w.teacher
    w.page.get_by_role("button", name=re.compile("^Done")).click()
    w.page.get_by_text("The cards are put away").wait_for(timeout=WAIT_MS)
    wait_app_ready(w.page)


# At 320 CSS px wide (1280 px at 400 % zoom, WCAG 1.4.10): what needs scrolling sideways (the page, or the main
# area, wider than the window) and each text cut short (an element of text whose words run past its box while it
# hides the rest, as an ellipsis does). Tables, the video, charts and code may scroll on their own (WCAG excepts
# content that needs two dimensions): their insides are not looked at.
_REFLOW = """() => {
  const wide = [];
  const main = document.querySelector('[data-testid="stMain"]');
  if (document.documentElement.scrollWidth > innerWidth + 1) wide.push(`the page is ${document.documentElement.scrollWidth} px wide`);
  if (main && main.scrollWidth > main.clientWidth + 1) wide.push(`the main area is ${main.scrollWidth} px wide`);
  const two = '[data-testid="stDataFrame"], [data-testid="stTable"], iframe, canvas, video, pre, code, [data-testid="stPlotlyChart"], [data-testid="stVegaLiteChart"]';
  const cut = [];
  for (const e of document.querySelectorAll('[data-testid="stMain"] *, [data-testid="stSidebar"] *')) {
    if (!e.offsetParent || e.closest(two) || !e.innerText || !e.innerText.trim()) continue;
    if (e.getBoundingClientRect().right <= 0) continue; // in the sidebar while it is closed
    const s = getComputedStyle(e);
    const hides = s.textOverflow === 'ellipsis' || ['hidden', 'clip'].includes(s.overflowX);
    if (hides && e.scrollWidth > e.clientWidth + 1 && !cut.some((c) => c.contains(e))) cut.push(e);
  }
  return [...wide, ...cut.map((e) => `cut: ${e.innerText.trim().slice(0, 60)}`)];
}"""
NARROW = {"width": 320, "height": 640}


def reflow_problems(page) -> list[str]:  # noqa: ANN001 - playwright Page
    """What needs two-way scrolling or is cut at the page's width (``_REFLOW``)."""
    return page.evaluate(_REFLOW)


def reflow_320(w) -> None:  # noqa: ANN001
    """Each page of Ana's at 320 px wide in a tab of her own (Home with her new project of no gestures, whose next
    step is the longest link): nothing needs scrolling sideways, no words are cut. The walk's tab is left as it was."""
    narrow = w.page.context.new_page()
    narrow.set_viewport_size(NARROW)
    try:
        found = []
        for path, project in (("", "by keyboard"), ("record", PROJECT), ("train", PROJECT), ("live", PROJECT),
                              ("make", PROJECT)):  # fmt: skip
            narrow.goto(f"{w.url}/{path}?project={project}")
            wait_app_ready(narrow)
            narrow.get_by_text("Signed in: ").wait_for(state="attached", timeout=WAIT_MS)
            found += [f"{path or 'home'}: {problem}" for problem in reflow_problems(narrow)]
        stranger = w.browser.new_context(viewport=NARROW)  # the sign-in page, as a student first sees it
        try:
            signin = stranger.new_page()
            signin.goto(w.url)
            signin.get_by_role("button", name="Sign in").wait_for(timeout=WAIT_MS)
            wait_app_ready(signin)
            found += [f"sign-in: {problem}" for problem in reflow_problems(signin)]
        finally:
            stranger.close()
        assert not found, f"at 320 px: {found}"
    finally:
        narrow.close()


def class_reflow_320(w) -> None:  # noqa: ANN001
    """The teacher's Class page (the roster, the cards of the students just added) at 320 px in a tab of her own:
    nothing needs scrolling sideways, no words are cut. The walk's tab is left as it was."""
    narrow = w.page.context.new_page()
    narrow.set_viewport_size(NARROW)
    try:
        narrow.goto(f"{w.url}/class")
        wait_app_ready(narrow)
        narrow.get_by_text(re.compile(r"^One server: ")).wait_for(state="attached", timeout=WAIT_MS)
        found = reflow_problems(narrow)
        assert not found, f"the Class page at 320 px: {found}"
    finally:
        narrow.close()
