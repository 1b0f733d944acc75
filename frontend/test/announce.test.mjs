// What the tab asks the page to say (src/announce.js) and the moment a take starts recording (src/take.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { HandLeaving, NO_HAND } from "../src/announce.js";
import { TakeRecorder } from "../src/take.js";

test("a hand gone for the gap is said once, and again only after it came back", () => {
  const said = [];
  const leaving = new HandLeaving((text) => said.push(text), 700);
  leaving.update(0, 0); // no hand yet: nothing left
  leaving.update(1, 100);
  leaving.update(0, 300); // a blink
  leaving.update(1, 400);
  leaving.update(0, 800);
  assert.deepEqual(said, []);
  leaving.update(0, 1100);
  leaving.update(0, 1500);
  assert.deepEqual(said, [NO_HAND]);
  leaving.update(1, 1600);
  leaving.update(0, 2400);
  assert.deepEqual(said, [NO_HAND, NO_HAND]);
});

test("a take says Recording with its gesture's shown name once, when its countdown ends", () => {
  const said = [];
  const takes = new TakeRecorder(null, () => {}, (text) => said.push(text));
  takes.cropOf = () => "";
  const ticket = { take_id: "t1", project: "p", class_name: "open_palm", shown: "open palm", countdown: 3,
    duration: 3, rate: 5 };
  takes.begin(ticket, 0);
  takes.capture([], 640, 480, 2900);
  assert.deepEqual(said, []);
  for (const ms of [3000, 3200, 3400]) takes.capture([], 640, 480, ms);
  assert.deepEqual(said, ["Recording open palm"]);
});
