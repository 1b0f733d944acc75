// The browser path's component (issue 46): camera → HandLandmarker (VIDEO mode) → mirrored preview with
// skeleton and label → onnxruntime-web on the project's ONNX. Sends the server events, never frames:
// a Record take at its end, each hand's answer when its label changes (its numbers a few times a second), and its
// own status.

import "./quiet.js"; // first: MediaPipe's wasm binds console.error as it loads

import { FilesetResolver, HandLandmarker } from "@mediapipe/tasks-vision";
import { readMetadata } from "../../examples/onnx_metadata.mjs";
import { connect } from "./protocol.js";
import { runFrames } from "./frameloop.js";
import { landmarkTensorData } from "./hands.js";
import { Smoother, decide, distanceRows, rows } from "./decide.js";
import { TakeRecorder } from "./take.js";
import { answerText, cameraProblem, cardNumbers, labelEvent, labelsKey, numbersMoved, shownOn } from "./events.js";
import { Outbox } from "./outbox.js";
import { KeypointSmoother } from "./smoothing.js";
import { drawFrame } from "./draw.js";
import { frameCanvas } from "./frames.js";
import { TabFailure, firstLine, wasmFileset } from "./landmarker.js";
import { HandModels } from "./handmodels.js";
import { startingModel } from "./pace.js";
import { HandLeaving, sayOnPage } from "./announce.js";

const ort = window.ort; // index.html loads onnxruntime-web before this bundle (build.mjs says why)
const ASSETS = new URL("./", window.location.href).href; // served by Streamlit from the component's folder
ort.env.wasm.wasmPaths = ASSETS; // read once, when the first gesture model starts onnxruntime-web
ort.env.wasm.numThreads = 1; // no SharedArrayBuffer in Streamlit's iframe; one thread is enough for an MLP
ort.env.wasm.proxy = typeof Worker !== "undefined"; // its own worker: its start took 1.8 s of a slowed tab's thread
const LABEL_EVENT_GAP_MS = 100; // at most 10 label events a second leave the tab (the server throttles too)
// A hand whose label stays sends its numbers again when they moved (events.js's numbersMoved), at most this often:
// each event reruns the page's Live part on the server, 9-18 ms of its CPU; bench/speed/webcam.py --path browser measures
// the cost a user (at most 1% of a core): 500 ms and 3 points cost 2.6% (1.3 events a second), 1 s and 5 points
// 1.6% (0.7 a second), 2 s 1.05-1.10% (0.4-0.5 a second, at this cap), all on a machine at load 12-17
const NUMBER_EVENT_GAP_MS = 2500;
const NO_PICTURE_MS = 5000; // a real camera's first frame comes within a second of play(); a slowed tab's too
const tab = Math.random().toString(36).slice(2); // this iframe's id: its event numbers start again at 1

const canvas = document.getElementById("view"), ctx = canvas.getContext("2d");
const note = document.getElementById("note");
const retry = document.getElementById("retry");
const video = Object.assign(document.createElement("video"), { muted: true, playsInline: true, autoplay: true });

const state = {
  args: {}, finder: null, session: null, meta: null, modelVersion: null, loading: null,
  smoother: new Smoother(), lastKey: null, lastNumbers: null, lastEventAt: 0, labelChanges: 0, shown: [],
  fps: 0, frameTimes: [], started: false, scout: false, steady: null, steadyKey: null,
};
// The browser tests read the last `keep` frames' results; bench/speed/webcam.py --path browser reads `timing`:
// frames handled, events sent, when the first label was drawn (epoch ms), the last 300 labelled frames'
// lag from the camera's capture of the frame (requestVideoFrameCallback's captureTime) to its label drawn, and
// the ms spent so far on finding hands, classifying and drawing; and the start's performance marks ("ht:…").
const timing = { frames: 0, labelled: 0, events: 0, firstLabelAt: null, lags: [], phases: { hands: 0, classify: 0, draw: 0 } };
window.handteach = { frames: [], keep: 0, state, timing, answerText, video }; // answerText, video: for the tests

const streamlit = connect(onRender);
const outbox = new Outbox((value) => { timing.events += 1; streamlit.setValue(value); }, tab);
window.handteach.outbox = outbox; // the browser tests wait for outbox.idle(): the server has read every event
const send = (value) => outbox.send(value, performance.now(), { must: value.kind !== "labels" });
const takes = new TakeRecorder(video, send, sayOnPage); // Record's takes, and Live's Teach it here
const leaving = new HandLeaving(sayOnPage); // on Record: Live's card says "No hand in view" itself

