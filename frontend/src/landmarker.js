// Making MediaPipe's HandLandmarker run on the browser engine at hand (issue 55), or saying in one line why not.
//
// tasks-vision draws each frame into a WebGL2 context before its graph reads it. Where it takes the browser
// for Chrome or Safari 17+ (by the user agent) it makes that context on an OffscreenCanvas; WebKitGTK and some
// iOS versions have OffscreenCanvas without WebGL, so the context is null and the graph fails on the first
// frame with "undefined is not an object (evaluating 'GLctx.activeTexture')" (MediaPipe issue #5609). A canvas
// of the page works there. A configuration is kept only once a blank frame went through it: a browser may
// report WebGL and still fail on first use.

// Why the tab cannot find hands, as the page's `problem` codes (ui/browser/path.py falls back on these).
export const TAB_FAILURES = {
  wasm: "This browser cannot run the hand model here (WebAssembly is off or missing).",
  webgl: "This browser cannot run the hand model here (WebGL is off or missing).",
  hand_model: "The hand model did not load in this browser.",
  graph: "The hand model stopped in this browser.",
};

// `message` is for a person; `detail` (the engine's own first line, if any) goes to the page's details only.
export class TabFailure extends Error {
  constructor(code, detail = "") {
    super(TAB_FAILURES[code]);
    this.code = code;
    this.detail = detail;
  }
}

export const firstLine = (error) => String((error && error.message) || error || "").split("\n")[0].slice(0, 160);

function webglIn(make) {
  try {
    const canvas = make();
    return Boolean(canvas && (canvas.getContext("webgl2") || canvas.getContext("webgl")));
  } catch {
    return false;
  }
}

// The canvases to try on the page, in order: tasks-vision's own choice (undefined) where an OffscreenCanvas has
// WebGL, then a canvas of the page. Throws TabFailure("webgl") when neither has a WebGL context.
export function glCanvases(doc = globalThis.document, Offscreen = globalThis.OffscreenCanvas) {
  const offscreen = hasOffscreenWebgl(Offscreen);
  const page = webglIn(() => doc.createElement("canvas"));
  if (!offscreen && !page) throw new TabFailure("webgl");
  return [...(offscreen ? [() => undefined] : []), ...(page ? [() => doc.createElement("canvas")] : [])];
}

export const hasOffscreenWebgl = (Offscreen = globalThis.OffscreenCanvas) =>
  typeof Offscreen === "function" && webglIn(() => new Offscreen(1, 1));

// The canvas to try in a worker (handworker.js): an OffscreenCanvas of its own, which must have WebGL.
export function workerCanvases(Offscreen = globalThis.OffscreenCanvas) {
  if (!hasOffscreenWebgl(Offscreen)) throw new TabFailure("webgl");
  return [() => new Offscreen(1, 1)];
}

// A 64×48 black frame on a page canvas, or on an OffscreenCanvas where there is no document (a worker).
export function blankFrame(doc = globalThis.document) {
  const blank = doc ? doc.createElement("canvas") : new OffscreenCanvas(64, 48);
  Object.assign(blank, { width: 64, height: 48 });
  blank.getContext("2d").fillRect(0, 0, 64, 48);
  return blank;
}

// tasks-vision's WASM runtime, with SIMD where the engine has it (iOS before 16.4 has none).
export function wasmFileset(assets, simd) {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") throw new TabFailure("wasm");
  const name = simd ? "vision_wasm_internal" : "vision_wasm_nosimd_internal";
  return { wasmLoaderPath: `${assets}${name}.js`, wasmBinaryPath: `${assets}${name}.wasm` };
}

// The hand model's bytes (hand_landmarker.task), fetched once for the tab's two landmarkers.
export async function handModel(url, fetcher = globalThis.fetch) {
  let reply;
  try {
    reply = await fetcher(url);
  } catch (error) {
    throw new TabFailure("hand_model", firstLine(error));
  }
  if (!reply.ok) throw new TabFailure("hand_model", `the server answered ${reply.status}`);
  return new Uint8Array(await reply.arrayBuffer());
}

// A HandLandmarker of `options` on the first of `canvases` (glCanvases, workerCanvases) that takes a blank frame;
// `tryFrame(landmarker, frame)` runs one detection the way the tab will.
export async function workingLandmarker(HandLandmarker, fileset, options, tryFrame, canvases, blank) {
  let last = null;
  for (const canvas of canvases) {
    let landmarker = null;
    try {
      landmarker = await HandLandmarker.createFromOptions(fileset, { ...options, canvas: canvas() });
      tryFrame(landmarker, blank);
      return landmarker;
    } catch (error) {
      last = error;
      try { landmarker?.close(); } catch { /* a landmarker that failed may not close either */ }
    }
  }
  throw new TabFailure("graph", firstLine(last));
}
