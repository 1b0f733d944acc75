// The tab's outbox (src/outbox.js): nothing that must reach the server is replaced unseen.
import assert from "node:assert/strict";
import { test } from "node:test";

import { Outbox, RESEND_AFTER_MS } from "../src/outbox.js";

// A Streamlit component as the server sees it: one value, the latest posted.
function component() {
  const posted = [];
  return { posted, post: (value) => posted.push(value), latest: () => posted[posted.length - 1] };
}

test("a take waits for the server to read the status before it; labels meanwhile wait, the newest only", () => {
  const server = component(), box = new Outbox(server.post, "t1");
  box.send({ kind: "status", state: "ready" }, 0, { must: true });
  box.send({ kind: "labels", n: 1 }, 10);
  box.send({ kind: "take", id: "a" }, 20, { must: true });
  box.send({ kind: "labels", n: 2 }, 30);
  assert.deepEqual(server.posted.map((v) => v.kind), ["status"]); // nothing replaced it
  assert.equal(box.idle(), false);
  box.acknowledge({ tab: "t1", seq: 1 }, 40);
  assert.deepEqual(server.latest(), { kind: "take", id: "a", tab: "t1", seq: 2 });
  box.acknowledge({ tab: "t1", seq: 2 }, 50);
  assert.deepEqual(server.latest(), { kind: "labels", n: 2, tab: "t1", seq: 3 });
  assert.equal(server.posted.length, 3);
  box.acknowledge({ tab: "t1", seq: 3 }, 60);
  assert.equal(box.idle(), true);
});

test("label events go at once while nothing waits, and one a must-arrive event may replace goes again", () => {
  const server = component(), box = new Outbox(server.post, "t1");
  box.send({ kind: "labels", n: 1 }, 0);
  box.send({ kind: "labels", n: 2 }, 5);
  assert.deepEqual(server.posted.map((v) => v.n), [1, 2]);
  box.send({ kind: "model", version: "v" }, 10, { must: true }); // labels 2 not yet read by the server
  box.acknowledge({ tab: "t1", seq: 3 }, 20);
  assert.deepEqual(server.latest(), { kind: "labels", n: 2, tab: "t1", seq: 4 });
  box.send({ kind: "labels", n: 3 }, 30);
  box.acknowledge({ tab: "t1", seq: 5 }, 40); // read: the next must-arrive event repeats nothing
  box.send({ kind: "take", id: "b" }, 50, { must: true });
  box.acknowledge({ tab: "t1", seq: 6 }, 60);
  assert.deepEqual(server.posted.slice(-1)[0].kind, "take");
  assert.equal(box.idle(), true);
});

test("another tab's acknowledgement, or a stale one, releases nothing; an unread event goes again, same number", () => {
  const server = component(), box = new Outbox(server.post, "t1");
  box.send({ kind: "take", id: "a" }, 0, { must: true });
  box.send({ kind: "status", state: "error" }, 1, { must: true });
  box.acknowledge({ tab: "t0", seq: 9 }, 2); // the tab before a reload
  box.acknowledge({ tab: "t1", seq: 0 }, 3);
  box.acknowledge(null, 4);
  assert.equal(server.posted.length, 1);
  box.tick(RESEND_AFTER_MS - 1);
  assert.equal(server.posted.length, 1);
  box.tick(RESEND_AFTER_MS);
  assert.deepEqual(server.posted[1], server.posted[0]); // the server reads a number once: a repeat is harmless
  box.acknowledge({ tab: "t1", seq: 1 }, RESEND_AFTER_MS + 1);
  assert.deepEqual(server.latest(), { kind: "status", state: "error", tab: "t1", seq: 2 });
});

test("the outbox knows the number of the last label event it posted (the server says whether its card shows it)", () => {
  const server = component(), box = new Outbox(server.post, "t1");
  assert.equal(box.lastLabelSeq, 0);
  box.send({ kind: "labels", n: 1 }, 0);
  box.send({ kind: "status", state: "ready" }, 5, { must: true });
  assert.equal(box.lastLabelSeq, 1);
  box.acknowledge({ tab: "t1", seq: 2 }, 10); // the status may have replaced it unseen: it goes again
  assert.equal(box.lastLabelSeq, 3);
});