function say(text) {
  note.textContent = text;
  note.hidden = !text;
  streamlit.setHeight(document.body.scrollHeight);
}

function onRender(args) {
  state.args = args;
  outbox.acknowledge(args.ack, performance.now());
  if (unshown(args.ack, args.shown)) state.lastNumbers = null; // goes again with the next frame, paced
  if (args.debug_frames) window.handteach.keep = args.debug_frames; // the browser tests may also set it
  if (!state.started) {
    state.started = true;
    start().catch(reportFailure);
  }
  if (args.model && args.model_version !== state.modelVersion && args.model_version !== state.loading) {
    loadModel(args.model, args.model_version);
  }
  if (!args.model_version) Object.assign(state, { session: null, meta: null, modelVersion: null });
  takes.begin(args.take, performance.now());
  streamlit.setHeight(document.body.scrollHeight);
}

// Live's "Hands to follow", 1 to 4
const wantedHands = () => Math.max(1, Math.min(4, Number(state.args.num_hands) || 2));

let models = null; // the tab's HandLandmarkers (handmodels.js), from the first start on
let opening = null; // their first opening, started once: a retry after a refused camera waits for the same one

// The hand model opens while the camera does (its runtime, its file and its graph): on a tab slowed 4x the camera
// then the hand model took 3.2 and 2.0 s one after the other.
function openHandModel(model) {
  if (!opening) {
    opening = FilesetResolver.isSimdSupported().then((simd) => models.open(wasmFileset(ASSETS, simd), model, wantedHands()));
    opening.catch(() => {}); // said once the camera runs (a refused camera is said first)
  }
  return opening;
}

// ... and from the moment this script runs, not from the page's first render: the frame's handshake with the page
// and Streamlit's arguments come after it. The number of hands is the default until then (find() sets the wanted).
models = new HandModels(state, HandLandmarker, ASSETS);
openHandModel(startingModel());

async function start() {
  say("Opening the camera…");
  models = models || new HandModels(state, HandLandmarker, ASSETS);
  const started = performance.now();
  const handModelOpen = openHandModel(startingModel());
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) {
    return reportCamera({ name: "SecurityError" });
  }
  try {
    video.srcObject = await navigator.mediaDevices.getUserMedia({ video: { width: 640, height: 480 }, audio: false });
  } catch (error) {
    return reportCamera(error);
  }
  await video.play();
  performance.mark("ht:camera");
  // a camera that plays but sends 0×0 frames (a broken driver, a virtual camera with nothing behind it) is said,
  // not left as a black box: the frame loop skips such frames and would wait for ever
  setTimeout(() => {
    if (video.videoWidth && video.videoHeight) return;
    for (const track of video.srcObject ? video.srcObject.getTracks() : []) track.stop(); // free for another try
    reportCamera({ name: "NoPicture" });
  }, NO_PICTURE_MS);
  if (!state.finder) say("Loading the hand model…");
  await handModelOpen;
  performance.mark("ht:landmarker");
  say("");
  send({ kind: "status", state: "ready", ready_ms: Math.round(performance.now() - started) });
  loop(); // the scout follows once the tab's pace is known (handmodels.js)
}

// Why the tab cannot go on, in one line on the video and to the page, which moves this student to the server
// path for the TabFailure codes (ui/browser/path.py); anything else is "failed", in the error's first line.
function reportFailure(error) {
  const failure = error instanceof TabFailure ? error : null;
  const message = failure ? failure.message : `The browser path stopped: ${firstLine(error)}`;
  // the server path opens the camera next: a tab that cannot find hands lets go of it (and of its light) at once
  for (const track of video.srcObject ? video.srcObject.getTracks() : []) track.stop();
  say(message);
  send({ kind: "status", state: "error", problem: failure ? failure.code : "failed", message,
    detail: failure ? failure.detail : firstLine(error) });
}

// A camera the browser refused, lacks or another program holds: said in one line, with a button that asks
// again once the person has allowed it or closed the other program (no reload, the page keeps its place).
function reportCamera(error) {
  const problem = cameraProblem(error);
  say(problem.message);
  retry.hidden = false;
  send({ kind: "status", state: "error", problem: problem.code, message: problem.message });
}

retry.addEventListener("click", () => {
  retry.hidden = true;
  start().catch(reportFailure);
});

