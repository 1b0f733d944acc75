"""Open set: does a person's model answer "unknown" for a gesture they never taught it? (issue #44)

Per person (``bench/common/fewshot_people.py``: ``webcam_people`` by default; ``--sources`` adds people's kinivi logs,
the ASL video's person, HaGRID users' takes), each gesture is left out in turn: a project is taught the
person's other gestures from the first k frames of each take's first block (``--teach-every N``: frames 0,
N, 2N, … of it, as Record spreads its samples, closer together where k would not fit) with the product's
defaults (``core.starter.train_with_starter``, as ``bench/common/fewshot_teach.with_starter`` runs it), and scored
on the later block of every gesture, the left-out one included:

* **taught**: the share of the taught gestures' later frames Live labels right (a hand's probabilities and
  its distances to the examples averaged over its last ``STREAM_SMOOTHING_FRAMES`` frames, each gesture's
  later block one run of the hand, then ``model.decide``; ``unknown`` counts as wrong);
* **untaught**: the share of the left-out gesture's later frames Live answers with a taught class (any);
* **AUROC**: how well the reject score tells taught frames (high) from untaught ones (low), over the
  same Live-averaged frames: the rule's margin (``familiar_score``), for ``softmax-0.6`` the top probability.

The blocks: a ``webcam_people`` gesture folder holds two blocks of 40 photos of one recording (its
``SOURCES.md``): the first 40 files in recording order are the first block, the last 40 the later block,
split by the photos' names (MediaPipe finds no hand in some photos, so the hands' positions say nothing).
A take that says where its later frames start (kinivi logs) splits there; any other, in halves.

Rules, all scored on one training per (person, left-out gesture):

* ``defaults``: the product's rule (``core.gestures.familiarity``): a hand farther than the radius from
  every own example of its top class is ``unknown``, unless that class is a starter gesture and the hand is
  nearer to it (own examples, the starter set's hands of it) than to every starter hand of no class;
* ``softmax-0.6``: the rule before (``TrainConfig(familiarity=False)``): top probability under 0.6. The
  examples are attached after the network is fitted, so it is the same network without them; the first
  training checks that (and every training is then done twice if not);
* ``tolerance-0.8``, ``tolerance-1.5``: the defaults with Live's slider moved (``model.tolerance``).

    python bench/people/openset.py [--k 5 10 20] [--teach-every N] [--sources webcam kinivi asl hagrid] [--seed 0]
                            [--webcam-people N] [--taught N]

``--taught N`` (``bench/common/openset_taught.py``): a student's lessons instead, every choice of N of a person's
gestures taught with the app's training and defaults, the others shown, and what Live's card says of each look; its
JSON line's ``untaught_accepted`` (untaught looks named a taught gesture, pooled), ``taught_accuracy_worst`` (the
worst person's taught looks named right) and ``very_sure_wrong`` ("Very sure" cards naming a wrong gesture) are the
first k's, every k's under ``results``.

Prints a table per k, worst person first (by ``defaults``' taught share), the pooled figures (every frame
of every person), the seconds a training took, the machine's load; the last line is JSON with every number.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from sklearn.metrics import roc_auc_score

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common import openset_taught  # noqa: E402
from bench.common.fewshot_people import PHOTO_SUFFIXES, Take, recording_order  # noqa: E402
from bench.common.fewshot_teach import Lesson, live_average, starter_set  # noqa: E402
from bench.people.fewshot import config_of, people_of  # noqa: E402
from core.gestures.classifier import GestureClassifier  # noqa: E402
from core.gestures.familiarity import UNTAUGHT_NEARER  # noqa: E402
from core.gestures.features import FeatureConfig, hand_features  # noqa: E402
from core.gestures.training import TrainConfig  # noqa: E402
from core.starter import StarterOptions, train_with_starter  # noqa: E402
from core.types import UNKNOWN_LABEL, FloatArray  # noqa: E402

BLOCK = 40  # photos in each block of a webcam_people gesture folder
SOURCES = ["webcam", "kinivi", "asl", "hagrid"]
# rule name → Live's tolerance (radii), or None for the rule before: the top probability against the threshold
RULES: dict[str, float | None] = {"defaults": 1.0, "softmax-0.6": None, "tolerance-0.8": 0.8, "tolerance-1.5": 1.5}
FAR = 1e6  # a distance ratio standing in for "no example of that class" (inf) in the AUROC


# ---- lessons -----------------------------------------------------------------------------------------------


def gesture_photos(take: Take) -> list[Path]:
    """Every photo of a ``webcam_people`` take's gesture folder, hand or not, in recording order (as
    ``webcam_people`` lists them)."""
    person = take.person.split("/", 1)[1]
    folder = next(p for p in take.frames[0].parents if p.parent.name == person)
    photos = (p for p in folder.rglob("*") if p.suffix.lower() in PHOTO_SUFFIXES)
    return sorted(photos, key=lambda p: recording_order(p.relative_to(folder)))


def block_split(frames: Sequence[Path], photos: Sequence[Path], block: int = BLOCK) -> tuple[int, int]:
    """(first_end, later_start) for a take's hands found in ``frames`` (in recording order) of a folder's
    ``photos`` (all of them, in recording order): ``hands[:first_end]`` lie in the first ``block`` photos,
    ``hands[later_start:]`` in the last ``block`` (after the first block, where the folder holds fewer than
    2 × ``block``). Raises ``ValueError`` for frames out of recording order or outside ``photos``."""
    first, later = set(photos[:block]), set(photos[max(block, len(photos) - block) :])
    in_first, in_later = [f in first for f in frames], [f in later for f in frames]
    first_end, later_start = sum(in_first), len(frames) - sum(in_later)
    if not all(in_first[:first_end]) or not all(in_later[later_start:]) or not set(frames) <= set(photos):
        raise ValueError("the take's frames are not its folder's photos in recording order")
    return first_end, later_start


def split_of(take: Take) -> tuple[int, int]:
    """(first_end, later_start): the take's hands ``[:first_end]`` to teach from, ``[later_start:]`` to test on;
    by photo names for ``webcam_people`` photos, at ``test_start`` where the take says, else in halves."""
    if take.source == "webcam_people" and take.frames:
        return block_split(take.frames, gesture_photos(take))
    if take.test_start is not None:
        return take.test_start, take.test_start
    return len(take.hands) // 2, len(take.hands) // 2


@dataclass(frozen=True)
class Gesture:
    """One take's features: its first block (n, D) to teach from and its later block (m, D) to test on."""

    label: str
    first: FloatArray
    later: FloatArray


