"""The streamlit-webrtc callbacks around a ``ui.webcam.stream.StreamSession``, and the GIL setting the frame thread needs.

The callbacks run in streamlit-webrtc's worker thread and never call ``st.*``.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import cv2

from core.types import RGBImage
from ui.webcam import frame_loops

if TYPE_CHECKING:
    from ui.webcam.stream import StreamSession

# MediaPipe's Python solution needs the GIL to hand its results back; with the default 5 ms
# switch interval every busy Python thread of the server (aiortc's event loop, Streamlit's
# script runs) makes it wait: 11 ms per frame alone became 34 ms beside one busy thread, and
# 14 ms with a 1 ms interval (measured in-process on the shared video).
GIL_SWITCH_INTERVAL = 0.001


def share_the_gil_quickly() -> None:
    """Shorten the interpreter's thread switch interval (never lengthens it) for the frame thread's sake."""
    if sys.getswitchinterval() > GIL_SWITCH_INTERVAL:
        sys.setswitchinterval(GIL_SWITCH_INTERVAL)


class ArrivalClock:
    """When a frame reached the server, from its timestamp: for the lag from camera frame in to overlay out.

    Frames that queued while the worker was busy reach the callback late; their arrival is estimated as
    ``frame.time`` (the sender's clock, seconds) plus the smallest offset to this server's clock seen so far,
    which is the offset of a frame handled the moment it arrived.
    """

    def __init__(self) -> None:
        self.offset: float | None = None

    def arrived(self, frame_time: float | None, now: float) -> float:
        if frame_time is None:
            return now
        offset = now - frame_time
        if self.offset is None or offset < self.offset:
            self.offset = offset
        return frame_time + self.offset


def to_rgb(frame: Any) -> RGBImage:
    """An av.VideoFrame as an (H, W, 3) uint8 RGB array.

    WebRTC's frames are yuv420p: OpenCV converts them from their planes in about half the CPU of
    PyAV's swscale (0.53 against 0.89 ms at 640×480). Other formats and odd sizes go through PyAV.
    """
    if frame.format.name == "yuv420p" and frame.width % 2 == 0 and frame.height % 2 == 0:
        return cv2.cvtColor(frame.to_ndarray(), cv2.COLOR_YUV2RGB_I420)
    return frame.to_ndarray(format="rgb24")


def to_video_frame(rgb: RGBImage) -> Any:
    """An (H, W, 3) uint8 RGB array as the av.VideoFrame the VP8 encoder takes as it is (yuv420p).

    An RGB frame is converted by the encoder with swscale; OpenCV does it here in a third of
    the CPU (0.47 against 1.77 ms at 640×480, PyAV's frame included). Odd sizes stay RGB.
    """
    import av

    height, width = rgb.shape[:2]
    if width % 2 == 0 and height % 2 == 0:
        return av.VideoFrame.from_ndarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2YUV_I420), format="yuv420p")
    return av.VideoFrame.from_ndarray(rgb, format="rgb24")


def frame_callback(session: StreamSession, clock: ArrivalClock | None = None) -> Callable[[Any], Any]:
    """The ``video_frame_callback`` for ``webrtc_streamer``: av.VideoFrame in, annotated av.VideoFrame out.

    Times the conversions either side of ``session.process`` (``to_array``, ``to_frame``), the CPU of this
    thread for the whole frame (``callback_cpu``: MediaPipe's own threads are not in it) and the ``lag`` from
    the frame's arrival to its overlay leaving here (streamlit-webrtc sends it with the next frame's arrival).
    """
    import av  # only the app needs PyAV here; the session itself works on arrays

    clock = clock or ArrivalClock()

    def callback(frame: av.VideoFrame) -> av.VideoFrame:
        started, cpu = time.perf_counter(), time.thread_time()
        arrived = clock.arrived(frame.time, started)
        rgb = to_rgb(frame)
        converted = time.perf_counter()
        shown = session.process(rgb, started, {"to_array": (converted - started) * 1000.0})
        back = time.perf_counter()
        out = to_video_frame(shown)
        done = time.perf_counter()
        session.add_timings({"to_frame": (done - back) * 1000.0, "lag": (done - arrived) * 1000.0,
                             "callback_cpu": (time.thread_time() - cpu) * 1000.0})  # fmt: skip
        return out

    return callback


MAX_QUEUED_FRAMES = 4  # frames processed per wake-up of the worker; older ones are dropped
# A queued frame that arrived longer ago than this is dropped (the newest never is): when streams share too
# few cores, annotating every queued frame made the overlay trail the camera by 0.4 s at 4 streams, 0.9-4.7 s
# at 6 (bench/speed/webcam.py --sessions); dropping stale ones spends the same CPU on frames the user still sees
MAX_FRAME_AGE = 0.1


def queued_frames_callback(
    session: StreamSession, keep: int = MAX_QUEUED_FRAMES, max_age: float = MAX_FRAME_AGE
) -> Callable[[list[Any]], Any]:
    """The ``queued_video_frames_callback``: annotates the newest ``keep`` of the frames that queued up,
    those of them that arrived at most ``max_age`` seconds ago, and always the newest.

    The browser's sender pulls frames unevenly (two can arrive a few milliseconds apart),
    and the plain ``video_frame_callback`` then drops all but the newest, even when the
    server keeps up on average: about one frame in three at 30 FPS on 2 cores. Processing
    the queued ones keeps every frame whenever the mean cost is under the frame interval;
    when it is not, the age limit keeps the overlay within about ``max_age`` of the camera.
    """
    clock = ArrivalClock()
    process_one = frame_callback(session, clock)

    async def callback(frames: list[Any]) -> list[Any]:
        frame_loops.adopt()  # the frame thread's loop, closed when the stream ends (ended_callback)
        now = time.perf_counter()
        *older, newest = frames[-keep:]
        clock.arrived(newest.time, now)  # the newest frame's offset first: the smallest this batch can give
        fresh = [frame for frame in older if now - clock.arrived(frame.time, now) <= max_age]
        return [process_one(frame) for frame in [*fresh, newest]]

    return callback


def ended_callback(session: StreamSession) -> Callable[[], None]:
    """The ``on_video_ended`` for ``webrtc_streamer``: the session's end of stream, then the event loops of
    frame threads that have ended are closed (streamlit-webrtc leaves them open: ``ui/webcam/frame_loops.py``)."""

    def on_ended() -> None:
        try:
            session.on_ended()
        finally:
            frame_loops.close_finished()

    return on_ended
