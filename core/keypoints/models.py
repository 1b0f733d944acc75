"""MediaPipe's hand and pose models as ONNX files: made at ``make`` time, checked before a tracker starts.

The ``.tflite`` files are the ones inside the mediapipe 0.10.21 wheel (Apache-2.0), the last release that ships
them; each is known by its SHA-256 (``SOURCES``). ``make keypoint-models`` runs ``python -m core.keypoints.models``,
which takes them from the installed mediapipe package when it is that release, else from the wheel that
``pip download`` fetches from PyPI for any Python or platform (the model files are the same in every wheel), and
converts them with ``core.keypoints.tflite_onnx`` into ``MODEL_DIR`` (gitignored), with a manifest of the ONNX
files' sizes and hashes, and keeps the three hand models the browser path packs (``BROWSER_TFLITE``) as they are. Nothing is fetched at run time: a missing, truncated or foreign file stops a tracker with
``KeypointModelError``, one line naming the file and the make step; ``python -m core.keypoints.models --check`` says
the same line and exits 2.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from core.io.atomic import write_bytes, write_text
from core.io.fds import MEDIAPIPE_FILES, raise_if_out_of_fds
from core.keypoints.model_reads import ModelFileProblem, stream_checked

MODEL_DIR = Path(__file__).resolve().parent / "onnx_models"
MANIFEST = "manifest.json"
MAKE_STEP = "make keypoint-models"
WHEEL_RELEASE = "0.10.21"
# pip download of any one wheel: the model files inside are the same on every platform
WHEEL_TAGS = ("--python-version", "3.11", "--platform", "manylinux_2_28_x86_64", "--implementation", "cp",
              "--abi", "cp311")  # fmt: skip


@dataclass(frozen=True)
class Source:
    """One ``.tflite`` model inside the mediapipe wheel, and the ONNX file made from it."""

    name: str  # the ONNX file's stem
    wheel_path: str
    sha256: str


SOURCES: tuple[Source, ...] = (
    Source("palm_detection_full", "mediapipe/modules/palm_detection/palm_detection_full.tflite",
           "1b14e9422c6ad006cde6581a46c8b90dd573c07ab7f3934b5589e7cea3f89a54"),
    Source("palm_detection_lite", "mediapipe/modules/palm_detection/palm_detection_lite.tflite",
           "e9a4aaddf90dda56a87235303cf00e4c2d3fb28725f68fd88772997dac905c18"),
    Source("hand_landmark_full", "mediapipe/modules/hand_landmark/hand_landmark_full.tflite",
           "11c272b891e1a99ab034208e23937a8008388cf11ed2a9d776ed3d01d0ba00e3"),
    Source("hand_landmark_lite", "mediapipe/modules/hand_landmark/hand_landmark_lite.tflite",
           "048edd3645c9bf7397d19a9f6e3a42957d6e414c9bea6598030a2e9b624156e6"),
    Source("pose_detection", "mediapipe/modules/pose_detection/pose_detection.tflite",
           "9ba9dd3d42efaaba86b4ff0122b06f29c4122e756b329d89dca1e297fd8f866c"),
    Source("pose_landmark_full", "mediapipe/modules/pose_landmark/pose_landmark_full.tflite",
           "e9a5c5cb17f736fafd4c2ec1da3b3d331d6edbe8a0d32395855aeb2cdfd64b9f"),
)  # fmt: skip
NAMES = tuple(source.name for source in SOURCES)
# kept as they are beside the ONNX files: frontend/scripts/make_task.py packs the browser path's hand bundles of them
BROWSER_TFLITE = ("palm_detection_full", "hand_landmark_full", "hand_landmark_lite")
# bounds where no size is known yet (a manifest's own number is bounded too): the biggest ONNX model, pose_landmark_full,
# is under 30 MB and the biggest .tflite the browser packs, hand_landmark_full, under 6 MB
ONNX_MAX_BYTES = 64 * 1024 * 1024
TFLITE_MAX_BYTES = 16 * 1024 * 1024
MANIFEST_MAX_BYTES = 64 * 1024  # six entries: about 1 kB


class KeypointModelError(ValueError):
    """A keypoint model file is missing, truncated or not what the manifest says; the message names it."""


def model_dir() -> Path:
    """Where the ONNX models are: ``HANDTEACH_KEYPOINT_MODELS`` if set (tests, another checkout), else MODEL_DIR."""
    return Path(os.environ.get("HANDTEACH_KEYPOINT_MODELS") or MODEL_DIR)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def model_path(name: str, folder: Path | None = None) -> Path:
    """The checked path of the ONNX model ``name`` (``NAMES``); ``KeypointModelError`` when it is not as made."""
    folder = folder or model_dir()
    path = folder / f"{name}.onnx"
    manifest_path = folder / MANIFEST
    try:
        manifest = stream_checked(manifest_path, None, MANIFEST_MAX_BYTES, keep=True).data or b""
        entry = json.loads(manifest.decode("utf-8"))["files"][path.name]
        size, sha256 = entry["size"], entry["sha256"]
    except (OSError, ValueError, KeyError, TypeError) as exc:  # ModelFileProblem is a ValueError
        raise_if_out_of_fds(exc, MEDIAPIPE_FILES)  # at the descriptor limit the files are there, not missing
        raise KeypointModelError(
            f"the keypoint model {path} is missing (no manifest entry in {manifest_path}): make it with `{MAKE_STEP}`"
        ) from None
    try:
        streamed = stream_checked(path, size if type(size) is int else -1, ONNX_MAX_BYTES)
    except ModelFileProblem as problem:
        if problem.missing:
            raise KeypointModelError(f"the keypoint model {path} is missing: make it with `{MAKE_STEP}`") from None
        raise KeypointModelError(f"the keypoint model {path} is {problem}: make it again with `{MAKE_STEP}`") from None
    except OSError as exc:
        raise_if_out_of_fds(exc, MEDIAPIPE_FILES)
        raise KeypointModelError(f"the keypoint model {path} cannot be read ({exc.strerror or exc}): "
                                 f"make it again with `{MAKE_STEP}`") from None  # fmt: skip
    if streamed.sha256 != sha256:
        raise KeypointModelError(f"the keypoint model {path} is not the file made from MediaPipe's model "
                             f"(its hash differs): make it again with `{MAKE_STEP}`")  # fmt: skip
    return path


def browser_tflite(name: str, folder: Path | None = None) -> bytes:
    """The ``.tflite`` bytes of ``name`` (``BROWSER_TFLITE``) kept in the models' folder, checked against its
    SHA-256; ``KeypointModelError`` naming the file and the make step when it is missing or not MediaPipe's."""
    path = (folder or model_dir()) / f"{name}.tflite"
    try:
        streamed = stream_checked(path, None, TFLITE_MAX_BYTES, keep=True)
    except ModelFileProblem as problem:
        words = "missing" if problem.missing else str(problem)
        raise KeypointModelError(f"the hand model {path} is {words}: make it with `{MAKE_STEP}`") from None
    except OSError as exc:
        raise KeypointModelError(f"the hand model {path} cannot be read ({exc.strerror or exc}): "
                                 f"make it again with `{MAKE_STEP}`") from None  # fmt: skip
    expected = next(source.sha256 for source in SOURCES if source.name == name)
    data = streamed.data or b""
    if streamed.sha256 != expected:
        raise KeypointModelError(f"the hand model {path} is not MediaPipe {WHEEL_RELEASE}'s (its hash differs): "
                                 f"make it again with `{MAKE_STEP}`")  # fmt: skip
    return data