def gestures_of(takes: list[Take], config: FeatureConfig) -> list[Gesture]:
    """A person's takes split into blocks (a second take of a label is left out: one run per gesture)."""
    out: dict[str, Gesture] = {}
    for take in takes:
        if take.label in out:
            print(f"note: {take.person} has two takes of {take.label}; the second is left out", file=sys.stderr)
            continue
        x = np.stack([hand_features(h, config) for h in take.hands])
        first_end, later_start = split_of(take)
        out[take.label] = Gesture(take.label, x[:first_end], x[later_start:])
    return list(out.values())


def teach_rows(first: FloatArray, k: int, every: int = 1) -> FloatArray:
    """The first ``k`` of a first block, every ``every``-th (the step shrinking where ``k`` would not fit)."""
    step = max(1, min(every, len(first) // k))
    return first[::step][:k]


def leave_out(gestures: list[Gesture], left: str, k: int, every: int, config: FeatureConfig, source: str) -> Lesson:
    """Taught every gesture but ``left`` (``teach_rows`` of each), tested on every gesture's later block."""
    taught = [teach_rows(g.first, k, every) for g in gestures if g.label != left]
    teach_y = [g.label for g in gestures if g.label != left for _ in range(len(teach_rows(g.first, k, every)))]
    test_y = [g.label for g in gestures for _ in range(len(g.later))]
    return Lesson(np.concatenate(taught), teach_y, np.concatenate([g.later for g in gestures]), test_y, source,
                  np.zeros((0, config.size), np.float32), config)  # fmt: skip


# ---- training and scoring ----------------------------------------------------------------------------------


def train(lesson: Lesson, seed: int, familiarity: bool = True) -> GestureClassifier:
    """The model ``train`` would make of the lesson: the starter set added, one own sample enough for a class."""
    classes = lesson.classes
    result = train_with_starter(lesson.teach_x, lesson.teach_y, classes, lesson.mirror_map(classes), lesson.config,
                                starter_set(lesson.source), TrainConfig(seed=seed, familiarity=familiarity),
                                StarterOptions(min_samples_per_class=1))  # fmt: skip
    return result.classifier


def without_examples(model: GestureClassifier) -> GestureClassifier:
    """The same network judged by the rule before: no examples, the top probability against the threshold."""
    old = copy.copy(model)
    old.familiarity = None
    return old


@dataclass
class Tally:
    """One person's frames under one rule, over every gesture left out."""

    right: list[np.ndarray] = field(default_factory=list)  # (m,) bool per run: taught frame labelled right
    accepted: list[np.ndarray] = field(default_factory=list)  # (u,) bool per run: untaught frame given a class
    taught_score: list[np.ndarray] = field(default_factory=list)  # reject scores of taught frames
    untaught_score: list[np.ndarray] = field(default_factory=list)  # and of untaught ones

    def add(self, other: Tally) -> None:
        for name in ("right", "accepted", "taught_score", "untaught_score"):
            getattr(self, name).extend(getattr(other, name))


def score(
    model: GestureClassifier, lesson: Lesson, left: str, old: GestureClassifier | None = None
) -> dict[str, Tally]:
    """Every rule of ``RULES`` on one trained model (``old``: the network the rule before judges, when not
    ``model``'s own). The model's tolerance is put back as it was."""
    y = np.array(lesson.test_y)
    taught = y != left
    old = old or without_examples(model)
    out: dict[str, Tally] = {}
    saved = model.tolerance
    try:
        for name, tolerance in RULES.items():
            judge = old if tolerance is None else model
            p = live_average(judge.predict_proba(lesson.test_x), lesson.test_y)
            top = p.argmax(axis=1)
            if tolerance is None:
                distances, reject = None, p.max(axis=1)
            else:
                model.tolerance = tolerance
                distances = live_average(model.class_distances(lesson.test_x), lesson.test_y)
                reject = familiar_score(distances, top)
            labels = np.array([pred.label for pred in judge.decide(p, distances)])
            out[name] = Tally([labels[taught] == y[taught]], [labels[~taught] != UNKNOWN_LABEL], [reject[taught]],
                              [reject[~taught]])  # fmt: skip
    finally:
        model.tolerance = saved
    return out


def familiar_score(distances: FloatArray, top: np.ndarray) -> np.ndarray:
    """(m,) the rule's margin for (m, 2C + 1) distances in radii (``Familiarity.class_distances``' columns) and the
    top classes: positive exactly where the hand is known by distance, ``1 - own`` (inside the radius of an own
    example, and for a starter gesture no hand of no class clearly nearer: ``UNTAUGHT_NEARER``) or
    ``none - starter`` (nearer to the class's own examples or starter hands than to a hand of no class), whichever
    is larger; inf stands in as ``FAR``."""
    c, rows = (distances.shape[1] - 1) // 2, np.arange(len(top))
    own, starter = np.minimum(distances[rows, top], FAR), np.minimum(distances[rows, c + top], FAR)
    none = np.minimum(distances[:, 2 * c], FAR)
    counts = (starter >= FAR) | (own < UNTAUGHT_NEARER * none)  # the own examples may decide
    return np.maximum(np.where(counts, 1.0 - own, -FAR), np.where(starter < FAR, none - starter, -FAR))


def same_network(lesson: Lesson, seed: int) -> bool:
    """Whether ``TrainConfig(familiarity=False)`` fits the same network as the defaults (its probabilities
    on the lesson's test frames equal), so the rule before can be scored on the defaults' model."""
    with_them, without = train(lesson, seed), train(lesson, seed, familiarity=False)
    return bool(np.array_equal(with_them.predict_proba(lesson.test_x), without.predict_proba(lesson.test_x)))


def auroc(taught: list[np.ndarray], untaught: list[np.ndarray]) -> float | None:
    """Area under the ROC of the reject score, taught frames the positives; None without both kinds."""
    pos, neg = np.concatenate(taught) if taught else np.zeros(0), np.concatenate(untaught) if untaught else np.zeros(0)
    if not len(pos) or not len(neg):
        return None
    return float(roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]))


