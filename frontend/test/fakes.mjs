// Stand-ins for what the browser gives the tab's hand finding (src/handmodels.js, src/finders.js): tasks-vision's
// HandLandmarker, localStorage, a page with WebGL, the server's model files, and a Worker running handworker.js.
import assert from "node:assert/strict";

import { MODELS } from "../src/pace.js";
import { HandEngine, answer } from "../src/handengine.js";

export class FakeStorage {
  constructor() { this.items = {}; }
  getItem(key) { return key in this.items ? this.items[key] : null; }
  setItem(key, value) { this.items[key] = String(value); }
  removeItem(key) { delete this.items[key]; }
}

// tasks-vision's HandLandmarker, as much of it as handmodels.js and landmarker.js use
export class FakeLandmarker {
  static made = [];
  static async createFromOptions(fileset, options) {
    const made = new FakeLandmarker(options);
    FakeLandmarker.made.push(made);
    return made;
  }
  constructor(options) { Object.assign(this, { options, closed: false, frames: 0 }); }
  detectForVideo() { this.frames += 1; return { landmarks: [] }; }
  detect() { this.frames += 1; return { landmarks: [] }; }
  async setOptions(options) { Object.assign(this.options, options); }
  close() { this.closed = true; }
}

// A page with a WebGL canvas, a server that answers each model's name with its bytes (or 404), and storage.
export function fakeBrowser(missing = []) {
  const canvas = () => ({ getContext: (kind) => (kind === "2d" ? { fillRect() {} } : {}) });
  globalThis.document = { createElement: canvas };
  globalThis.localStorage = new FakeStorage();
  globalThis.fetch = async (url) => {
    const name = url.split("/").pop();
    const known = Object.values(MODELS).includes(name) && !missing.includes(name);
    return { ok: known, status: known ? 200 : 404, arrayBuffer: async () => new TextEncoder().encode(name).buffer };
  };
  FakeLandmarker.made = [];
}

export const modelOf = (landmarker) => new TextDecoder().decode(landmarker.options.baseOptions.modelAssetBuffer);
export const waitFor = async (check) => {
  for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  assert.ok(check());
};

// A Worker running handworker.js's engine on FakeLandmarker, its messages answered as handworker.js answers them.
export class FakeWorker {
  static made = [];
  constructor(url) {
    const canvases = () => [() => undefined], blank = () => ({ width: 64, height: 48 });
    Object.assign(this, { url, terminated: false, calls: [], engine: new HandEngine(FakeLandmarker, canvases, blank, "worker") });
    FakeWorker.made.push(this);
  }

  postMessage(data) {
    this.calls.push(data.call);
    setTimeout(async () => {
      const reply = await answer(this.engine, data);
      if (reply && !this.terminated) this.onmessage({ data: reply });
    });
  }

  terminate() {
    this.terminated = true;
  }
}

// A browser where the tab may make workers (and OffscreenCanvas, which they need for WebGL).
export function withWorkers() {
  const OffscreenCanvas = class { getContext(kind) { return kind === "2d" ? { fillRect() {} } : {}; } };
  Object.assign(globalThis, { Worker: FakeWorker, OffscreenCanvas });
  FakeWorker.made = [];
}
