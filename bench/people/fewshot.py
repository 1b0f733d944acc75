"""Stranger few-shot: teach a person's first k frames of each gesture, test on that person's later frames.

Per person (``bench/common/fewshot_people.py``: webcam people when shared, people's own kinivi logs when
transcribed into ``data/cache/kinivi_people/``, the finger-spelling video's person, HaGRID users
recorded from their photos), a new project is taught from the first k frames of each of the
person's takes and scored on the take's later frames (the kinivi logs' ``later.csv``; else the
frames from ``max(k, n/2)`` on), the label the user would see: ``unknown`` counts as wrong, frame by
frame and as Live shows it (a hand's last 5 frames averaged, ``core.gestures.pipeline``). The HaGRID users'
photos are a source of the shipped starter set, so their rows (``hagrid_people/*``) are held out of
the starter set every method trains with here, and "starter alone" is a starter model rebuilt
without them (cached in ``data/cache/``). The worst person is the headline, then the 10th
percentile and the mean.

    python bench/people/fewshot.py [--k 5 10 20] [--methods defaults no-starter ...] [--people N] [--sources ...]
                            [--two-hand-logs] [--webcam-people N]
Last line: JSON with every method's summary per k.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.common.fewshot_embed import EMBED_METHODS  # noqa: E402
from bench.common.fewshot_people import (  # noqa: E402
    Take,
    asl_video_person,
    hagrid_recorded_people,
    kinivi_people,
    webcam_people,
)
from bench.common.fewshot_teach import METHODS as TEACH_METHODS  # noqa: E402
from bench.common.fewshot_teach import STARTER_NAMES, Lesson  # noqa: E402
from core.data.project import feature_config_for  # noqa: E402
from core.gestures.features import FeatureConfig, hand_features  # noqa: E402

# the embedding's methods (bench/common/fewshot_embed.py) beside today's
METHODS = TEACH_METHODS | EMBED_METHODS


def people_of(sources: list[str], max_people: int | None, two_hand_logs: bool = False,
              webcam_max: int | None = None) -> dict[str, list[Take]]:  # fmt: skip
    """Each person's takes: ``max_people`` caps the HaGRID users, ``webcam_max`` the webcam people (None: all)."""
    takes: list[Take] = []
    if "webcam" in sources:
        takes += webcam_people(max_people=webcam_max)
    if "kinivi" in sources:
        takes += kinivi_people(two_hand_logs=two_hand_logs)
    if "asl" in sources:
        takes += asl_video_person()
    if "hagrid" in sources:
        takes += hagrid_recorded_people(max_people)
    people: dict[str, list[Take]] = defaultdict(list)
    for take in takes:
        if len(take.hands) >= 8:  # a take MediaPipe barely saw is no recording to teach from
            people[take.person].append(take)
    return {p: t for p, t in people.items() if len({x.label for x in t}) >= 2}


def config_of(takes: list[Take]) -> FeatureConfig:
    """The features a project of these takes trains on, decided as ``train`` decides (depth when every hand has it)."""
    return feature_config_for([h for take in takes for h in take.hands])


