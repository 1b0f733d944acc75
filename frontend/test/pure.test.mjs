// The component's pure parts, under node's own test runner (`node --test frontend/test/`).
import assert from "node:assert/strict";
import { test } from "node:test";

import { componentReady, componentValue, frameHeight, renderArgs } from "../src/protocol.js";
import { mirrorX, pixelPoints, storeHand } from "../src/hands.js";
import { Smoother, UNKNOWN, decide, distanceRows } from "../src/decide.js";
import { cropBox, maxFrames, takeHand, takeMessage } from "../src/take.js";
import { answerText, cameraProblem, cardNumbers, labelEvent, labelsKey, numbersMoved, shownOn } from "../src/events.js";
import { labelPlace } from "../src/draw.js";
import { glogBody, isInfoLine, quieten } from "../src/quiet.js";
import { MAX_INPUT_SIDE, inputSize } from "../src/frames.js";

const points = (x0, y0) => Array.from({ length: 21 }, (_, j) => ({ x: x0 + 0.01 * (j % 5), y: y0 + 0.02 * Math.floor(j / 5), z: -0.01 * j }));

test("Streamlit messages carry isStreamlitMessage and the shapes streamlit 1.60 reads", () => {
  assert.deepEqual(componentReady(), { isStreamlitMessage: true, type: "streamlit:componentReady", apiVersion: 1 });
  assert.deepEqual(componentValue({ a: 1 }), { isStreamlitMessage: true, type: "streamlit:setComponentValue", value: { a: 1 }, dataType: "json" });
  assert.deepEqual(frameHeight(480.2), { isStreamlitMessage: true, type: "streamlit:setFrameHeight", height: 481 });
  assert.deepEqual(renderArgs({ type: "streamlit:render", args: { mode: "live" }, dfs: [] }), { mode: "live" });
  assert.equal(renderArgs({ type: "something else" }), null);
});

test("a hand keeps the unmirrored points and the Tasks API's handedness; only drawing mirrors", () => {
  const hand = storeHand(points(0.2, 0.3), points(0, 0), [{ categoryName: "Left", score: 0.9 }]);
  assert.equal(hand.handedness, "Left");
  assert.equal(hand.score, 0.9);
  assert.deepEqual(hand.normalised[0], [0.2, 0.3, -0]);
  const [x, y] = pixelPoints(hand, 640, 480)[0];
  assert.ok(Math.abs(x - 128) < 1e-9 && Math.abs(y - 144) < 1e-9);
  assert.equal(mirrorX(x, 640), 512);
  assert.equal(storeHand(points(0, 0), null, []).handedness, "Unknown");
});

const meta = { classes: ["fist", "palm", "like"], threshold: 0.6, familiarity: { radius: 0.3, rows: 90, starter_rows: 40, none_rows: 20 } };
const far = Infinity;
// 2C + 1 radii: own example per class, own-or-starter per class (inf: no starter hands), the nearest hand of no class
const row = (own, starter, other) => [...own, ...starter, other];