def share(parts: list[np.ndarray]) -> float:
    return float(np.concatenate(parts).mean()) if parts and sum(len(p) for p in parts) else float("nan")


def summarise(tallies: dict[str, Tally]) -> dict[str, object]:
    """One rule's figures: per person, the mean and worst person, pooled over every frame of every person."""
    per_person = {person: {"taught": round(share(t.right), 4), "untaught": round(share(t.accepted), 4),
                           "auroc": _round(auroc(t.taught_score, t.untaught_score))}
                  for person, t in tallies.items()}  # fmt: skip
    pooled = Tally()
    for t in tallies.values():
        pooled.add(t)
    taught = {p: v["taught"] for p, v in per_person.items()}
    untaught = {p: v["untaught"] for p, v in per_person.items()}
    worst, most = min(taught, key=taught.__getitem__), max(untaught, key=untaught.__getitem__)
    return {"taught": round(share(pooled.right), 4), "untaught": round(share(pooled.accepted), 4),
            "auroc": _round(auroc(pooled.taught_score, pooled.untaught_score)),
            "taught_mean": round(float(np.mean(list(taught.values()))), 4),
            "taught_worst": taught[worst], "taught_worst_person": worst,
            "untaught_mean": round(float(np.mean(list(untaught.values()))), 4),
            "untaught_worst": untaught[most], "untaught_worst_person": most,
            "per_person": per_person}  # fmt: skip


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@dataclass
class Run:
    """What ``run`` measured: per k, per rule, ``summarise``'s figures; the seconds of each training."""

    results: dict[int, dict[str, dict[str, object]]]
    seconds: list[float]
    old_rule_same_network: bool
    loads: dict[int, float] = field(default_factory=dict)  # the 1-minute load average as each k ended


