"""Which CPM weights a project uses: its own fine-tuned copy when it has one, else the shipped default."""

from __future__ import annotations

from pathlib import Path

from core.cpm import checkpoint
from core.store import Store

FINETUNED_FOLDER = "cpm"  # inside the project's folder, beside the gesture model


def project_cpm_dir(store: Store, project: str) -> Path:
    """Where ``project``'s fine-tuned CPM checkpoint lives (it may not exist)."""
    return store.project_dir(project) / FINETUNED_FOLDER


def has_finetuned(store: Store, project: str) -> bool:
    return (project_cpm_dir(store, project) / checkpoint.CONFIG_FILE).is_file()


def project_checkpoint(store: Store, project: str) -> Path:
    """The checkpoint folder to load for ``project``: fine-tuned if present, else ``checkpoint.DEFAULT_DIR``."""
    return project_cpm_dir(store, project) if has_finetuned(store, project) else checkpoint.DEFAULT_DIR
