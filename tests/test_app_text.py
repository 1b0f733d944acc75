"""ui.common.text.plain: names a user typed show as typed wherever Streamlit renders Markdown (issue 34 item 6).

The quick tests pin what is escaped; the slow one stores classes with hostile names in a real project and
reads the Record page in headless Chromium: no link, no styling, every name's characters as typed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ui.common.text import plain

HOSTILE = [  # class names cannot hold "/" (they name folders), so no "://" and no closing HTML tags here
    "[login here](https:evil.test)", "**B** :red[R]", "_it_ x", "$x^2$", ":smile: ok", "<i>x", "1. list",
    "- item", "# head", "~~s~~", "&lt;b&gt;", "`code`", "![i](https:evil.test)", "a | b", "see www.evil.test",
]  # fmt: skip


@pytest.mark.parametrize(
    ("typed", "escaped"),
    [("thumbs_up", "thumbs_up"), ("like_00000.jpg", "like_00000.jpg"), ("_it_", "\\_it\\_"),
     ("[a](b)", "\\[a\\](b)"), ("**B** :red[R]", "\\*\\*B\\*\\* :\u2060red\\[R\\]"), (":smile:", "\\:smile\\:"),
     ("1. x", "1\\. x"), ("- x", "\\- x"), ("a\\b", "a\\\\b"), ("x: y", "x: y"), ("http://e.test", "http:\u2060//e.test"),
     ("could not add: class named 'peace'.", "could not add: class named 'peace'.")],
)  # fmt: skip
def test_what_is_escaped(typed: str, escaped: str) -> None:
    assert plain(typed) == escaped


@pytest.mark.slow
def test_hostile_class_names_show_as_typed_on_the_record_page(tmp_path: Path) -> None:
    from browsermaker import served_app
    from conftest import fake_camera_or_skip

    from bench.common.browser import browser_page, wait_app_ready
    from bench.common.fake_camera import DEFAULT_VIDEO
    from core.data.store import Store

    y4m = fake_camera_or_skip(DEFAULT_VIDEO, tmp_path / "y4m")
    store = Store(tmp_path / "data")
    store.create_project("names", default_classes=False)
    for name in HOSTILE:
        store.add_class("names", name)
    with browser_page(y4m, width=1200, height=2000) as page, served_app(tmp_path, lambda: None) as server:
        page.goto(f"{server.url}/record?project=names")
        wait_app_ready(page)
        main = page.locator('[data-testid="stMain"]')
        main.get_by_text("Gesture to record").wait_for()
        radio = main.locator('[data-testid="stRadio"]').first  # the sidebar's own radio (keypoints path) comes first
        # a label holding "$" waits for Streamlit's lazily loaded math renderer (a skeleton until then)
        page.wait_for_function("() => !document.querySelector('[data-testid=stRadio] [data-testid=stSkeleton]')")
        labels = [t.replace("\u2060", "") for t in radio.locator("label").all_inner_texts()]
        assert [label.strip() for label in labels if label.strip()][-len(HOSTILE) :] == HOSTILE  # after its own label
        links = main.locator("a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
        assert not [href for href in links if href and "evil.test" in href], links
        markup = "a, strong, em, del, code, img, h1, h2, h3, ol, ul, i, b, .katex, [data-testid=stIconMaterial]"
        assert radio.locator(markup).count() == 0, radio.inner_html()[:2000]
        heading = main.locator("h2", has_text="Samples of")
        heading.wait_for(timeout=60_000)  # below the webcam: rendered last
        assert heading.inner_text().replace("\u2060", "").strip() == f"Samples of {HOSTILE[0]} (0)"
