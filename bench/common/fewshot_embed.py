"""Few-shot methods on MediaPipe's pretrained gesture embedding (``core.gestures.embedding``), for ``fewshot.py``.

Each takes a ``Lesson`` and answers as ``bench/common/fewshot_teach.py``'s methods do. The embedding is computed
from the lesson's features (``features_input``: MediaPipe's own input for a frame at least as wide as high; for
2D features, the kinivi logs, z is 0, which MediaPipe never feeds). The heads:

* ``embed-proto``: the nearest class mean of the person's own samples' L2-normalised embeddings (cosine);
* ``embed-head``: Model Maker's way, a linear softmax head on the frozen embedding of the person's samples and
  their mirrored copies (each mirrored copy labelled with its class's mirror partner, weighed 0.3, as ``train``);
* ``embed-head-starter``: the same head also taught the starter set's rows of the taught starter classes and its
  hands of no class as a rejection class ("unknown" where it wins): the population beside the person;
* ``defaults+embed``: today's ``defaults`` with its probabilities averaged with those of the head on the person's
  samples and the taught starter classes' rows, decided by the app's one rule (``GestureClassifier.decide``, its own
  distances): the embedding beside today's features; ``defaults+proto`` the same with ``embed-proto``'s;
* ``defaults-rescued-by-proto``: ``defaults``, but an "unknown" becomes its most probable class where
  ``embed-proto`` names the same class (the embedding as a second opinion on "unknown" only); ``-near-proto``:
  only where the hand is as near that class's prototype as the least near of the person's own samples of it.

None of them say "unknown" except where said, so compare their *argmax* with ``defaults``' too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from bench.common.fewshot_teach import (
    STARTER_NAMES,
    Answers,
    Labels,
    Lesson,
    live_average,
    starter_set,
)
from core.gestures.classifier import GestureClassifier
from core.gestures.embedding import load_embedder
from core.gestures.features import FeatureConfig, mirror_features
from core.gestures.training import TrainConfig
from core.starter import StarterOptions, train_with_starter
from core.starter.dataset import OTHER
from core.types import UNKNOWN_LABEL, FloatArray

USER_WEIGHT, MIRROR_WEIGHT, STARTER_PER_CLASS, OTHER_ROWS, OTHER_WEIGHT = 16.0, 0.3, 200, 800, 0.2
HEAD_C = 1.0  # the head's inverse L2 strength (scikit-learn's C) on standardised embeddings


def embed(features: FloatArray, config: FeatureConfig) -> FloatArray:
    return load_embedder().embed_features(features, config)


@functools.cache
def _starter_embedding(source: str) -> tuple[FloatArray, np.ndarray]:
    """The starter set's rows (per class at most ``STARTER_PER_CLASS``, ``OTHER_ROWS`` hands of no class, a fixed
    draw) as embeddings, with their labels."""
    full = starter_set(source)
    labels = np.array(full.labels)
    rng = np.random.default_rng(0)
    keep = np.concatenate([rng.permutation(np.flatnonzero(labels == c))[: OTHER_ROWS if c == OTHER else STARTER_PER_CLASS]
                           for c in sorted(set(labels))])  # fmt: skip
    return embed(full.features[keep], FeatureConfig(use_depth=True)), labels[keep]


def _own_rows(lesson: Lesson, classes: list[str]) -> tuple[FloatArray, list[str], FloatArray]:
    """The person's samples and their mirrored copies (a copy whose mirror class is not taught left out)."""
    mirrors = lesson.mirror_map(classes)
    mirrored_y = [mirrors[y] for y in lesson.teach_y]
    keep = [y in classes for y in mirrored_y]
    mirrored_x = mirror_features(lesson.teach_x, lesson.config)[keep]
    x = np.concatenate([lesson.teach_x, mirrored_x])
    y = lesson.teach_y + [m for m, k in zip(mirrored_y, keep, strict=True) if k]
    weights = np.concatenate(
        [np.full(len(lesson.teach_y), USER_WEIGHT), np.full(int(sum(keep)), USER_WEIGHT * MIRROR_WEIGHT)]
    )
    return embed(x, lesson.config), y, weights


