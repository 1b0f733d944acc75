// The handteach blocks without a browser: menus as characters, the gesture a block names, stage coordinates.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HandteachBlocks, isGesture, menuItems } from "../src/extension.js";
import { NO_HAND, NO_PERSON, UNKNOWN, bodyAnswer, frameAnswer, stagePoint } from "../src/answers.js";
import { TURBOWARP_NAME, register } from "../src/turbowarp.js";
import { bodyTensorData, storeBodies } from "../src/bodydata.js";

const GESTURES = [
  { name: "thumbs_up", emoji: "👍", shown: "thumbs up" },
  { name: "<b>wave</b>", emoji: "", shown: "<b>wave</b>" },
];

test("menus list emoji and shown names, the value the stored name, markup as characters", () => {
  assert.deepEqual(menuItems(GESTURES), [
    { text: "👍 thumbs up", value: "thumbs_up" },
    { text: "<b>wave</b>", value: "<b>wave</b>" },
  ]);
  assert.deepEqual(menuItems([]), [{ text: "(no gestures yet)", value: "" }]);
});

test("a block's gesture matches by stored name, shown name or the menu's text; unknown and no hand by name", () => {
  const seen = { label: "thumbs_up", shown: "thumbs up" };
  assert.ok(isGesture(seen, "thumbs_up", GESTURES));
  assert.ok(isGesture(seen, "thumbs up", GESTURES));
  assert.ok(isGesture(seen, "👍 thumbs up", GESTURES));
  assert.ok(!isGesture(seen, "<b>wave</b>", GESTURES));
  assert.ok(!isGesture({ label: UNKNOWN, shown: UNKNOWN }, "thumbs_up", GESTURES));
  assert.ok(isGesture({ label: NO_HAND, shown: NO_HAND }, NO_HAND, GESTURES));
});

test("the index fingertip in stage coordinates, mirrored as the preview", () => {
  assert.deepEqual(stagePoint([0.5, 0.5]), [0, 0]);
  assert.deepEqual(stagePoint([0, 0]), [240, 180]); // the frame's left edge is the mirrored stage's right
  assert.deepEqual(stagePoint([1, 1]), [-240, -180]);
  assert.deepEqual(stagePoint([1.4, -0.2]), [-240, 180]); // off the frame: held at the stage's edge
});

test("a frame's answer: no hand, unknown, or the shown name with how sure", () => {
  assert.deepEqual(frameAnswer([], []), { label: NO_HAND, shown: NO_HAND, sure: 0, hands: 0, tip: null });
  const hand = { normalised: Array.from({ length: 21 }, () => [0.25, 0.75, 0]) };
  const known = { known: true, label: "thumbs_up", shown: "thumbs up", score: 0.876 };
  assert.deepEqual(frameAnswer([hand, hand], [known]), { label: "thumbs_up", shown: "thumbs up", sure: 88, hands: 2, tip: [120, -90] });
  assert.equal(frameAnswer([hand], [{ ...known, known: false }]).shown, UNKNOWN);
});

test("the blocks read the latest answer; the category says when the starter model runs", () => {
  const source = { latest: { label: "thumbs_up", shown: "thumbs up", sure: 91, hands: 1, tip: [12, -30] } };
  const blocks = new HandteachBlocks({}, source, { gestures: GESTURES, starter: true });
  const info = blocks.getInfo();
  assert.equal(info.id, "handteach");
  assert.equal(info.name, "Gestures (starter model)");
  assert.deepEqual(info.blocks.map((b) => b.opcode),
    ["whenShow", "gesture", "showing", "howSure", "handX", "handY", "handsSeen", "lookForHands", "cameraVideo", "showSkeleton"]);
  assert.equal(blocks.whenShow({ GESTURE: "thumbs_up" }), true);
  assert.equal(blocks.showing({ GESTURE: "<b>wave</b>" }), false);
  assert.equal(blocks.gesture(), "thumbs up");
  assert.deepEqual([blocks.howSure(), blocks.handX(), blocks.handY(), blocks.handsSeen()], [91, 12, -30, 1]);
  assert.equal(new HandteachBlocks({}, source, { gestures: GESTURES, starter: false }).getInfo().name, "Gestures");
});

test("a game asks the tab to look for two hands; anything else is one", () => {
  const asked = [];
  const blocks = new HandteachBlocks({}, { latest: frameAnswer([], []), lookFor: (n) => asked.push(n) }, { gestures: GESTURES });
  assert.deepEqual(blocks.getInfo().menus.handCounts.items, ["1", "2"]);
  for (const count of ["2", "1", 2, "3", "<b>2</b>"]) blocks.lookForHands({ COUNT: count });
  assert.deepEqual(asked, [2, 1, 2, 1, 1]);
  new HandteachBlocks({}, { latest: frameAnswer([], []) }, { gestures: GESTURES }).lookForHands({ COUNT: "2" }); // TurboWarp's: no tab
});

