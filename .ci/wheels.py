"""Does every line of requirements.txt install from a wheel on each computer handteach supports?

    python .ci/wheels.py [--requirements requirements.txt] [--no-deps requirements-mediapipe.txt]

For CPython 3.11 to 3.14 on Linux x86-64, Linux aarch64 (a Raspberry Pi), macOS arm64 and Windows amd64: the lines
whose environment marker holds there, each matched against the wheels PyPI lists for it, as pip's
``install --no-deps --only-binary=:all: --python-version X --platform P --implementation cp`` matches them (the
wheel's tags against the cell's, from ``packaging.tags`` as pip vendors it, and the file's Requires-Python). It
reads the index pages and, for torch and a line with extras, the wheel's METADATA by HTTP range requests; it
downloads no wheel: pip's own dry run, asked the same 16
times, downloaded each wheel (the index gives no separate metadata files) or took 10 minutes with range requests,
and gave the same table. A line's extras are checked as well (psycopg's ``binary`` brings the compiled
psycopg-binary). The ``--no-deps`` file's lines (mediapipe, which ``make`` installs without the dependencies it
declares) are checked as the others, and what they declare is neither followed nor counted.

Prints a table, each cell "installs" or the packages with no wheel there, then one JSON line; exits 1 when a cell
fails. A cell also says which lines its markers leave out, and which build of torch it takes, so neither hides behind
"installs". What the lines pull in themselves is not checked for wheels here.

Each cell's download: the sizes the index lists (PEP 700's ``size``) of the lines' wheels and of what they pull in
(each release's Requires-Dist read once, from its METADATA, with the cell's markers; the newest release a first
requirement allows, as pip takes it where nothing else narrows it), so an estimate of what pip downloads there.
On Linux ``make`` takes torch's CPU build from PyTorch's CPU index (``TORCH_CPU_INDEX`` in the Makefile) where that
host answers: the check looks there too (5 s at most), and where it answers, a Linux cell's torch is that wheel;
where it does not, the cell says so, with PyPI's CUDA build's size and the size of the rest.
"""

from __future__ import annotations

import argparse
import email.parser
import io
import json
import os
import re
import ssl
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.tags import Tag, compatible_tags, cpython_tags, mac_platforms
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version
from pip._internal.models.index import PyPI

ROOT = Path(__file__).resolve().parents[1]
# pip's own default index (the registry `pip install` reads), unless HANDTEACH_WHEELS_INDEX names another
INDEX = os.environ.get("HANDTEACH_WHEELS_INDEX", PyPI.url).rstrip("/")
PYTHONS = ("3.11", "3.12", "3.13", "3.14")
# the oldest system each column stands for: glibc 2.35 (Ubuntu 22.04; Debian 12 and Raspberry Pi OS have 2.36),
# macOS 14 on Apple silicon, 64-bit Windows
GLIBC = 35
# PyTorch's CPU wheels (the Makefile's TORCH_CPU_INDEX), where make takes torch from on Linux when it answers
TORCH_CPU_INDEX = os.environ.get("HANDTEACH_TORCH_CPU_INDEX", "https://download.pytorch.org/whl/cpu").rstrip("/")
GB, MB = 1e9, 1e6


@dataclass(frozen=True)
class Platform:
    name: str
    tags: tuple[str, ...]
    markers: tuple[tuple[str, str], ...]


def _manylinux(arch: str) -> tuple[str, ...]:
    legacy = ("manylinux2014", "manylinux2010", "manylinux1") if arch == "x86_64" else ("manylinux2014",)
    return (*(f"manylinux_2_{minor}_{arch}" for minor in range(GLIBC, 16, -1)), *(f"{p}_{arch}" for p in legacy))


def _linux(arch: str) -> tuple[tuple[str, str], ...]:
    return (("sys_platform", "linux"), ("platform_system", "Linux"), ("platform_machine", arch), ("os_name", "posix"))


