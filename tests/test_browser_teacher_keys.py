"""The teacher's Class page with the keyboard alone, in headless Chromium at 1280×720: Tab, Shift+Tab, Enter, Space
and the arrows reach and press every control (and the letters type the names). She adds two students (their
password kind chosen with the arrows), downloads their cards, prints them from the page's preview and from the
downloaded page, goes back with Shift+Tab to press *Done*, deletes Ben through the delete form (his name chosen
with the arrows, the box ticked with Space, his name typed again), renames Cy, lets Dee in, steps a limit up with
an arrow and saves it, and ends the class. At every stop the ring is seen on screen, 3:1 against what is behind it
(or the ring a table draws round its cell), the stop is in sight (not transparent, out of the window nor under
another element) and truly named (``keyboardmaker.name_problem``); the focus goes in and out of the preview's frame
and the tables both ways (no trap); after each press that runs the page again, the focus is kept, never dropped to
the page: on the button pressed, or, after *Done*, whose button goes with its panel, on the line said in its place
(``tests/keyboardmaker.py``).

The student's walk by keyboard is ``tests/test_browser_student_keys.py``; docs/accessibility.md reports both. The
teacher signs in as ``tests/test_browser_class.py`` does (the sign-in form by keyboard is the student's walk).
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest
from keyboardmaker import PAST_THE_END, arrow_to, focused, kept, out_of_sight, tab_to

from bench.common.browser import CHROMIUM, wait_app_ready
from tests.classmaker import make_class

# `make test-all`, not CI's `make test`: in one of two whole CI runs it failed once and passed on CI's retry, beside
# the other worker's tests; 14 runs alone or beside 2-4 busy cores passed, so the cause is not found yet
pytestmark = [pytest.mark.slow, pytest.mark.extended]
WAIT_MS = 60_000
# In every frame (the preview's too): a press of a Print button is counted, not sent to a print dialog
COUNT_PRINTS = "window.__printed = 0; window.print = () => { window.__printed += 1; };"
ADDED = ("Cy", "Dee")

to = functools.partial(tab_to, seen=True, screen=True)  # each stop ringed on screen, in sight, truly named


def pressed_and_kept(page, key: str, what: str) -> str:  # noqa: ANN001 - playwright Page
    """After a press that ran the page again (``key`` pressed on ``what``): the focus kept on something, its ring
    seen on screen, its name true, in sight (``keyboardmaker.kept``). Returns where it is."""
    name = kept(page, f"{key} on {what!r}")
    hidden = out_of_sight(page)
    assert not hidden, f"after {key} on {what!r} the focus on {name!r} is out of sight: {hidden}"
    return name


def add_two_students(page) -> None:  # noqa: ANN001 - playwright Page
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Add students"))
    to(page, form.get_by_label(re.compile("^Names, one a line")))
    page.keyboard.type("\n".join(ADDED))  # Enter makes a new line in the box
    to(page, form.get_by_role("radiogroup"))  # the kind: the arrows choose in the group
    arrow_to(page, form.get_by_role("radio", name=re.compile("^Pictures")))
    to(page, form.get_by_role("button", name="Add students"))
    page.keyboard.press("Enter")
    page.get_by_text("Added 2 students").wait_for(timeout=WAIT_MS)
    assert "Add students" in pressed_and_kept(page, "Enter", "Add students")


def print_the_cards(page, tmp_path: Path) -> None:  # noqa: ANN001 - playwright Page
    """Downloads the cards, prints from the preview (its frame entered and left with Tab), and prints the downloaded
    page, Tab reaching its button first and leaving it after."""
    panel = page.locator(".st-key-classroom_cards_panel")
    to(page, panel.get_by_role("button", name=re.compile("^Download the cards")))
    with page.expect_download(timeout=WAIT_MS) as download:
        page.keyboard.press("Enter")
    printed = tmp_path / download.value.suggested_filename
    download.value.save_as(printed)

    preview = panel.frame_locator("iframe").first
    to(page, preview.get_by_role("button", name="Print"))
    page.keyboard.press("Enter")
    assert preview.locator("body").evaluate("b => b.ownerDocument.defaultView.__printed") == 1
    table = panel.get_by_test_id("stDataFrame")
    page.keyboard.press("Tab")  # out of the preview's frame, onto the cards' table
    assert page.evaluate("() => document.activeElement.tagName") != "IFRAME", "Tab stays in the preview's frame"
    assert table.evaluate("e => e.contains(document.activeElement)"), f"after the preview: {focused(page)[0]!r}"
    assert focused(page)[1] and not out_of_sight(page), f"the table's focus: {focused(page)}, {out_of_sight(page)}"
    # its toolbar, the ring along its row (a cell a press), then out of it to the next form
    to(page, page.get_by_label("Student to rename"), limit=12)

    sheet = page.context.new_page()  # the downloaded page, as the teacher opens it to print
    sheet.goto(printed.as_uri())
    to(sheet, sheet.get_by_role("button", name="Print"), limit=1)  # its first stop
    sheet.keyboard.press("Enter")
    assert sheet.evaluate("() => window.__printed") == 1
    sheet.keyboard.press("Tab")
    assert focused(sheet)[0] == PAST_THE_END, f"Tab after Print stops on {focused(sheet)[0]!r}"
    sheet.close()


def cards_done(page) -> None:  # noqa: ANN001 - playwright Page
    """Back with Shift+Tab (through the table and the preview's frame) to *Done*, pressed: the panel goes with the
    focused button, and the focus goes to the line said in its place (not to the page, where nothing shows it); Tab
    goes on from there to the forms below."""
    from ui.classroom.cards_panel import PUT_AWAY_LINE

    done = page.get_by_role("button", name=re.compile("^Done: the cards"))
    to(page, done, back=True, limit=30)
    page.keyboard.press("Enter")
    page.get_by_text(PUT_AWAY_LINE).wait_for(timeout=WAIT_MS)
    assert PUT_AWAY_LINE[:40] in pressed_and_kept(page, "Enter", "Done")  # its first words
    to(page, page.get_by_label("Student to rename"), limit=3)  # the forms under where the panel was


def choose(page, box, name: str) -> None:  # noqa: ANN001 - playwright Page, Locator
    """In the select ``box`` (focused): ArrowDown opens its list, the arrows move to ``name``, Enter chooses it. A
    rerun of the page's live panel may close the list as it opens: opened again."""
    keys = page.keyboard
    for _ in range(4):
        keys.press("ArrowDown")
        for _ in range(8):
            option = page.evaluate(
                """() => { const b = document.activeElement, id = b && b.getAttribute('aria-activedescendant');
                  const o = (id && document.getElementById(id))
                    || document.querySelector('[role=option][aria-selected=true]');
                  return o ? o.innerText.trim() : null; }"""
            )
            if option is None:
                break  # the list closed
            if (option.splitlines() or [""])[0].strip() == name:
                keys.press("Enter")
                if box.input_value() == name:
                    return
                break
            keys.press("ArrowDown")
        wait_app_ready(page)
    raise AssertionError(f"{name} could not be chosen with the arrows in {box}")


def delete_ben(page) -> None:  # noqa: ANN001 - playwright Page
    from playwright.sync_api import expect

    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Delete student"))
    box = form.get_by_label("Student to delete")
    to(page, box)
    choose(page, box, "Ben")
    sure = form.get_by_label(re.compile("^Delete this student"))
    to(page, sure)
    page.keyboard.press("Space")
    expect(sure).to_be_checked(timeout=5_000)  # on the key's release
    to(page, form.get_by_label("Type their name once more"))
    page.keyboard.type("Ben")
    to(page, form.get_by_role("button", name="Delete student"))
    page.keyboard.press("Enter")
    page.get_by_text("Deleted 1 account(s): 'Ben'").wait_for(timeout=WAIT_MS)
    assert "Delete student" in pressed_and_kept(page, "Enter", "Delete student")


def rename_unlock_limits_end(page) -> None:  # noqa: ANN001 - playwright Page
    """The other forms, each pressed by keyboard: Cy renamed Cyan, Dee let in, a limit changed, the class ended."""
    keys = page.keyboard
    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Rename"))
    box = form.get_by_label("Student to rename")
    to(page, box)
    choose(page, box, "Cy")
    to(page, form.get_by_label("New name"))
    keys.type("Cyan")
    to(page, form.get_by_role("button", name="Rename"))
    keys.press("Enter")
    page.get_by_text("'Cy' is 'Cyan' now").wait_for(timeout=WAIT_MS)
    pressed_and_kept(page, "Enter", "Rename")

    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Let in now"))
    box = form.get_by_label("Student who cannot sign in")
    to(page, box)
    choose(page, box, "Dee")
    to(page, form.get_by_role("button", name="Let in now"))
    keys.press("Enter")
    page.get_by_text(re.compile("^Dee can sign in at once")).wait_for(timeout=WAIT_MS)
    pressed_and_kept(page, "Enter", "Let in now")

    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name="Save limits"))
    to(page, form.get_by_label("Projects per student"))
    keys.press("ArrowUp")  # a number field: the arrow steps it
    to(page, form.get_by_role("button", name="Save limits"))
    keys.press("Enter")
    page.get_by_text(re.compile(r"^Saved\. ")).wait_for(timeout=WAIT_MS)
    pressed_and_kept(page, "Enter", "Save limits")

    form = page.get_by_test_id("stForm").filter(has=page.get_by_role("button", name=re.compile("^End the class")))
    to(page, form.get_by_label("Type the class's name to end it"))
    keys.type("7B")
    to(page, form.get_by_role("button", name=re.compile("^End the class")))
    keys.press("Enter")
    page.get_by_text("The class has ended.").wait_for(timeout=WAIT_MS)
    pressed_and_kept(page, "Enter", "End the class")


def test_the_teacher_adds_prints_and_deletes_with_the_keyboard_alone(tmp_path: Path) -> None:
    from browsermaker import served_app
    from playwright.sync_api import sync_playwright
    from test_browser_class import teacher_on_class_page

    from core.classes.roster import any_class
    from core.data.store import Store

    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not found")
    school = make_class(tmp_path / "data")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = None
        try:
            with served_app(tmp_path, lambda: page and page.screenshot(path=tmp_path / "teacher.png")) as server:
                page = teacher_on_class_page(browser, server.url, school.code, COUNT_PRINTS)
                add_two_students(page)
                print_the_cards(page, tmp_path)
                cards_done(page)
                delete_ben(page)
                rename_unlock_limits_end(page)
        finally:
            browser.close()
    assert not any_class(Store(tmp_path / "data")), "the class was not ended"