def check_all(folder: Path | None = None) -> list[Path]:
    """Every model's checked path; ``KeypointModelError`` for the first that is not as made."""
    return [model_path(name, folder) for name in NAMES]


def _from_installed() -> dict[str, bytes] | None:
    """The models from the installed mediapipe package when it is the release that ships them, else None."""
    try:
        import importlib.util

        spec = importlib.util.find_spec("mediapipe")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    root = Path(next(iter(spec.submodule_search_locations))).parent
    found = {}
    for source in SOURCES:
        path = root / source.wheel_path
        if not path.is_file():
            return None
        data = path.read_bytes()
        if _sha256(data) != source.sha256:
            return None
        found[source.name] = data
    return found


def _from_wheel(wheel: Path) -> dict[str, bytes]:
    found = {}
    with zipfile.ZipFile(wheel) as archive:
        for source in SOURCES:
            data = archive.read(source.wheel_path)
            if _sha256(data) != source.sha256:
                raise KeypointModelError(f"{source.wheel_path} in {wheel} is not MediaPipe {WHEEL_RELEASE}'s model")
            found[source.name] = data
    return found


def download_wheel(folder: Path) -> Path:
    """mediapipe 0.10.21's wheel for one platform, fetched by pip from the package index into ``folder``."""
    command = [sys.executable, "-m", "pip", "download", f"mediapipe=={WHEEL_RELEASE}", "--no-deps", "--quiet",
               "--only-binary=:all:", *WHEEL_TAGS, "--dest", str(folder)]  # fmt: skip
    subprocess.run(command, check=True)
    wheels = sorted(folder.glob(f"mediapipe-{WHEEL_RELEASE}-*.whl"))
    if not wheels:
        raise KeypointModelError(f"pip download left no mediapipe {WHEEL_RELEASE} wheel in {folder}")
    return wheels[0]


