// The tab's frame loop, for Live and Record (main.js) and the Scratch editor (scratch/src/recognise.js): each new
// camera frame is worked on once. A frame that arrives while the ones before are still being worked on waits and
// goes next, the moment one of them ends: asking for the next frame only after a frame's work missed the frame shown
// meanwhile, so a frame's work just over the camera's interval (36 ms against 33) halved the rate to about 20 frames
// a second where the CPU allowed 28. Where the hand worker finds the hands, two frames are worked on at once: the
// page readies and sends the next frame, and classifies the one before, while the worker finds hands in one, so the
// two threads work side by side.

// `work(metadata, slot)`: one frame's work (`slot`, 0 or 1, alternates: which of two frame canvases holds it, so that
// the frame worked on beside it keeps its own). `inFlight()`: how many frames may be worked on at once now.
// `failed(error)`: a frame's work threw; true stops the loop. Returns `{ stop }`.
export function runFrames(video, work, { inFlight = () => 1, failed = () => true } = {}) {
  let working = 0, stopped = false, waiting = null, count = 0;
  const run = async (metadata) => {
    working += 1;
    try {
      await work(metadata, count++ % 2);
    } catch (error) {
      if (failed(error)) stopped = true;
    }
    working -= 1;
    if (waiting && !stopped && working < inFlight()) {
      const latest = waiting;
      waiting = null;
      run(latest);
    }
  };
  const stop = () => { stopped = true; };
  if (!video.requestVideoFrameCallback) { // no frame callbacks: one frame a display refresh
    const step = async () => {
      if (!working) await run(undefined);
      if (!stopped) requestAnimationFrame(step);
    };
    requestAnimationFrame(step);
    return { stop };
  }
  const step = (_now, metadata) => {
    if (stopped) return;
    video.requestVideoFrameCallback(step); // keep listening while a frame is worked on
    if (working >= inFlight()) waiting = metadata || {}; // only the newest waits
    else run(metadata);
  };
  video.requestVideoFrameCallback(step);
  return { stop };
}

// `inTurn(work)`: runs each `work()` once the one given before it has ended, and returns its promise. For a finder
// that takes one frame at a time: a frame waits here, not in the finder's queue behind the frame before, so it is
// taken from the video the moment the finder is free.
export function oneAtATime() {
  let last = Promise.resolve();
  return async (work) => {
    const before = last;
    let done;
    last = new Promise((resolve) => { done = resolve; });
    try {
      await before;
      return await work();
    } finally {
      done();
    }
  };
}
