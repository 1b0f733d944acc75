"""Text a user typed (class and project names, file names, error messages that quote them), shown as typed."""

from __future__ import annotations

import re

# What can turn plain characters into Markdown or Streamlit markup anywhere in a line: emphasis, code, links and
# images ("[", "]"), HTML ("<", "&"), math ("$"), strikethrough ("~"). (A table needs a second line of dashes.)
_ALWAYS = re.compile(r"([\\`*\[\]<>&$~])")
# "_" emphasises only at a word's edge: "thumbs_up" and "like_00000.jpg" stay as they are.
_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")
# Streamlit's emoji shortcodes (":smile:", both colons escaped) and directives (":red[", ":material/x:").
_SHORTCODE = re.compile(r":([\w+\-]+):")
_DIRECTIVE = re.compile(r":(?=[\w\-/]+(\\\[|:))")
# A heading, list item or setext heading at a line's start.
_BULLET = re.compile(r"^(\s*)([-+=]|#+(?=\s|$))", re.MULTILINE)
_NUMBERED = re.compile(r"^(\s*\d+)([.)])", re.MULTILINE)
# Bare web addresses become links (GitHub's autolinks): an invisible word joiner keeps them text.
_AUTOLINK = re.compile(r"(://|www\.)", re.IGNORECASE)
_JOINER = "\u2060"


def plain(text: str) -> str:
    """``text`` shown as typed where Streamlit renders Markdown (messages, labels, radio options, captions):
    a class named "[login](https:evil.test)" or "**B** :red[R]" is its own characters, not a link or styling."""
    text = _ALWAYS.sub(r"\\\1", text)
    text = _EDGE_UNDERSCORE.sub(r"\\_", text)
    text = _SHORTCODE.sub(r"\\:\1\\:", text)
    text = _DIRECTIVE.sub(":" + _JOINER, text)
    text = _BULLET.sub(r"\1\\\2", text)
    text = _NUMBERED.sub(r"\1\\\2", text)
    return _AUTOLINK.sub(lambda m: m.group(1)[0] + _JOINER + m.group(1)[1:], text)


def time_left_text(seconds: float | None) -> str:
    """ ", about 9 s left" for a job's time left (``core.io.progress.seconds_left``), "" when not yet known."""
    return f", about {seconds:.0f} s left" if seconds is not None else ""
