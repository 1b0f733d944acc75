"""A camera any browser engine can be given: real frames drawn on a canvas, streamed by ``captureStream``.

Chromium has a fake camera that plays a y4m file; WebKitGTK's mock camera shows a test pattern only. This one
replaces ``navigator.mediaDevices.getUserMedia`` in the browser path's frame with a canvas stream (640×480 unless
told), on which the test puts the pictures it chooses (``show``), so the same frames go through the tab's real path
in either engine. Installed before the tab starts (an init script, Chromium) or after it asked for a camera and
offered *Try the camera again* (WebKit, whose WebDriver has no init scripts).
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from pathlib import Path

CAMERA_FRAME_TITLE = "ui.browser.component.handteach_camera"

# window.handteachCamera.show([dataURL, ...]) loops those pictures at FPS frames a second, scaled to WIDTH×HEIGHT;
# window.handteachCamera.drawn counts frames drawn (a test waits for the pictures to be on the stream).
_INSTALL = """
(() => {
  if (window.handteachCamera) return;
  const canvas = Object.assign(document.createElement('canvas'), { width: WIDTH, height: HEIGHT });
  const ctx = canvas.getContext('2d');
  const camera = { pictures: [], index: 0, drawn: 0 };
  camera.show = (urls) => {
    camera.pictures = urls.map((src) => Object.assign(new Image(), { src }));
    camera.index = 0;
    return Promise.all(camera.pictures.map((p) => p.decode())).then(() => camera.pictures.length);
  };
  setInterval(() => {
    const picture = camera.pictures[camera.index % Math.max(1, camera.pictures.length)];
    if (picture && picture.complete && picture.naturalWidth) {
      ctx.drawImage(picture, 0, 0, WIDTH, HEIGHT);
      camera.index += 1;
      camera.drawn += 1;
    } else {
      ctx.fillRect(0, 0, WIDTH, HEIGHT);  // a dark frame until pictures come: a video plays only once frames flow
    }
  }, 1000 / FPS);
  const stream = canvas.captureStream(FPS);
  // on the prototype: WebKit ignores an own property assigned to navigator.mediaDevices
  MediaDevices.prototype.getUserMedia = async () => stream;
  window.handteachCamera = camera;
})();
"""


def install(fps: int = 30, size: tuple[int, int] = (640, 480)) -> str:
    """The script that installs the camera at ``fps`` frames a second, of ``size`` (width, height) pixels whatever
    the tab asks for. WebKitGTK's tab, running the hand model on its page's one thread, labels every frame it is
    given: at 30 a second on two busy cores it left no time to answer WebDriver, which then dropped the session
    ("page crash or hang") though the page ran on."""
    width, height = size
    return _INSTALL.replace("FPS", str(int(fps))).replace("WIDTH", str(int(width))).replace("HEIGHT", str(int(height)))


INSTALL = install(30)


# the same, as an init script that acts in the browser path's frame only (by its title: the script runs as the
# frame's document is made, while its address still reads about:blank)
def init_script(script: str = INSTALL) -> str:
    """``script`` as an init script that runs in the browser path's frame only."""
    return f"if (window.frameElement && window.frameElement.title === '{CAMERA_FRAME_TITLE}') {{ {script} }}"


INIT_SCRIPT = init_script()


def data_url(path: Path) -> str:
    """A JPEG file as a data: URL the page can draw without asking any server."""
    return "data:image/jpeg;base64," + base64.b64encode(path.read_bytes()).decode("ascii")


LABEL_FRAMES = 3  # frames of a picture a label is read from (the tab's own answers, smoothing off)

# once the pictures are on the stream: the label the tab gave most often over its next frames ("none": no hand)
READ_LABEL = """([since, enough]) => {
  const frames = window.handteach.frames.filter(f => f.t > since);
  if (frames.length < enough) return null;
  const counts = {};
  frames.forEach(f => { const l = f.hands.length ? (f.labels[0] || 'none') : 'none'; counts[l] = (counts[l] || 0) + 1; });
  return Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
}"""


def person_pictures(person: Path, gesture: str, later: bool, count: int) -> list[Path]:
    """``count`` of a webcam_people person's frames of ``gesture``, spread over its first 40 (takes) or the rest (Live)."""
    files = sorted((person / gesture).glob("*.jpg"))
    block = files[40:] if later else files[:40]
    step = max(1, len(block) // count)
    return block[::step][:count]


def labels_of(run: Callable[..., object], pictures: list[Path], timeout: float = 60.0) -> list[str]:
    """For each picture shown alone on the canvas camera, the label the tab gives it most often over
    ``LABEL_FRAMES`` frames. ``run(function_source, arg)`` calls a function in the browser path's frame, in any engine."""
    run("() => { window.handteach.keep = 60; }")
    labels = []
    for picture in pictures:
        # from 0.4 s after the picture is on the stream: the tracker lets go of the picture before
        since = run("u => window.handteachCamera.show([u]).then(() => performance.now() + 400)", data_url(picture))
        deadline = time.monotonic() + timeout
        label = None
        while label is None and time.monotonic() < deadline:
            time.sleep(0.25)
            label = run(READ_LABEL, [since, LABEL_FRAMES])
        if label is None:
            raise AssertionError(
                f"the tab labelled fewer than {LABEL_FRAMES} frames of {picture.name} in {timeout:.0f} s"
            )
        labels.append(str(label))
    return labels
