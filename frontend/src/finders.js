// Where the tab finds hands (issue 55): in its hand worker (handworker.js) where the browser can run MediaPipe
// there, else on the page (handengine.js's HandEngine itself). WorkerFinder has the engine's calls, each a message
// to the worker and its answer; a frame's pixels go over as ImageData, handed over rather than copied.

import { TAB_FAILURES, TabFailure, firstLine, hasOffscreenWebgl } from "./landmarker.js";
import { showedElsewhere, shownSoFar } from "./quiet.js";

// A worker whose model has not opened by then is given up, and the tab opens the page's (a worker that never answers,
// its script stuck or its WASM never compiling, left the tab saying "Loading the hand model" for ever).
export const WORKER_OPEN_MS = 20_000;

export class WorkerFinder {
  // A worker needs an OffscreenCanvas with WebGL for MediaPipe, asked of the page's thread (WebKitGTK has
  // OffscreenCanvas without WebGL: its page then finds the hands without first starting a worker that cannot).
  static possible() {
    return typeof Worker === "function" && hasOffscreenWebgl();
  }

  constructor(url) {
    Object.assign(this, { where: "worker", switches: 0, closing: false, next: 1, waiting: new Map(), broken: null });
    this.worker = new Worker(url);
    // MediaPipe's warnings: those the tab has shown go to the worker, those the worker shows come back (quiet.js)
    this.worker.onmessage = ({ data }) => (data && "shown" in data ? showedElsewhere(data.shown) : this.answer(data || {}));
    this.worker.postMessage({ known: shownSoFar() });
    // a worker that could not load or died (out of memory): every call, waiting or to come, fails as a graph would
    this.worker.onerror = (event) => {
      event.preventDefault();
      this.fail(new TabFailure("graph", firstLine(event.message || "the hand worker stopped")));
    };
  }

  call(call, args, transfer = []) {
    if (this.broken) return Promise.reject(this.broken);
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ id, call, args }, transfer);
    });
  }

  // a call that fails the worker as a stopped graph when it is not answered within `ms`
  async within(ms, promise, what) {
    let timer;
    const late = new Promise((_, reject) => {
      const failure = new TabFailure("graph", `the hand worker did not ${what} in ${ms / 1000} s`);
      timer = setTimeout(() => reject(failure), ms);
    });
    try {
      return await Promise.race([promise, late]);
    } catch (error) {
      this.fail(error);
      throw error;
    } finally {
      clearTimeout(timer);
    }
  }

  answer({ id, result, failure }) {
    const waiter = this.waiting.get(id);
    if (!waiter) return;
    this.waiting.delete(id);
    if (this.closing && !this.waiting.size) this.close();
    if (failure) waiter.reject(new TabFailure(Object.hasOwn(TAB_FAILURES, failure.code) ? failure.code : "graph", failure.detail));
    else waiter.resolve(result);
  }

  fail(error) {
    this.broken = error;
    for (const waiter of this.waiting.values()) waiter.reject(error);
    this.waiting.clear();
  }

  // the runtime's files fetched ahead by the worker (handworker.js), and the model's file where `modelUrl` names it:
  // no answer
  prepare(fileset, modelUrl) {
    this.worker.postMessage({ prepare: fileset, model: modelUrl });
  }

  // `model`: the model file's address, which the worker fetches (once) itself, or its bytes, copied over
  open(fileset, model, numHands, ms = WORKER_OPEN_MS) {
    return this.within(ms, this.call("open", [fileset, model, numHands]), "open its hand model");
  }

  swap(model) {
    return this.call("swap", [model]);
  }

  makeScout(model) {
    return this.call("makeScout", [model]);
  }

  // `frame`: the camera's frame on a canvas (frames.js's frameCanvas), free to change once this returns. Its pixels
  // go over as ImageData: the worker took 37 ms a frame on it against 50 on an ImageBitmap of the same canvas
  // (bench/speed/webcam.py --path browser, the full model), which its upload made into pixels again.
  async find(frame, wanted, now) {
    const pixels = frame.getContext("2d", { willReadFrequently: true }).getImageData(0, 0, frame.width, frame.height);
    const { hands, switches, ms } = await this.call("find", [pixels, wanted, now], [pixels.data.buffer]);
    Object.assign(this, { switches, workerMs: ms });
    return hands;
  }

  // `video`: the playing camera video. Its current frame goes over as a WebCodecs VideoFrame, handed over with no copy,
  // and the worker makes it into pixels (frames.js's videoFramePixels): the page's thread neither converts the frame
  // nor reads it back (drawImage and getImageData were a fifth of the Scratch editor's page thread). Where the
  // browser has no VideoFrame (Safari before 16.4), `find` on a canvas.
  async findVideo(video, wanted, now) {
    const frame = new VideoFrame(video, { timestamp: Math.round(now * 1000) });
    const { hands, switches, ms } = await this.call("find", [frame, wanted, now], [frame]);
    Object.assign(this, { switches, workerMs: ms });
    return hands;
  }

  static takesVideoFrames() {
    return typeof VideoFrame === "function";
  }

  // once the frames it is working on are answered (the tab goes on with them)
  closeWhenDone() {
    this.closing = true;
    if (!this.waiting.size) this.close();
  }

  close() {
    this.fail(new TabFailure("graph", "the hand worker was closed"));
    this.worker.terminate();
  }
}
