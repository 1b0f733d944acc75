"""A project's headline accuracy, measured as the project trains: k-fold over all its samples.

``core.gestures.crossval`` does the folds; here each fold trains the way ``train_project`` does (the same
classes from ``core.data.class_plan``, the starter set when the training had it, the same settings), so the
figure is the saved model's kind of model judged by the app's decision. ``record_crossval`` writes the figure
into the saved model's metadata (``CROSSVAL_KEY``) once measured, so the next training can say whether it
moved by more than noise (``previous_figure``), and the pages can show it beside the model. ``train_report``
gathers what the Train page shows of a training (``core.gestures.report``), which ``record_crossval`` keeps in
the model too, with when it was measured (``MEASURED_AT_KEY``). ``project_curve`` is the learning curve measured the
same way.

A model trained without a measurement of its own (Live's *Teach it here*, measured again only after it is saved)
carries the model before's (``LAST_MEASURED_KEY``: ``last_measurement`` read before the training, written beside
the new model by ``carry_measurement``), so Train shows the last figure, when it was taken and that the model
changed since, instead of nothing.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import torch

from core.data.class_plan import kept_names, plan_classes
from core.data.project import MODEL_FOLDER, Dataset, model_dir
from core.data.saved_models.project_folders import project_folder
from core.data.store import Store
from core.gestures.classifier import GestureClassifier
from core.gestures.crossval import CrossVal, Fit, cross_validate, fold_count, fold_curve, wrong_answers
from core.gestures.figure import CROSSVAL_KEY, CurvePoint, Figure, summary_figure
from core.gestures.model_file import CONFIG_FILE, ModelFileError, read_description
from core.gestures.report import REPORT_KEY, TrainReport, tally_answers, tally_matrix
from core.gestures.training import TrainConfig, TrainResult, train_classifier
from core.types import FloatArray

MEASURED_AT_KEY = "measured_at"  # when record_crossval wrote the model's figure and report (ISO, UTC)
LAST_MEASURED_KEY = "last_measured"  # the last measurement of a model before this one: report, figure, when, samples

# A fold trains on (k-1)/k of a class: a class of 5 samples (TrainConfig's minimum) keeps 4, which the
# fold's training must accept. 2: one to train on, one to stop early on (TRAIN_LIMITS' lowest).
FOLD_MIN_SAMPLES = 2


def fold_fit(dataset: Dataset, config: TrainConfig, starter: bool = False, keep_unrecorded: bool = False) -> Fit:
    """A function training on some of ``dataset``'s rows as ``train_project`` trains on all of them."""
    counts = Counter(dataset.labels)
    counts_all = {name: counts[name] for name in dataset.classes}
    fold_config = replace(config, min_samples_per_class=FOLD_MIN_SAMPLES)
    args = (dataset.mirror_map, dataset.feature_config)
    if starter:
        from core.starter import load_starter_set, train_with_starter  # lazy: only this path reads the set
        from core.starter.dataset import OTHER
        from core.starter.fit import StarterOptions

        starter_set = load_starter_set()  # once for all folds
        plans = plan_classes(counts_all, dataset.mirror_map, config.mirror, set(starter_set.labels) - {OTHER},
                             keep_unrecorded)  # fmt: skip
        classes, options = kept_names(plans), StarterOptions(min_samples_per_class=FOLD_MIN_SAMPLES)

        def fit_starter(x: FloatArray, labels: list[str]) -> GestureClassifier:
            return train_with_starter(x, labels, classes, *args, starter_set, fold_config, options).classifier

        return fit_starter

    def fit(x: FloatArray, labels: list[str]) -> GestureClassifier:
        return train_classifier(x, labels, dataset.classes, *args, fold_config).classifier

    return fit


def project_crossval(
    dataset: Dataset, config: TrainConfig, starter: bool = False, keep_unrecorded: bool = False,
    on_fold: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
) -> CrossVal | None:  # fmt: skip
    """Every sample of ``dataset`` tested by a model trained without it (``cross_validate``, ``config.seed``);
    None when cancelled. ``ValueError`` when a class has too few samples for two folds."""
    fit = fold_fit(dataset, config, starter, keep_unrecorded)
    return cross_validate(dataset.features, dataset.labels, fit, fold_count(dataset.labels), config.seed,
                          on_fold, cancel)  # fmt: skip


def project_curve(
    dataset: Dataset, config: TrainConfig, starter: bool = False, keep_unrecorded: bool = False,
    on_step: Callable[[int, int], None] | None = None, cancel: threading.Event | None = None,
    last: CrossVal | None = None,
) -> list[CurvePoint] | None:  # fmt: skip
    """The Train page's learning curve of ``dataset`` (``fold_curve``): the headline's folds, trainer and
    decision at fewer samples a gesture, so its last point is the headline. ``last``: the headline measured on
    this very dataset and ``config`` (``project_crossval``), reused for that point. None when cancelled."""
    fit = fold_fit(dataset, config, starter, keep_unrecorded)
    return fold_curve(dataset.features, dataset.labels, fit, fold_count(dataset.labels), config.seed, on_step,
                      cancel, last)  # fmt: skip


def crossval_metadata(cv: CrossVal) -> dict[str, Any]:
    f = cv.figure
    return {"correct": f.correct, "total": f.total, "low": round(f.low, 4), "high": round(f.high, 4),
            "folds": cv.folds, "seconds": round(cv.seconds, 1)}  # fmt: skip


