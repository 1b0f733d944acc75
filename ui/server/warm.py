"""The server's slow first steps, made in a thread as the server starts (``ui.server.serve``) and again, for a server
started without that launcher, once a page is out (``ui.common.state.warm_up``; already made, they cost nothing): the
imports of torch (the gesture models), the ONNX exporter, onnxruntime's keypoint models and pandas, and the table of
look-alike characters that every name a user types is checked against. Each held up a fresh server's first Make page
(``bench/speed/scratch.py``, cold: torch about 2 s, pandas 0.4 s, the table 0.4 s).
"""

from __future__ import annotations

import importlib
import threading

# the keypoint runtime's own modules (onnxruntime's), not mediapipe's: importing a runtime the server does not use
# cost 25 MB and, under tests, a thread importing while another iterated sys.modules
HEAVY_MODULES = (
    "core.data.project",
    "core.gestures.inference",
    "core.gestures.onnx_export",
    "core.keypoints.onnx_hands",
    "core.keypoints.onnx_pose",
    "torch.onnx",  # torch loads it on first use: the first export to ONNX
    "pandas",
    "streamlit.emojis",  # app.py's page icon is checked against it on each server's first run
)


def import_heavy_modules() -> bool:
    """Import ``HEAVY_MODULES`` and build the look-alike table; False where one cannot be (the page that needs it says
    why)."""
    done = True
    for name in HEAVY_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # another Streamlit without that module, a broken install: the rest still warms
            done = False
    try:
        from core.classes.name_chars import skeleton

        skeleton("a")  # its table is built once per process (functools.cache)
    except Exception:
        done = False
    return done


def warm_in_background() -> threading.Thread:
    """``import_heavy_modules`` in a daemon thread, started now."""
    thread = threading.Thread(target=import_heavy_modules, name="handteach-warm-at-start", daemon=True)
    thread.start()
    return thread
