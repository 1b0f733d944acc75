"""Every benchmark docs/benchmarks.md quotes still runs: each with its smallest settings, through its whole path (a
table, then the JSON line), checked for its last line, one JSON object holding the keys the script documents.

Two tiers: the smokes that take seconds run in CI (all of them under 60 s on a quiet machine); those that start an
app server, a browser, or take minutes (MediaPipe over hundreds of photos the first time, trainings) are one test
each, marked ``extended`` (``make test-all``), with the reason in their entry. A benchmark quoted in
docs/benchmarks.md that has no entry here fails the quick test, so a new benchmark is not forgotten.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import SHARED_DATA

REPO = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Smoke:
    """One benchmark's smallest run: its arguments (``{tmp}``: the test's temporary folder), the keys its JSON line
    must hold, and, for one kept out of CI, why (then it runs in ``make test-all``)."""

    args: tuple[str, ...]
    keys: tuple[str, ...]  # "*.name": every value of the object holds "name" (a line keyed by checkpoint)
    long: str = ""
    shared: bool = True  # reads ../shared/data: skipped with a message where it is absent
    timeout: float = 300.0


SMOKES: dict[str, Smoke] = {
    # seconds: CI runs these
    "bench/resources/csv_memory.py": Smoke(
        ("--rows", "2000"),
        ("rows", "csv_mb", "export", "import"),
        shared=False,
        long="7 s: two thousand rows exported and imported in processes of their own",
    ),
    "bench/resources/extract_memory.py": Smoke(("--minutes", "0.1"), ("benchmark", "runs", "every_n")),
    "bench/speed/pipeline.py": Smoke(
        ("--frames", "40", "--warmup", "5", "--max-hands", "1", "--classes", "2"),
        ("fps", "ms", "cpu_ms_per_frame", "frames"),
    ),
    "bench/speed/keypoints_agree.py": Smoke(("--frames", "10"), ("frames", "median_px", "p95_px", "max_px")),
    "bench/speed/smoothing.py": Smoke(
        ("--complexity", "0", "--min-cutoff", "1", "--beta", "1"),
        ("chosen", "default", "clips", "fps"),
        long="25 s: every smoothing setting over the clips",
    ),
    "bench/people/crossval.py": Smoke(
        ("--per-class", "5", "--gestures", "2", "--no-starter"),
        ("samples", "gestures", "folds", "one_training_s"),
        long="18 s: a training a fold",
    ),
    "bench/networks/cpm.py": Smoke(
        ("--frames", "10", "--runs", "2", "--skip-paper", "--finetune-crops", "10", "--finetune-epochs", "1"),
        ("crop_ms", "estimate_ms", "live_fps", "finetune_s"),
        long="28 s: the CPM timed, then fine-tuned",
    ),
    # an app server, a browser, or minutes: make test-all runs these, one test each
    "bench/speed/webcam.py": Smoke(
        ("--seconds", "3", "--warmup", "2"),
        ("fps", "ms", "server_cpu_ms_per_frame", "first_render_s"),
        long="an app server, Chromium and a WebRTC stream",
    ),
    # the same script on the browser path (a key's words after the path name the case): the first card of a fresh
    # server's first Live visit, then cold and warm, in fresh browser profiles (issue 64, item 8)
    "bench/speed/webcam.py --path browser": Smoke(
        ("--path", "browser", "--seconds", "2", "--warmup", "1"),
        ("first_label_first_visit", "first_label_cold", "first_label_warm"),
        long="an app server and Chromium on the browser path, three first labels",
    ),
    # cold browsers -> the first Live card, each reloaded once (issue 76: 7.5 s on a 3.13 server)
    "bench/speed/first_card.py": Smoke(
        ("--runs", "1", "--starter"),
        ("first_card_cold_s", "first_card_warm_s", "python"),
        long="an app server and Chromium on the browser path, three first cards",
    ),
    "bench/speed/scratch.py": Smoke(
        ("--seconds", "3"),
        ("labelled_fps", "stage_fps", "ready_cold_s", "ready_warm_s", "server_pct_core_per_user"),
        long="an app server and Chromium running the Scratch editor's rocket game",
    ),
    "bench/people/scratch_reactions.py": Smoke(
        ("--people", "p01_anupam1612", "--seconds", "5"),
        ("people", "changes", "caught", "false"),
        long="an app server and Chromium playing a coded clip to both example games",
    ),
    "bench/speed/outputs.py": Smoke(
        ("--passes", "1", "--runs", "1"),
        ("publish", "live", "video"),
        long="python -m core live on the whole video three times, in subprocesses",
    ),
    "bench/speed/live_motion.py": Smoke(
        ("--repeat", "1"),
        ("mean_ms", "p95_ms", "events", "train_seconds"),
        long="MediaPipe over made-up swipe clips, then trains a motion model",
    ),
    "bench/people/fewshot.py": Smoke(
        ("--sources", "webcam", "--webcam-people", "1", "--k", "5", "--methods", "defaults"),
        ("people", "frames", "eight_gestures_seconds", "results"),
        long="MediaPipe on a webcam person's 320 photos, then trainings",
    ),
    "bench/people/openset.py": Smoke(
        ("--webcam-people", "1", "--k", "5"),
        ("people", "rules", "results", "seconds_per_training"),
        long="MediaPipe on a webcam person's 320 photos, a training per gesture",
    ),
    "bench/people/openset.py --taught": Smoke(
        ("--webcam-people", "1", "--k", "10", "--taught", "3"),
        ("untaught_accepted", "taught_accuracy_worst", "very_sure_wrong", "results"),
        long="MediaPipe on a webcam person's 320 photos, a training per choice of 3 gestures",
    ),
    "bench/people/train_time.py": Smoke(
        ("--runs", "1", "--people", "4"),
        ("gestures", "runs", "median"),
        long="MediaPipe on four webcam people's photos (8 gestures), a training",
    ),
    "bench/people/starter_accuracy.py": Smoke(
        ("--skip-loso", "--folds", "1", "--default-build"),
        ("threshold", "chosen_threshold", "results", "sweep"),
        timeout=3600,
        long="the starter set's build: MediaPipe on every shared photo the "
        "first time (the cache is data/cache/starter_hands.npz)",
    ),
    "bench/people/kinivi_accuracy.py": Smoke(
        ("--per-class", "10", "--seeds", "0"),
        ("set", "accuracy_mean", "accuracy", "n_samples", "runs"),
        long="MediaPipe on 130 photos, three trainings (one on 5,000 rows)",
    ),
    "bench/people/learning_curve.py": Smoke(
        ("--repeats", "1", "--sizes", "1", "--no-baseline"),
        ("person", "with_starter", "without_starter", "hagrid_after_10"),
        long="MediaPipe on the video and hagrid_380's 380 photos, trainings",
    ),
    "bench/people/body_accuracy.py": Smoke(
        ("--per-class", "10", "--folds", "2", "--epochs", "5", "--pairs", "2"),  # a fold trains on 5 photos a pose
        ("benchmark", "photos", "accuracy", "per_class", "several_people_pairs"),
        long="MediaPipe Pose on 80 yoga photos (cached in data/cache/) and side-by-side pairs",
    ),
    "bench/people/motion_accuracy.py": Smoke(
        ("--per-class", "3", "--test-per-class", "1", "--seeds", "0"),
        ("train_clips", "test_clips", "accuracy", "per_class"),
        long="makes 24 clips (MediaPipe on their frames), trains four models",
    ),
    "bench/people/motion_kinivi.py": Smoke(
        ("--clips", "3", "1", "--seeds", "1", "--step", "8"),
        ("rows", "clips", "accuracy"),
        long="makes 24 clips (MediaPipe on their frames), trains kinivi's MLP and our CNN on two splits",
    ),
    "bench/people/motion_spotting.py": Smoke(
        ("--per-class", "3", "--test-per-class", "1"),
        ("frames", "mean_ms", "p99_ms", "clips", "clips_right"),
        long="makes 24 clips (MediaPipe on their frames), trains a motion model",
    ),
    "bench/networks/keypoints.py": Smoke(
        ("--files", "2", "--runs", "2", "--label-cache", "{tmp}/labels.json"),
        ("mediapipe", "cpm"),
        long="MediaPipe labels 8 files and the labelled hands; three networks",
    ),
    "bench/networks/decode.py": Smoke(
        ("--files", "2", "--label-cache", "{tmp}/labels.json"),
        ("*.choice", "*.rows"),
        long="MediaPipe labels 8 files; ten decodes of two networks",
    ),
    "bench/server/classroom.py": Smoke(
        # 5 samples a gesture: two folds of at least 2, so the lone student's model gets measured
        ("--students", "1", "--samples", "5", "--spread", "1", "--every", "1", "--timeout", "300"),
        ("students", "lost_or_corrupt"),
        long="an app server with job workers and a Chromium tab per student",
    ),
    "bench/server/classroom.py --app-servers 2": Smoke(
        (
            "--app-servers",
            "2",
            "--students",
            "2",
            "--samples",
            "5",
            "--spread",
            "1",
            "--every",
            "2",
            "--timeout",
            "300",
        ),
        (
            "students",
            "app_servers",
            "workers",
            "trainings",
            "page_load_p95_s",
            "train_wait_max_s",
            "train_alone_s",
            "lost_or_corrupt",
            "trainings_per_min",
        ),  # fmt: skip
        long="a PostgreSQL cluster, one then two app servers with job workers, and a Chromium tab",
    ),
    "bench/server/webrtc_sessions.py": Smoke(
        ("--tabs", "1", "--rounds", "1", "--seconds", "2", "--wait", "5", "--every", "2"),
        ("rounds",),
        long="an app server and a Chromium tab streaming, closed and watched",
    ),
    "bench/server/server_limits.py": Smoke(
        ("--connections", "20", "--csv-mb", "1", "--settle", "1"),
        ("connections", "import"),
        shared=False,
        long="an app server with its open files limited, websockets against it",
    ),
    "bench/server/outsider.py": Smoke(
        (
            "--rounds",
            "1",
            "--uploads",
            "1",
            "--upload-mb",
            "5",
            "--sockets",
            "2",
            "--seconds",
            "8",
            "--rate",
            "20",
            "--frames",
            "20",
        ),  # fmt: skip
        ("cache", "uploads", "flood", "garbage"),
        shared=False,
        long="an app server with a job worker, four times, attacked by raw websockets",
    ),
    # the door of issue 74: idle sockets without an account held while a fresh student signs in (its numbers at
    # the sizes in docs/benchmarks.md)
    "bench/server/outsider.py --door": Smoke(
        ("--door", "--idle-sockets", "6", "--addresses", "2", "--fresh", "1"),
        ("fresh_signin_p95_s", "fresh_refused", "victim_page_p95_s", "idle_sockets", "addresses", "mode"),
        shared=False,
        long="an app server attacked by raw websockets while a fresh student signs in",
    ),
    "bench/server/page_assets.py": Smoke(
        ("--visits", "1"),
        ("first_cpu_s", "later_cpu_s", "kept_cpu_s", "kept_bytes"),
        shared=False,
        long="an app server and a scripted session",
    ),
    "bench/server/https_proxy.py": Smoke(
        ("--check", "--port", "18443"),
        ("secure_context", "protocol"),
        long="nginx and Chromium in front of an app server",
    ),
    "bench/resources/bundle.py": Smoke(
        ("--samples", "200", "--runs", "1"),
        ("samples", "crops", "file_mb", "export_s", "import_s"),
        long="MediaPipe on hagrid_380's 380 photos, a training, the CLI twice",
    ),
}
QUICK = sorted(script for script, smoke in SMOKES.items() if not smoke.long)
LONG = sorted(script for script, smoke in SMOKES.items() if smoke.long)


def quoted_benchmarks() -> set[str]:
    """The benchmarks docs/benchmarks.md names (``bench/common/`` holds their helpers, no benchmark)."""
    text = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    return {p for p in re.findall(r"\bbench/\w+/\w+\.py\b", text) if not p.startswith("bench/common/")}


def test_every_quoted_benchmark_is_smoked() -> None:
    quoted = quoted_benchmarks()
    assert len(quoted) > 20, "docs/benchmarks.md quotes too few benchmarks: is the pattern right?"
    left = sorted(quoted - {script_of(key) for key in SMOKES})
    assert not left, f"quoted in docs/benchmarks.md, with no smoke here: {left}"
    gone = sorted(p for p in SMOKES if not (REPO / script_of(p)).is_file())
    assert not gone, f"listed here, no such file: {gone}"


def script_of(key: str) -> str:
    """The benchmark a ``SMOKES`` key runs: its first word (the words after it name a second case of one script)."""
    return key.split(" ", 1)[0]


def last_json(stdout: str) -> dict:
    """The benchmark's last line as a JSON object (ValueError naming what came instead)."""
    lines = [line for line in stdout.splitlines() if line.strip()]
    if not lines:
        raise ValueError("printed nothing")
    value = json.loads(lines[-1])
    if not isinstance(value, dict):
        raise ValueError(f"last line is JSON but not an object: {lines[-1][:200]}")
    return value


