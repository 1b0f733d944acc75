"""The theme and ``ui.common.assistive``: every colour pair the pages draw meets WCAG 2.1 AA (4.5:1 for text, 3:1 for
a focus ring), computed as WCAG defines contrast; and the script Streamlit is given runs (no '<' before a letter,
which its sanitiser drops a script for) and says nothing a page's text must not."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from ui.common.assistive import CAPTION_GREY, FOCUS_RING, _script

THEME = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())["theme"]
WHITE, SIDEBAR = "#ffffff", "#f0f2f6"  # Streamlit's light backgrounds: the page and the sidebar


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(colour: str, background: str, opacity: float) -> str:
    """``colour`` drawn at ``opacity`` over ``background``."""
    mixed = (
        round(opacity * int(colour[i : i + 2], 16) + (1 - opacity) * int(background[i : i + 2], 16)) for i in (1, 3, 5)
    )
    return "#" + "".join(f"{c:02x}" for c in mixed)


PAIRS = {  # what is drawn on what, and the ratio WCAG asks of it
    "white on a primary button": (WHITE, THEME["primaryColor"], 4.5),
    "primary text on its 10 % tint (a chosen segment)": (THEME["primaryColor"], over(THEME["primaryColor"], WHITE, 0.1), 4.5),
    "primary text on white (a slider's value)": (THEME["primaryColor"], WHITE, 4.5),
    "body text": (THEME["textColor"], WHITE, 4.5),
    "Streamlit's faded text (60 %) on white": (over(THEME["textColor"], WHITE, 0.6), WHITE, 4.5),
    "Streamlit's faded text (60 %) on the sidebar": (over(THEME["textColor"], SIDEBAR, 0.6), SIDEBAR, 4.5),
    "a link": (THEME["linkColor"], WHITE, 4.5),
    "a caption": (CAPTION_GREY, WHITE, 4.5),
    "a caption in the sidebar": (CAPTION_GREY, SIDEBAR, 4.5),
    "st.success's text": (THEME["greenTextColor"], "#e9f9ee", 4.5),
    "the focus ring": (FOCUS_RING, WHITE, 3.0),
}  # fmt: skip


@pytest.mark.parametrize("name", PAIRS)
def test_each_colour_pair_meets_aa(name: str) -> None:
    fore, back, wanted = PAIRS[name]
    assert contrast(fore, back) >= wanted, f"{name}: {fore} on {back} is {contrast(fore, back):.2f}:1"


def test_the_contrast_is_computed_as_wcag_does() -> None:
    """The figures the issue measured with axe: Streamlit's caption grey on white 3.68:1, the old link 3.04:1."""
    assert (
        abs(contrast("#83858c", WHITE) - 3.68) < 0.01 and abs(contrast("#6698c8", WHITE) - 3.04) < 0.01
    )  # axe rounds down
    assert over("#31333f", WHITE, 0.6) == "#83858c"  # a caption as Streamlit drew it before the theme


def test_the_script_runs_under_streamlit_and_says_nothing_a_page_must_not() -> None:
    from test_app_words import BANNED

    script = _script()
    assert not re.search(r"<[/\w]", script) and "//" not in script
    found = {what: re.findall(pattern, script) for what, pattern in BANNED.items() if re.search(pattern, script)}
    assert not found, found
