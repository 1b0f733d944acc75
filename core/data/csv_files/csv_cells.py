"""CSV plumbing shared by ``core.data.csv_files.csv_io`` (kinivi) and ``core.data.csv_files.csv_handteach``: lines, records and
checked cells with the line of any problem, atomic streamed writing, and the all-or-nothing store import.

Files are read as they come (flat memory in the number of rows), and every refusal is a
``CsvFormatError`` naming the file, the 1-based line and the problem.
"""

from __future__ import annotations

import csv
import errno
import itertools
import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, TextIO

import numpy as np

from core.data.imports.batched_import import store_in_batches
from core.data.store import Sample, Store
from core.gestures.catalog import InvalidNameError, validate_name
from core.io.atomic import atomic_path
from core.io.progress import FrameCounter

MAX_LINE_BYTES = 1 << 20  # a handteach row is about 3 kB
# A text cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection): "=SUM(1+1)*cmd" as a
# gesture's name would run when a teacher opens the export. Such a cell is written after a single quote, which
# spreadsheets take as "this is text" and do not show.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


class CsvFormatError(ValueError):
    """A CSV file that cannot be read; ``path`` and ``line`` (1-based, or None) say where."""

    def __init__(self, path: Path, line: int | None, problem: str) -> None:
        self.path, self.line, self.problem = Path(path), line, problem
        super().__init__(f"{path}, line {line}: {problem}" if line else f"{path}: {problem}")


def _lines(handle: BinaryIO, path: Path) -> Iterator[str]:
    """Decoded lines, one at a time, so a bad byte is reported with its line and a file with no
    line breaks cannot be read whole into memory."""
    for number in itertools.count(1):
        raw = handle.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return
        if len(raw) > MAX_LINE_BYTES:
            raise CsvFormatError(path, number, f"line longer than {MAX_LINE_BYTES} bytes: not a keypoint CSV")
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError:
            raise CsvFormatError(path, number, "not UTF-8 text") from None


def iter_rows(path: Path, keep_blank: bool = False) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of every record, read as they come (flat memory); blank lines skipped
    unless ``keep_blank``. Raises ``CsvFormatError`` for an unreadable, non-UTF-8 or empty file."""
    path = Path(path)
    try:
        handle = path.open("rb")
    except FileNotFoundError:
        raise CsvFormatError(path, None, "file not found") from None
    except OSError as exc:
        raise CsvFormatError(path, None, f"cannot read the file: {exc.strerror or exc}") from exc
    with handle:
        reader = csv.reader(_lines(handle, path))
        empty = True
        try:
            for cells in reader:
                if cells or keep_blank:
                    empty = False
                    yield reader.line_num, cells
        except csv.Error as exc:
            raise CsvFormatError(path, reader.line_num, f"malformed CSV: {exc}") from None
        except OSError as exc:
            raise CsvFormatError(path, reader.line_num, f"cannot read the file: {exc.strerror or exc}") from exc
    if empty:
        raise CsvFormatError(path, 1, "the file is empty (no rows)")


def text_cell(text: str) -> str:
    """A text cell (a name, a source) as an export writes it: after a single quote where a spreadsheet would take it
    for a formula, or where it starts with a quote before such a character or another quote (so that
    ``read_text_cell`` gives every text back as it was). Numbers are never passed here: "-0.5" stays a number."""
    return _QUOTE + text if _needs_quote(text) else text


def read_text_cell(text: str) -> str:
    """A text cell of handteach's own export as it was before ``text_cell`` (the one quote it added dropped)."""
    return text[1:] if text[:1] == _QUOTE and _needs_quote(text[1:]) else text


def _needs_quote(text: str) -> bool:
    if text.startswith(FORMULA_STARTS):
        return True
    return text[:1] == _QUOTE and (text[1:2] == _QUOTE or text[1:].startswith(FORMULA_STARTS))


def read_number(path: Path, line: int, column: str, text: str, allow_nan: bool = False) -> float:
    try:
        value = float(text)
    except ValueError:
        raise CsvFormatError(path, line, f"column {column}: {text!r} is not a number") from None
    if not (math.isfinite(value) or (allow_nan and math.isnan(value))):
        raise CsvFormatError(path, line, f"column {column}: {text!r} is not a finite number")
    return value


def read_integer(path: Path, line: int, column: str, text: str, minimum: int, maximum: int = 2**31 - 1) -> int:
    # Bounded above too: SQLite stores at most 2^63 - 1 (beyond: OverflowError) and no
    # image size or frame number comes near 2^31.
    if not re.fullmatch(r"\s*-?[0-9]{1,20}\s*", text) or not minimum <= int(text) <= maximum:
        raise CsvFormatError(
            path, line, f"column {column}: {text[:40]!r} is not an integer from {minimum} to {maximum}"
        )
    return int(text)


