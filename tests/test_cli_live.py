"""``python -m core live``: the quick tests run it in-process on outputs it must refuse before MediaPipe starts;
the slow one runs the real command in a subprocess on the shared video, with an OSC receiver and a WebSocket
client attached."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import shared_path
from test_outputs_osc import Receiver
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from core.cli.main import main
from core.outputs.messages import FORMAT_VERSION, OSC_GESTURE, OSC_KEYPOINTS, OSC_NONE
from core.outputs.settings import OutputError, OutputSettings

REPO = Path(__file__).resolve().parents[1]
VIDEO = ("video", "asl_hand.25fps.mp4")  # 325 frames, one hand, 25 fps


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_websocket_port_in_use_stops_before_anything_starts(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    video = shared_path(*VIDEO)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["--data", str(tmp_path), "live", "--video", str(video), "--ws", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"error: WebSocket port {port} on 127.0.0.1: already in use" in err


def test_an_osc_host_that_does_not_resolve_is_one_error_line(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    video = shared_path(*VIDEO)
    assert main(["--data", str(tmp_path), "live", "--video", str(video), "--osc", "no-such-host.invalid:9000"]) == 2
    assert capsys.readouterr().err.startswith("error: OSC host 'no-such-host.invalid': cannot be resolved")


def test_a_missing_video_names_the_file(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    missing = tmp_path / "nope.mp4"
    assert main(["--data", str(tmp_path), "live", "--video", str(missing), "--ws", str(_free_port())]) == 2
    assert f"error: {missing}" in capsys.readouterr().err


@pytest.mark.parametrize(("flag", "value", "problem"), [("--osc", "localhost", "expected HOST:PORT"),
                                                        ("--ws", "70000", "from 1 to 65535"),
                                                        ("--ws", "abc", "whole number"),
                                                        ("--ws-origin", "https://a.org/page", "without a path"),
                                                        ("--ws-origin", "sketch.example.org", "SCHEME://HOST")])  # fmt: skip
def test_bad_flags_are_refused_by_the_parser(
    flag: str, value: str, problem: str, capsys: pytest.CaptureFixture
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["live", "--video", "x.mp4", flag, value])
    assert exited.value.code == 2
    assert problem in capsys.readouterr().err


def test_ws_origins_reach_the_outputs_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture
) -> None:
    import core.outputs.hub

    opened: list[OutputSettings] = []

    def refuse(settings: OutputSettings) -> None:
        opened.append(settings)
        raise OutputError("stopped here by the test")

    monkeypatch.setattr(core.outputs.hub, "Outputs", refuse)
    args = ["--data", str(tmp_path), "live", "--video", str(shared_path(*VIDEO)), "--ws", str(_free_port())]
    assert main([*args, "--ws-origin", "HTTPS://Sketch.example.org/", "--ws-origin", "null"]) == 2
    assert "stopped here by the test" in capsys.readouterr().err
    assert opened[0].ws_origins == ("https://sketch.example.org", "null")


class WsReader:
    """Connects as soon as the command's server is up, then keeps every message until the server closes."""

    def __init__(self, port: int, process: subprocess.Popen) -> None:
        self.messages: list[dict] = []
        self.close_code: int | None = None
        self.port, self.process = port, process
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while self.process.poll() is None:
            try:
                client = connect(f"ws://127.0.0.1:{self.port}", open_timeout=5)
                break
            except OSError:
                time.sleep(0.05)  # the command is still loading: its server is not up yet
        else:
            return
        try:
            for text in client:
                self.messages.append(json.loads(text))
        except ConnectionClosed:
            pass
        self.close_code = client.protocol.close_code


@pytest.mark.slow
def test_live_sends_every_frame_to_osc_and_websocket_receivers(tmp_path: Path) -> None:
    video = shared_path(*VIDEO)
    receiver, ws_port = Receiver(), _free_port()
    env = {**os.environ, "HANDTEACH_DATA": str(tmp_path / "data"), "PYTHONPATH": str(REPO)}
    command = [sys.executable, "-m", "core", "live", "--video", str(video), "--osc", f"127.0.0.1:{receiver.port}",
               "--ws", str(ws_port), "--every-frame", "--keypoints", "--json"]  # fmt: skip
    process = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    reader = WsReader(ws_port, process)
    try:
        out, err = process.communicate(timeout=300)
    finally:
        receiver.close()
    reader.thread.join(10)
    assert process.returncode == 0, err
    summary = json.loads(out.strip().splitlines()[-1])
    assert summary["frames"] == 325 and summary["sent"] + summary["dropped"] == 2 * 325
    assert summary["clients"] == 1 and summary["last_error"] is None

    osc = receiver.messages
    frames = [args[4] if address == OSC_GESTURE else args[0] for address, args in osc if address != OSC_KEYPOINTS]
    assert frames == sorted(frames) and len(set(frames)) == len(frames) >= 325 - summary["dropped"]
    gestures = [args for address, args in osc if address == OSC_GESTURE]
    assert len(gestures) > 300  # the hand is in view almost throughout
    assert {args[1] for args in gestures} <= {"Left", "Right"}
    assert "fist" in {args[2] for args in gestures}  # the video's first letters are fists (the starter knows them)
    keypoints = [args for address, args in osc if address == OSC_KEYPOINTS]
    assert len(keypoints) == len(gestures) and all(len(args) == 64 for args in keypoints)
    assert all(0.0 <= x <= 1.0 for args in keypoints[:20] for x in args[1:64:3])  # normalised x
    assert len(osc) == len(gestures) + len(keypoints) + sum(address == OSC_NONE for address, _ in osc)

    ws = reader.messages
    assert ws, "the WebSocket client got nothing"
    assert [m["frame"] for m in ws] == list(range(ws[0]["frame"], 325))  # from when it connected to the end
    assert all(m["v"] == FORMAT_VERSION and m["type"] == "frame" for m in ws)
    hands = [h for m in ws for h in m["hands"]]
    assert hands and all(len(h["keypoints"]) == 21 and h["skeleton"] == "hand" for h in hands)
    assert reader.close_code == 1001  # the server said goodbye: the command closed it on the way out
