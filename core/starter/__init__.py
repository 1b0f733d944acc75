"""Starter model and starter data: the default project works out of the box and adapts to a user.

Public API:

* ``starter_model_for(classes)``: the shipped model restricted to a project's default
  classes (what Live uses before the first training); ``is_shipped_starter(model)``;
* ``train_with_starter(...)`` / ``load_starter_set()``: training that adds the starter
  set to a user's samples (``core.data.project.train_project(..., starter=True)``);
* ``check_trainable(counts, mirror_map, config)``: would that training start?
* ``train_starter(out)``: rebuild the shipped files (``python -m core train-starter``);
* ``evaluate_images(...)`` and ``learning_curve(...)``: measurements (CLI and bench).
"""

from core.starter.dataset import StarterFileError, StarterSet
from core.starter.fit import StarterOptions, check_trainable, train_with_starter
from core.starter.model import (
    WEIGHTS_DIR,
    is_shipped_starter,
    load_starter_model,
    load_starter_set,
    restrict_classes,
    starter_available,
    starter_model_for,
    train_starter,
)

__all__ = [
    "WEIGHTS_DIR",
    "StarterFileError",
    "StarterOptions",
    "StarterSet",
    "check_trainable",
    "is_shipped_starter",
    "load_starter_model",
    "load_starter_set",
    "restrict_classes",
    "starter_available",
    "starter_model_for",
    "train_starter",
    "train_with_starter",
]