test("the unknown rule is familiarity.answer: the nearest own example within the radius, nearer its starter hands than no class, or alone", () => {
  assert.equal(decide([0.1, 0.8, 0.1], row([2, 0.9, 2], [far, far, far], far), meta).label, "palm"); // 0.9 radii
  assert.equal(decide([0.1, 0.8, 0.1], row([2, 1.1, 2], [far, far, far], far), meta).label, UNKNOWN); // too far
  assert.equal(decide([0.1, 0.8, 0.1], row([2, 1.1, 2], [far, far, far], far), meta, 1.5).label, "palm"); // tolerance 1.5
  // fist has starter hands: nearer to them (or own) than to every hand of no class, however far both are
  assert.equal(decide([0.95, 0.03, 0.02], row([3, 3, 3], [2.5, far, far], 2.8), meta).label, "fist");
  assert.equal(decide([0.95, 0.03, 0.02], row([3, 3, 3], [2.5, far, far], 2.4), meta).label, UNKNOWN); // no class nearer
  assert.equal(decide([0.95, 0.03, 0.02], row([3, 3, 3], [2.5, far, far], 2.4), meta).likeUntaught, true); // the card says so
  assert.equal(decide([0.1, 0.8, 0.1], row([2, 1.1, 2], [far, far, far], far), meta).likeUntaught, false); // just far
  assert.equal(decide([0.95, 0.03, 0.02], row([3, 3, 3], [far, far, far], far), meta).label, UNKNOWN); // inf < inf: no
  assert.equal(decide([0.1, 0.2, 0.7], row([3, 3, far], [far, far, far], far), meta).label, "like"); // no own example
  assert.equal(decide([0.1, 0.4, 0.5], row([3, 3, far], [far, far, far], far), meta).label, UNKNOWN); // under threshold
  // within the radius of another class's own examples: that class, whatever the network's top (Familiarity.answer)
  const own = decide([0.1, 0.7, 0.2], row([0.6, 1.4, 2], [far, far, far], far), meta);
  assert.deepEqual([own.label, own.index, own.known, own.distance], ["fist", 0, true, 0.6]);
  assert.ok(Math.abs(own.score - 0.1) < 1e-9); // the answered class's probability
  assert.equal(decide([0.1, 0.7, 0.2], row([0.9, 0.5, 2], [far, far, far], far), meta).label, "palm"); // the nearest
  assert.equal(decide([0.1, 0.7, 0.2], row([0.6, 0.6, 2], [far, far, far], far), meta).label, "fist"); // tie: the first
  assert.equal(decide([0.1, 0.7, 0.2], row([1.2, 1.4, 2], [far, far, far], far), meta, 1.25).label, "fist"); // tolerance
  // within the radius of palm's own examples, but a hand of no class nearer still: not the person's palm, a starter
  // gesture (its starter hands 1.5 radii away); a gesture of their own keeps its examples' answer
  const untaught = decide([0.1, 0.8, 0.1], row([2, 0.97, 2], [far, 1.5, far], 0.31), meta);
  assert.deepEqual([untaught.label, untaught.likeUntaught, untaught.untaughtDistance], [UNKNOWN, true, 0.31]);
  assert.equal(decide([0.1, 0.8, 0.1], row([2, 0.97, 2], [far, far, far], 0.31), meta).label, "palm");
  // a sign of no class only a little nearer (0.76 against 0.94 radii) leaves the starter gesture its examples' answer
  assert.equal(decide([0.1, 0.8, 0.1], row([2, 0.94, 2], [far, 1.5, far], 0.76), meta).label, "palm");
  assert.equal(decide([0.1, 0.8, 0.1], row([2, 0.3, 2], [far, far, far], 0.31), meta).untaughtDistance, 0.31);
  assert.equal(decide([0.1, 0.8, 0.1], row([2, 0.3, 2], [far, far, far], 0.6), meta, 2).untaughtDistance, 0.3);
  assert.equal(decide([0.1, 0.8, 0.1], row([2, 0.3, 2], [far, far, far], far), meta).untaughtDistance, null);
  const plain = { ...meta, familiarity: null };
  assert.equal(decide([0.1, 0.2, 0.7], null, plain).label, "like");
  assert.equal(decide([0.1, 0.2, 0.7], null, plain, 1, 0.8).label, UNKNOWN); // the page's threshold
});

test("the graph's three distance outputs become one 2C + 1 row per hand", () => {
  const own = Float32Array.of(1, 2, 3, 4, 5, 6), starter = Float32Array.of(7, far, 9, 10, far, 12), other = Float32Array.of(13, 14);
  assert.deepEqual(distanceRows(own, starter, other, 2, 3), [[1, 2, 3, 7, far, 9, 13], [4, 5, 6, 10, far, 12, 14]]);
  assert.equal(distanceRows(null, null, null, 2, 3), null);
});

test("smoothing averages each hand's last 5 frames and follows hands by place", () => {
  const smoother = new Smoother();
  const left = storeHand(points(0.1, 0.3), null, [{ categoryName: "Left", score: 1 }]);
  const right = storeHand(points(0.7, 0.3), null, [{ categoryName: "Right", score: 1 }]);
  for (let i = 0; i < 5; i++) smoother.update([left, right], [[1, 0], [0, 1]], null);
  const [a, b] = smoother.update([right, left], [[1, 0], [0, 1]], null); // order swapped: tracks follow the hands
  assert.deepEqual(a.probabilities, [0.2, 0.8]);
  assert.deepEqual(b.probabilities, [0.8, 0.2]);
  smoother.update([], [], null);
  smoother.update([], [], null);
  smoother.update([], [], null); // three frames without hands: forgotten
  assert.deepEqual(smoother.update([left], [[0, 1]], null)[0].probabilities, [0, 1]);
});

