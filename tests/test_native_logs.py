"""core/keypoints/native_logs.py: MediaPipe's C++ log lines leave stderr, everything else passes, in order.

The lines below are the ones ``python -m core extract`` printed around two photos before (mediapipe 0.10);
the filter runs in a child process, as it changes the whole process's fd 2. The real command on a real photo
is ``tests/test_cli.py``'s (it starts MediaPipe).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.keypoints.native_logs import LineFilter, is_noise, may_become_noise

REPO = Path(__file__).resolve().parents[1]
NOISE = (
    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
    b"W0000 00:00:1795678538.519133    9941 inference_feedback_manager.cc:114] Feedback manager requires a model "
    b"with a single signature inference. Disabling support for feedback tensors.",
    b"W0000 00:00:1795678538.561461    9942 landmark_projection_calculator.cc:186] Using NORM_RECT without "
    b"IMAGE_DIMENSIONS is only supported for the square ROI. Provide IMAGE_DIMENSIONS or use PROJECTION_MATRIX.",
    b"I0512 10:01:02.123456      12 gl_context.cc:357] GL version: 3.2",
)
KEPT = (
    b"error: /etc/hostname: unsupported file type",
    b"E0000 00:00:1795678538.519133    9941 calculator_graph.cc:887] an error of MediaPipe's",
    b"Warning: a line of our own",
    b"INFO: a line that is not TensorFlow Lite's",
)


def test_noise_lines_are_told_from_the_others() -> None:
    assert all(is_noise(line) for line in NOISE)
    assert not any(is_noise(line) for line in KEPT)


def test_a_line_is_held_only_while_its_start_may_still_be_noise() -> None:
    for line in NOISE:
        assert all(may_become_noise(line[:end]) for end in range(1, len(line) + 1)), line
    for start in (b"\r 40%|####", b"error: ", b"Warning", b"W0000 00:00:1.5 12 file.cc:3 without its bracket "):
        assert not may_become_noise(start), start


def test_the_filter_drops_noise_split_anywhere_and_passes_the_rest_at_once() -> None:
    stream = b"".join(line + b"\n" for line in (NOISE[0], KEPT[0], NOISE[2], KEPT[1], NOISE[1], KEPT[2]))
    for step in (1, 7, 64, len(stream)):
        line_filter = LineFilter()
        out = b"".join(line_filter.feed(stream[i : i + step]) for i in range(0, len(stream), step))
        assert out + line_filter.close() == b"".join(line + b"\n" for line in KEPT[:3]), step
    line_filter = LineFilter()
    assert line_filter.feed(b"\r 40%|####") == b"\r 40%|####"  # a progress bar is not held back


_CHILD = """
import os, sys
from core.keypoints.native_logs import quiet_native_logs
print(quiet_native_logs(), flush=True)
lines = [bytes.fromhex(h) for h in sys.argv[1:]]
for line in lines:
    os.write(2, line + b"\\n")  # as MediaPipe's C++ does, below Python
sys.stderr.write("\\r 50%")
sys.stderr.flush()
raise RuntimeError("a traceback still shows")
"""


def _child(verbose: str) -> subprocess.CompletedProcess[bytes]:
    lines = [line.hex() for pair in zip(NOISE, (*KEPT, b"last"), strict=True) for line in pair]
    environ = {**os.environ, "PYTHONPATH": str(REPO), "HANDTEACH_VERBOSE": verbose}
    return subprocess.run([sys.executable, "-c", _CHILD, *lines], capture_output=True, env=environ, timeout=60)


def test_a_process_that_quiets_keeps_its_errors_and_its_traceback() -> None:
    done = _child("")
    assert done.stdout == b"True\n"
    expected = b"".join(line + b"\n" for line in (*KEPT, b"last")) + b"\r 50%Traceback"
    assert done.stderr.startswith(expected), done.stderr
    assert done.stderr.rstrip().endswith(b"RuntimeError: a traceback still shows") and done.returncode == 1


def test_handteach_verbose_leaves_stderr_alone() -> None:
    done = _child("1")
    assert done.stdout == b"False\n"
    assert all(line in done.stderr for line in NOISE + KEPT)