PLATFORMS = (
    Platform("Linux x86-64", _manylinux("x86_64"), _linux("x86_64")),
    Platform("Linux aarch64", _manylinux("aarch64"), _linux("aarch64")),
    Platform("macOS arm64", tuple(mac_platforms((14, 0), "arm64")),
             (("sys_platform", "darwin"), ("platform_system", "Darwin"), ("platform_machine", "arm64"), ("os_name", "posix"))),
    Platform("Windows amd64", ("win_amd64",),
             (("sys_platform", "win32"), ("platform_system", "Windows"), ("platform_machine", "AMD64"), ("os_name", "nt"))),
)  # fmt: skip


@dataclass
class Cell:
    python: str
    platform: str
    missing: list[str] = field(default_factory=list)  # requirement lines with no wheel here
    left_out: list[str] = field(default_factory=list)  # names whose every line a marker leaves out here
    notes: list[str] = field(default_factory=list)  # installs, but say so (a CUDA build of torch)
    torch_build: str = ""  # "CPU", "CUDA" or "" where no line is torch
    download: int = 0  # bytes pip downloads there, from the index's sizes (0: not read)
    download_note: str = ""  # how the download splits, where a Linux cell's torch could come from two places

    @property
    def installs(self) -> bool:
        return not self.missing

    def text(self) -> str:
        said = "installs" if self.installs else "no " + ", ".join(Requirement(r).name for r in self.missing)
        extra = [f"without {', '.join(self.left_out)}"] if self.left_out else []
        size = [f"{self.download / GB:.2f} GB"] if self.download else []
        notes = [*extra, *self.notes, *([self.download_note] if self.download_note else [])]
        return " ".join([said, *size, *(f"({note})" for note in notes)])


def environment(python: str, platform: Platform) -> dict[str, str]:
    return {
        "python_version": python, "python_full_version": f"{python}.0", "implementation_name": "cpython",
        "implementation_version": f"{python}.0", "platform_python_implementation": "CPython",
        "platform_release": "", "platform_version": "", **dict(platform.markers),
    }  # fmt: skip


def applies(requirement: Requirement, env: dict[str, str], extra: str = "") -> bool:
    return requirement.marker is None or requirement.marker.evaluate({**env, "extra": extra})


def requirement_lines(path: Path) -> list[Requirement]:
    """Every requirement of the file (a line that does not parse fails here, naming it)."""
    lines = (raw.split(" #", 1)[0].strip() for raw in path.read_text(encoding="utf-8").splitlines())
    return [Requirement(line) for line in lines if line and not line.startswith(("#", "-"))]


@cache
def _context() -> ssl.SSLContext:
    # made once: loading the CA file for every request was most of this check's CPU time
    return ssl.create_default_context(cafile=os.environ.get("PIP_CERT") or os.environ.get("SSL_CERT_FILE"))


def _get(url: str, accept: str) -> dict:
    request = urllib.request.Request(url, headers={"Accept": accept, "User-Agent": "handteach-wheels-check"})
    for attempt in range(3):  # a dropped connection is retried; a 404 is an answer
        try:
            with urllib.request.urlopen(request, timeout=60, context=_context()) as response:
                return json.load(response)
        except urllib.error.HTTPError:
            raise
        except OSError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class Wheel:
    version: Version
    tags: frozenset[Tag]
    requires_python: SpecifierSet
    url: str
    size: int = 0  # bytes, as the index lists them (0: not listed)


def once(function):  # noqa: ANN001, ANN201 - a decorator
    """functools.cache that also makes threads asking for the same key at once wait for one answer (a plain cache
    fetched a page once for each thread that missed it)."""
    results: dict = {}
    locks: dict = {}
    guard = threading.Lock()

    def wrapper(*args):  # noqa: ANN002, ANN202
        with guard:
            lock = locks.setdefault(args, threading.Lock())
        with lock:
            if args not in results:
                results[args] = function(*args)
            return results[args]

    wrapper.__wrapped__ = function
    return wrapper


@once
def index_wheels(name: str) -> tuple[Wheel, ...]:
    """The wheels PyPI lists for a project (PEP 691's JSON index page), yanked ones and sdists left out (pip's
    ``--only-binary=:all:`` never takes an sdist)."""
    page = _get(f"{INDEX}/simple/{canonicalize_name(name)}/", "application/vnd.pypi.simple.v1+json")
    wheels = []
    for file in page["files"]:
        try:
            _, version, _, tags = parse_wheel_filename(file["filename"])
        except InvalidWheelFilename:
            continue
        if not file.get("yanked"):
            requires = SpecifierSet(file.get("requires-python") or "")
            wheels.append(Wheel(version, tags, requires, file["url"], int(file.get("size") or 0)))
    return tuple(wheels)