def strangers(people: dict[str, list[Take]], person: str, per_take: int = 3) -> np.ndarray:
    """(n, D) later frames of the other people's takes of gestures this person did not teach: the hands
    a person's model should answer "unknown" (its false acceptances). Hands without the depth the
    person's features need are left out."""
    config = config_of(people[person])
    taught = {t.label for t in people[person]}
    frames = [take.hands[len(take.hands) // 2 :: max(1, len(take.hands) // (2 * per_take))][:per_take]
              for other, takes in people.items() if other != person for take in takes if take.label not in taught]  # fmt: skip
    rows = [hand_features(h, config) for group in frames for h in group if h.has_depth or not config.use_depth]
    return np.stack(rows) if rows else np.zeros((0, config.size), np.float32)


def lesson(takes: list[Take], k: int, others: np.ndarray | None = None, every: int = 1) -> Lesson:
    """The first ``k`` frames of each take to teach, its later frames to test: from ``test_start`` where the
    take says, else its last half (after those ``k``). ``every`` > 1 teaches from every ``every``-th frame
    instead (frames 0, every, 2·every, … before the later ones), as Record keeps 5 frames a second of a
    25–30 fps camera, closer together where the frames before the later ones are fewer than ``k · every`` (a
    short first run still teaches ``k``); only takes that say where their later frames start (real logs) are spread."""
    config = config_of(takes)
    teach_x, teach_y, test_x, test_y = [], [], [], []
    for take in takes:
        x = np.stack([hand_features(h, config) for h in take.hands])
        start = max(k, len(x) // 2) if take.test_start is None else take.test_start
        step = max(1, min(every, start // k)) if take.test_start is not None else 1
        taught = x[:start:step][:k]
        teach_x.append(taught)
        teach_y += [take.label] * len(taught)
        test_x.append(x[start:])
        test_y += [take.label] * len(x[start:])
    others = np.zeros((0, config.size), np.float32) if others is None else others
    return Lesson(np.concatenate(teach_x), teach_y, np.concatenate(test_x), test_y, takes[0].source, others, config)


def score(shown: list[str | None], truth: list[str]) -> tuple[float, dict[str, float]]:
    """(share right, share right per class) over the frames answered (``None``: not answered)."""
    answered = [i for i, label in enumerate(shown) if label is not None]
    s, t = np.array([shown[i] for i in answered]), np.array([truth[i] for i in answered])
    return float(np.mean(s == t)), {c: float(np.mean(s[t == c] == c)) for c in sorted(set(t))}


def summary(results: dict[str, float]) -> dict[str, object]:
    values = np.array(list(results.values()))
    worst = min(results, key=results.get)  # type: ignore[arg-type]
    return {"worst": round(float(values.min()), 4), "worst_person": worst,
            "p10": round(float(np.percentile(values, 10)), 4), "mean": round(float(values.mean()), 4),
            "people_under_97": int((values < 0.97).sum()), "people": len(values)}  # fmt: skip


def run(people: dict[str, list[Take]], methods: list[str], ks: list[int], seed: int,
        log: Callable[[str], None] = print, every: int = 1) -> dict[str, dict[int, dict[str, object]]]:  # fmt: skip
    out: dict[str, dict[int, dict[str, object]]] = {}
    for name in methods:
        method = METHODS[name]
        out[name] = {}
        for k in ks:
            shown_acc, argmax_acc, live_acc, false_accept, per_class, seconds = {}, {}, {}, {}, defaultdict(list), []
            for person, takes in people.items():
                started = time.perf_counter()
                taught = lesson(takes, k, strangers(people, person), every)
                shown, argmax, live, accepted = method(taught, seed)
                seconds.append(time.perf_counter() - started)
                truth = taught.test_y
                if all(label is None for label in shown):
                    continue  # nothing this method can answer for this person
                shown_acc[person], classes = score(shown, truth)
                argmax_acc[person] = score(argmax, truth)[0]
                live_acc[person] = score(live, truth)[0]
                if accepted is not None:
                    false_accept[person] = accepted
                for c, v in classes.items():
                    per_class[c].append(v)
            if not shown_acc:
                log(f"{name:>22s} k={k:<3d} no person this method can answer")
                continue
            on_live = summary(live_acc)
            row = summary(shown_acc) | {"live_worst": on_live["worst"], "live_mean": on_live["mean"],
                                        "live_under_97": on_live["people_under_97"],
                                        "argmax_mean": round(float(np.mean(list(argmax_acc.values()))), 4),
                                        "argmax_worst": round(float(min(argmax_acc.values())), 4),
                                        "seconds_mean": round(float(np.mean(seconds)), 2),
                                        "false_accept_mean": round(float(np.mean(list(false_accept.values()) or [np.nan])), 4),
                                        "per_class_mean": {c: round(float(np.mean(v)), 3) for c, v in per_class.items()},
                                        "per_person": {p: round(v, 4) for p, v in shown_acc.items()}}  # fmt: skip
            out[name][k] = row
            log(f"{name:>22s} k={k:<3d} worst {row['worst']:.3f} ({row['worst_person']})  p10 {row['p10']:.3f}  "
                f"mean {row['mean']:.3f}  under 97%: {row['people_under_97']}/{row['people']}  "
                f"on Live {row['live_worst']:.3f} / {row['live_mean']:.3f} / {row['live_under_97']}  "
                f"argmax mean {row['argmax_mean']:.3f}  others accepted {row['false_accept_mean']:.3f}  "
                f"{row['seconds_mean']:.2f} s")  # fmt: skip
    return out


def eight_gestures_seconds(people: dict[str, list[Take]], seed: int, repeats: int = 3,
                           method: str = "defaults") -> dict[str, list[float]]:  # fmt: skip
    """Seconds ``method`` takes to train 10 samples of each of 8 gestures (the first 8 labels with takes,
    starter gestures first; the first 10 frames of one person's take each), ``repeats`` times: wall and
    this process's CPU (on a shared machine the CPU seconds are what a quiet one would take as wall)."""
    takes: dict[str, Take] = {}
    for person_takes in people.values():
        for take in person_takes:
            takes.setdefault(take.label, take)
    eight = sorted(takes, key=lambda label: (label not in STARTER_NAMES, label))[:8]
    seconds: dict[str, list[float]] = {"wall": [], "cpu": []}
    for r in range(repeats):
        taught = lesson([takes[label] for label in eight], 10)
        wall, cpu = time.perf_counter(), time.process_time()
        METHODS[method](taught, seed + r)
        seconds["wall"].append(round(time.perf_counter() - wall, 2))
        seconds["cpu"].append(round(time.process_time() - cpu, 2))
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, nargs="+", default=[5, 10, 20])
    parser.add_argument("--methods", nargs="+", default=["starter-alone", "defaults", "no-starter"],
                        choices=sorted(METHODS))  # fmt: skip
    parser.add_argument(
        "--sources",
        nargs="+",
        default=["webcam", "kinivi", "asl", "hagrid"],
        choices=["webcam", "kinivi", "asl", "hagrid"],
    )
    parser.add_argument("--people", type=int, default=None, help="at most this many HaGRID users (default all)")
    parser.add_argument("--webcam-people", type=int, default=None, metavar="N",
                        help="the first N webcam_people people (default all; 1: the smoke test's smallest run)")  # fmt: skip
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--time-methods", nargs="*", default=[], choices=sorted(METHODS), metavar="METHOD",
                        help="also time these methods on 10 samples x 8 gestures (defaults is always timed)")  # fmt: skip
    parser.add_argument("--teach-every", type=int, default=1, metavar="N",
                        help="teach from every N-th frame of a real log's first run, as Record spreads its samples "
                             "(default 1: consecutive frames)")  # fmt: skip
    parser.add_argument(
        "--two-hand-logs", action="store_true", help="keep kinivi logs that alternate between two hands"
    )
    args = parser.parse_args()
    people = people_of(args.sources, args.people, args.two_hand_logs, args.webcam_people)
    if not people:
        sys.exit(f"no person to teach in {', '.join(args.sources)}: webcam_people needs "
                 "../shared/data/hands/webcam_people/<person>/<gesture>/, kinivi needs data/cache/kinivi_people/ "
                 "(bench/common/kinivi_people_sources.json)")  # fmt: skip
    frames = sum(len(t.hands) for takes in people.values() for t in takes)
    print(f"{len(people)} people, {sum(len(t) for t in people.values())} takes, {frames} frames with a hand")
    eight = eight_gestures_seconds(people, args.seed)
    print(
        f"10 samples x 8 gestures, defaults: wall {eight['wall']} s, CPU {eight['cpu']} s (load {os.getloadavg()[0]:.1f})"
    )
    eight_by_method = {"defaults": eight}
    for name in args.time_methods:
        eight_by_method[name] = eight_gestures_seconds(people, args.seed, method=name)
        print(f"10 samples x 8 gestures, {name}: wall {eight_by_method[name]['wall']} s, "
              f"CPU {eight_by_method[name]['cpu']} s")  # fmt: skip
    results = run(people, args.methods, args.k, args.seed, every=args.teach_every)
    classes = sorted({c for m in results.values() for r in m.values() for c in r["per_class_mean"]})  # type: ignore[union-attr]
    print("\nper class (mean over people who have it), k = 10 where measured:")
    for name, by_k in results.items():
        row = by_k.get(10) or next(iter(by_k.values()), None)
        if row is None:
            continue
        print(f"{name:>22s} " + " ".join(f"{c[:9]} {row['per_class_mean'].get(c, float('nan')):.2f}" for c in classes))  # type: ignore[union-attr]
    print(json.dumps({"people": len(people), "frames": frames, "seed": args.seed, "teach_every": args.teach_every,
                      "eight_gestures_seconds": eight, "eight_gestures_seconds_by_method": eight_by_method,
                      "results": {m: {str(k): v for k, v in r.items()} for m, r in results.items()}}))  # fmt: skip


if __name__ == "__main__":
    main()
