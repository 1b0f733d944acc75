"""Which CPM weights a project uses: its own fine-tuned copy when it has one, else the shipped default.

Checking costs a file lookup and no torch import, so MediaPipe projects can ask too.
"""

from __future__ import annotations

from pathlib import Path

from core.store import Store

FINETUNED_FOLDER = "cpm"  # inside the project's folder, beside the gesture model
_CONFIG_FILE = "config.json"  # core.cpm.checkpoint.CONFIG_FILE (not imported here: it imports torch)
DEFAULT_DIR = Path(__file__).resolve().parent / "weights"  # core.cpm.checkpoint.DEFAULT_DIR, for the same reason


def project_cpm_dir(store: Store, project: str) -> Path:
    """Where ``project``'s fine-tuned CPM checkpoint lives (it may not exist; nor may its parents)."""
    # Looking must not create folders: inference on a read-only data dir asks here too.
    return store.project_dir(project, create=False) / FINETUNED_FOLDER


def has_finetuned(store: Store, project: str) -> bool:
    return (project_cpm_dir(store, project) / _CONFIG_FILE).is_file()


def finetuned_checkpoint(store: Store, project: str) -> Path | None:
    """``project``'s fine-tuned checkpoint folder, or None when it uses the shipped weights."""
    return project_cpm_dir(store, project) if has_finetuned(store, project) else None


def checkpoint_stamp(checkpoint: Path | None) -> float:
    """When ``checkpoint`` was last written (0.0 for None, the shipped weights): a new fine-tune changes it."""
    return (checkpoint / _CONFIG_FILE).stat().st_mtime if checkpoint is not None else 0.0


def project_checkpoint(store: Store, project: str) -> Path:
    """The checkpoint folder to load for ``project``: fine-tuned if present, else the shipped weights."""
    return finetuned_checkpoint(store, project) or DEFAULT_DIR