def _answers_within(url: str, seconds: float) -> bool:
    """Whether the URL answers 200 within the time, name look-up included (a thread: a look-up has no timeout)."""
    answered = threading.Event()

    def look() -> None:
        request = urllib.request.Request(url, headers={"User-Agent": "handteach-wheels-check"})
        try:
            with urllib.request.urlopen(request, timeout=seconds, context=_context()) as response:
                if response.status == 200:
                    answered.set()
        except (OSError, ValueError):
            pass

    thread = threading.Thread(target=look, daemon=True)
    thread.start()
    thread.join(seconds)
    return answered.is_set()


@once
def cpu_index_torch() -> tuple[Wheel, ...] | None:
    """torch's wheels on PyTorch's CPU index (a PEP 503 page: names, no sizes; a wheel's size is read when picked),
    or None where the index does not answer within 5 s, as the Makefile's own check gives up."""
    page = f"{TORCH_CPU_INDEX}/torch/"
    if not _answers_within(page, 5):
        return None
    request = urllib.request.Request(page, headers={"User-Agent": "handteach-wheels-check"})
    with urllib.request.urlopen(request, timeout=60, context=_context()) as response:
        html = response.read().decode("utf-8", "replace")
    wheels = []
    for href in re.findall(r'href="([^"]+)"', html):
        url = urllib.parse.urljoin(page, href.split("#", 1)[0])
        try:
            _, version, _, tags = parse_wheel_filename(urllib.parse.unquote(url.rsplit("/", 1)[1]))
        except InvalidWheelFilename:
            continue
        wheels.append(Wheel(version, tags, SpecifierSet(""), url))
    return tuple(wheels)


@once
def remote_size(url: str) -> int:
    return _RemoteFile(url).size


@once
def requires_dist(wheel_url: str) -> tuple[str, ...]:
    """A wheel's declared dependencies, read from its METADATA with a few HTTP range requests (as pip's fast-deps
    does): this index serves no separate metadata files, and torch's wheels are hundreds of megabytes."""
    with zipfile.ZipFile(_RemoteFile(wheel_url)) as wheel:
        name = next(n for n in wheel.namelist() if n.endswith(".dist-info/METADATA") and n.count("/") == 1)
        metadata = email.parser.BytesParser().parsebytes(wheel.read(name), headersonly=True)
    return tuple(metadata.get_all("Requires-Dist") or ())


def _open(request: urllib.request.Request):  # noqa: ANN202 - the response
    for attempt in range(3):  # a dropped connection or a failed look-up is retried; an HTTP error is an answer
        try:
            return urllib.request.urlopen(request, timeout=60, context=_context())
        except urllib.error.HTTPError:
            raise
        except OSError:
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


class _RemoteFile(io.RawIOBase):
    """A read-only, seekable view of a file on an HTTP server that honours Range (what zipfile needs). Its last
    ``TAIL`` bytes come in the first request (a suffix range, whose Content-Range gives the size): a wheel's
    central directory and its .dist-info, written last, are there, so METADATA is mostly one request, not seven."""

    TAIL = 256 * 1024

    def __init__(self, url: str) -> None:
        self.url, self.position = url, 0
        headers = {"Range": f"bytes=-{self.TAIL}", "User-Agent": "handteach-wheels-check"}
        with _open(urllib.request.Request(url, headers=headers)) as response:
            self.tail = response.read()
            total = response.headers.get("Content-Range", "").rpartition("/")[2]
        self.size = int(total) if total.isdigit() else len(self.tail)

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        self.position = {io.SEEK_SET: 0, io.SEEK_CUR: self.position, io.SEEK_END: self.size}[whence] + offset
        return self.position

    def tell(self) -> int:
        return self.position

    def read(self, size: int = -1) -> bytes:
        end = self.size if size < 0 else min(self.size, self.position + size)
        if end <= self.position:
            return b""
        tail_start = self.size - len(self.tail)
        if self.position >= tail_start:
            data = self.tail[self.position - tail_start : end - tail_start]
        else:
            headers = {"Range": f"bytes={self.position}-{end - 1}", "User-Agent": "handteach-wheels-check"}
            with _open(urllib.request.Request(self.url, headers=headers)) as response:
                data = response.read()
        self.position += len(data)
        return data


