"""A project's data as a training set, and its trained model on disk."""

from __future__ import annotations

import math
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from core.data.class_plan import ClassPlan, kept_names, left_out_names, plan_classes
from core.data.saved_models.model_files import current_folder
from core.data.saved_models.project_folders import project_folder, project_now
from core.data.store import Store
from core.gestures.classifier import GestureClassifier, ModelFileError
from core.gestures.features import FeatureConfig, hand_features
from core.gestures.training import (
    EpochStats,
    NotEnoughDataError,
    TrainConfig,
    TrainResult,
    evaluate,
    train_classifier,
)
from core.skeletons import HAND_21, Skeleton
from core.types import Keypoints

MODEL_FOLDER = "model"
# A new model is "collapsed" when, on the new run's validation samples (of classes both models
# know), its accuracy is more than this far below the saved model's: it is then not saved.
COLLAPSE_MARGIN = 0.20


class ModelRefusedError(ValueError):
    """A trained model that is not saved (diverged, or collapsed against the saved one); the old one stays."""


@dataclass(frozen=True)
class Dataset:
    """Features of a project's samples.

    Attributes:
        features: (N, feature_config.size) float32.
        labels: N class names.
        sample_ids: N store ids, so a misclassified row can be shown and fixed.
        classes: every class of the project, in the project's order.
        mirror_map: class → the class its mirror image belongs to.
        project_identity: the project's identity when its samples were read: its model is saved there or nowhere.
    """

    features: npt.NDArray[np.float32]
    labels: list[str]
    sample_ids: list[int]
    classes: list[str]
    mirror_map: dict[str, str]
    feature_config: FeatureConfig
    project_identity: str | None = None


def feature_config_for(hands: list[Keypoints], skeleton: Skeleton = HAND_21) -> FeatureConfig:
    """Features of ``skeleton``; depth only when every sample has it (CSV imports of kinivi data are 2D),
    visibility flags when any sample has visibility (MediaPipe Pose gives it, hand detectors do not)."""
    return FeatureConfig(
        use_depth=bool(hands) and all(h.has_depth for h in hands),
        skeleton=skeleton.name,
        use_visibility=any(h.visibility is not None for h in hands),
    )


def features_of(hands: list[Keypoints], config: FeatureConfig) -> npt.NDArray[np.float32]:
    """(N, config.size) features of ``hands``."""
    if not hands:
        return np.zeros((0, config.size), np.float32)
    return np.stack([hand_features(h, config) for h in hands]).astype(np.float32)


def project_dataset(store: Store, project: str, config: FeatureConfig | None = None) -> Dataset:
    """Every sample of ``project`` as features, labels and ids."""
    # First: samples read after it are this project's, or a newer one's under its name, whose model it refuses.
    identity = store.project_identity(project)
    samples = store.list_samples(project)
    hands = [s.hand for s in samples]
    config = config or feature_config_for(hands, store.project_skeleton(project))
    classes = store.list_classes(project)
    return Dataset(
        features=features_of(hands, config),
        labels=[s.class_name for s in samples],
        sample_ids=[int(s.id) for s in samples if s.id is not None],
        classes=[c.name for c in classes],
        mirror_map={c.name: c.mirror_partner for c in classes},
        feature_config=config,
        project_identity=identity,
    )


def model_dir(store: Store, project: str) -> Path:
    """The project's model folder; not created here (saving creates it), so a read-only store can look. On a shared
    store, this server's copy of the current model (``core.data.saved_models.model_files``: a folder that does not exist when there
    is none)."""
    if store.shared:
        return current_folder(store, project, MODEL_FOLDER)
    return store.project_dir(project, create=False) / MODEL_FOLDER


def train_project(store: Store, project: str, config: TrainConfig | None = None,
                  on_epoch: Callable[[EpochStats], None] | None = None,
                  cancel: threading.Event | None = None, starter: bool = False,
                  force: bool = False, keep_unrecorded: bool = False) -> tuple[TrainResult, Dataset]:  # fmt: skip
    """Train on the project's samples and save the model into the project (unless cancelled).

    Raises ``ModelRefusedError`` and keeps the saved model when the run diverged, or when
    it collapsed against the saved model (``check_replacement``; ``force`` saves it anyway).

    The model's classes are ``core.data.class_plan``'s: those with samples, or mirrored samples.
    With ``starter`` the shipped starter set joins the samples (``core.starter.fit``): a few
    samples per class adapt its gestures to the user, and its other hands (starter gestures
    the project did not record among them) are trained towards "unknown"; ``keep_unrecorded``
    keeps the starter gestures the project lists but did not record, filled from the starter rows.
    """
    started = time.perf_counter()
    model_dir(store, project)  # a name too long for a folder can hold no model: said before training, not after
    dataset = project_dataset(store, project)
    config = config or TrainConfig()
    recorded = Counter(dataset.labels)
    counts = {name: recorded[name] for name in dataset.classes}
    if starter:  # train_with_starter trains a project without any starter gesture on its own samples alone
        from core.starter import load_starter_set, train_with_starter  # lazy: only this path reads the set
        from core.starter.dataset import OTHER

        starter_set = load_starter_set()
        gestures = set(starter_set.labels) - {OTHER}
        plans = plan_classes(counts, dataset.mirror_map, config.mirror, gestures, keep_unrecorded)
        args = (dataset.features, dataset.labels, kept_names(plans), dataset.mirror_map, dataset.feature_config)
        try:
            result = train_with_starter(*args, starter_set, config, on_epoch=on_epoch, cancel=cancel)
        except NotEnoughDataError as exc:
            raise _with_keep_hint(exc, plans) from None
    else:
        plans = plan_classes(counts, dataset.mirror_map, config.mirror)
        args = (dataset.features, dataset.labels, dataset.classes, dataset.mirror_map, dataset.feature_config)
        result = train_classifier(*args, config, on_epoch=on_epoch, cancel=cancel)
    result.skipped_classes = [name for name in left_out_names(plans) if name not in result.classes]
    result.classifier.metadata["skipped_classes"] = list(result.skipped_classes)
    if not result.cancelled:
        project_now(store, project, dataset.project_identity)  # replaced: say so, not "collapsed" against its model
        check_replacement(store, project, result, dataset, force)
        save_project_model(store, project, result.classifier, dataset.project_identity,
                           starter_data=result.starter_rows > 0)  # fmt: skip
    result.wall_seconds = time.perf_counter() - started
    return result, dataset