def read_name(path: Path, line: int, text: str, what: str) -> str:
    try:
        return validate_name(text, what)
    except InvalidNameError as exc:
        raise CsvFormatError(path, line, str(exc)) from None


def read_points(
    path: Path, line: int, cells: Sequence[str], start: int, shape: tuple[int, int], allow_nan: bool
) -> np.ndarray:
    """(joints, dims) float32 ``shape`` from ``cells[start:]``; raises if a value is no number or overflows float32."""
    count = shape[0] * shape[1]
    texts = cells[start : start + count]
    try:  # the common case in one go (a 190 MB import reads 10 million numbers); a problem is found cell by cell
        values = np.asarray(list(map(float, texts)), dtype=np.float64)
        ok = bool((~np.isinf(values) if allow_nan else np.isfinite(values)).all())
    except ValueError:
        ok = False
    if not ok:
        values = np.asarray([read_number(path, line, str(start + i + 1), t, allow_nan) for i, t in enumerate(texts)])
    with np.errstate(over="ignore"):  # overflow is reported below, with the line
        points = values.astype(np.float32)
    if np.isinf(points).any():
        raise CsvFormatError(path, line, "a value is too large for float32")
    return points.reshape(shape)


def read_visibility(path: Path, line: int, cells: Sequence[str], start: int, count: int) -> np.ndarray | None:
    """(count,) float32 visibilities in [0, 1] from ``cells[start:]``, or None when all ``count`` cells
    are empty (a detector without visibility, e.g. MediaPipe Hands); some empty and some not is an error."""
    texts = cells[start : start + count]
    if not any(t.strip() for t in texts):
        return None
    values = read_points(path, line, cells, start, (count, 1), allow_nan=False).reshape(count)
    outside = np.flatnonzero((values < 0) | (values > 1))
    if outside.size:
        column = start + int(outside[0]) + 1
        raise CsvFormatError(path, line, f"column {column}: visibility {texts[outside[0]]!r} is not in [0, 1]")
    return values


@dataclass(frozen=True)
class ImportReport:
    """What an import added: sample count, samples per class, and the classes it created."""

    n_added: int
    per_class: dict[str, int] = field(default_factory=dict)
    new_classes: tuple[str, ...] = ()
    two_hand_classes: tuple[str, ...] = ()  # gestures whose rows alternate two hands (csv_files.two_hands)
    batches: int = 0  # transactions the rows were stored in (core.data.imports.batched_import)
    longest_write_s: float = 0.0  # the longest of them held the store's write lock this long


def write_atomic(path: Path, rows: Iterable[Sequence[object]]) -> int:
    """Write CSV rows as they come through a temporary file (``core.io.atomic``), so a crash never
    leaves half a file behind and memory stays flat; returns the rows written. A missing folder is
    an error naming the file, not created: a typo in ``-o`` should not make directories."""
    path = Path(path)
    if not path.parent.is_dir():
        raise FileNotFoundError(errno.ENOENT, f"no folder {str(path.parent)!r} to write into", str(path))
    count = 0
    with atomic_path(path) as tmp, tmp.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(_NewlineEnds(f), lineterminator="\r\n")
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


class _NewlineEnds:
    """A file that ends each row the csv writer gives it with "\n" where the writer wrote "\r\n". The writer quotes a
    cell holding a character of its line ending only: told "\r\n", a cell holding a carriage return (a source
    name from a file) is quoted, and reads back as one cell; the file's lines still end with "\n"."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def write(self, row: str) -> int:  # the writer writes each row whole, its line ending last
        return self.out.write(row[:-2] + "\n" if row.endswith("\r\n") else row)


def float_cells(values: np.ndarray) -> list[str]:
    # float32 → float64 is exact, and repr is the shortest text that reads back to it.
    return [repr(v) for v in np.asarray(values, dtype=np.float32).reshape(-1).tolist()]


def store_samples(store: Store, project: str, read: Callable[[], Iterable[Sample]], create_project: bool = False,
                  counter: FrameCounter | None = None) -> ImportReport:  # fmt: skip
    """Check every sample ``read()`` yields, then store them in short transactions (``core.data.imports.batched_import``):
    a bad row stores nothing; a cancel (``counter``), ``Stopped``, removes what was stored. Memory stays flat."""
    before = {c.name for c in store.list_classes(project)} if store.has_project(project) else set()
    done = store_in_batches(store, project, read, create_project, counter)
    new = tuple(n for n in done.per_class if n not in before)
    return ImportReport(sum(done.per_class.values()), done.per_class, new, (), done.batches, done.longest_hold_s)