@cache
def cell_tags(python: str, platform: Platform) -> frozenset[Tag]:
    version = tuple(int(part) for part in python.split("."))
    interpreter = f"cp{version[0]}{version[1]}"
    return frozenset([*cpython_tags(version, platforms=platform.tags),
                      *compatible_tags(version, interpreter, platform.tags)])  # fmt: skip


def pick(wheels: tuple[Wheel, ...], requirement: Requirement, python: str, platform: Platform) -> Wheel | None:
    """The newest release the line allows that has a wheel for this cell, as pip's finder picks it; None if none."""
    tags, full_version = cell_tags(python, platform), f"{python}.0"
    found = [wheel for wheel in wheels if requirement.specifier.contains(wheel.version)
             and wheel.tags & tags and wheel.requires_python.contains(full_version)]  # fmt: skip
    return max(found, default=None, key=lambda wheel: wheel.version)


def best_wheel(requirement: Requirement, python: str, platform: Platform) -> tuple[Version, str] | None:
    """The newest release the line allows that has a wheel for this cell, and that wheel's address; None if none."""
    best = pick(index_wheels(requirement.name), requirement, python, platform)
    return None if best is None else (best.version, best.url)


def check_cell(python: str, platform: Platform, lines: list[Requirement]) -> Cell:
    env = environment(python, platform)
    cell = Cell(python, platform.name)
    wanted = [line for line in lines if applies(line, env)]
    names = {canonicalize_name(line.name) for line in wanted}
    cell.left_out = sorted({line.name for line in lines if canonicalize_name(line.name) not in names})
    for line in wanted:
        wheel = best_wheel(line, python, platform)
        if wheel is None:
            cell.missing.append(str(line))
            continue
        version, url = wheel
        if line.extras:  # what the line's extras add (psycopg[binary]: psycopg-binary)
            for dependency in map(Requirement, requires_dist(url)):
                added = any(applies(dependency, env, extra) for extra in line.extras) and not applies(dependency, env)
                if added and best_wheel(dependency, python, platform) is None:
                    cell.missing.append(str(dependency))
        if canonicalize_name(line.name) == "torch":
            cuda = any(d.lower().startswith("nvidia-") and applies(Requirement(d), env) for d in requires_dist(url))
            cell.torch_build = "CUDA" if cuda else "CPU"
            if cuda:
                cell.notes.append(f"torch {version}: a CUDA build with nvidia-* packages")
    return cell


def _release_requires(name: str, version: Version) -> tuple[str, ...]:
    """A release's Requires-Dist, read from one of its wheels (its wheels declare the same, split by markers), but
    torch's from the very wheel a cell takes (its Linux wheels name CUDA packages its others do not)."""
    urls = sorted(wheel.url for wheel in index_wheels(name) if wheel.version == version)
    return requires_dist(urls[0]) if urls else ()


def download(lines: list[Requirement], python: str, platform: Platform, torch: Wheel | None = None,
             alone: frozenset[str] = frozenset()) -> dict[str, int]:  # fmt: skip
    """Bytes of each wheel pip takes in this cell: the lines' and, breadth first, what they pull in (the first
    requirement of a name decides its release, as the lines' pins do). ``torch``: the wheel to take for torch
    (PyTorch's CPU index) instead of PyPI's. ``alone``: names installed with ``--no-deps``, whose declared
    dependencies are not followed. A name with no wheel for the cell counts 0."""
    env = environment(python, platform)
    sizes: dict[str, int] = {}
    queue = [line for line in lines if applies(line, env)]
    while queue:
        requirement = queue.pop(0)
        name = canonicalize_name(requirement.name)
        if name in sizes:
            continue
        wheel = torch if name == "torch" and torch else pick(index_wheels(name), requirement, python, platform)
        if wheel is None:
            sizes[name] = 0
            continue
        sizes[name] = wheel.size or remote_size(wheel.url)
        if name in alone:
            continue
        declared = requires_dist(wheel.url) if name == "torch" else _release_requires(name, wheel.version)
        for dependency in map(Requirement, declared):
            if any(applies(dependency, env, extra) for extra in ("", *requirement.extras)):
                queue.append(dependency)
    return sizes


