// The tab's hand worker (issue 55): MediaPipe's hand models off the page's thread. On a slowed tab the page's one
// thread was busy all the time, MediaPipe's WASM about 60% of it, so Streamlit's page, the drawing and MediaPipe
// waited on each other; here MediaPipe has a thread of its own, and a core of its own where the device has two.
// A classic worker (built as an IIFE): tasks-vision loads its WASM runtime with importScripts.
//
// It answers finders.js's WorkerFinder (handengine.js's answer).

import { HandLandmarker } from "@mediapipe/tasks-vision";
import { HandEngine, answer } from "./handengine.js";
import { blankFrame, workerCanvases } from "./landmarker.js";
import { quieten, showedElsewhere } from "./quiet.js";

// before the WASM binds console.error, as on the page; each MediaPipe warning shown here is not shown there again
quieten(console, (body) => self.postMessage({ shown: body }));
const engine = new HandEngine(HandLandmarker, () => workerCanvases(), () => blankFrame(null), "worker");

self.onmessage = async ({ data }) => {
  if (data && Array.isArray(data.known)) return data.known.forEach(showedElsewhere); // shown by the tab already
  if (data && data.prepare) return prepare(data.prepare, data.model);
  const reply = await answer(engine, data); // only finders.js posts here; anything else is left unanswered
  if (reply) self.postMessage(reply);
};

// The runtime's loader and WASM read once ahead, into the browser's cache, where tasks-vision asks for them again
// when the model opens (revalidated: the server answers 304, ui/server/assets.py), and the model's file, kept here
// for the open that follows.
function prepare(fileset, modelUrl) {
  for (const url of [fileset.wasmLoaderPath, fileset.wasmBinaryPath]) {
    if (typeof url === "string") fetch(url).then((reply) => reply.arrayBuffer()).catch(() => {}); // said when opened
  }
  if (typeof modelUrl === "string") engine.modelFile(modelUrl).catch(() => {}); // said when opened
}