test("the crop box is core/io/crops.hand_crop_box's", () => {
  // hand_crop_box of a 100×50 px hand box at (100, 200) in a 640×480 frame: side 100 × 1.5, centred
  const box = cropBox([[100, 200], [200, 250]], 640, 480);
  assert.deepEqual(box, [75, 150, 225, 300]);
  const tiny = cropBox([[10, 10], [11, 11]], 1280, 720); // at least 1/50 of the larger frame side
  assert.ok(Math.abs(tiny[2] - tiny[0] - 25.6) < 1e-9);
});

test("a take's message holds the ticket's names and each frame's hands with crops", () => {
  const ticket = { take_id: "abc12345", project: "p", class_name: "fist", countdown: 3, duration: 3, rate: 5 };
  assert.equal(maxFrames(ticket), 16);
  const hand = storeHand(points(0.2, 0.3), points(0, 0), [{ categoryName: "Right", score: 0.9 }]);
  const message = takeMessage(ticket, [{ t: 3.1, hands: [takeHand(hand, "/9j/")] }], 640, 480);
  assert.deepEqual(Object.keys(message).sort(), ["class_name", "frame_size", "frames", "kind", "project", "take_id"]);
  assert.deepEqual(Object.keys(message.frames[0].hands[0]).sort(), ["crop", "handedness", "normalised", "score", "world"]);
});

test("camera failures say what happened and offer files", () => {
  assert.equal(cameraProblem({ name: "NotAllowedError" }).code, "denied");
  assert.equal(cameraProblem({ name: "NotFoundError" }).code, "absent");
  assert.equal(cameraProblem({ name: "NotReadableError" }).code, "busy");
  assert.equal(cameraProblem({ name: "NoPicture" }).code, "blank");
  assert.match(cameraProblem({ name: "NoPicture" }).message, /sends no picture/);
  assert.match(cameraProblem({ name: "Weird" }).message, /photo or video file/);
});

test("a Live event names each hand's label and carries its probabilities; its key changes only with the labels", () => {
  const hand = storeHand(points(0.2, 0.3), null, [{ categoryName: "Right", score: 0.9 }]);
  const decision = decide([0.1, 0.8, 0.1], row([2, 0.5, 2], [far, far, far], far), meta);
  const event = labelEvent([hand], [decision], meta, "v1", 24.44, [640, 480]);
  assert.equal(event.hands[0].label, "palm");
  assert.deepEqual(event.hands[0].probabilities, [0.1, 0.8, 0.1]); // one per class, as the server checks
  assert.equal(event.fps, 24.4);
  assert.equal(event.hands[0].untaught_distance, null); // no sign of no class kept
  const near = decide([0.1, 0.8, 0.1], row([2, 0.5, 2], [far, far, far], 0.8123456), meta);
  assert.equal(labelEvent([hand], [near], meta, "v1", 24.44, [640, 480]).hands[0].untaught_distance, 0.812);
  assert.equal(labelsKey([hand], [decision]), labelsKey([hand], [{ ...decision, score: 0.1 }]));
  assert.notEqual(labelsKey([hand], [decision]), labelsKey([], []));
});

