"""Both themes' colours, as WCAG computes contrast: the default theme (.streamlit/config.toml and the CSS of
``ui.common.assistive``) at AA (4.5:1 for text, 3:1 for the focus ring), the contrast theme (``ui.common.theme``) at
7:1 for every text and 4.5:1 for everything else a student must see; and its CSS uses no colour the pairs leave out
(a colour added to the CSS without its pair fails here, not in a classroom)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from core.viz.contrast import contrast, over
from ui.common import theme
from ui.common.assistive import CAPTION_GREY, FOCUS_RING

CONFIG = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())["theme"]
WHITE, SIDEBAR = "#ffffff", "#f0f2f6"  # Streamlit's light backgrounds: the page and the sidebar

DEFAULT_PAIRS = {  # what is drawn on what in the default theme, and the ratio WCAG's AA asks of it
    "white on a primary button": (WHITE, CONFIG["primaryColor"], 4.5),
    "primary text on its 10 % tint (a chosen segment)": (CONFIG["primaryColor"], over(CONFIG["primaryColor"], WHITE, 0.1), 4.5),
    "primary text on white (a slider's value)": (CONFIG["primaryColor"], WHITE, 4.5),
    "body text": (CONFIG["textColor"], WHITE, 4.5),
    "Streamlit's faded text (60 %) on white": (over(CONFIG["textColor"], WHITE, 0.6), WHITE, 4.5),
    "Streamlit's faded text (60 %) on the sidebar": (over(CONFIG["textColor"], SIDEBAR, 0.6), SIDEBAR, 4.5),
    "a link": (CONFIG["linkColor"], WHITE, 4.5),
    "a caption": (CAPTION_GREY, WHITE, 4.5),
    "a caption in the sidebar": (CAPTION_GREY, SIDEBAR, 4.5),
    "st.success's text": (CONFIG["greenTextColor"], "#e9f9ee", 4.5),
    "the focus ring": (FOCUS_RING, WHITE, 3.0),
    "the focus ring in the sidebar": (FOCUS_RING, SIDEBAR, 3.0),
}  # fmt: skip


@pytest.mark.parametrize("name", DEFAULT_PAIRS)
def test_the_default_theme_meets_aa(name: str) -> None:
    fore, back, wanted = DEFAULT_PAIRS[name]
    assert contrast(fore, back) >= wanted, f"{name}: {fore} on {back} is {contrast(fore, back):.2f}:1"


@pytest.mark.parametrize("name", theme.TEXT_PAIRS)
def test_every_text_of_the_contrast_theme_is_7_to_1(name: str) -> None:
    fore, back = theme.TEXT_PAIRS[name]
    assert contrast(fore, back) >= 7.0, f"{name}: {fore} on {back} is {contrast(fore, back):.2f}:1"


@pytest.mark.parametrize("name", theme.EDGE_PAIRS)
def test_everything_else_of_the_contrast_theme_is_4_5_to_1(name: str) -> None:
    fore, back = theme.EDGE_PAIRS[name]
    assert contrast(fore, back) >= 4.5, f"{name}: {fore} on {back} is {contrast(fore, back):.2f}:1"


def test_the_contrast_css_uses_only_colours_its_pairs_check() -> None:
    checked = {c.lower() for pair in (*theme.TEXT_PAIRS.values(), *theme.EDGE_PAIRS.values()) for c in pair}
    used = {c.lower() for c in re.findall(r"#[0-9a-fA-F]{6}\b", theme.CSS)}
    assert used, "no colour found in the contrast theme's CSS"
    assert used <= checked, f"colours in the CSS no pair checks: {sorted(used - checked)}"
    assert not re.search(r"#[0-9a-fA-F]{3}\b|rgba?\(|hsla?\(", theme.CSS), "a colour written another way"


def test_every_rule_of_the_contrast_theme_waits_for_its_switch() -> None:
    """The default theme is left as it is: each selector of the contrast CSS starts under the root's attribute."""
    body = theme.CSS.removeprefix("<style>").removesuffix("</style>")
    selectors = [s.strip() for rule in re.findall(r"([^{}]+)\{[^}]*\}", body) for s in rule.split(", ")]
    assert selectors and all(s.startswith('html[data-handteach-contrast="on"] ') for s in selectors), selectors[:3]


def test_the_contrast_is_computed_as_wcag_does() -> None:
    """The figures axe gave: Streamlit's caption grey on white 3.68:1, the old link 3.04:1; the maths of a fade."""
    assert abs(contrast("#83858c", WHITE) - 3.68) < 0.01 and abs(contrast("#6698c8", WHITE) - 3.04) < 0.01
    assert over("#31333f", WHITE, 0.6) == "#83858c"
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
