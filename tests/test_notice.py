"""The licence and the notice file: every model that ships, or that `make` builds, is named in NOTICE with its
sources, and the licence is said the same way in LICENSE, pyproject.toml and the front end's package.json."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import tomllib
from pathlib import Path

from core.keypoints.models import SOURCES

ROOT = Path(__file__).resolve().parents[1]
NOTICE = ROOT / "NOTICE"
WEIGHT_SUFFIXES = (".safetensors", ".npz", ".onnx", ".tflite", ".task", ".pt", ".pth", ".bin", ".pkl", ".joblib")
# the Apache License 2.0 as apache.org publishes it (LICENSE-2.0.txt, md5 3b83ef96387f14655fc854ddc3c6bd57 as published), every run of white space made one space
APACHE_2_SHA256 = "0ffddef9e48f8a09aed5caf2d44f7ba1c1be2d9b8e0a6f693b1635b2d5566645"


def notice_text() -> str:
    assert NOTICE.is_file(), "NOTICE is missing: it names every shipped model and its sources' licences"
    return NOTICE.read_text(encoding="utf-8")


def shipped_weights() -> list[str]:
    """Every weight file in the repository (tracked by git), as a path from the root."""
    listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return sorted(path for path in listed.splitlines() if path.endswith(WEIGHT_SUFFIXES))


def test_every_shipped_weight_file_has_a_notice_entry() -> None:
    text = notice_text()
    weights = shipped_weights()
    assert len(weights) >= 4, weights  # the starter's two, the CPM's, the ResNet-deconv's
    for path in weights:
        # the starter's file name carries its weights' checksum, which a rebuild changes
        named = re.sub(r"model\.[0-9a-f]{16}\.safetensors$", "model.<sha>.safetensors", path)
        assert named in text, f"{path} has no entry in NOTICE"
    for folder in {str(Path(path).parent) for path in weights}:
        card = ROOT / folder / "MODEL_CARD.md"
        card = card if card.is_file() else ROOT / Path(folder).parent / "MODEL_CARD.md"
        assert card.is_file() and str(card.relative_to(ROOT)) in text, f"NOTICE names no model card for {folder}"


def test_the_models_make_builds_and_the_npm_packages_are_in_the_notice() -> None:
    text = notice_text()
    for source in SOURCES:
        assert source.name in text, f"MediaPipe's {source.name} (made at make time) is not in NOTICE"
    assert "hand_landmarker.task" in text
    lock = json.loads((ROOT / "frontend/package-lock.json").read_text(encoding="utf-8"))
    for key, package in lock["packages"].items():
        if key and not package.get("dev") and not package.get("devOptional"):
            name = key.removeprefix("node_modules/")
            if name.startswith("@types/") or name == "undici-types":
                continue  # type declarations only: nothing of them is bundled
            assert name in text or name.startswith("@protobufjs/"), f"the npm package {name} is not in NOTICE"
            licence = package.get("license", "")
            assert not re.fullmatch(r"[A-Za-z0-9.-]+", licence) or licence in text, f"{name}: {licence} not in NOTICE"


def test_the_licence_is_apache_2_and_said_the_same_everywhere() -> None:
    words = " ".join((ROOT / "LICENSE").read_text(encoding="utf-8").split())
    assert hashlib.sha256(words.encode()).hexdigest() == APACHE_2_SHA256, "LICENSE is not the Apache License 2.0"
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    package = json.loads((ROOT / "frontend/package.json").read_text(encoding="utf-8"))
    assert project["license"] == package["license"] == "Apache-2.0"
    assert set(project["license-files"]) == {"LICENSE", "NOTICE"}
