"""Every benchmark docs/benchmarks.md quotes still runs: the light ones with their smallest settings, each checked
for its last line, one JSON object; the heavy ones are listed with why they cannot run inside this test's budget
(under 60 s for all of it on a quiet machine).

The quick test keeps the list whole: a benchmark quoted in docs/benchmarks.md that is neither smoked nor listed
fails it, so a new benchmark is not forgotten.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SHARED_DATA

REPO = Path(__file__).resolve().parents[1]

# The smallest settings that still go through each benchmark's whole path (a table, then the JSON line).
SMOKED: dict[str, list[str]] = {
    "bench/resources/csv_memory.py": ["--rows", "2000"],
    "bench/speed/pipeline.py": ["--frames", "40", "--warmup", "5", "--max-hands", "1", "--classes", "2"],
    "bench/speed/keypoints_agree.py": ["--frames", "10"],
    "bench/people/crossval.py": ["--per-class", "5", "--gestures", "2", "--no-starter"],
}
# Why each of the others cannot run here within the budget (their own runs are minutes; the numbers come from them).
HEAVY: dict[str, str] = {
    "bench/speed/webcam.py": "an app server, Chromium and a WebRTC stream for at least 15 s (the browser tests walk that path)",
    "bench/speed/smoothing.py": "a sweep of filter settings over the video's keypoints and panned photos",
    "bench/speed/outputs.py": "python -m core live on the whole video, with and without outputs, in runs",
    "bench/speed/live_motion.py": "trains a motion model first; --webrtc adds a server and Chromium",
    "bench/people/fewshot.py": "trains a model per person and method (17 to 91 people)",
    "bench/people/openset.py": "trains a model per webcam_people person and k",
    "bench/people/train_time.py": "loads the starter set and trains 8 gestures several times",
    "bench/people/starter_accuracy.py": "trains the starter model per held-out source",
    "bench/people/kinivi_accuracy.py": "trains on thousands of rows per seed, through the CLI",
    "bench/people/learning_curve.py": "trains per size and repeat",
    "bench/people/body_accuracy.py": "MediaPipe Pose on every yoga photo, then 5 folds",
    "bench/people/motion_accuracy.py": "MediaPipe on every clip's frames, then trains per seed",
    "bench/people/motion_kinivi.py": "trains three networks per split on thousands of fingertip paths",
    "bench/people/motion_spotting.py": "MediaPipe over 8,180 frames of clips",
    "bench/networks/keypoints.py": "three keypoint networks over four held-out sets",
    "bench/networks/cpm.py": "times each network configuration and Live's pipeline with the panel",
    "bench/networks/decode.py": "ten decodes over four held-out sets (about 5 minutes)",
    "bench/server/classroom.py": "an app server with job workers and a Chromium tab per student, each training",
    "bench/server/webrtc_sessions.py": "8 Chromium tabs streaming, closed and watched for a minute, in rounds",
    "bench/server/server_limits.py": "a 190 MB CSV import and 1,000 websockets against a server",
    "bench/server/https_proxy.py": "nginx and Chromium in front of an app server (tests/test_browser_access.py walks it)",
    "bench/resources/extract_memory.py": "extract on the video looped to a minute and more",
    "bench/resources/bundle.py": "a project of at least the 157 real hands of the shared photos, exported and imported",
}


def quoted_benchmarks() -> set[str]:
    text = (REPO / "docs" / "benchmarks.md").read_text(encoding="utf-8")
    return set(re.findall(r"\bbench/\w+/\w+\.py\b", text))


def test_every_quoted_benchmark_is_smoked_or_says_why_not() -> None:
    quoted = quoted_benchmarks()
    assert len(quoted) > 20, "docs/benchmarks.md quotes too few benchmarks: is the pattern right?"
    left = sorted(quoted - set(SMOKED) - set(HEAVY))
    assert not left, f"quoted in docs/benchmarks.md, neither smoked nor listed as heavy here: {left}"
    gone = sorted(p for p in {*SMOKED, *HEAVY} if not (REPO / p).is_file())
    assert not gone, f"listed here, no such file: {gone}"
    assert not set(SMOKED) & set(HEAVY)


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


@pytest.mark.slow
@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason=f"the benchmarks read the shared data: {SHARED_DATA} is absent")
@pytest.mark.parametrize("script", sorted(SMOKED))
def test_benchmark_prints_its_json_line(script: str, tmp_path: Path) -> None:
    env = {**os.environ, "HANDTEACH_DATA": str(tmp_path / "data")}
    done = subprocess.run([sys.executable, script, *SMOKED[script]], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert last_json(done.stdout), done.stdout[-2000:]
