"""A newcomer's ten questions (docs/README.md) each reach their answer in at most two links from the README, and
bench/README.md names one command for each question a benchmark answers.

The questions, their links and the words each answer must say live in docs/README.md's table; this follows every
link to its file and heading and reads that section, so a page that moves or drops the answer fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_docs_links import _HEADING, _LINK, _prose_lines, slug

REPO = Path(__file__).resolve().parents[1]
DOCS_README = REPO / "docs" / "README.md"
BENCH_README = REPO / "bench" / "README.md"
QUESTIONS_HEADING = "A newcomer's ten questions"
COMMANDS_HEADING = "One question, one command"
_PHRASE = re.compile(r'"([^"]+)"')
_SCRIPT = re.compile(r"\bbench/[\w/]+\.py\b")


def section(page: Path, anchor: str) -> str:
    """The text under the heading whose anchor is ``anchor``, up to the next heading of its level or above."""
    lines = _prose_lines(page.read_text(encoding="utf-8"))
    for i, line in enumerate(lines):
        match = _HEADING.match(line)
        if match and slug(match.group(2)) == anchor:
            level, body = len(match.group(1)), []
            for rest in lines[i + 1 :]:
                heading = _HEADING.match(rest)
                if heading and len(heading.group(1)) <= level:
                    break
                body.append(rest)
            return "\n".join(body)
    shown = page.relative_to(REPO) if page.is_relative_to(REPO) else page
    raise AssertionError(f"{shown}: no heading with anchor #{anchor}")


def table_rows(page: Path, heading: str) -> list[list[str]]:
    """The body rows of the first table in the section ``heading`` of ``page``, as lists of cells."""
    rows = [line for line in section(page, slug(heading)).splitlines() if line.startswith("|")]
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    return [row for row in cells[1:] if not set("".join(row)) <= set("-: ")]


def answer_found(page: Path, target: str, phrase: str) -> str | None:
    """None when ``target`` (relative to ``page``) opens a section saying ``phrase``; else what went wrong."""
    path_part, _, anchor = target.partition("#")
    dest = (page.parent / path_part).resolve()
    if not dest.is_file():
        return f"{target}: no file"
    if not anchor:
        return f"{target}: the link opens the page's top, not the answer's section"
    try:
        text = section(dest, anchor)
    except AssertionError as missing:
        return str(missing)
    return None if phrase in text else f"{target}: the section does not say {phrase!r}"


def questions() -> list[tuple[str, str, str]]:
    """(question, link target, phrase) for each row of docs/README.md's table."""
    found = []
    for question, answer, says in table_rows(DOCS_README, QUESTIONS_HEADING):
        targets, phrases = _LINK.findall(answer), _PHRASE.findall(says)
        assert len(targets) == 1, f"{question!r}: one link from docs/README.md, got {targets}"
        assert len(phrases) == 1, f"{question!r}: one quoted phrase the answer says, got {says!r}"
        found.append((question, targets[0], phrases[0]))
    return found


def test_ten_questions_and_the_readme_leads_to_them() -> None:
    assert len(questions()) == 10
    readme_links = _LINK.findall(" ".join(_prose_lines((REPO / "README.md").read_text(encoding="utf-8"))))
    assert "docs/README.md" in [t.partition("#")[0] for t in readme_links], "README.md must link docs/README.md"


@pytest.mark.parametrize("question, target, phrase", questions(), ids=lambda v: v if "?" in str(v) else "")
def test_each_question_reaches_its_answer(question: str, target: str, phrase: str) -> None:
    problem = answer_found(DOCS_README, target, phrase)
    assert problem is None, f"{question}: {problem}"


def test_a_wrong_answer_is_caught(tmp_path: Path) -> None:
    """The check can fail: a missing phrase, a missing heading and a link to a page's top are each named."""
    (tmp_path / "a.md").write_text("# Top\n## Record\nRecord a take.\n## Live\nDelete a sample.\n", encoding="utf-8")
    page = tmp_path / "index.md"
    assert answer_found(page, "a.md#record", "Record a take") is None
    assert "does not say" in str(answer_found(page, "a.md#record", "Delete a sample"))
    assert "no heading" in str(answer_found(page, "a.md#train", "Train"))
    assert "top" in str(answer_found(page, "a.md", "Record"))


def bench_commands() -> dict[str, str]:
    """bench/README.md's question (lowercased) -> its command."""
    return {q.lower(): command for q, command in table_rows(BENCH_README, COMMANDS_HEADING)}


def test_bench_readme_names_one_command_a_question() -> None:
    commands = bench_commands()
    assert len(commands) >= 8
    for question, command in commands.items():
        scripts = _SCRIPT.findall(command)
        assert len(scripts) == 1, f"bench/README.md, {question!r}: one command, got {command!r}"
        assert (REPO / scripts[0]).is_file(), f"bench/README.md, {question!r}: no file {scripts[0]}"


def test_every_benchmark_question_has_its_command() -> None:
    """The newcomer's questions answered by a benchmark number are in bench/README.md's table, word for word."""
    asked = [q for q, target, _ in questions() if target.startswith("benchmarks.md")]
    assert asked, "no question of docs/README.md is answered in benchmarks.md"
    missing = [q for q in asked if q.lower() not in bench_commands()]
    assert not missing, f"bench/README.md names no command for {missing}"


@pytest.mark.parametrize("room", sorted(p.parent.name for p in (REPO / "bench").glob("*/README.md")))
def test_each_room_readme_names_its_benchmarks(room: str) -> None:
    folder = REPO / "bench" / room
    text = (folder / "README.md").read_text(encoding="utf-8")
    unnamed = [p.name for p in sorted(folder.glob("*.py")) if p.name != "__init__.py" and f"`{p.name}`" not in text]
    assert not unnamed, f"bench/{room}/README.md does not name {unnamed}"
    assert "docs/benchmarks.md" in text, f"bench/{room}/README.md: which numbers of docs/benchmarks.md each produces"