def run(people: dict[str, list[Take]], ks: Sequence[int], seed: int = 0, every: int = 1,
        log: Callable[[str], None] = print) -> Run:  # fmt: skip
    """Every person, every gesture left out in turn, every k: one training each, every rule scored on it."""
    gestures = {}
    for person, takes in people.items():
        config = config_of(takes)
        gestures[person] = (gestures_of(takes, config), config, takes[0].source)
    results: dict[int, dict[str, dict[str, object]]] = {}
    seconds: list[float] = []
    same: bool | None = None
    loads: dict[int, float] = {}
    began = time.perf_counter()
    for k in ks:
        tallies: dict[str, dict[str, Tally]] = {name: defaultdict(Tally) for name in RULES}
        for person, (person_gestures, config, source) in gestures.items():
            for gesture in person_gestures:
                lesson = leave_out(person_gestures, gesture.label, k, every, config, source)
                if same is None:
                    same = same_network(lesson, seed)
                    log(f"rule before on the defaults' network: {'same' if same else 'NOT the same'} network as "
                        "TrainConfig(familiarity=False)" + ("" if same else "; training it apart every time"))  # fmt: skip
                started = time.perf_counter()
                model = train(lesson, seed)
                seconds.append(time.perf_counter() - started)
                old = None if same else train(lesson, seed, familiarity=False)
                for name, tally in score(model, lesson, gesture.label, old).items():
                    tallies[name][person].add(tally)
        results[k] = {name: summarise(by_person) for name, by_person in tallies.items()}
        loads[k] = round(os.getloadavg()[0], 2)
        log(f"k = {k}: {sum(len(g) for g, _, _ in gestures.values())} trainings done, {time.perf_counter() - began:.0f} s "
            f"so far, load {loads[k]:.1f}")  # fmt: skip
    return Run(results, seconds, bool(same), loads)


