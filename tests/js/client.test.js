// client.js: event numbering, unacknowledged events and `have`, the same rules as ce_app/stage/client.py.
import assert from "node:assert/strict";
import {test} from "node:test";

import {StageClient} from "../../ce_app/player_frontend/client.js";
import {fixtures} from "./fixtures.js";

const render = (fields = {}) => ({session: "s3cret", acked: 0, view: {points_version: "0"},
                                  meta: {control_events: fixtures.contract.control_events}, ...fields});

test("no event is made before the first render: there is no session to send it to", () => {
  const client = new StageClient();
  assert.equal(client.event("play"), null);
  assert.deepEqual(client.events, []);
});

test("events are numbered on from the server's acked and kept until it acknowledges them", () => {
  const client = new StageClient();
  client.receive(render({acked: 7}));
  assert.deepEqual(client.event("step", {n: 1}), {n: 1, seq: 8, kind: "step"});
  client.event("select", {index: 3, step: 1});
  assert.deepEqual(client.value().events.map((e) => e.seq), [8, 9]);
  client.receive(render({acked: 8}));
  assert.deepEqual(client.value().events.map((e) => e.seq), [9]);
  client.receive(render({acked: 9}));
  assert.deepEqual(client.value().events, []);
  assert.equal(client.event("play").seq, 10);
});

test("the value holds exactly the contract's keys, and `have` says what the stage holds", () => {
  const client = new StageClient();
  client.receive(render());
  assert.deepEqual(Object.keys(client.value()).sort(), [...fixtures.contract.value].sort());
  assert.deepEqual(Object.keys(client.value().have).sort(), [...fixtures.contract.have].sort());
  assert.equal(client.value().have.points, null, "no points held until a render carries them");
  client.receive(render({points: {rows: 3}, view: {points_version: "4"}}));
  client.holdStream("abc");
  assert.deepEqual(client.value(), {session: "s3cret", have: {points: "4", stream: "abc"}, events: []});
  client.receive(render({view: {points_version: "5"}}));
  assert.equal(client.value().have.points, "4", "a render without the points does not change what is held");
});

test("only the server's control events hold back older renders", () => {
  const client = new StageClient();
  client.receive(render());
  client.event("more", {chunk: 1, stream: "abc"});
  assert.equal(client.pendingControl(), false);
  client.event("pause", {step: 3, stream: "abc"});
  assert.equal(client.pendingControl(), true);
  client.receive(render({acked: 2}));
  assert.equal(client.pendingControl(), false);
});