def _with_keep_hint(exc: NotEnoughDataError, plans: list[ClassPlan]) -> NotEnoughDataError:
    """``exc``, saying that keeping unrecorded starter gestures is the other way out of "two classes"."""
    if exc.few or not any(p.starter_gesture and not p.kept for p in plans):
        return exc
    return NotEnoughDataError(f"{exc}; record another gesture, or keep the starter gestures you did not record "
                              "(train --keep-starter-gestures)", active=exc.active)  # fmt: skip


def save_project_model(store: Store, project: str, classifier: GestureClassifier, identity: str | None = None,
                       **metadata: object) -> Path:  # fmt: skip
    """Save ``classifier`` as the project's model (whole or not at all), stamped with the project, its
    keypoint backend and ``metadata``; the one writer of ``model_dir``. Returns the model folder.

    ``identity`` (``Dataset.project_identity``) is the project the model was trained on: it is saved there, under
    its name now, or ``core.data.saved_models.project_folders.ProjectReplacedError`` when that project was replaced or deleted
    meanwhile (None: the project named ``project`` now). The check and the save hold the store's write lock.
    """
    with project_folder(store, project, identity) as (name, folder):
        classifier.metadata.update(project=name, backend=store.project_backend(name), **metadata)
        saved = classifier.save(folder / MODEL_FOLDER)
    return model_dir(store, name) if store.shared else saved


def check_replacement(store: Store, project: str, result: TrainResult, dataset: Dataset, force: bool = False) -> None:
    """Raise ``ModelRefusedError`` if ``result`` must not replace the project's saved model.

    Diverged (no epoch with a finite validation loss): always refused. Collapsed: the new
    model's accuracy on its validation samples is more than ``COLLAPSE_MARGIN`` below the
    saved model's on the same samples, counting only classes both know; refused unless ``force``.
    """
    if not any(math.isfinite(s.val_loss) for s in result.history):  # the best weights were never set
        last = result.history[-1].val_loss if result.history else "none"
        raise ModelRefusedError(
            f"training diverged (validation loss {last}); the saved model of project {project!r} is kept: "
            "try a lower learning rate"
        )
    old = _saved_model(store, project)
    if force or old is None or old.feature_config != dataset.feature_config or len(result.val_indices) == 0:
        return
    labels = np.asarray(dataset.labels)[result.val_indices]
    rows = np.isin(labels, old.classes) & np.isin(labels, result.classifier.classes)
    if not rows.any():
        return
    x = dataset.features[result.val_indices][rows]
    new_acc, old_acc = (evaluate(m, x, labels[rows].tolist()).accuracy for m in (result.classifier, old))
    if new_acc < old_acc - COLLAPSE_MARGIN:
        raise ModelRefusedError(
            f"the new model collapsed: {new_acc:.0%} on {int(rows.sum())} validation samples where the saved model "
            f"gets {old_acc:.0%} (more than {COLLAPSE_MARGIN:.0%} lower); the saved model of project {project!r} "
            "is kept (train --force saves the new one anyway)"
        )


def _saved_model(store: Store, project: str) -> GestureClassifier | None:
    """The project's saved model, or None when there is none or it cannot be loaded (nothing to protect)."""
    try:
        return load_project_model(store, project)
    except ModelFileError:
        return None


def load_project_model(store: Store, project: str, starter_fallback: bool = False) -> GestureClassifier | None:
    """The project's saved model, or None when it has not been trained yet.

    With ``starter_fallback`` an untrained project whose classes include at least two
    of the default ones gets the shipped starter model instead, predicting only those
    classes (``core.starter.starter_model_for``; ``core.starter.is_shipped_starter`` is True).
    """
    directory = model_dir(store, project)
    if (directory / "model.json").exists():
        model = GestureClassifier.load(directory)
        skeleton = store.project_skeleton(project).name
        if model.feature_config.skeleton != skeleton:
            raise ModelFileError(f"{directory}: a model of {model.feature_config.skeleton} keypoints in the "
                                 f"{skeleton} project {project!r}; retrain it")  # fmt: skip
        return model
    if not starter_fallback or store.project_skeleton(project) != HAND_21:  # the starter knows hands only
        return None
    from core.starter import starter_model_for

    return starter_model_for([c.name for c in store.list_classes(project)])