def _torch_cuda_share(sizes: dict[str, int]) -> int:
    return sum(size for name, size in sizes.items() if name == "torch" or name.startswith(("nvidia-", "triton")))


def measure_download(
    cell: Cell, platform: Platform, lines: list[Requirement], alone: frozenset[str] = frozenset()
) -> None:
    """The cell's download, and on Linux which torch it takes: the CPU index's where it answers (as make does)."""
    cpu_wheels = cpu_index_torch() if platform.name.startswith("Linux") and cell.torch_build else None
    torch_line = next((line for line in lines if canonicalize_name(line.name) == "torch"), None)
    cpu = pick(cpu_wheels, torch_line, cell.python, platform) if cpu_wheels and torch_line else None
    sizes = download(lines, cell.python, platform, cpu, alone)
    cell.download = sum(sizes.values())
    if cpu is not None:
        cell.torch_build = "CPU"
        cell.notes = [note for note in cell.notes if not note.startswith("torch ")]
        cell.notes.append(f"torch {cpu.version}: the CPU build from {TORCH_CPU_INDEX}, as make takes it")
    elif platform.name.startswith("Linux") and cell.torch_build == "CUDA":
        rest = cell.download - _torch_cuda_share(sizes)
        cell.download_note = (f"{TORCH_CPU_INDEX} did not answer here, where make takes the CPU build: "
                              f"{rest / GB:.2f} GB besides torch and its CUDA packages")  # fmt: skip


def measured(cell: Cell, platform: Platform, lines: list[Requirement], alone: frozenset[str] = frozenset()) -> Cell:
    measure_download(cell, platform, lines, alone)
    return cell


def table(cells: list[Cell]) -> str:
    rows = ["| CPython | " + " | ".join(p.name for p in PLATFORMS) + " |", "| --- " * (len(PLATFORMS) + 1) + "|"]
    for python in PYTHONS:
        texts = [next(c for c in cells if c.python == python and c.platform == p.name).text() for p in PLATFORMS]
        rows.append(f"| {python} | " + " | ".join(texts) + " |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--requirements", type=Path, default=ROOT / "requirements.txt")
    parser.add_argument("--no-deps", type=Path, default=ROOT / "requirements-mediapipe.txt",
                        help="lines installed without their declared dependencies")  # fmt: skip
    args = parser.parse_args(argv)
    alone_lines = requirement_lines(args.no_deps) if args.no_deps.is_file() else []
    lines = requirement_lines(args.requirements) + alone_lines
    alone = frozenset(canonicalize_name(line.name) for line in alone_lines)
    try:
        with ThreadPoolExecutor(16) as pool:  # every index page once, then the cells, at once: the network is the wait
            list(pool.map(index_wheels, sorted({line.name for line in lines})))
            grid = [(python, platform) for python in PYTHONS for platform in PLATFORMS]
            cells = list(pool.map(lambda cell: measured(check_cell(*cell, lines), cell[1], lines, alone), grid))
    except OSError as error:
        # the registry away is this machine's network, not a missing wheel: said, and the run goes on
        print(f"The package index at {INDEX} did not answer ({error}): the wheels were not checked this time")
        return 0
    print(table(cells))
    installs = sum(cell.installs for cell in cells)
    print(json.dumps({
        "cells": len(cells), "install": installs,
        "failing": {f"{c.python} {c.platform}": c.missing for c in cells if not c.installs},
        "left_out_by_markers": {f"{c.python} {c.platform}": c.left_out for c in cells if c.left_out},
        "torch_cuda_build": [f"{c.python} {c.platform}" for c in cells if c.torch_build == "CUDA"],
        "torch_build": {f"{c.python} {c.platform}": c.torch_build for c in cells},
        "torch_cpu_index_answered": cpu_index_torch() is not None,
        "download_bytes": {f"{c.python} {c.platform}": c.download for c in cells},
    }))  # fmt: skip
    return 0 if installs == len(cells) else 1


if __name__ == "__main__":
    sys.exit(main())
