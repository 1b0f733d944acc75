""".ci/wheels.py: which cell a requirement line installs on, by its marker and the wheels the index lists (no
network: the index is given here)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import parse_wheel_filename

SCRIPT = Path(__file__).resolve().parents[1] / ".ci" / "wheels.py"
spec = importlib.util.spec_from_file_location("ci_wheels", SCRIPT)
wheels = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
sys.modules["ci_wheels"] = wheels  # its dataclasses look their module up there
spec.loader.exec_module(wheels)  # type: ignore[union-attr]

INDEX = {
    "native": ["native-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", "native-1.0-cp311-cp311-win_amd64.whl"],
    "abi3": ["abi3-2.0-cp39-abi3-manylinux_2_28_aarch64.whl", "abi3-2.0-cp39-abi3-macosx_11_0_arm64.whl"],
    "newglibc": ["newglibc-1.0-cp313-cp313-manylinux_2_39_x86_64.whl"],
    "pure": ["pure-3.0-py3-none-any.whl", "pure-3.0.tar.gz"],
    "oldpython": ["oldpython-1.0-py3-none-any.whl"],
}


@pytest.fixture(autouse=True)
def index(monkeypatch: pytest.MonkeyPatch) -> None:
    def listed(name: str) -> tuple:
        found = []
        for filename in INDEX[name]:
            if filename.endswith(".whl"):
                _, version, _, tags = parse_wheel_filename(filename)
                python = "<3.12" if name == "oldpython" else ""
                found.append(wheels.Wheel(version, tags, SpecifierSet(python), f"https://files/{filename}"))
        return tuple(found)

    monkeypatch.setattr(wheels, "index_wheels", listed)


def _cell(python: str, platform: str, *lines: str):  # noqa: ANN202 - wheels.Cell
    where = next(p for p in wheels.PLATFORMS if p.name == platform)
    return wheels.check_cell(python, where, [Requirement(line) for line in lines])


def test_a_wheel_counts_only_for_its_python_platform_and_glibc() -> None:
    assert _cell("3.11", "Linux x86-64", "native==1.0").installs
    assert _cell("3.11", "Windows amd64", "native==1.0").installs
    assert _cell("3.12", "Linux x86-64", "native==1.0").missing == ["native==1.0"]
    assert _cell("3.11", "macOS arm64", "native==1.0").missing == ["native==1.0"]
    assert _cell("3.13", "Linux x86-64", "newglibc==1.0").missing == ["newglibc==1.0"]  # glibc 2.39 > 2.35


def test_abi3_older_macos_and_pure_wheels_count_and_requires_python_is_read() -> None:
    assert _cell("3.14", "Linux aarch64", "abi3==2.0").installs
    assert _cell("3.14", "macOS arm64", "abi3==2.0").installs  # built for macOS 11, runs on 14
    assert _cell("3.14", "Windows amd64", "pure==3.0").installs
    assert _cell("3.12", "Windows amd64", "oldpython==1.0").missing == ["oldpython==1.0"]


def test_a_line_its_marker_leaves_out_is_said_not_failed() -> None:
    line = 'native==1.0; python_version < "3.13" and platform_machine != "aarch64"'
    cell = _cell("3.13", "Linux x86-64", line, "pure==3.0")
    assert cell.installs and cell.left_out == ["native"]
    assert cell.text() == "installs (without native)"
    assert _cell("3.12", "Linux x86-64", line).text() == "no native"