def report(measured: Run, header: dict[str, object]) -> dict[str, object]:
    """The JSON line: ``header`` (what was run), then every rule's figures per k and the trainings' seconds."""
    seconds = np.array(measured.seconds)
    return header | {"rules": list(RULES), "old_rule_same_network": measured.old_rule_same_network,
                     "seconds_per_training": {"mean": round(float(seconds.mean()), 3),
                                              "median": round(float(np.median(seconds)), 3),
                                              "max": round(float(seconds.max()), 3), "n": len(seconds)},
                     "load_after_each_k": {str(k): v for k, v in measured.loads.items()},
                     "results": {str(k): r for k, r in measured.results.items()}}  # fmt: skip


# ---- report -------------------------------------------------------------------------------------------------


def table(k: int, results: dict[str, dict[str, object]]) -> list[str]:
    """The rows for one k: a person a row, worst first by ``defaults``' taught share, then the pooled lines."""
    names = list(results)
    per_person = {name: results[name]["per_person"] for name in names}
    order = sorted(per_person["defaults"], key=lambda p: (per_person["defaults"][p]["taught"], p))  # type: ignore[index]
    width = max(len(p) for p in order) + 2
    lines = [f"k = {k}: taught = later frames of taught gestures labelled right on Live; "
             "untaught = the left-out gesture's later frames given a taught class",
             f"{'':{width}s}" + "".join(f"{name:>20s}" for name in names),
             f"{'person':{width}s}" + "".join(f"{'taught':>11s}{'untaught':>9s}" for _ in names)]  # fmt: skip
    for person in order:
        row = [per_person[name][person] for name in names]  # type: ignore[index]
        lines.append(f"{person:{width}s}" + "".join(f"{r['taught']:>11.3f}{r['untaught']:>9.3f}" for r in row))
    for label, taught, untaught in (("pooled (every frame)", "taught", "untaught"),
                                    ("mean of people", "taught_mean", "untaught_mean"),
                                    ("worst person", "taught_worst", "untaught_worst")):  # fmt: skip
        lines.append(f"{label:{width}s}" + "".join(f"{results[n][taught]:>11.3f}{results[n][untaught]:>9.3f}"
                                                    for n in names))  # fmt: skip
    lines.append(f"{'AUROC (pooled)':{width}s}" + "".join(f"{_fmt(results[n]['auroc']):>20s}" for n in names))
    return lines


