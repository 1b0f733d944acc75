"""Console progress of a training run: a bar redrawn in place on a terminal, a few lines in a log file."""

from __future__ import annotations

import sys
from typing import TextIO

BAR_WIDTH = 24
UPDATES_PER_EPOCH = 50  # bar redraws per epoch on a terminal
LINES_PER_EPOCH = 4  # step lines per epoch kept where the output is a file


class StepLine(str):
    """A progress line of the training loop; ``fraction`` of the epoch is done (a str, so any ``log`` takes it)."""

    fraction: float

    @classmethod
    def of(cls, step: int, steps: int, loss: float, crops_per_second: float) -> StepLine:
        filled = round(BAR_WIDTH * step / max(1, steps))
        line = cls(
            f"  [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {step}/{steps}  loss {loss:.4f}  {crops_per_second:.0f} crops/s"
        )
        line.fraction = step / max(1, steps)
        return line


class ConsoleLog:
    """``log`` for the command line. On a terminal the step lines redraw one bar in place and other lines
    print below it; elsewhere (a file, a pipe) only one step line per quarter epoch is kept."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.bar_shown = False
        self.kept_quarter = 0

    def __call__(self, line: str) -> None:
        if isinstance(line, StepLine):
            self._step(line)
            return
        if self.bar_shown:
            self.stream.write("\r\033[K")  # the bar's line gives way to the message
            self.bar_shown = False
        self.kept_quarter = 0
        self.stream.write(f"{line}\n")
        self.stream.flush()

    def _step(self, line: StepLine) -> None:
        if self.live:
            self.stream.write(f"\r{line}")
            self.bar_shown = True
        else:
            quarter = int(line.fraction * LINES_PER_EPOCH)
            if quarter <= self.kept_quarter or line.fraction >= 1.0:
                return
            self.kept_quarter = quarter
            self.stream.write(f"{line}\n")
        self.stream.flush()
