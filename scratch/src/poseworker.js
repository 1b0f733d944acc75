// The editor's pose worker: MediaPipe's PoseLandmarker (VIDEO mode, one person) off the page's thread, as the hand
// worker (frontend/src/handworker.js) runs HandLandmarker, so Scratch's own frames keep the page's thread.
// A classic worker (built as an IIFE): tasks-vision loads its WASM runtime with importScripts.
// Messages: {id, call: "open", args: [fileset, bundle]} (the bundle's address on the app's origin, fetched here) and
// {id, call: "find", args: [frame, wanted, now]}; each
// answered {id, result} or {id, failure: {code, detail}} (frontend/src/finders.js's WorkerFinder reads them).

import { PoseLandmarker } from "@mediapipe/tasks-vision";
import { TabFailure, blankFrame, firstLine, handModel, workerCanvases, workingLandmarker } from "../../frontend/src/landmarker.js";
import { videoFramePixels } from "../../frontend/src/frames.js";
import { storeBodies } from "./bodydata.js";

let landmarker = null, lastStamp = -Infinity;
// VIDEO mode wants each timestamp above the one before
const stamp = (now) => (lastStamp = Math.max(now, lastStamp + 1));

const CALLS = {
  async open(fileset, bundle) {
    if (new URL(bundle, self.location.href).origin !== self.location.origin) throw new TabFailure("hand_model", "another origin");
    const bytes = await handModel(bundle);
    const options = { baseOptions: { modelAssetBuffer: bytes, delegate: "CPU" }, runningMode: "VIDEO", numPoses: 1 };
    landmarker = await workingLandmarker(PoseLandmarker, fileset, options,
      (made, frame) => made.detectForVideo(frame, stamp(performance.now())), workerCanvases(), blankFrame(null));
  },
  // `frame`: the camera's VideoFrame, handed over (its pixels made here, off the page's thread), or its ImageData
  find(frame, _wanted, now) { // finders.js's WorkerFinder sends how many to follow: one person here
    const started = performance.now();
    const pixels = typeof VideoFrame === "function" && frame instanceof VideoFrame ? videoFramePixels(frame) : frame;
    const hands = storeBodies(landmarker.detectForVideo(pixels, stamp(now)));
    return { hands, switches: 0, ms: performance.now() - started };
  },
};

self.onmessage = async ({ data }) => {
  const { id, call, args } = data || {};
  if (!Object.hasOwn(CALLS, call) || !Array.isArray(args)) return; // only the page's PoseFinder posts here
  try {
    self.postMessage({ id, result: (await CALLS[call](...args)) ?? null });
  } catch (error) {
    self.postMessage({ id, failure: { code: error.code || "graph", detail: error.detail || firstLine(error) } });
  }
};