def _fmt(value: object) -> str:
    return "-" if value is None else f"{value:.3f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--sources", nargs="+", default=["webcam"], choices=SOURCES)
    parser.add_argument("--people", type=int, default=None, help="at most this many HaGRID users (default all)")
    parser.add_argument("--webcam-people", type=int, default=None, metavar="N",
                        help="the first N webcam_people people (default all; 1: the smoke test's smallest run)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--teach-every", type=int, default=1, metavar="N",
                        help="teach from frames 0, N, 2N, … of each first block, as Record spreads its samples "
                             "(default 1: consecutive frames)")  # fmt: skip
    parser.add_argument("--taught", type=int, default=None, metavar="N",
                        help="teach N of each person's gestures (every choice of N in turn), show the others, and "
                             "count what the card says (default: each gesture left out in turn, every rule)")  # fmt: skip
    args = parser.parse_args()
    if min(args.k) < 1 or args.teach_every < 1 or (args.taught is not None and args.taught < 2):
        parser.error("--k and --teach-every must be at least 1, --taught at least 2")
    load_before = os.getloadavg()
    found = people_of(args.sources, args.people, webcam_max=args.webcam_people)
    people = {p: t for p, t in found.items() if len({x.label for x in t}) >= 3}  # two left taught: a model
    if len(people) < len(found):
        print(f"left out {len(found) - len(people)} people with 2 gestures (one left out leaves one to teach)")
    if not people:
        sys.exit(f"no person with 3 or more gestures in {', '.join(args.sources)}: webcam_people needs "
                 "../shared/data/hands/webcam_people/<person>/<gesture>/")  # fmt: skip
    if args.taught is not None:
        return taught_main(people, args, load_before)
    takes = sum(len(t) for t in people.values())
    print(f"{len(people)} people, {takes} takes (each left out once), k = {args.k}, teach every "
          f"{args.teach_every}, seed {args.seed}, load {load_before[0]:.1f}")  # fmt: skip
    started = time.perf_counter()
    measured = run(people, args.k, args.seed, args.teach_every)
    wall = time.perf_counter() - started
    load_after = os.getloadavg()
    for k, results in measured.results.items():
        print()
        print("\n".join(table(k, results)))
    seconds = np.array(measured.seconds)
    print(f"\n{len(seconds)} trainings: {seconds.mean():.2f} s each on average (median {np.median(seconds):.2f}, "
          f"max {seconds.max():.2f}); {wall:.0f} s in all; load {load_before[0]:.1f} before, "
          f"{load_after[0]:.1f} after (1-minute average, {os.cpu_count()} cores)")  # fmt: skip
    header = {"sources": args.sources, "people": len(people), "takes": takes, "seed": args.seed,
              "teach_every": args.teach_every, "k": args.k, "wall_seconds": round(wall, 1),
              "load": {"before": load_before, "after": load_after, "cores": os.cpu_count()}}  # fmt: skip
    print(json.dumps(report(measured, header)))


def taught_main(people: dict[str, list[Take]], args: argparse.Namespace, load_before: tuple[float, ...]) -> None:
    """``--taught N``: per k, every person's lessons of N gestures, the others shown (``bench.common.openset_taught``);
    a table per k, then the JSON line (the first k's figures at the top, every k's under ``results``)."""
    people = {p: t for p, t in people.items() if len({x.label for x in t}) > args.taught}
    if not people:
        sys.exit(f"no person with more than {args.taught} gestures: nothing is left to show untaught")
    started, seconds = time.perf_counter(), []
    results: dict[str, dict[str, object]] = {}
    for k in args.k:
        per_person: dict[str, openset_taught.PersonLooks] = defaultdict(openset_taught.PersonLooks)
        for person, takes in people.items():
            config = config_of(takes)
            gestures = gestures_of(takes, config)
            for taught, lesson in openset_taught.lessons(gestures, args.taught, k, args.teach_every, config,
                                                         takes[0].source):  # fmt: skip
                began = time.perf_counter()
                model = openset_taught.train_as_the_app(lesson, args.seed)
                seconds.append(time.perf_counter() - began)
                per_person[person].parts.append(openset_taught.looks(model, lesson, taught))
        results[str(k)] = openset_taught.figures(per_person)
        print("\n".join(openset_taught.table(k, args.taught, results[str(k)])) + "\n")
    load_after = os.getloadavg()
    wall = time.perf_counter() - started
    print(f"{len(seconds)} trainings, median {np.median(seconds):.2f} s; {wall:.0f} s in all; load "
          f"{load_before[0]:.1f} before, {load_after[0]:.1f} after ({os.cpu_count()} cores)")  # fmt: skip
    first = {key: v for key, v in results[str(args.k[0])].items() if key != "per_person"}
    print(json.dumps(first | {"taught": args.taught, "k": args.k, "teach_every": args.teach_every, "seed": args.seed,
                              "people": len(people), "trainings": len(seconds), "wall_seconds": round(wall, 1),
                              "load": {"before": load_before, "after": load_after, "cores": os.cpu_count()},
                              "results": results}))  # fmt: skip


if __name__ == "__main__":
    main()
