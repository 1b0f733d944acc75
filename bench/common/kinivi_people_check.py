"""Check a transcribed kinivi person (``data/cache/kinivi_people/<owner>__<repo>/``) before the bench reads it.

``bench/common/fewshot_people.kinivi_people`` reads ``teach.csv`` (the first 20 rows of each own class's first run) and
``later.csv`` (about 30 rows from the last half of its rows) and, where transcribed, ``record.csv`` (positions
20–59 of the first run, never past its middle) beside ``source.json`` (the person's entry of
``bench/common/kinivi_people_sources.json``). Rows are transcribed by hand through the code-search tool, so every row is
checked for what a kinivi row must be: a label id of an own class, 42 values, the wrist at 0,0, the largest
absolute value 1 (cut to 4 decimals: at least 0.999). ``--write-sources`` makes each person's folder and
``source.json``. Prints a line per person and exits 1 when a row is wrong.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SOURCES = REPO / "bench" / "common" / "kinivi_people_sources.json"
ROOT = REPO / "data" / "cache" / "kinivi_people"


def folder_name(repo: str) -> str:
    return repo.replace("/", "__")


def check_file(path: Path, own: set[int]) -> tuple[dict[int, int], list[str]]:
    counts: dict[int, int] = {}
    problems: list[str] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.reader(handle), start=1):
            if not row:
                continue
            where = f"{path.name}:{line}"
            if len(row) != 43:
                problems.append(f"{where}: {len(row)} cells, not 43")
                continue
            try:
                label, values = int(row[0]), [float(v) for v in row[1:]]
            except ValueError as error:
                problems.append(f"{where}: {error}")
                continue
            if label not in own:
                problems.append(f"{where}: label {label} is not an own class {sorted(own)}")
            if values[0] != 0 or values[1] != 0:
                problems.append(f"{where}: the wrist is not at 0,0")
            peak = max(abs(v) for v in values)
            if not 0.999 <= peak <= 1.0:
                problems.append(f"{where}: largest |value| {peak}, not 1")
            counts[label] = counts.get(label, 0) + 1
    return counts, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folders", nargs="*", type=Path, help="person folders (default: all under the cache)")
    parser.add_argument("--write-sources", action="store_true", help="make each person's folder and source.json")
    args = parser.parse_args()
    people = json.loads(SOURCES.read_text(encoding="utf-8"))["people"]
    if args.write_sources:
        for person in people:
            folder = ROOT / folder_name(person["repo"])
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "source.json").write_text(json.dumps(person, indent=1), encoding="utf-8")
        print(f"wrote {len(people)} source.json files under {ROOT}")
        return 0
    folders = args.folders or sorted(p for p in ROOT.glob("*") if (p / "source.json").is_file())
    bad = 0
    for folder in folders:
        source = json.loads((folder / "source.json").read_text(encoding="utf-8"))
        own = set(source["own_class_ids"])
        parts, problems = [], []
        for name in ("teach.csv", "later.csv", "record.csv"):
            if not (folder / name).is_file():
                if name != "record.csv":
                    problems.append(f"{name} missing")
                continue
            counts, found = check_file(folder / name, own)
            problems += found
            parts.append(f"{name} " + " ".join(f"{k}:{v}" for k, v in sorted(counts.items())))
        print(f"{folder.name}: {'; '.join(parts)}")
        for problem in problems[:20]:
            print(f"  {problem}")
        bad += bool(problems)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