// onnxruntime-web's runtime (its proxy worker and its WASM) starts as this script loads, on a model of one Identity
// node (80 bytes): the gesture model comes with the page's first render, and its session then finds the runtime up
// (on cold tabs the gesture model had been the last thing ready, 0.4-2.2 s after the hand model: bench/speed/first_card.py)
const RUNTIME_START = "CAcSCWhhbmR0ZWFjaDo7ChAKAXgSAXkiCElkZW50aXR5EgVzdGFydFoPCgF4EgoKCAgBEgQKAggBYg8KAXkSCgoICAESBAoCCAFCBAoAEA0=";
const runtimeStarted = ort.InferenceSession.create(Uint8Array.from(atob(RUNTIME_START), (c) => c.charCodeAt(0)),
  { executionProviders: ["wasm"] }).then((session) => session.release()).catch(() => {}); // said by loadModel's own

async function loadModel(bytes, version) {
  state.loading = version;
  try {
    await runtimeStarted;
    const buffer = bytes.buffer ? bytes.slice().buffer : bytes; // args carry bytes as a Uint8Array
    const meta = Object.fromEntries(Object.entries(readMetadata(buffer)).map(([k, v]) => [k, JSON.parse(v)]));
    const session = await ort.InferenceSession.create(buffer, { executionProviders: ["wasm"] });
    if (state.loading !== version) return; // a newer model arrived meanwhile
    Object.assign(state, { session, meta, modelVersion: version, lastKey: null }); // the new model's answers go out
    performance.mark("ht:gesture-model");
    state.smoother.reset();
    send({ kind: "model", version });
  } catch (error) {
    say(`The gesture model did not load: ${error.message}`);
    send({ kind: "status", state: "error", problem: "model", message: String(error.message || error) });
  } finally {
    if (state.loading === version) state.loading = null;
  }
}

// The frames' loop (frameloop.js): two frames at once where the hand worker finds the hands, not during a take (its
// crops are cut from the video as its frame is labelled).
let looping = false; // one frame loop however often the camera is tried again
const inFlight = () => (state.finder && state.finder.where === "worker" && !takes.current ? 2 : 1);

function loop() {
  if (looping) return;
  looping = true;
  runFrames(video, frame, {
    inFlight,
    failed: (error) => {
      reportFailure(new TabFailure("graph", firstLine(error)));
      return true;
    },
  });
}

// `slot`: which of two frame canvases holds this frame (frames.js), so that the frame worked on beside it keeps its own
async function frame(metadata, slot) {
  const now = performance.now();
  outbox.tick(now);
  const width = video.videoWidth, height = video.videoHeight;
  if (!width || !height) return;
  const wanted = wantedHands();
  const t0 = performance.now();
  const input = frameCanvas(video, width, height, slot, state.finder.where === "worker");
  state.inputSize = [input.width, input.height]; // the browser tests read it
  // the follower's boxes are in the input's pixels (its mask paints over them); its rules are in shares of the frame
  const asked = performance.now();
  const found = await state.finder.find(input, wanted, now);
  const waited = performance.now() - asked; // for the worker, and for the frame before it there
  if (state.finder.workerMs !== undefined) timing.phases.in_worker = (timing.phases.in_worker || 0) + state.finder.workerMs;
  const hands = steadied(found, width, height, now);
  const t1 = performance.now();
  const decisions = state.args.mode === "live" ? await classify(hands, width, height) : [];
  const t2 = performance.now();
  if (state.args.mode === "live" && state.session) maybeSendLabels(hands, decisions, width, height, now);
  draw(input, hands, state.args.mode === "live" ? shownOn(hands, state.shown) : [], input.width, input.height);
  const t3 = performance.now();
  Object.assign(timing.phases, { hands: timing.phases.hands + t1 - t0, classify: timing.phases.classify + t2 - t1,
    draw: timing.phases.draw + t3 - t2 });
  // the tab's pace: a frame's work on the page; with the worker, the longer of the page's own part of the frame and
  // the worker's, as two frames overlap (the time between frames counted the wait behind the other frame, and
  // under a second browser's load turned a keeping-up tab lite)
  const worker = state.finder.workerMs;
  models.measure(worker === undefined ? t3 - now : Math.max(t3 - now - waited, worker));
  stamp(decisions, metadata);
  if (takes.current) takes.capture(hands, width, height, now);
  if (state.args.mode !== "live") leaving.update(hands.length, now);
  countFps(now);
  keepForTests(hands, decisions, now);
}

// The keypoints through the server's One Euro filter (smoothing.js) while the page asks for it (`steady`, the
// filter's settings), a fresh filter whenever they change; as the hand model gives them otherwise.
function steadied(hands, width, height, now) {
  const config = state.args.steady;
  if (!config) return hands;
  const key = JSON.stringify(config);
  if (key !== state.steadyKey) [state.steady, state.steadyKey] = [new KeypointSmoother(config), key];
  return state.steady.update(hands, width, height, now / 1000);
}

