"""How long a person waits for training: 10 samples × 8 gestures with the product's defaults (issue #44 item 5).

The lesson is ``bench/people/fewshot.py``'s (``eight_gestures_seconds``): the first 10 frames of one take of each of 8
gestures of ``webcam_people`` (starter gestures first), trained as ``train`` trains them
(``core.starter.train_with_starter``, the starter set on), ``--runs`` times with seeds 0, 1, …; the first run
also loads the starter set and warms torch up, so it is listed but left out of the summary. Per run: wall and
this process's CPU seconds (on a shared machine the CPU seconds are what a quiet one would take as wall), the
epochs run, and where the time went: the starter rows the person's samples override (``overridden_parts``),
mirror landings (``copy_weights``), the network's epochs (``fit_network``), the examples
(``attach_examples``) and the held-out evaluation (``_result``).

    python bench/people/train_time.py [--runs 4] [--people N]

Prints a table, then one JSON line with every number and the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import core.starter.fit as fit  # noqa: E402
from bench.common.fewshot_teach import STARTER_NAMES, starter_set  # noqa: E402
from bench.people.fewshot import lesson, people_of  # noqa: E402
from core.gestures.training import TrainConfig  # noqa: E402

STAGES = ("overridden_parts", "copy_weights", "fit_network", "attach_examples", "_result")


def timed(stages: dict[str, float]) -> None:
    """Wrap each of ``STAGES`` as ``core.starter.fit`` calls it, adding its seconds to ``stages``."""

    def wrap(name: str, inner: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return inner(*args, **kwargs)
            finally:
                stages[name] += time.perf_counter() - started

        return run

    for name in STAGES:
        setattr(fit, name, wrap(name, getattr(fit, name)))


def eight_gestures(people: int | None = None) -> tuple[Any, list[str]]:
    """The lesson: 10 first frames of one take of each of the first 8 gestures (starter gestures first), of the
    first ``people`` webcam people (None: all; 4 is the fewest with 8 gestures)."""
    takes = {}
    for person_takes in people_of(["webcam"], None, webcam_max=people).values():
        for take in person_takes:
            takes.setdefault(take.label, take)
    if len(takes) < 8:
        sys.exit("webcam_people needs ../shared/data/hands/webcam_people/ with 8 gestures")
    eight = sorted(takes, key=lambda label: (label not in STARTER_NAMES, label))[:8]
    return lesson([takes[label] for label in eight], 10), eight


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=4, help="trainings, seeds 0, 1, …; the first warms up")
    parser.add_argument("--people", type=int, default=None, metavar="N",
                        help="choose the gestures among the first N webcam_people people (default all; 4 has 8)")  # fmt: skip
    args = parser.parse_args()
    taught, eight = eight_gestures(args.people)
    stages: dict[str, float] = defaultdict(float)
    timed(stages)
    load_before, rows = os.getloadavg(), []
    for seed in range(args.runs):
        stages.clear()
        wall, cpu = time.perf_counter(), time.process_time()
        result = fit.train_with_starter(taught.teach_x, taught.teach_y, taught.classes, taught.mirror_map(taught.classes),
                                        taught.config, starter_set(taught.source), TrainConfig(seed=seed))  # fmt: skip
        rows.append({"seed": seed, "wall": round(time.perf_counter() - wall, 2), "cpu": round(time.process_time() - cpu, 2),
                     "epochs": len(result.history), "best_epoch": result.best_epoch,
                     "stages": {name: round(stages[name], 2) for name in STAGES}})  # fmt: skip
    print(f"10 samples x 8 gestures ({', '.join(eight)}), defaults, load {load_before[0]:.1f} before, "
          f"{os.cpu_count()} cores")  # fmt: skip
    print(f"{'seed':>4s} {'wall':>6s} {'cpu':>6s} {'epochs':>6s} " + " ".join(f"{s:>16s}" for s in STAGES))
    for r in rows:
        print(f"{r['seed']:>4d} {r['wall']:>6.2f} {r['cpu']:>6.2f} {r['epochs']:>6d} "
              + " ".join(f"{r['stages'][s]:>16.2f}" for s in STAGES) + ("  (warm-up)" if r is rows[0] else ""))  # fmt: skip
    measured = rows[1:] or rows
    summary = {key: round(statistics.median(r[key] for r in measured), 2) for key in ("wall", "cpu")}
    print(f"median of runs after the first: wall {summary['wall']} s, CPU {summary['cpu']} s; "
          f"load {os.getloadavg()[0]:.1f} after")  # fmt: skip
    print(json.dumps({"gestures": eight, "runs": rows, "median": summary,
                      "load": {"before": load_before, "after": os.getloadavg(), "cores": os.cpu_count()}}))  # fmt: skip


if __name__ == "__main__":
    main()