def _fit_head(x: FloatArray, y: list[str], weights: FloatArray, seed: int) -> Callable[[FloatArray], FloatArray]:
    """A linear softmax head on standardised embeddings: ``(m, 128) → (m, C)`` probabilities in sorted label order."""
    from sklearn.linear_model import LogisticRegression

    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-6
    head = LogisticRegression(C=HEAD_C, max_iter=500, random_state=seed)
    head.fit((x - mean) / scale, y, sample_weight=weights)
    return lambda rows: head.predict_proba((rows - mean) / scale)


def _answers(lesson: Lesson, names: list[str], probabilities: FloatArray, others: FloatArray | None) -> Answers:
    """Labels from (m, C) probabilities over ``names`` (``OTHER``: "unknown"); argmax over the taught classes only."""
    taught = [i for i, n in enumerate(names) if n != OTHER]

    def label(rows: FloatArray) -> Labels:
        return [UNKNOWN_LABEL if names[i] == OTHER else names[i] for i in rows.argmax(axis=1)]

    argmax = [names[taught[i]] for i in probabilities[:, taught].argmax(axis=1)]
    live = label(live_average(probabilities, lesson.test_y))
    accepted = (
        None if others is None or not len(others) else float(np.mean([a != UNKNOWN_LABEL for a in label(others)]))
    )
    return label(probabilities), argmax, live, accepted  # type: ignore[return-value]


def _prototypes(lesson: Lesson, near: bool = False) -> Callable[[FloatArray], FloatArray]:
    """(m, D) features → (m, C) probabilities over ``lesson.classes``: a softmax (temperature 1/20) of the cosine to
    each class's mean L2-normalised embedding of the person's own samples. ``near``: a class whose cosine is below
    the lowest of its own samples' gets probability 0 (a row near no class: all 0)."""
    own = embed(lesson.teach_x, lesson.config)
    own /= np.linalg.norm(own, axis=1, keepdims=True)
    y = np.array(lesson.teach_y)
    prototypes = np.stack([own[y == c].mean(axis=0) for c in lesson.classes])
    prototypes /= np.linalg.norm(prototypes, axis=1, keepdims=True)
    lowest = np.array([(own[y == c] @ prototypes[i]).min() for i, c in enumerate(lesson.classes)])

    def predict(features: FloatArray) -> FloatArray:
        rows = embed(features, lesson.config)
        cosine = (rows / np.linalg.norm(rows, axis=1, keepdims=True)) @ prototypes.T
        scores = np.exp(20 * (cosine - cosine.max(axis=1, keepdims=True)))
        if near:
            scores = scores * (cosine >= lowest)
        return scores / np.maximum(scores.sum(axis=1, keepdims=True), 1e-12)

    return predict


def _starter_head(lesson: Lesson, seed: int) -> Callable[[FloatArray], FloatArray]:
    """(m, D) features → (m, C) probabilities over ``lesson.classes`` from the head on the person's samples and the
    starter set's rows of the taught starter classes (no rejection class)."""
    x, y, weights = _own_rows(lesson, lesson.classes)
    if lesson.config.use_depth:
        rows, labels = _starter_embedding(lesson.source)
        keep = np.isin(labels, [c for c in lesson.classes if c in STARTER_NAMES])
        x, y = np.concatenate([x, rows[keep]]), y + list(labels[keep])
        weights = np.concatenate([weights, np.ones(int(keep.sum()))])
    predict = _fit_head(x, y, weights, seed)
    order = [sorted(set(y)).index(c) for c in lesson.classes]
    return lambda features: predict(embed(features, lesson.config))[:, order]


def embed_proto(lesson: Lesson, seed: int) -> Answers:
    del seed  # nothing random
    return _answers(lesson, lesson.classes, _prototypes(lesson)(lesson.test_x), None)


def embed_head(lesson: Lesson, seed: int, starter: bool = False) -> Answers:
    x, y, weights = _own_rows(lesson, lesson.classes)
    if starter and lesson.config.use_depth:
        rows, labels = _starter_embedding(lesson.source)
        keep = np.isin(labels, [c for c in lesson.classes if c in STARTER_NAMES] + [OTHER])
        x = np.concatenate([x, rows[keep]])
        y = y + list(labels[keep])
        weights = np.concatenate([weights, np.where(labels[keep] == OTHER, OTHER_WEIGHT, 1.0)])
    predict = _fit_head(x, y, weights, seed)
    names = sorted(set(y))
    others = predict(embed(lesson.others_x, lesson.config)) if starter and len(lesson.others_x) else None
    return _answers(lesson, names, predict(embed(lesson.test_x, lesson.config)), others)


