"""Console progress of a training run through ``tqdm``: a bar redrawn in place on a terminal, and a
line per quarter epoch where the output is a file (a log read later wants a few lines, not 50 redraws).
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

UPDATES_PER_EPOCH = 50  # step reports per epoch from the training loop
LINES_PER_EPOCH = 4  # step lines per epoch kept where the output is a file
_FORMAT = "  {bar:24}| {n_fmt}/{total_fmt}  {desc}"


class StepLine(str):
    """A progress report of the training loop (a str, so any ``log`` takes it; ``ConsoleLog`` draws a bar)."""

    step: int
    steps: int

    @classmethod
    def of(cls, step: int, steps: int, loss: float, crops_per_second: float) -> StepLine:
        line = cls(f"  {step}/{steps}  loss {loss:.4f}  {crops_per_second:.0f} crops/s")
        line.step, line.steps = step, max(1, steps)
        return line

    @property
    def fraction(self) -> float:
        return self.step / self.steps

    @property
    def rest(self) -> str:
        return self.split(maxsplit=1)[1]  # "loss ...  ... crops/s"


class _Lines:
    """A file for tqdm that turns its in-place redraws ("\\r" + bar) into one line each."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        text = text.strip("\r").rstrip()
        if text:
            self.stream.write(f"{text}\n")

    def flush(self) -> None:
        self.stream.flush()


class ConsoleLog:
    """``log`` for the command line: ``StepLine`` reports move a tqdm bar of the epoch, other lines print
    above it (on a terminal) or between the quarter-epoch step lines (in a file)."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stdout
        self.live = self.stream.isatty()
        self.bar: tqdm | None = None

    def __call__(self, line: str) -> None:
        if isinstance(line, StepLine):
            self._step(line)
            return
        self.close()  # an epoch or other message ends the epoch's bar
        self.stream.write(f"{line}\n")
        self.stream.flush()

    def _step(self, line: StepLine) -> None:
        if self.bar is None or self.bar.total != line.steps or line.step < self.bar.n:
            self.close()
            every = max(1, line.steps // LINES_PER_EPOCH)
            self.bar = tqdm(
                total=line.steps,
                file=self.stream if self.live else _Lines(self.stream),
                bar_format=_FORMAT,
                ascii=" #" if not self.live else None,
                leave=False,
                mininterval=0.0,  # the loop reports only UPDATES_PER_EPOCH times an epoch: draw each
                miniters=1 if self.live else every,
                delay=0.0 if self.live else 1e-9,  # a file gets no 0/N line at the start of each epoch
            )
        if not self.live and line.fraction >= 1.0:
            return  # the epoch's own line follows at once
        self.bar.set_description_str(line.rest, refresh=False)
        self.bar.update(line.step - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None
