"""The editor tab's motions (scratch/src/motion.js) against the app's own: the same graph inputs as
``core.motion.onnx_export.graph_inputs`` for clips of real hand shapes (gaps, still ends, hand, body and fingertip),
and on a stream of real hand shapes swiping, holding still and waving, the same events as ``core.motion.spotting``
with the model trained here, its graph run by onnxruntime-web in node. Skips where Node.js or the front end's
packages are absent."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from motionmaker import keypoint_clip, keypoint_stream
from test_motion_onnx_export import _body, _fingertip, _model, _with_gaps

from core.motion.clip import Clip
from core.motion.onnx_export import graph_inputs, motion_metadata, motion_onnx_model
from core.motion.spotting import Spotter
from core.motion.train import MotionTrainConfig, train_motion
from core.skeletons import BODY_33, FINGERTIP, HAND_21

ROOT = Path(__file__).resolve().parents[1]
BRIDGE = ROOT / "tests" / "js" / "scratch_motion.mjs"
ORT_NODE = ROOT / "frontend" / "node_modules" / "onnxruntime-web" / "dist" / "ort.node.min.mjs"


def _node(job: dict) -> object:
    node = shutil.which("node")
    if node is None:
        pytest.skip("Node.js is not installed: the editor's motion code (scratch/src/motion.js) needs it")
    done = subprocess.run([node, str(BRIDGE)], input=json.dumps(job), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def _frames(clip: Clip) -> list[dict]:
    return [{"t": float(t), "points": p.tolist() if shown else None}
            for t, p, shown in zip(clip.timestamps, clip.points, clip.present, strict=True)]  # fmt: skip


@pytest.mark.slow
@pytest.mark.parametrize(("skeleton", "reshape"), [(HAND_21, None), (BODY_33, _body), (FINGERTIP, _fingertip)],
                         ids=["hand", "body", "fingertip"])  # fmt: skip
def test_the_tab_cuts_a_clip_as_the_app_does(skeleton, reshape) -> None:  # noqa: ANN001
    model = _model(skeleton)
    meta = {key: json.loads(value) for key, value in motion_metadata(model).items()}
    clips = [
        keypoint_clip(kind, start=9 * i, still=10, seed=i) for i, kind in enumerate(("circle", "swipe_up", "idle"))
    ]
    clips += [_with_gaps(keypoint_clip("swipe_left", frames=40, fps=25.0, still=6))]
    clips = [reshape(c) if reshape else c for c in clips]
    answers = _node({"do": "inputs", "meta": meta,
                     "clips": [{"image_size": list(c.image_size), "frames": _frames(c)} for c in clips]})  # fmt: skip
    for clip, got in zip(clips, answers, strict=True):
        want = graph_inputs(clip, model)
        assert got is not None, clip.source
        np.testing.assert_allclose(np.reshape(got["path"], want["path"].shape), want["path"], atol=1e-4)
        if "landmarks" in want:
            assert got["frames"] == len(want["landmarks"])
            np.testing.assert_allclose(np.reshape(got["landmarks"], want["landmarks"].shape), want["landmarks"],
                                       atol=1e-6)  # fmt: skip
            np.testing.assert_allclose(np.reshape(got["resample"], want["resample"].shape), want["resample"],
                                       atol=1e-5)  # fmt: skip


def test_a_clip_the_app_would_not_judge_is_none_in_the_tab() -> None:
    model = _model()
    meta = {key: json.loads(value) for key, value in motion_metadata(model).items()}
    clip = keypoint_clip("swipe_left")
    mostly_lost = [f if i % 3 == 0 else {"t": f["t"], "points": None} for i, f in enumerate(_frames(clip))]
    short = _frames(clip)[:7]
    answers = _node({"do": "inputs", "meta": meta, "clips": [{"image_size": list(clip.image_size), "frames": frames}
                                                             for frames in (mostly_lost, short)]})  # fmt: skip
    assert answers == [None, None]


@pytest.fixture(scope="module")
def trained():  # noqa: ANN201 - a motion model of real hand shapes swiping, circling and holding still
    kinds = ("swipe_left", "swipe_right", "swipe_up", "circle", "idle")
    clips = [keypoint_clip(kind, start=11 * i + 40 * n, frames=24 + 4 * (i % 3), still=6, seed=i + 10 * n)
             for n, kind in enumerate(kinds) for i in range(6)]  # fmt: skip
    return train_motion(clips, MotionTrainConfig(seed=0, epochs=40, copies=6)).model


@pytest.mark.slow
@pytest.mark.parametrize("fps", [30.0, 8.0, 5.0], ids=["30-fps", "slow-tab-8-fps", "slow-tab-5-fps"])
def test_a_stream_fires_the_same_motions_in_the_tab_as_on_live(trained, fps: float, tmp_path: Path) -> None:  # noqa: ANN001
    if not ORT_NODE.is_file():
        pytest.skip(f"the front end's packages are not installed ({ORT_NODE.name} missing): run `make frontend`")
    segments = [("still", 30), ("swipe_left", 25), ("still", 30), ("swipe_up", 22), ("still", 25), ("wave", 60),
                ("still", 30), ("swipe_right", 28), ("still", 30)]  # fmt: skip
    stream = keypoint_stream([(kind, round(frames * fps / 30)) for kind, frames in segments], fps=fps)
    spotter = Spotter(trained)
    want = [(e.label, round(e.start, 4), round(e.end, 4)) for kp, t in stream if (e := spotter.push(kp, t))]
    assert len(want) >= 2, want  # two swipes at least (5 frames a second lose the short swipe up): worth comparing
    onnx = tmp_path / "motion.onnx"
    onnx.write_bytes(motion_onnx_model(trained).SerializeToString())
    frames = [{"t": t, "points": kp.normalised.tolist() if kp is not None else None} for kp, t in stream]
    got = _node({"do": "stream", "onnx": str(onnx), "image_size": list(stream[0][0].image_size), "frames": frames})
    assert [(e["label"], round(e["start"], 4), round(e["end"], 4)) for e in got] == want