test("the card's numbers go again when they moved while the label stays (issue 52: the card froze)", () => {
  const hand = storeHand(points(0.2, 0.3), null, [{ categoryName: "Right", score: 0.9 }]);
  const plain = { ...meta, familiarity: null };
  const sure = decide([0.05, 0.9, 0.05], null, plain), surer = decide([0.02, 0.96, 0.02], null, plain);
  assert.equal(labelsKey([hand], [sure]), labelsKey([hand], [surer]));
  assert.ok(numbersMoved(cardNumbers([hand], [sure]), cardNumbers([hand], [surer]))); // 90% → 96%
  const jitter = decide([0.03, 0.93, 0.04], null, plain); // a hand held still: no event for 3 points
  assert.ok(!numbersMoved(cardNumbers([hand], [sure]), cardNumbers([hand], [jitter])));
  const near = decide([0.34, 0.38, 0.28], row([2, 0.5, 2], [far, far, far], far), meta);
  const nearer = decide([0.34, 0.38, 0.28], row([2, 0.3, 2], [far, far, far], far), meta);
  assert.ok(numbersMoved(cardNumbers([hand], [near]), cardNumbers([hand], [nearer]))); // 0.5× → 0.3×
  const close = decide([0.34, 0.38, 0.28], row([2, 0.4, 2], [far, far, far], far), meta);
  assert.ok(!numbersMoved(cardNumbers([hand], [near]), cardNumbers([hand], [close]))); // 0.5× → 0.4×: jitter
  assert.ok(numbersMoved(null, cardNumbers([hand], [sure])));
  assert.ok(numbersMoved(cardNumbers([hand], [sure]), cardNumbers([], [])));
});

test("the drawn answer gives the number only where it decided", () => {
  const plain = { ...meta, familiarity: null };
  assert.equal(answerText(decide([0.05, 0.93, 0.02], null, plain)), "palm 93%"); // the confidence decided
  assert.equal(answerText(decide([0.2, 0.4, 0.4], null, plain)), UNKNOWN); // no "unknown 40%"
  // within the reach of the person's own examples: they decided, whatever the network's 38%
  assert.equal(answerText(decide([0.34, 0.38, 0.28], row([2, 0.5, 2], [far, far, far], far), meta)), "palm, like your examples");
  // beyond the examples' reach but nearer fist's (starter) hands than any sign not taught
  assert.equal(answerText(decide([0.95, 0.03, 0.02], row([3, 3, 3], [2.5, far, far], 2.8), meta)), "fist, closest sign");
  // a class without own examples decided by its confidence, as the server's make_prediction (no distance)
  const alone = decide([0.1, 0.2, 0.7], row([3, 3, far], [far, far, far], far), meta);
  assert.deepEqual([alone.distance, answerText(alone)], [null, "like 70%"]);
});

test("the drawn answer names the gesture as the pages show it, and the event keeps its stored name", () => {
  // the file's `shown` (core.gestures.catalog.shown_name): the video said "open_palm 93%" beside the card's "open palm"
  const named = { ...meta, familiarity: null, classes: ["fist", "open_palm", "my_wave"], shown: ["fist", "open palm", "my_wave"] };
  const palm = decide([0.05, 0.93, 0.02], null, named);
  const hand = storeHand(points(0.2, 0.3), points(0, 0), [{ categoryName: "Right", score: 0.9 }]);
  assert.equal(answerText(palm), "open palm 93%");
  assert.equal(labelEvent([hand], [palm], named, "1-abc", 30, [640, 480]).hands[0].label, "open_palm"); // the server checks it
  assert.equal(answerText(decide([0.02, 0.05, 0.93], null, named)), "my_wave 93%"); // a typed name, as typed
  assert.equal(answerText(decide([0.2, 0.4, 0.4], null, named)), UNKNOWN);
  const older = { ...named, shown: undefined }; // a model file from before `shown`: its stored names
  assert.equal(answerText(decide([0.05, 0.93, 0.02], null, older)), "open_palm 93%");
});

test("a label drawn near the frame's right edge stays whole", () => {
  const points = [[600, 200], [630, 260]];
  const [x, y] = labelPlace(180, points, 640, 480);
  assert.ok(x + 180 <= 640 - 4, `x ${x}`); // was drawn from x 600: "👍 thumbs_up 1"
  assert.equal(y, 190);
  assert.deepEqual(labelPlace(100, [[-20, 5]], 640, 480), [4, 24]); // nor off the left or top edge
});

test("MediaPipe's INFO lines are not errors; real errors stay", () => {
  assert.ok(isInfoLine("INFO: Created TensorFlow Lite XNNPACK delegate for CPU."));
  assert.ok(isInfoLine("I0000 00:00:1732660000.123456 1 gl_context.cc:357] GL version"));
  assert.ok(!isInfoLine("E0000 something failed"));
  assert.ok(!isInfoLine(new Error("INFO: not a line")));
});