async function classify(hands, width, height) {
  const { session, meta, modelVersion } = state; // a model that loads meanwhile answers from the next frame on
  if (!session) return [];
  if (!hands.length) {
    state.smoother.update([], [], null);
    return [];
  }
  const feeds = {
    landmarks: new ort.Tensor("float32", landmarkTensorData(hands), [hands.length, 21, 3]),
    image_size: new ort.Tensor("float32", Float32Array.of(width, height), [2]),
  };
  const out = await session.run(feeds);
  const classes = meta.classes.length;
  const probabilities = rows(out.probabilities.data, hands.length, classes);
  const { distance, starter_distance: starter, other_distance: other } = out;
  const distances = distanceRows(distance && distance.data, starter && starter.data, other && other.data, hands.length, classes);
  const tolerance = Number(state.args.tolerance) || 1.0;
  const threshold = state.args.threshold == null ? meta.threshold : Number(state.args.threshold);
  const smoothed = state.smoother.update(hands, probabilities, distances);
  return smoothed.map((row, h) => ({
    ...decide(row.probabilities, row.distances, meta, tolerance, threshold),
    // each frame's own answer, read only by the tests (keepForTests): not decided on every frame otherwise
    raw: window.handteach.keep ? decide(probabilities[h], distances ? distances[h] : null, meta, tolerance, threshold) : null,
    model: modelVersion,
  }));
}

// The server says which label event its card shows (`shown`: {tab, seq} of the last one it showed). An event it
// read (`ack`) but did not show (refused, or paced away by its EventGate) is sent again, so that the card never
// keeps an answer the video no longer draws.
function unshown(ack, shown) {
  const sent = outbox.lastLabelSeq;
  if (!sent || !ack || ack.tab !== tab || ack.seq < sent) return false;
  return !shown || shown.tab !== tab || shown.seq < sent;
}

// A change of label goes out at once (10 a second at most); numbers that moved, every NUMBER_EVENT_GAP_MS at most,
// so that the card's confidence follows the hand without a rerun a frame.
function maybeSendLabels(hands, decisions, width, height, now) {
  const key = labelsKey(hands, decisions), numbers = cardNumbers(hands, decisions), gap = now - state.lastEventAt;
  const due = key !== state.lastKey ? gap >= LABEL_EVENT_GAP_MS
    : gap >= NUMBER_EVENT_GAP_MS && numbersMoved(state.lastNumbers, numbers);
  if (!due) return;
  if (key !== state.lastKey) state.labelChanges += 1; // the browser tests tell a new label from new numbers
  state.lastKey = key;
  state.lastNumbers = numbers;
  state.lastEventAt = now;
  state.shown = hands.map((hand, h) => ({ handedness: hand.handedness, decision: decisions[h] }));
  send(labelEvent(hands, decisions, state.meta, state.modelVersion, state.fps, [width, height]));
}

function draw(input, hands, decisions, width, height) {
  if (canvas.width !== width || canvas.height !== height) Object.assign(canvas, { width, height });
  drawFrame(ctx, input, hands, decisions, state.meta, takes.current, width, height);
}

function countFps(now) {
  state.frameTimes.push(now);
  while (state.frameTimes.length && now - state.frameTimes[0] > 2000) state.frameTimes.shift();
  const span = (now - state.frameTimes[0]) / 1000;
  state.fps = span > 0 ? (state.frameTimes.length - 1) / span : 0;
}

function stamp(decisions, metadata) {
  timing.frames += 1;
  if (!decisions.length) return;
  timing.labelled += 1;
  const drawn = performance.now();
  if (timing.firstLabelAt === null) { timing.firstLabelAt = performance.timeOrigin + drawn; performance.mark("ht:first-label"); }
  const captured = metadata && (metadata.captureTime || metadata.presentationTime); // the camera's frame
  if (captured) timing.lags.push(drawn - captured);
  if (timing.lags.length > 300) timing.lags.shift();
}

function keepForTests(hands, decisions, now) {
  const keep = window.handteach.keep;
  if (!keep) return;
  const frames = window.handteach.frames;
  frames.push({ t: now, hands, labels: decisions.map((d) => d.raw.label), smoothed: decisions.map((d) => d.label),
    models: decisions.map((d) => d.model) });
  if (frames.length > keep) frames.splice(0, frames.length - keep);
}
