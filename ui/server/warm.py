"""The engine's slow imports (torch for the gesture models, the ONNX exporter, onnxruntime's keypoint models), made
in a thread as the server starts, before anyone visits.

Made on the first visit instead, they held up that visitor's page: a fresh server's Make page imported torch for
the ONNX its editor's tab runs (about 2 s on the 2-core machine) before the editor's frame could open
(``bench/speed/scratch.py``, cold). ``ui.common.state.warm_up`` imports the same after a page is out, for a server
started without this launcher.
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
)


def import_heavy_modules() -> bool:
    """Import ``HEAVY_MODULES``; False where one cannot be (the page that needs it says why)."""
    try:
        for name in HEAVY_MODULES:
            importlib.import_module(name)
    except Exception:
        return False
    return True


def warm_engine() -> threading.Thread:
    """``import_heavy_modules`` in a daemon thread, started now."""
    thread = threading.Thread(target=import_heavy_modules, name="handteach-warm-engine", daemon=True)
    thread.start()
    return thread
