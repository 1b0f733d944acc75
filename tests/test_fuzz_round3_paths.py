"""Issue 47, hostile and clumsy input, third round: outputs aimed at the store, file descriptors, memory, a store
that is a folder. Each reproduction of the issue as a test, numbered as in the issue.

Commands run as real processes: ``run_cli`` (forked from one that imported the CLI once), or a fresh interpreter
where the test sets a resource limit on the child.
"""

from __future__ import annotations

import errno
import hashlib
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from handmaker import make_hand, pointing_hand
from PIL import Image
from test_cli import REPO, run_cli

from core.data.managed import ManagedPathError, check_output, managed_part
from core.data.sql.schema import DB_NAME, Sample, StoreError
from core.data.store import Store
from core.io import fds

PROJECT = "t"


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir with project ``t``: two pointing directions, 12 samples each, and a model trained on them."""
    data = tmp_path_factory.mktemp("round3") / "data"
    store = Store(data)
    store.create_project(PROJECT, default_classes=False)
    rng = np.random.default_rng(0)
    samples = [Sample(make_hand(pointing_hand(angle + rng.normal(0, 5))), name, "webcam")
               for name, angle in (("up", 90.0), ("right", 0.0)) for _ in range(12)]  # fmt: skip
    store.add_samples(PROJECT, samples, create_classes=True)
    run_cli(data, "train", "-p", PROJECT, "--no-starter", "--epochs", "5", "--no-augment")
    return data


def fingerprint(data: Path) -> dict[str, str]:
    """SHA-256 of the store and every file under projects/ (the -shm index is rewritten by readers: left out)."""
    files = [data / DB_NAME, data / f"{DB_NAME}-wal", *sorted((data / "projects").rglob("*"))]
    return {str(p.relative_to(data)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files if p.is_file()}


def assert_refused(done: subprocess.CompletedProcess[str], data: Path, before: dict[str, str], named: str) -> None:
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert f"error: {named}: refused as an output" in done.stderr, done.stderr
    assert fingerprint(data) == before
    assert run_cli(data, "classes", "list", "-p", PROJECT).stdout.splitlines() == ["up: 12 samples",
                                                                                 "right: 12 samples"]  # fmt: skip


# -- 1: an output aimed at the data folder's own files ---------------------------------------------------------------

STORE_TARGETS = {
    "export handteach": ["export", "--format", "handteach", "-o", "{store}"],
    "export kinivi": ["export", "--format", "kinivi", "-o", "{store}", "--labels", "{tmp}/labels.csv"],
    "export kinivi --labels": ["export", "--format", "kinivi", "-o", "{tmp}/k.csv", "--labels", "{store}"],
    "export-onnx": ["export-onnx", "-o", "{store}"],
    "projects export": ["projects", "export", PROJECT, "-o", "{store}"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", STORE_TARGETS)
def test_1_no_output_lands_on_the_store(trained: Path, tmp_path: Path, command: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(trained, data)
    before = fingerprint(data)
    store = data / DB_NAME
    args = [a.format(store=store, tmp=tmp_path) for a in STORE_TARGETS[command]]
    done = run_cli(data, *args, *([] if command == "projects export" else ["-p", PROJECT]), ok=False)
    assert_refused(done, data, before, str(store))
    assert not (tmp_path / "k.csv").exists() and not (tmp_path / "labels.csv").exists()  # nothing half done


@pytest.mark.slow
@pytest.mark.parametrize("way", ["relative", "symlink", "hard link", "wal", "shm", "through a symlinked folder"])
def test_1_the_store_under_another_name_is_the_store(trained: Path, tmp_path: Path, way: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(trained, data)
    before = fingerprint(data)
    store = data / DB_NAME
    if way == "relative":
        target = Path(os.path.relpath(store, REPO))  # run_cli runs in the checkout
    elif way == "symlink":
        target = tmp_path / "out.csv"
        target.symlink_to(store)
    elif way == "hard link":
        target = tmp_path / "out.csv"
        os.link(store, target)
    elif way == "through a symlinked folder":
        (tmp_path / "elsewhere").symlink_to(data)
        target = tmp_path / "elsewhere" / DB_NAME
    else:
        target = data / f"{DB_NAME}-{way}"
    done = run_cli(data, "export", "--format", "handteach", "-o", str(target), "-p", PROJECT, ok=False)
    assert_refused(done, data, before, str(target))


MODEL_TARGETS = {
    "export-onnx": ["export-onnx", "-p", PROJECT, "-o"],
    "projects export": ["projects", "export", PROJECT, "-o"],
    "export": ["export", "--format", "handteach", "-p", PROJECT, "-o"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", MODEL_TARGETS)
def test_1_no_output_lands_on_a_model(trained: Path, tmp_path: Path, command: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(trained, data)
    before = fingerprint(data)
    target = data / "projects" / PROJECT / "model" / "model.json"
    done = run_cli(data, *MODEL_TARGETS[command], str(target), ok=False)
    assert_refused(done, data, before, str(target))


@pytest.mark.slow
@pytest.mark.parametrize("where", ["projects", "model folder", "store"])
def test_1_infer_refuses_an_output_folder_in_the_data_folder(trained: Path, tmp_path: Path, where: str) -> None:
    data = tmp_path / "data"
    shutil.copytree(trained, data)
    before = fingerprint(data)
    photo = tmp_path / "hand.png"
    Image.new("RGB", (64, 48), "white").save(photo)
    target = {"projects": data / "projects", "model folder": data / "projects" / PROJECT / "model",
              "store": data / DB_NAME}[where]  # fmt: skip
    done = run_cli(data, "infer", "-i", str(photo), "-o", str(target), "-p", PROJECT, ok=False)
    assert_refused(done, data, before, str(target))


DEV_COMMANDS = {
    "train-cpm --out": ["train-cpm", "-i", "{tmp}", "--out", "{data}/projects/t"],
    "train-cpm --label-cache": ["train-cpm", "-i", "{tmp}", "--out", "{tmp}/run", "--label-cache", "{store}"],
    "train-starter --out": ["train-starter", "--out", "{data}/projects", "--shared", "{tmp}"],
    "train-starter --cache": ["train-starter", "--out", "{tmp}/w", "--cache", "{store}", "--shared", "{tmp}"],
    "evaluate-images --cache": ["evaluate-images", "--labels", "{tmp}/labels.csv", "-p", PROJECT, "--cache", "{store}"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", DEV_COMMANDS)
def test_1_the_training_commands_keep_their_outputs_off_the_data_folder(trained: Path, tmp_path: Path,
                                                                        command: str) -> None:  # fmt: skip
    data = tmp_path / "data"
    shutil.copytree(trained, data)
    before = fingerprint(data)
    args = [a.format(tmp=tmp_path, data=data, store=data / DB_NAME) for a in DEV_COMMANDS[command]]
    done = run_cli(data, *args, ok=False)
    target = args[args.index(command.split()[1]) + 1]
    assert_refused(done, data, before, target)


def test_1_the_guard_names_what_it_protects(tmp_path: Path) -> None:
    data = tmp_path / "data"
    (data / "projects" / "t" / "model").mkdir(parents=True)
    (data / DB_NAME).write_bytes(b"")
    model = data / "projects" / "t" / "model" / "model.json"
    model.write_text("{}")
    os.link(model, tmp_path / "linked.json")
    (data / ".import-abc123").mkdir()
    assert "store itself" in managed_part(data / DB_NAME, data)
    assert "-journal" in managed_part(data / f"{DB_NAME}-journal", data)  # not there yet: still the store's
    assert "projects/" in managed_part(data / "projects", data)
    assert "projects/" in managed_part(data / "projects" / "new" / "x.onnx", data)
    assert "import" in managed_part(data / ".import-abc123" / "model.json", data)
    assert "hard link" in managed_part(tmp_path / "linked.json", data)
    for free in (data / "export.csv", data / "projects.csv", tmp_path / "out" / DB_NAME, tmp_path / "x.json"):
        assert managed_part(free, data) is None, free  # beside the store, or another folder's file of that name
    with pytest.raises(ManagedPathError, match=r"refused as an output folder: it lies in projects/"):
        check_output(data / "projects" / "t", data, folder=True)
    assert check_output("out.csv", data) == Path("out.csv")


# -- 10: a store that is a folder ------------------------------------------------------------------------------------

FOLDER_STORE_COMMANDS = {
    "projects list": ["projects", "list"],
    "classes list": ["classes", "list"],
    "classes add": ["classes", "add", "wave"],
    "projects create": ["projects", "create", "new"],
    "export": ["export", "--format", "handteach", "-o", "{tmp}/out.csv"],
    "projects export": ["projects", "export", "default", "-o", "{tmp}/default.handteach"],
}


@pytest.mark.slow
@pytest.mark.parametrize("command", FOLDER_STORE_COMMANDS)
@pytest.mark.parametrize("kind", ["folder", "symlink to a folder"])
def test_10_a_store_that_is_a_folder_is_named_by_every_command(tmp_path: Path, command: str, kind: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    if kind == "folder":
        (data / DB_NAME).mkdir()
        (data / DB_NAME / "keep.txt").write_text("a user's file")
    else:
        (tmp_path / "elsewhere").mkdir()
        (data / DB_NAME).symlink_to(tmp_path / "elsewhere")
    args = [a.format(tmp=tmp_path) for a in FOLDER_STORE_COMMANDS[command]]
    done = run_cli(data, *args, ok=False)
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"error: {data / DB_NAME} is a folder, not a handteach store" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""
    assert sorted(p.name for p in data.iterdir()) == [DB_NAME]  # no -wal, -shm, projects/ made beside it
    assert not (tmp_path / "out.csv").exists() and not (tmp_path / "default.handteach").exists()


@pytest.mark.slow
def test_10_a_store_that_is_not_a_regular_file_is_named(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    os.mkfifo(data / DB_NAME)  # sqlite would wait on it forever, or read nothing
    done = run_cli(data, "classes", "list", ok=False)
    assert done.returncode == 2 and f"error: {data / DB_NAME} is not a regular file" in done.stderr, done.stderr


# -- 8: out of file descriptors --------------------------------------------------------------------------------------


def _fresh_cli(data: Path, *args: str, nofile: int | None = None, address_space: int | None = None,
               timeout: float = 120) -> subprocess.CompletedProcess[str]:  # fmt: skip
    """``python -m core ARGS`` in a new interpreter under the given limits (set in the child before it starts)."""

    def limit() -> None:
        if nofile is not None:
            resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))
        if address_space is not None:
            resource.setrlimit(resource.RLIMIT_AS, (address_space, resource.getrlimit(resource.RLIMIT_AS)[1]))

    env = {**os.environ, "HANDTEACH_DATA": str(data), "PYTHONPATH": str(REPO)}
    return subprocess.run([sys.executable, "-m", "core", *args], capture_output=True, text=True, env=env, cwd=REPO,
                          timeout=timeout, preexec_fn=limit)  # fmt: skip


@pytest.mark.slow
@pytest.mark.extended
def test_8_a_write_at_the_descriptor_limit_says_so(tmp_path: Path) -> None:
    """Each limit from the lowest an interpreter starts under: the command works, or says the limit is reached
    (never "cannot write here", never a traceback)."""
    data = tmp_path / "data"
    Store(data).create_project(PROJECT, default_classes=False)
    said = []
    for nofile in range(5, 10):
        done = _fresh_cli(data, "classes", "add", f"c{nofile}", "-p", PROJECT, nofile=nofile)
        assert done.returncode in (0, 2), done.stderr
        assert "Traceback" not in done.stderr and "cannot write here" not in done.stderr, done.stderr
        if done.returncode == 2:
            assert f"too many open files (limit {nofile}): close other tabs" in done.stderr, done.stderr
            said.append(nofile)
    assert said, "no limit was low enough to run out of descriptors"
    assert [c.name for c in Store(data).list_classes(PROJECT)] == [f"c{n}" for n in range(5, 10) if n not in said]


def test_8_the_store_maps_unable_to_open_at_the_limit_and_only_there(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    store = Store(tmp_path / "data")
    unable = sqlite3.OperationalError("unable to open database file")
    monkeypatch.setattr(fds, "fd_limit", lambda: 64)
    monkeypatch.setattr(fds, "open_fd_count", lambda: 20)
    assert "cannot write here" in str(store._explain(unable))  # plenty left: SQLite's own words stand
    monkeypatch.setattr(fds, "open_fd_count", lambda: 60)
    message = str(store._explain(unable))
    assert message == f"{store.path}: too many open files (limit 64): close other tabs or programs, or raise the " \
                      "limit (ulimit -n)"  # fmt: skip
    assert fds.out_of_fds(OSError(errno.EMFILE, "Too many open files"))
    assert fds.out_of_fds(OSError(errno.ENFILE, "Too many open files in system"))
    assert not fds.out_of_fds(RuntimeError("Can't find file: x.tflite"))  # no marker asked for
    assert fds.out_of_fds(RuntimeError("Can't find file: x.tflite"), fds.MEDIAPIPE_MARKERS)
    monkeypatch.setattr(fds, "open_fd_count", lambda: 20)
    assert not fds.out_of_fds(RuntimeError("Can't find file: x.tflite"), fds.MEDIAPIPE_MARKERS)  # truly missing


def test_8_the_descriptor_count_is_the_processes_own() -> None:
    before = fds.open_fd_count()
    assert before is not None and 3 <= before < (fds.fd_limit() or 1 << 30)
    with open(__file__) as _, open(__file__) as _:
        assert fds.open_fd_count() == before + 2


_MEDIAPIPE_AT_THE_LIMIT = r"""
import os, resource, sys
import numpy as np
import onnxruntime, core.keypoints.onnx_hands, core.keypoints.onnx_pose
from core.io.fds import TooManyOpenFilesError
from core.keypoints.{module} import {tracker}