test("a MediaPipe warning shows once per page, its repeats (the second hand model's) as debug lines", () => {
  const lines = [];
  const target = Object.fromEntries(["error", "warn", "info", "debug"].map((k) => [k, (...p) => lines.push([k, p[0]])]));
  quieten(target);
  target.warn("W1126 23:42:35.347000 1922656 inference_feedback_manager.cc:121] Feedback manager requires a model");
  target.warn("W1126 23:42:40.769000 1922656 inference_feedback_manager.cc:121] Feedback manager requires a model");
  target.error("INFO: Created TensorFlow Lite XNNPACK delegate for CPU.");
  target.warn("the app's own warning");
  target.warn("the app's own warning"); // not MediaPipe's: left as it is
  assert.deepEqual(lines.map(([k]) => k), ["warn", "debug", "info", "warn", "warn"]);
  assert.equal(glogBody("E0000 00:00:1.5 7 x.cc:1] bad"), "x.cc:1] bad");
});

test("a MediaPipe warning shown by the worker, or by a frame before, is not shown again by a new frame or worker", async () => {
  // each realm (the page's frame, a worker, a frame drawn again) has its own copy of quiet.js
  const realm = async (name) => import(`../src/quiet.js?realm=${name}`);
  const lines = [];
  const make = () => Object.fromEntries(["error", "warn", "info", "debug"].map((k) => [k, (...p) => lines.push([k, p[0]])]));
  const items = {};
  globalThis.sessionStorage = { getItem: (k) => items[k] ?? null, setItem: (k, v) => { items[k] = String(v); } };
  try {
    const [page, worker, pageAgain] = [await realm("page"), await realm("worker"), await realm("again")];
    const told = [];
    const [pageConsole, workerConsole, againConsole] = [make(), make(), make()];
    page.quieten(pageConsole);
    worker.quieten(workerConsole, (body) => told.push(body)); // handworker.js posts it to the page
    workerConsole.warn("W1127 21:00:00.1 7 landmark_projection_calculator.cc:189] Using NORM_RECT without IMAGE_DIMENSIONS");
    told.forEach(page.showedElsewhere); // finders.js, as the worker's message comes
    pageConsole.warn("W1127 21:00:09.2 1 landmark_projection_calculator.cc:189] Using NORM_RECT without IMAGE_DIMENSIONS");
    pageConsole.warn("W1127 21:00:09.3 1 other.cc:1] a warning the worker never showed");
    pageAgain.quieten(againConsole); // the component's frame drawn again: its own page, and a new worker told
    againConsole.warn("W1127 21:01:00.0 1 other.cc:1] a warning the worker never showed");
    const workerAgain = await realm("worker-again");
    workerAgain.quieten(make(), () => {});
    pageAgain.shownSoFar().forEach(workerAgain.showedElsewhere); // finders.js's first message to a new worker
    const workerAgainConsole = make();
    workerAgain.quieten(workerAgainConsole, () => {});
    workerAgainConsole.warn("W1127 21:01:01.0 7 landmark_projection_calculator.cc:189] Using NORM_RECT without IMAGE_DIMENSIONS");
    assert.deepEqual(lines.map(([k]) => k), ["warn", "debug", "warn", "debug", "debug"]);
  } finally {
    delete globalThis.sessionStorage;
  }
});

test("the video draws each hand's decision as last sent to the card, a new hand its skeleton only", () => {
  const sent = { label: "fist", score: 0.36 };
  const shown = [{ handedness: "Right", decision: sent }];
  const now = [{ handedness: "Right" }, { handedness: "Left" }];
  assert.deepEqual(shownOn(now, shown), [sent, null]);
  assert.deepEqual(shownOn([{ handedness: "Left" }], shown), [null]); // another hand in the first place
  assert.deepEqual(shownOn([], shown), []);
});

test("MediaPipe gets at most 640 px a side: a 4K frame is scaled down whole, a 640×480 one left as it is", () => {
  assert.equal(MAX_INPUT_SIDE, 640);
  assert.deepEqual(inputSize(640, 480), [640, 480]);
  assert.deepEqual(inputSize(320, 240), [320, 240]);
  assert.deepEqual(inputSize(3840, 2160), [640, 360]);
  assert.deepEqual(inputSize(2160, 3840), [360, 640]); // a portrait camera
  assert.deepEqual(inputSize(16384, 2), [640, 1]); // never 0 pixels
});