const POSES = [
  { name: "tree", emoji: "🌳", shown: "tree" },
  { name: "<i>star</i>", emoji: "", shown: "<i>star</i>" },
];

test("a body-pose project's blocks: its poses, the person's points by a menu, people seen", () => {
  const person = { normalised: Array.from({ length: 33 }, () => [0.5, 0.5, 0]) };
  person.normalised[0] = [0.25, 0.25, 0]; // the nose, on the frame's left: the mirrored stage's right
  person.normalised[15] = [0.75, 0.5, 0]; // the left wrist
  const latest = bodyAnswer([person], [{ known: true, label: "tree", shown: "tree", score: 0.9 }]);
  assert.deepEqual(latest.points, { nose: [120, 90], "left wrist": [-120, 0], "right wrist": [0, 0] });
  const blocks = new HandteachBlocks({}, { latest }, { gestures: POSES, starter: false, kind: "body" });
  const info = blocks.getInfo();
  assert.equal(info.name, "Poses");
  assert.deepEqual(info.blocks.map((b) => b.text), ["when I show [GESTURE]", "pose", "showing [GESTURE]?", "how sure",
    "x of [POINT]", "y of [POINT]", "people seen", "turn camera video [STATE]", "show skeleton [STATE]"]);
  assert.deepEqual(info.menus.bodyPoints.items, ["nose", "left wrist", "right wrist"]);
  assert.deepEqual(blocks.gestureMenu(), [{ text: "🌳 tree", value: "tree" }, { text: "<i>star</i>", value: "<i>star</i>" }]);
  assert.deepEqual(new HandteachBlocks({}, { latest }, { gestures: [], kind: "body" }).gestureMenu(),
    [{ text: "(no poses yet)", value: "" }]);
  assert.equal(blocks.whenShow({ GESTURE: "tree" }), true);
  assert.equal(blocks.showing({ GESTURE: "<i>star</i>" }), false);
  assert.deepEqual([blocks.pointX({ POINT: "nose" }), blocks.pointY({ POINT: "nose" })], [120, 90]);
  assert.deepEqual([blocks.pointX({ POINT: "left wrist" }), blocks.pointX({ POINT: "elbow" })], [-120, 0]);
  assert.equal(blocks.handsSeen(), 1);
  const nobody = bodyAnswer([], []);
  assert.equal(nobody.shown, NO_PERSON);
  const empty = new HandteachBlocks({}, { latest: nobody }, { gestures: POSES, kind: "body" });
  assert.deepEqual([empty.pointX({ POINT: "nose" }), empty.handsSeen()], [0, 0]);
  assert.ok(empty.showing({ GESTURE: NO_PERSON }) && !empty.showing({ GESTURE: "tree" }));
});

test("a PoseLandmarker result becomes the ONNX graph's landmarks and visibility", () => {
  const landmarks = [Array.from({ length: 33 }, (_, j) => ({ x: j / 33, y: 0.5, z: -0.1, visibility: j % 2 }))];
  const bodies = storeBodies({ landmarks });
  assert.equal(bodies.length, 1);
  const data = bodyTensorData(bodies);
  assert.equal(data.landmarks.length, 33 * 3);
  assert.deepEqual(Array.from(data.landmarks.slice(3, 6)), [Math.fround(1 / 33), 0.5, Math.fround(-0.1)]);
  assert.deepEqual(Array.from(data.visibility.slice(0, 4)), [0, 1, 0, 1]);
  assert.deepEqual(storeBodies({}), []);
});

test("show skeleton switches the stage's skeleton", () => {
  const calls = [];
  const blocks = new HandteachBlocks({}, { latest: frameAnswer([], []) }, { gestures: GESTURES, kind: "hand" },
    { skeleton: (on) => calls.push(on) });
  blocks.showSkeleton({ STATE: "on" });
  blocks.showSkeleton({ STATE: "off" });
  assert.deepEqual(calls, [true, false]);
  assert.deepEqual(blocks.getInfo().menus.onOff.items.map((i) => i.value), ["on", "off"]);
});

test("TurboWarp's file registers the same blocks, a motion game's too, which say where they see and answer no hand", () => {
  const registered = [];
  register({ extensions: { register: (extension) => registered.push(extension) } });
  assert.equal(registered.length, 1);
  const info = registered[0].getInfo();
  assert.equal(info.id, "handteach");
  assert.equal(info.name, TURBOWARP_NAME);
  assert.ok(info.blocks.some((b) => b.opcode === "whenShow"));
  // a motion game's blocks too, so that one opens there with its scripts as written
  assert.ok(["whenDo", "lastMotion", "motionSure"].every((opcode) => info.blocks.some((b) => b.opcode === opcode)));
  assert.equal(new Set(info.blocks.map((b) => b.opcode)).size, info.blocks.length);
  assert.equal(registered[0].gesture(), NO_HAND);
  assert.equal(registered[0].whenShow({ GESTURE: "thumbs_up" }), false);
  assert.equal(registered[0].whenDo({ MOTION: "swipe_left" }), false);
});