resource.setrlimit(resource.RLIMIT_NOFILE, (64, resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
held = []
try:
    while True:
        held.append(os.open(os.devnull, os.O_RDONLY))
except OSError:
    pass
for _ in range({free}):
    os.close(held.pop())
try:
    {tracker}().process(np.zeros((120, 160, 3), np.uint8))
    print("worked")
except TooManyOpenFilesError as exc:
    print("said:", exc)
"""


@pytest.mark.slow
@pytest.mark.parametrize("free", [0, 1])
@pytest.mark.parametrize("tracker", ["landmarks.HandTracker", "pose.PoseTracker"])
def test_8_mediapipe_at_the_descriptor_limit_says_so(free: int, tracker: str) -> None:
    """No descriptor left: the start says so. One left: the first frame's model files may or may not find it
    (MediaPipe's threads open and close their own), so the tracker works or says so; never a RuntimeError."""
    module, name = tracker.split(".")
    script = _MEDIAPIPE_AT_THE_LIMIT.format(module=module, tracker=name, free=free)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO, timeout=120,
                          env={**os.environ, "PYTHONPATH": str(REPO)})  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    said = "said: MediaPipe could not open its model files: too many open files (limit 64): close other tabs"
    assert said in done.stdout or (free and done.stdout.strip() == "worked"), done.stdout


@pytest.mark.slow
def test_8_a_page_whose_store_read_fails_says_why_without_a_traceback(data_dir: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    from streamlit.testing.v1 import AppTest  # here: a module-level import would make every test of the file slow

    Store(data_dir).ensure_project()
    said = f"{data_dir / DB_NAME}: too many open files (limit 64): close other tabs or programs, or raise the limit"

    def out_of_descriptors(*_: object) -> None:
        raise StoreError(said)

    monkeypatch.setattr(Store, "project_skeleton", out_of_descriptors)  # read by Home, after the sidebar
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert any("too many open files (limit 64)" in e.value for e in at.error), [e.value for e in at.error]


# -- 9: low memory ---------------------------------------------------------------------------------------------------

# The CLI's main under a memory limit a margin above what the interpreter holds once the CLI and the extractor's
# modules are imported (a fixed `ulimit -v` would depend on the machine's libraries and core count).
_UNDER_A_MEMORY_LIMIT = r"""
import re, resource, sys
from core.cli.main import main
import core.data.imports.extract, core.io.video
held = int(re.search(r"VmSize:\s+(\d+)", open("/proc/self/status").read()).group(1)) * 1024
resource.setrlimit(resource.RLIMIT_AS, (held + int(sys.argv[1]) * 2**20, resource.RLIM_INFINITY))
sys.exit(main(sys.argv[2:]))
"""


@pytest.fixture(scope="module")
def big_video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two black 2048×2048 frames: 48 kB of MPEG-4, 12 MB a frame decoded."""
    path = tmp_path_factory.mktemp("memory") / "big.mp4"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"mp4v"), 25, (2048, 2048))
    for _ in range(2):
        writer.write(np.zeros((2048, 2048, 3), np.uint8))
    writer.release()
    return path


@pytest.mark.slow
@pytest.mark.parametrize("margin_mb", [16, 40, 64])
def test_9_a_video_too_big_for_the_memory_left_is_named(tmp_path: Path, big_video: Path, margin_mb: int) -> None:
    """From too little to open the decoder (16 MB) to enough to open it but not to hold a frame (64 MB: OpenCV's
    "Insufficient memory" traceback before): the file is named, exit 2, nothing stored."""
    data = tmp_path / "data"
    Store(data).create_project(PROJECT, default_classes=False)
    done = subprocess.run([sys.executable, "-c", _UNDER_A_MEMORY_LIMIT, str(margin_mb), "extract", "-i",
                           str(big_video), "--label", "fist", "-p", PROJECT], capture_output=True, text=True,
                          cwd=REPO, timeout=120, env={**os.environ, "HANDTEACH_DATA": str(data),
                                                      "PYTHONPATH": str(REPO)})  # fmt: skip
    assert done.returncode == 2, done.stderr[-3000:]
    assert f"error: {big_video}: not enough memory to decode the video" in done.stderr, done.stderr[-3000:]
    assert "ulimit -v" in done.stderr and "Traceback" not in done.stderr
    assert Store(data).list_classes(PROJECT) == []


def test_9_memory_running_out_anywhere_is_said_not_traced(monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]) -> None:  # fmt: skip
    from core.cli import commands, main

    def exhausted(_: object) -> int:
        raise MemoryError

    monkeypatch.setattr(commands, "classes", exhausted)
    assert main.main(["classes", "list"]) == 2
    assert capsys.readouterr().err == f"error: {main.NO_MEMORY}\n"

    def no_memory_for_a_module(_: object) -> int:
        raise OSError(errno.ENOMEM, "Cannot allocate memory", "/site-packages/attr")

    monkeypatch.setattr(commands, "classes", no_memory_for_a_module)
    assert main.main(["classes", "list"]) == 2
    assert capsys.readouterr().err == f"error: /site-packages/attr: {main.NO_MEMORY}\n"


def test_9_a_frame_that_will_not_decode_is_blamed_on_memory_only_when_memory_is_short(big_video: Path) -> None:
    from core.io import video

    video._check_memory(big_video, 2048, 2048)  # plenty here: silent, the caller's own message stands
    with pytest.raises(video.MediaError, match="not enough memory to decode the video"):
        video._check_memory(big_video, 1 << 24, 1 << 24)  # 800 TB: no address space holds three


@pytest.mark.parametrize("error", ["descriptors", "store"])
def test_8_a_webcam_stream_out_of_descriptors_shows_the_message_without_a_traceback(error: str) -> None:
    from core.keypoints.landmarks import TrackerConfig
    from ui.webcam.stream import StreamSession

    said = {"descriptors": fds.TooManyOpenFilesError(f"{fds.MEDIAPIPE_FILES}: too many open files (limit 64): ..."),
            "store": StoreError("handteach.sqlite: too many open files (limit 64): ...")}[error]  # fmt: skip

    def tracker(_: TrackerConfig) -> None:
        raise said

    stream = StreamSession("test", TrackerConfig())
    stream.tracker_factory = tracker
    out = stream.process(np.zeros((48, 64, 3), np.uint8))  # never raises: streamlit-webrtc would echo raw video
    assert out.shape == (48, 64, 3)
    assert stream.snapshot().error == str(said)  # the page shows it as it is: no "Traceback", no class name
