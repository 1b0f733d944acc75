"""MediaPipe keypoints of many photos, computed once and cached in an ``.npz`` file.

Benchmarks and the starter model read thousands of photos; detecting hands takes
~40 ms a photo, so results are cached, keyed by the SHA-256 of each photo's bytes.

Why the CPM's teacher labels (``core.cpm.training.labels``) are a second cache and not this one:
they hold other things, for another reader. This one keeps whole ``Keypoints`` values
(pixel, normalised and world points: the classifier's 3D features need them) of one
photo each, for a given ``max_num_hands``/``zoom_out``; the CPM's keeps 2D pixel points
only, per *video frame* as well as per photo, always two hands, and its zoomed-out finds
beside the plain ones (a reference keeps to the plain ones). Both key by content
(``core.io.digest``) and write through ``core.io.atomic``.

Why content and not path, size and modification time (the key until session 19): the shared
data is copied anew between sessions, every file with a new time, and each copy sent all
17,736 starter photos through MediaPipe again (about 20 minutes on 2 cores) and changed a
few of their hands (MediaPipe is not always bit-identical). Hashing the 18,138 shared photos
(171 MB) took 4.1 s here against 1.0 s for path and time. Entries of the old key are taken
over once: by the same path and size, the newest of them where a photo was detected more
than once.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from core.io.atomic import atomic_path
from core.io.digest import file_sha256
from core.io.video import read_image
from core.keypoints.landmarks import HandTracker, TrackerConfig
from core.skeletons import HAND_21, Skeleton
from core.types import Keypoints

_FIELDS = ("pixel", "normalised", "world", "score", "size", "owner")  # "handed" and "visibility" are optional


def file_key(path: Path) -> str:
    """The cache key of a photo: the SHA-256 of its bytes (see the module's docstring)."""
    return f"sha256:{file_sha256(path)}"


def _old_key_parts(key: str) -> tuple[str, str, int] | None:
    """(path, size, mtime) of a key of the old form "path|size|mtime"; None for a content key."""
    parts = key.rsplit("|", 2)
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return parts[0], parts[1], int(parts[2])


def _legacy_keys(found: dict[str, list[Keypoints]]) -> dict[str, str]:
    """Entries of the old key "path|size|mtime", by "path|size": the newest where there are several."""
    newest: dict[str, tuple[int, str]] = {}
    for key in found:
        parts = _old_key_parts(key)
        if parts is None:
            continue
        path, size, mtime = parts
        where = f"{path}|{size}"
        if where not in newest or mtime > newest[where][0]:
            newest[where] = (mtime, key)
    return {where: key for where, (_, key) in newest.items()}


def _take_over_legacy(found: dict[str, list[Keypoints]], paths: Sequence[Path], keys: Sequence[str],
                      legacy: dict[str, str]) -> None:  # fmt: skip
    """Gives each of these photos without a content-key entry its old-key entry (``_legacy_keys``) of the same
    path and size."""
    for path, key in zip(paths, keys, strict=True):
        place = f"{path.resolve()}|{path.stat().st_size}"
        if key not in found and place in legacy:
            found[key] = found[legacy[place]]


def _drop_legacy(found: dict[str, list[Keypoints]], paths: Sequence[Path]) -> bool:
    """Drops the old-key entries (any size) of these photos, now under content keys; returns whether any was."""
    done = {str(path.resolve()) for path in paths}
    stale = [k for k in found if (parts := _old_key_parts(k)) is not None and parts[0] in done]
    for key in stale:
        del found[key]
    return bool(stale)


def load_cache(cache_file: Path, skeleton: Skeleton = HAND_21) -> dict[str, list[Keypoints]]:
    """Keypoints by ``file_key`` from ``cache_file`` (empty when it does not exist yet).

    Raises ValueError naming the file when it is not such a cache. A file without "handed" (bodies)
    reads as "Unknown"; one without "visibility" as no visibility.
    """
    if not cache_file.exists():
        return {}
    try:
        loaded = np.load(cache_file, allow_pickle=False)
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise ValueError("not an .npz archive")
        with loaded as npz:
            data = {name: npz[name] for name in npz.files}  # an NpzFile decompresses on every access
        missing = ({"keys"} | set(_FIELDS)) - set(data)
        if missing:
            raise ValueError(f"arrays {sorted(missing)} are missing")
    except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:  # np.load raises each for some garbage
        raise ValueError(f"{cache_file}: not a keypoint cache ({exc}); delete it or pass another --cache") from None
    keys = [str(k) for k in data["keys"]]
    found: dict[str, list[Keypoints]] = {k: [] for k in keys}
    for i in range(len(data["owner"])):
        found[keys[int(data["owner"][i])]].append(
            Keypoints(
                pixel=data["pixel"][i],
                normalised=data["normalised"][i],
                world=data["world"][i],
                handedness=str(data["handed"][i]) if "handed" in data else "Unknown",
                score=float(data["score"][i]),
                image_size=(int(data["size"][i][0]), int(data["size"][i][1])),
                skeleton=skeleton,
                visibility=data["visibility"][i] if "visibility" in data else None,
            )  # fmt: skip
        )
    return found


def save_cache(cache_file: Path, found: dict[str, list[Keypoints]], skeleton: Skeleton = HAND_21) -> None:
    """Writes ``found`` (keypoints by ``file_key``, all of ``skeleton``) atomically; visibility when they carry it."""
    keys = list(found)
    hands = [(i, h) for i, k in enumerate(keys) for h in found[k]]
    joints = skeleton.num_joints
    arrays = {
        "keys": np.array(keys, dtype=str),
        "owner": np.array([i for i, _ in hands], dtype=np.int32),
        "pixel": np.array([h.pixel for _, h in hands], dtype=np.float32).reshape(-1, joints, 2),
        "normalised": np.array([h.normalised for _, h in hands], dtype=np.float32).reshape(-1, joints, 3),
        "world": np.array([h.world for _, h in hands], dtype=np.float32).reshape(-1, joints, 3),
        "score": np.array([h.score for _, h in hands], dtype=np.float32),
        "size": np.array([h.image_size for _, h in hands], dtype=np.int32).reshape(-1, 2),
        "handed": np.array([h.handedness for _, h in hands], dtype=str),
    }
    if hands and all(h.visibility is not None for _, h in hands):
        arrays["visibility"] = np.array([h.visibility for _, h in hands], dtype=np.float32).reshape(-1, joints)
    with atomic_path(cache_file) as tmp, tmp.open("wb") as handle:  # a handle: numpy adds no ".npz" to it
        np.savez_compressed(handle, **arrays)


def detect_in_photos(paths: Sequence[Path], cache_file: Path, max_num_hands: int = 1,
                     on_progress: Callable[[int, int], None] | None = None,
                     zoom_out: bool = False) -> list[list[Keypoints]]:  # fmt: skip
    """Hands in each photo (static mode, model complexity 1), in the order of ``paths``.

    Unreadable files count as photos without a hand. The cache is saved every 500
    photos so an interrupted run resumes where it stopped. ``zoom_out``: photos with
    no hand are searched again framed smaller (``TrackerConfig.zoom_out_photos``). The
    key holds neither setting: use one cache file per (``max_num_hands``, ``zoom_out``).
    """
    found = load_cache(cache_file)
    keys = [file_key(p) for p in paths]
    legacy = _legacy_keys(found)  # empty once a cache is taken over: no path is resolved or stat-ed again
    if legacy:
        _take_over_legacy(found, paths, keys, legacy)
    missing = [(p, k) for p, k in zip(paths, keys, strict=True) if k not in found]
    if missing:
        config = TrackerConfig(static_image_mode=True, max_num_hands=max_num_hands, zoom_out_photos=zoom_out)
        with HandTracker(config) as tracker:
            for done, (path, key) in enumerate(missing, start=1):
                try:
                    found[key] = tracker.process(read_image(path))
                except ValueError:
                    found[key] = []
                if done % 500 == 0:
                    save_cache(cache_file, found)
                if on_progress is not None:
                    on_progress(done, len(missing))
    if (legacy and _drop_legacy(found, paths)) or missing:
        save_cache(cache_file, found)
    return [found[k] for k in keys]