def tflite_models(wheel: Path | None = None) -> tuple[dict[str, bytes], str]:
    """The ``.tflite`` models' bytes by name, and where they came from."""
    if wheel is not None:
        return _from_wheel(wheel), str(wheel)
    installed = _from_installed()
    if installed is not None:
        return installed, f"the installed mediapipe {WHEEL_RELEASE}"
    with tempfile.TemporaryDirectory(prefix="handteach-mediapipe-") as tmp:
        downloaded = download_wheel(Path(tmp))
        return _from_wheel(downloaded), f"mediapipe {WHEEL_RELEASE}'s wheel from the package index"


def make_models(folder: Path, wheel: Path | None = None) -> str:
    """Converts every model into ``folder`` (each file written whole, the manifest last); returns the source."""
    from core.keypoints.tflite_onnx import convert

    models, origin = tflite_models(wheel)
    folder.mkdir(parents=True, exist_ok=True)
    entries = {}
    for name, data in models.items():
        onnx_bytes = convert(data, name).SerializeToString()
        path = folder / f"{name}.onnx"
        write_bytes(path, onnx_bytes)
        entries[path.name] = {"size": len(onnx_bytes), "sha256": _sha256(onnx_bytes), "tflite_sha256": _sha256(data)}
        if name in BROWSER_TFLITE:
            write_bytes(folder / f"{name}.tflite", data)
    manifest = {"source": f"mediapipe {WHEEL_RELEASE}", "files": entries}
    write_text(folder / MANIFEST, json.dumps(manifest, indent=1))
    return origin


def up_to_date(folder: Path) -> bool:
    """Whether every model in ``folder`` is as its manifest says and made from today's ``SOURCES``."""
    try:
        check_all(folder)
        for name in BROWSER_TFLITE:
            browser_tflite(name, folder)
        files = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"]
    except (KeypointModelError, OSError, ValueError, KeyError):
        return False
    return all(files[f"{s.name}.onnx"].get("tflite_sha256") == s.sha256 for s in SOURCES)


def main(argv: list[str] | None = None) -> int:
    from core.keypoints.tflite_onnx import ConversionError

    parser = argparse.ArgumentParser(description="Make (or check) the ONNX keypoint models from MediaPipe's.")
    parser.add_argument("--check", action="store_true", help="only check the models; exit 2 when one is not right")
    parser.add_argument("--wheel", type=Path, help="take the .tflite files from this mediapipe 0.10.21 wheel")
    parser.add_argument("--dir", type=Path, default=None, help=f"output folder (default {MODEL_DIR})")
    parser.add_argument("--force", action="store_true", help="make them again even when they are as made")
    args = parser.parse_args(argv)
    folder = args.dir or model_dir()
    if args.check:
        try:
            check_all(folder)
        except KeypointModelError as exc:
            print(exc, file=sys.stderr)
            return 2
        print(f"keypoint models in {folder}: all {len(NAMES)} as made")
        return 0
    if args.wheel is None and not args.force and up_to_date(folder):
        print(f"keypoint models in {folder}: up to date")
        return 0
    try:
        origin = make_models(folder, args.wheel)
    except (KeypointModelError, ConversionError, OSError, zipfile.BadZipFile, KeyError,
            subprocess.CalledProcessError) as exc:  # fmt: skip
        print(f"the keypoint models could not be made ({MAKE_STEP}): {exc}", file=sys.stderr)
        return 2
    print(f"keypoint models made in {folder} from {origin}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
