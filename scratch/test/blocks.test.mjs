// The handteach blocks without a browser: menus as characters, the gesture a block names, stage coordinates.
import { test } from "node:test";
import assert from "node:assert/strict";
import { HandteachBlocks, isGesture, menuItems } from "../src/extension.js";
import { NO_HAND, UNKNOWN, frameAnswer, stagePoint } from "../src/answers.js";

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
    ["whenShow", "gesture", "showing", "howSure", "handX", "handY", "handsSeen", "cameraVideo"]);
  assert.equal(blocks.whenShow({ GESTURE: "thumbs_up" }), true);
  assert.equal(blocks.showing({ GESTURE: "<b>wave</b>" }), false);
  assert.equal(blocks.gesture(), "thumbs up");
  assert.deepEqual([blocks.howSure(), blocks.handX(), blocks.handY(), blocks.handsSeen()], [91, 12, -30, 1]);
  assert.equal(new HandteachBlocks({}, source, { gestures: GESTURES, starter: false }).getInfo().name, "Gestures");
});
