"""Training progress on the console: a bar in place on a terminal, a few lines in a file."""

from __future__ import annotations

import io

from core.cpm.progress import BAR_WIDTH, ConsoleLog, StepLine


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _epoch(log: ConsoleLog, steps: int = 100) -> None:
    for step in range(2, steps + 1, 2):
        log(StepLine.of(step, steps, loss=1.0 / step, crops_per_second=120.0))
    log("epoch 1/1  loss 0.5")


def test_a_step_line_draws_a_bar_of_the_epoch_done() -> None:
    line = StepLine.of(30, 120, 0.1234, 99.6)
    assert line.fraction == 0.25 and "30/120" in line and "loss 0.1234" in line and "100 crops/s" in line
    assert line.count("#") == BAR_WIDTH // 4 and line.count(".") >= BAR_WIDTH * 3 // 4


def test_in_a_file_a_line_per_quarter_epoch_is_kept() -> None:
    out = io.StringIO()
    log = ConsoleLog(out)
    _epoch(log)
    _epoch(log)
    lines = out.getvalue().splitlines()
    assert [line.split("]")[1].split()[0] for line in lines if "[" in line] == ["26/100", "50/100", "76/100"] * 2
    assert sum(line.startswith("epoch") for line in lines) == 2 and "\r" not in out.getvalue()


def test_on_a_terminal_the_bar_redraws_in_place_and_messages_print_below() -> None:
    out = Terminal()
    _epoch(ConsoleLog(out))
    text = out.getvalue()
    assert text.count("\r  [") == 50  # every update redraws the same line
    assert text.endswith("\r\033[Kepoch 1/1  loss 0.5\n")  # the bar is cleared before the epoch line
