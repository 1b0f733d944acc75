""".ci/wheels.py's download sizes and torch's build per cell: what the lines pull in is counted once, by the cell's
markers, and a Linux cell takes the CPU index's torch where that index answers, as make does (no network: the
indexes are given here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import parse_wheel_filename

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "wheels.py"
spec = importlib.util.spec_from_file_location("ci_wheels_download", SCRIPT)
wheels = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
sys.modules["ci_wheels_download"] = wheels  # its dataclasses look their module up there
spec.loader.exec_module(wheels)  # type: ignore[union-attr]

MB = 10**6
# name -> (file name, size); every wheel here is pure or built for Linux x86-64 and macOS
INDEX = {
    "app": [("app-1.0-py3-none-any.whl", 1 * MB)],
    "torch": [("torch-2.0-cp311-cp311-manylinux_2_28_x86_64.whl", 500 * MB),
              ("torch-2.0-cp311-cp311-macosx_14_0_arm64.whl", 100 * MB)],
    "nvidia-cublas": [("nvidia_cublas-9.0-py3-none-manylinux_2_27_x86_64.whl", 2000 * MB)],
    "shared": [("shared-1.0-py3-none-any.whl", 10 * MB), ("shared-2.0-py3-none-any.whl", 20 * MB)],
    "winonly": [("winonly-1.0-py3-none-any.whl", 7 * MB)],
}  # fmt: skip
REQUIRES = {
    "app": ("shared>=1", 'winonly; sys_platform == "win32"'),
    "torch": ('nvidia-cublas==9.0; platform_system == "Linux"', "shared"),
}
CPU_TORCH = "torch-2.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl"


def _wheel(filename: str, size: int):  # noqa: ANN202 - wheels.Wheel
    _, version, _, tags = parse_wheel_filename(filename)
    return wheels.Wheel(version, tags, SpecifierSet(""), f"https://files/{filename}", size)


@pytest.fixture(autouse=True)
def index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(wheels, "index_wheels", lambda name: tuple(_wheel(*file) for file in INDEX[name]))
    monkeypatch.setattr(wheels, "remote_size", lambda url: 300 * MB if url.endswith(CPU_TORCH) else 0)

    def requires(url: str) -> tuple[str, ...]:
        name = url.rsplit("/", 1)[1].split("-", 1)[0]
        return () if "+cpu" in url else REQUIRES.get(name, ())

    monkeypatch.setattr(wheels, "requires_dist", requires)


def _measured(platform: str, lines: list[str], cpu_index: tuple | None):  # noqa: ANN202 - wheels.Cell
    where = next(p for p in wheels.PLATFORMS if p.name == platform)
    requirements = [Requirement(line) for line in lines]
    wheels.cpu_index_torch = lambda: cpu_index  # type: ignore[attr-defined]
    cell = wheels.check_cell("3.11", where, requirements)
    wheels.measure_download(cell, where, requirements)
    return cell


def test_what_a_line_pulls_in_is_counted_once_with_the_cells_markers() -> None:
    where = next(p for p in wheels.PLATFORMS if p.name == "Windows amd64")
    sizes = wheels.download([Requirement("shared==1.0"), Requirement("app==1.0")], "3.11", where)
    # the pin decides shared's release (1.0, not the newest 2.0); winonly comes by its marker
    assert sizes == {"shared": 10 * MB, "app": 1 * MB, "winonly": 7 * MB}
    mac = next(p for p in wheels.PLATFORMS if p.name == "macOS arm64")
    assert wheels.download([Requirement("app==1.0")], "3.11", mac) == {"app": 1 * MB, "shared": 20 * MB}


def test_linux_takes_the_cpu_indexs_torch_where_it_answers_and_says_so_where_not() -> None:
    cuda = _measured("Linux x86-64", ["torch==2.0"], None)
    assert cuda.torch_build == "CUDA" and cuda.download == (500 + 2000 + 20) * MB
    assert "did not answer here" in cuda.text() and "0.02 GB besides torch" in cuda.text()
    cpu = _measured("Linux x86-64", ["torch==2.0"], (_wheel(CPU_TORCH, 0),))
    assert cpu.torch_build == "CPU" and cpu.download == 300 * MB  # its size read from the file (HEAD-free range)
    assert "the CPU build from" in cpu.text() and "CUDA" not in cpu.text()
    mac = _measured("macOS arm64", ["torch==2.0"], None)
    assert mac.torch_build == "CPU" and mac.download == (100 + 20) * MB and "did not answer" not in mac.text()
