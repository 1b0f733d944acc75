"""Training progress on the console (tqdm): a bar in place on a terminal, a line per quarter epoch in a file."""

from __future__ import annotations

import io

from core.cpm.training.progress import ConsoleLog, StepLine


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def _epoch(log: ConsoleLog, steps: int = 100) -> None:
    for step in range(2, steps + 1, 2):
        log(StepLine.of(step, steps, loss=1.0 / step, crops_per_second=120.0))
    log("epoch 1/1  loss 0.5")


def test_a_step_line_says_how_far_the_epoch_is() -> None:
    line = StepLine.of(30, 120, 0.1234, 99.6)
    assert line.fraction == 0.25 and "30/120" in line and "loss 0.1234" in line and "100 crops/s" in line
    assert line.rest == "loss 0.1234  100 crops/s"


def test_in_a_file_a_line_per_quarter_epoch_is_kept() -> None:
    out = io.StringIO()
    log = ConsoleLog(out)
    _epoch(log)
    _epoch(log)
    lines = out.getvalue().splitlines()
    done = [int(line.split("|")[1].split("/")[0]) for line in lines if "|" in line]
    assert done == [26, 52, 78] * 2  # a line each time a quarter of the steps (25) more is done
    assert lines[3] == lines[7] == "epoch 1/1  loss 0.5"
    assert "loss 0.0385  120 crops/s" in lines[0] and lines[0].count("#") == 24 * 26 // 100
    assert "\r" not in out.getvalue()


def test_on_a_terminal_the_bar_redraws_in_place_and_messages_print_below() -> None:
    out = Terminal()
    _epoch(ConsoleLog(out))
    text = out.getvalue()
    assert text.count("/100  loss") == 50 and text.count("\r") == 50 + 3  # every report redraws one line
    assert "| 100/100  loss 0.0100  120 crops/s\r" in text
    tail = text.rsplit("\r", 1)[1]
    assert tail == "epoch 1/1  loss 0.5\n"  # the bar's line is cleared before the epoch line
    assert "\n" not in text[: -len(tail)]  # nothing scrolled while the bar ran
