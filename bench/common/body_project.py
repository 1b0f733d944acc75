"""A trained body-pose project and a camera holding a pose, for the Make page's body runs (its browser test and
``bench/speed/scratch.py --body``): yoga8's photos from ``../shared``."""

from __future__ import annotations

import subprocess
from pathlib import Path

from bench.common.fake_camera import SHARED

YOGA = SHARED / "body" / "yoga8" / "images"
PROJECT = "yoga"
POSES = ("tree", "warrior2")


def trained_body_project(data_dir: Path, project: str = PROJECT) -> None:
    """The body project ``project``: photos 1-10 of each of ``POSES`` (not the camera's), trained as Live's would be."""
    from core.data.imports.extract import extract_to_store
    from core.data.project import train_project
    from core.data.store import Store
    from core.gestures.training import TrainConfig

    store = Store(data_dir)
    store.create_project(project, skeleton="body")
    for pose in POSES:
        store.add_class(project, pose)
        extract_to_store(store, project, pose, sorted((YOGA / pose).glob("*.jpg"))[1:11])
    train_project(store, project, TrainConfig(epochs=150, seed=0))


def tree_pose_video(folder: Path, seconds: int = 4) -> Path:
    """An mp4 of ``seconds`` holding yoga8's ``tree_001.jpg`` (a tree pose the project never saw); the photo itself
    where it is missing (the caller's fake-camera step then says so)."""
    photo = YOGA / "tree" / "tree_001.jpg"
    clip = folder / "tree_pose.mp4"
    if not photo.exists():
        return photo
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-loop", "1", "-i", str(photo), "-t", str(seconds), "-r", "30",
                    "-vf", "scale=trunc(iw/2)*2:trunc(ih/2)*2", "-pix_fmt", "yuv420p", str(clip)],
                   check=True, capture_output=True)  # fmt: skip
    return clip
