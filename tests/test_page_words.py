"""Words the pages say that were not true for their reader (issue 76, item 6): the Class page named a version digest
and a worker command without step 5's --data; after leaving Train a model's accuracy was "not measured yet"."""

from __future__ import annotations

import re
from pathlib import Path

from core.jobs.job import WORKER_COMMAND
from core.site.status import QueueState, SiteStatus, summary
from ui.classroom import panels
from ui.common import figures

ROOT = Path(__file__).resolve().parents[1]
MINE = "3.f10412a12c9e"
WAITING = SiteStatus(shared=True, servers=(), queue=QueueState({"train": 1}, {}, 5.0, {MINE: 1, "3.0ld0ld0ld0ld": 2}),
                     workers=(), notes=())  # fmt: skip


def test_the_class_page_names_no_version_digest_and_handteach_status_does() -> None:
    page = summary(WAITING, MINE, versions=False)
    assert "No job worker runs this app server's version of handteach" in page
    assert not re.search(r"\b\d+\.[0-9a-f]{12}\b", page), page
    assert "2 jobs sent by app servers of another version wait" in page
    command_line = summary(WAITING, MINE)  # handteach status: whoever runs the servers compares the versions
    assert MINE in command_line and "3.0ld0ld0ld0ld" in command_line


def test_the_worker_command_is_step_5s() -> None:
    steps = (ROOT / "docs/site-servers.md").read_text(encoding="utf-8")
    started = [line for line in steps.splitlines() if " jobs worker" in line and line.startswith(".venv/bin/")]
    assert started and all(line.startswith(WORKER_COMMAND + " ") for line in started), started
    assert "--data " in WORKER_COMMAND
    assert WORKER_COMMAND in summary(WAITING, MINE, versions=False)


def test_a_model_without_a_figure_is_not_promised_one_by_waiting() -> None:
    for words in (figures.NOT_MEASURED, panels.NOT_MEASURED, panels.NOT_MEASURED_WHY):
        assert "yet" not in words, words
    # how to get one: the check runs on Train after a training, and leaving the page stops it
    for words in (figures.NOT_MEASURED, panels.NOT_MEASURED_WHY):
        assert "leave" in words and "Train" in words and "train" in words.replace("Train", ""), words