def train_report(result: TrainResult, dataset: Dataset, cv: CrossVal | None = None) -> TrainReport:
    """What the Train page shows of ``result``, trained on ``dataset``: on every sample, each tested by a model
    trained without it (``cv``, from ``project_crossval``), or without ``cv`` on the samples held out."""
    order = dataset.classes
    if cv is not None:
        tally = tally_answers(dataset.labels, cv.answers, order)
        wrong = [(dataset.sample_ids[row], truth, answer) for row, truth, answer in wrong_answers(dataset.labels,
                                                                                                  cv.answers)]  # fmt: skip
    else:
        tally = tally_matrix(result.classes, result.confusion, order)
        rows = result.val_indices.tolist()
        wrong = [(dataset.sample_ids[row], dataset.labels[row], answer)
                 for row, answer in zip(rows, result.val_predictions, strict=True) if answer != dataset.labels[row]]  # fmt: skip
    return TrainReport(tally, cv.folds if cv is not None else 0, result.wall_seconds, len(result.history),
                       result.best_epoch, cv.seconds if cv is not None else 0.0, wrong)  # fmt: skip


def record_crossval(store: Store, project: str, classifier: GestureClassifier, identity: str | None,
                    cv: CrossVal | None, report: TrainReport | None = None) -> bool:  # fmt: skip
    """Write ``cv``'s figure (None: none, skipped) and ``report`` into the saved model, if the saved model is still
    ``classifier`` (saved by ``save_project_model``); False, writing nothing, when another model replaced it
    meanwhile (a second training, Live's *Teach it here*) or the project was replaced
    (``ProjectReplacedError`` otherwise). The model's own measurement replaces the one it carried."""
    metadata: dict[str, Any] = {}
    if cv is not None:
        metadata[CROSSVAL_KEY] = crossval_metadata(cv)
    if report is not None:
        metadata[REPORT_KEY] = report.to_metadata()
    if metadata:
        metadata[MEASURED_AT_KEY] = datetime.now(UTC).isoformat(timespec="seconds")
    return _update_saved(store, project, classifier, identity, metadata, drop=LAST_MEASURED_KEY)


def last_measurement(metadata: dict[str, Any]) -> dict[str, Any] | None:
    """What a model's metadata says of its last measurement, to carry to the model that replaces it: its own report
    and figure with when they were taken and on how many samples, else the one it carried itself; None without."""
    if isinstance(metadata.get(REPORT_KEY), dict):
        when = metadata.get(MEASURED_AT_KEY) or metadata.get("trained_at")
        kept = {key: metadata.get(key) for key in ("n_samples", "n_val", "val_on_training_samples")}
        return {REPORT_KEY: metadata[REPORT_KEY], CROSSVAL_KEY: metadata.get(CROSSVAL_KEY), MEASURED_AT_KEY: when,
                **kept}  # fmt: skip
    carried = metadata.get(LAST_MEASURED_KEY)
    return carried if isinstance(carried, dict) and isinstance(carried.get(REPORT_KEY), dict) else None


def previous_measurement(store: Store, project: str) -> dict[str, Any] | None:
    """``last_measurement`` of the saved model, read before a training replaces it; None without one."""
    try:
        saved = read_description(model_dir(store, project) / CONFIG_FILE)
    except (ModelFileError, OSError, ValueError):
        return None
    metadata = saved.get("metadata")
    return last_measurement(metadata) if isinstance(metadata, dict) else None


def carry_measurement(store: Store, project: str, classifier: GestureClassifier, identity: str | None,
                      last: dict[str, Any]) -> bool:  # fmt: skip
    """Write ``last`` (``previous_measurement``) beside the saved model ``classifier`` (False, writing nothing, when
    another model replaced it meanwhile), until its own measurement replaces it."""
    return _update_saved(store, project, classifier, identity, {LAST_MEASURED_KEY: last})


def _update_saved(store: Store, project: str, classifier: GestureClassifier, identity: str | None,
                  metadata: dict[str, Any], drop: str | None = None) -> bool:  # fmt: skip
    with project_folder(store, project, identity, grows=False) as (_, folder):  # its notes only
        try:
            saved = GestureClassifier.load(folder / MODEL_FOLDER)
        except ModelFileError:
            return False
        if not _same_model(saved, classifier):
            return False
        if drop is not None and metadata:
            classifier.metadata.pop(drop, None)
        classifier.metadata.update(metadata)
        classifier.save(folder / MODEL_FOLDER)  # the same weights: only model.json changes
        return True


def _same_model(saved: GestureClassifier, ours: GestureClassifier) -> bool:
    """Whether the loaded ``saved`` model is ``ours``: the same metadata (two runs in one second can share it)
    and the same weights."""
    mine, theirs = ours.network.state_dict(), saved.network.state_dict()
    return (
        saved.metadata == ours.metadata
        and mine.keys() == theirs.keys()
        and all(torch.equal(mine[name], theirs[name]) for name in mine)
    )


def previous_figure(store: Store, project: str) -> tuple[Figure, int] | None:
    """The saved model's figure (``summary_figure``), read before a training replaces it; None without one."""
    try:
        saved = read_description(model_dir(store, project) / CONFIG_FILE)
    except (ModelFileError, OSError, ValueError):
        return None
    metadata = saved.get("metadata")
    return summary_figure(metadata) if isinstance(metadata, dict) else None
