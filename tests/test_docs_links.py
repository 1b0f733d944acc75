"""Every relative link in README.md and docs/*.md reaches a file, and every ``#anchor`` a heading there.

Anchors are GitHub's slugs (lowercase, punctuation dropped, spaces to hyphens, ``-1``, ``-2`` for
repeated headings), so a link that works here works on GitHub. Pages move (docs/benchmarks.md split
into today's numbers and benchmarks-history.md); this keeps the links into them true.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]

_FENCE = re.compile(r"^\s*(```|~~~)")
# [text](target) and ![alt](target); the target stops at whitespace or ')' (an optional "title" after a space).
_LINK = re.compile(r"!?\[(?:[^\]\[]|\[[^\]]*\])*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_CODE_SPAN = re.compile(r"`+([^`]*)`+")


def _prose_lines(text: str) -> list[str]:
    """The lines outside fenced code blocks (links and headings there are code, not markdown)."""
    lines, fenced = [], False
    for line in text.splitlines():
        if _FENCE.match(line):
            fenced = not fenced
            continue
        if not fenced:
            lines.append(line)
    return lines


def slug(heading: str) -> str:
    """GitHub's anchor for a heading's text: markup and punctuation dropped, spaces to hyphens."""
    text = _CODE_SPAN.sub(r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link in a heading keeps its text
    text = re.sub(r"[*_]{2,}|(?<!\w)[*_]|[*_](?!\w)", "", text)  # emphasis markers, not snake_case
    text = "".join(ch for ch in text.lower() if ch.isalnum() or ch in " -_")
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    """Every heading anchor of a markdown page, repeats numbered as GitHub numbers them."""
    seen: dict[str, int] = {}
    found = set()
    for line in _prose_lines(page.read_text(encoding="utf-8")):
        match = _HEADING.match(line)
        if not match:
            continue
        base = slug(match.group(2))
        count = seen.get(base, 0)
        seen[base] = count + 1
        found.add(base if count == 0 else f"{base}-{count}")
    return found


def links(page: Path) -> list[str]:
    """The relative link targets of a page (web, mail and absolute links left out)."""
    targets = []
    for line in _prose_lines(page.read_text(encoding="utf-8")):
        line = _CODE_SPAN.sub("", line)  # `[x](y)` inside code is an example, not a link
        for target in _LINK.findall(line):
            if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:|^/", target):
                targets.append(target)
    return targets


def _shown(path: Path) -> Path:
    return path.relative_to(REPO) if path.is_relative_to(REPO) else path


def broken(page: Path) -> list[str]:
    """The page's links whose file or heading does not exist, each with the reason."""
    problems = []
    for target in links(page):
        path_part, _, anchor = target.partition("#")
        dest = (page.parent / path_part).resolve() if path_part else page
        if not dest.exists():
            problems.append(f"{target}: no file {_shown(dest)}")
        elif anchor and dest.suffix == ".md" and anchor not in anchors(dest):
            problems.append(f"{target}: no heading with anchor #{anchor} in {_shown(dest)}")
    return problems


def test_slug_follows_github() -> None:
    assert slug("A classroom on one server (#32)") == "a-classroom-on-one-server-32"
    assert slug("Open set: what it was not taught (webcam_people)") == "open-set-what-it-was-not-taught-webcam_people"
    assert slug("Real strangers: 15 people's own kinivi logs (session 18)") == (
        "real-strangers-15-peoples-own-kinivi-logs-session-18"
    )
    assert slug("Project files (.handteach)") == "project-files-handteach"
    assert slug("`bench/x.py` **now**") == "benchxpy-now"


def test_broken_link_is_found(tmp_path: Path) -> None:
    (tmp_path / "b.md").write_text("# Only this\n", encoding="utf-8")
    page = tmp_path / "a.md"
    page.write_text("# Here\n[ok](b.md#only-this) [self](#here) [gone](b.md#other) [no](c.md)\n", encoding="utf-8")
    problems = broken(page)
    assert len(problems) == 2
    assert problems[0].startswith("b.md#other") and problems[1].startswith("c.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(REPO)))
def test_relative_links_resolve(page: Path) -> None:
    assert broken(page) == []