def test_last_json_refuses_a_table_without_its_line() -> None:
    assert last_json('a table\n{"fps": 30}\n') == {"fps": 30}
    with pytest.raises(ValueError):
        last_json("a table\nno JSON here\n")
    with pytest.raises(ValueError):
        last_json("")


def holds(value: dict, key: str) -> bool:
    """Whether the JSON object has ``key`` (``*.name``: it has entries, and every one is an object with ``name``)."""
    if key.startswith("*."):
        return bool(value) and all(isinstance(v, dict) and key[2:] in v for v in value.values())
    return key in value


def test_holds_reads_a_line_keyed_by_checkpoint() -> None:
    assert holds({"a": {"choice": 1}, "b": {"choice": 2}}, "*.choice")
    assert not holds({"a": {"choice": 1}, "b": {}}, "*.choice")
    assert not holds({}, "*.choice")
    assert holds({"fps": 30}, "fps") and not holds({"fps": 30}, "ms")


def run_smoke(script: str, tmp_path: Path) -> None:
    """Run ``script`` with its smallest settings; its last line must be a JSON object with its keys."""
    smoke = SMOKES[script]
    if smoke.shared and not SHARED_DATA.is_dir():
        pytest.skip(f"{script} reads the shared data: {SHARED_DATA} is absent")
    args = [a.replace("{tmp}", str(tmp_path)) for a in smoke.args]
    env = {**os.environ, "HANDTEACH_DATA": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, script_of(script), *args], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=smoke.timeout)  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    value = last_json(done.stdout)
    missing = [key for key in smoke.keys if not holds(value, key)]
    assert not missing, f"{script}'s JSON line lacks {missing}: {done.stdout.splitlines()[-1][:1000]}"


@pytest.mark.slow
@pytest.mark.parametrize("script", QUICK)
def test_benchmark_prints_its_json_line(script: str, tmp_path: Path) -> None:
    run_smoke(script, tmp_path)


@pytest.mark.slow
@pytest.mark.extended
@pytest.mark.parametrize("script", LONG)
def test_long_benchmark_prints_its_json_line(script: str, tmp_path: Path) -> None:
    run_smoke(script, tmp_path)