def _defaults_model(lesson: Lesson, seed: int) -> GestureClassifier:
    options = replace(StarterOptions(), min_samples_per_class=1)  # as ``with_starter`` trains
    return train_with_starter(lesson.teach_x, lesson.teach_y, lesson.classes, lesson.mirror_map(lesson.classes),
                              lesson.config, starter_set(lesson.source), replace(TrainConfig(), seed=seed),
                              options).classifier  # fmt: skip


def defaults_rescued(lesson: Lesson, seed: int, near: bool = False) -> Answers:
    """``defaults`` as it is, except that a hand it calls "unknown" takes its most probable class where the
    person's prototypes (``embed-proto``) name that class too: the embedding as a second opinion on "unknown";
    ``near``: only where the hand is as near that class's prototype as the least near of its own samples."""
    model = _defaults_model(lesson, seed)
    prototypes = _prototypes(lesson, near)
    order = [lesson.classes.index(c) for c in model.classes]

    def decide(probabilities: FloatArray, distances: FloatArray | None, embedded: FloatArray) -> Labels:
        named = embedded[:, order]
        agree = (probabilities.argmax(axis=1) == named.argmax(axis=1)) & (named.max(axis=1) > 0)
        return [model.classes[int(i)] if p.label == UNKNOWN_LABEL and a else p.label
                for p, a, i in zip(model.decide(probabilities, distances), agree, probabilities.argmax(axis=1),
                                   strict=True)]  # fmt: skip

    probabilities, distances, embedded = (model.predict_proba(lesson.test_x), model.class_distances(lesson.test_x),
                                          prototypes(lesson.test_x))  # fmt: skip
    shown = decide(probabilities, distances, embedded)
    averaged = None if distances is None else live_average(distances, lesson.test_y)
    live = decide(live_average(probabilities, lesson.test_y), averaged, live_average(embedded, lesson.test_y))
    others = lesson.others_x
    accepted = None
    if len(others):
        answered = decide(model.predict_proba(others), model.class_distances(others), prototypes(others))
        accepted = float(np.mean([a != UNKNOWN_LABEL for a in answered]))
    return shown, [model.classes[i] for i in probabilities.argmax(axis=1)], live, accepted


def defaults_and_embed(lesson: Lesson, seed: int, partner: str = "head") -> Answers:
    """``defaults``' classifier, its probabilities averaged with the embedding's (``partner``: the starter-leaning
    head, or the person's prototypes), then decided by the app's one rule with the classifier's own distances."""
    model = _defaults_model(lesson, seed)
    embedded = _starter_head(lesson, seed) if partner == "head" else _prototypes(lesson)
    order = [lesson.classes.index(c) for c in model.classes]

    def blended(features: FloatArray) -> FloatArray:
        return (model.predict_proba(features) + embedded(features)[:, order]) / 2

    probabilities = blended(lesson.test_x)
    distances = model.class_distances(lesson.test_x)
    shown = [p.label for p in model.decide(probabilities, distances)]
    averaged = None if distances is None else live_average(distances, lesson.test_y)
    live = [p.label for p in model.decide(live_average(probabilities, lesson.test_y), averaged)]
    others = lesson.others_x
    accepted = None
    if len(others):
        decided = model.decide(blended(others), model.class_distances(others))
        accepted = float(np.mean([p.label != UNKNOWN_LABEL for p in decided]))
    return shown, [model.classes[i] for i in probabilities.argmax(axis=1)], live, accepted  # type: ignore[return-value]


EMBED_METHODS = {
    "embed-proto": embed_proto,
    "embed-head": embed_head,
    "embed-head-starter": functools.partial(embed_head, starter=True),
    "defaults+embed": defaults_and_embed,
    "defaults+proto": functools.partial(defaults_and_embed, partner="proto"),
    "defaults-rescued-by-proto": defaults_rescued,
    "defaults-rescued-by-near-proto": functools.partial(defaults_rescued, near=True),
}
