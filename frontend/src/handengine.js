// The tab's hand finding: MediaPipe's VIDEO-mode tracker, the IMAGE-mode scout once the tab's pace is known, and
// the follower between them (following.js). The same engine runs in the tab's hand worker (handworker.js), off
// the page's thread, or on the page where a worker cannot run it (WebKit: no WebGL on an OffscreenCanvas).
// handmodels.js decides which model, and when the scout is made.

import { storeHands } from "./hands.js";
import { Following } from "./following.js";
import { masked, videoFramePixels } from "./frames.js";
import { TabFailure, firstLine, handModel, workingLandmarker } from "./landmarker.js";

export class HandEngine {
  // `HandLandmarker`: tasks-vision's class; `canvases()`: landmarker.js's glCanvases or workerCanvases (throws
  // TabFailure("webgl")); `blank()`: a frame to try a new landmarker on; `where`: "page" or "worker".
  constructor(HandLandmarker, canvases, blank, where = "page") {
    Object.assign(this, { HandLandmarker, canvases, blank, where, fileset: null, tracker: null, scout: null });
    Object.assign(this, { numHands: 0, lastStamp: -Infinity, now: 0, files: new Map() });
    this.following = new Following(
      // the same frame again goes a millisecond later: VIDEO mode refuses a timestamp it has had
      (frame, again) => storeHands(this.tracker.detectForVideo(frame, again ? (this.now = this.stamp(this.now)) : this.now)),
      (frame) => (this.scout ? storeHands(this.scout.detect(frame)) : []),
      masked,
    );
  }

  // A model file by its address, fetched once on this engine's thread (the worker's: handmodels.js's `source`).
  modelFile(url) {
    if (!this.files.has(url)) {
      const here = globalThis.location && globalThis.location.origin, there = new URL(url, globalThis.location?.href).origin;
      const bytes = here && there !== here
        ? Promise.reject(new TabFailure("hand_model", "a model from another origin is refused")) : handModel(url);
      bytes.catch(() => this.files.delete(url)); // a failed fetch is tried again when asked again
      this.files.set(url, bytes);
    }
    return this.files.get(url);
  }

  // a model as its bytes, or the address of its file
  modelBytes(model) {
    return typeof model === "string" ? this.modelFile(model) : model;
  }

  // VIDEO mode wants each timestamp above the one before, across the trackers a tab swaps between, and a worker's
  // clock starts later than the page's that stamps its frames
  stamp(now) {
    this.lastStamp = Math.max(now, this.lastStamp + 1);
    return this.lastStamp;
  }

  // The tracker on the model `bytes` (a hand_landmarker .task file); throws TabFailure. `fileset`: wasmFileset.
  async open(fileset, bytes, numHands) {
    this.fileset = fileset;
    this.tracker = await this.landmarker(bytes, "VIDEO", numHands);
    this.numHands = numHands;
  }

  // The tracker swapped for one on `bytes` between two frames (a frame's tracking is synchronous).
  async swap(bytes) {
    const numHands = this.numHands, next = await this.landmarker(bytes, "VIDEO", numHands);
    if (numHands !== this.numHands) await next.setOptions({ numHands: this.numHands }); // changed meanwhile
    const before = this.tracker;
    this.tracker = next;
    before.close();
  }

  async makeScout(bytes) {
    this.scout = await this.landmarker(bytes, "IMAGE", Math.min(4, this.numHands + 1));
  }

  landmarker(bytes, runningMode, numHands) {
    const options = { baseOptions: { modelAssetBuffer: bytes, delegate: "CPU" }, runningMode, numHands };
    const tryFrame = runningMode === "VIDEO"
      ? (landmarker, frame) => landmarker.detectForVideo(frame, this.stamp(performance.now()))
      : (landmarker, frame) => landmarker.detect(frame);
    return workingLandmarker(this.HandLandmarker, this.fileset, options, tryFrame, this.canvases(), this.blank());
  }

  // The hands (hands.js's storeHands) on `frame` (the camera's frame on a canvas, or its ImageData in the worker),
  // following `wanted` hands; `now`: the frame's time, ms on the page's clock.
  async find(frame, wanted, now) {
    if (wanted !== this.numHands) {
      await this.tracker.setOptions({ numHands: wanted });
      if (this.scout) await this.scout.setOptions({ numHands: Math.min(4, wanted + 1) });
      this.numHands = wanted;
    }
    this.now = this.stamp(now);
    return this.following.process(frame, wanted, frame.width, frame.height);
  }

  get switches() {
    return this.following.switches;
  }

  close() {
    for (const landmarker of [this.tracker, this.scout]) landmarker?.close();
  }

  closeWhenDone() {
    this.close(); // a frame's tracking here is synchronous: none is under way now
  }
}

// The hand worker's answer to a message of finders.js's WorkerFinder, `{ id, call, args }`: `{ id, result }` or
// `{ id, failure: { code, detail } }`; null for anything else. handworker.js posts it back. A model is its bytes or
// the address of its file.
const CALLS = {
  open: async (engine, fileset, model, numHands) => engine.open(fileset, await engine.modelBytes(model), numHands),
  swap: async (engine, model) => engine.swap(await engine.modelBytes(model)),
  makeScout: async (engine, model) => engine.makeScout(await engine.modelBytes(model)),
  async find(engine, frame, wanted, now) {
    const started = performance.now();
    const pixels = typeof VideoFrame === "function" && frame instanceof VideoFrame ? videoFramePixels(frame) : frame;
    const hands = await engine.find(pixels, wanted, now);
    return { hands, switches: engine.switches, ms: performance.now() - started };
  },
};

export async function answer(engine, data) {
  const { id, call, args } = data || {};
  if (!Object.hasOwn(CALLS, call) || !Array.isArray(args)) return null;
  try {
    return { id, result: (await CALLS[call](engine, ...args)) ?? null };
  } catch (error) {
    return { id, failure: { code: error.code || "graph", detail: error.detail || firstLine(error) } };
  }
}
