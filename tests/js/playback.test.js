// playback.js: frames shown on the stage's clock, the next chunk asked for at the first frame of each, a stream
// that stops ending on its last frame, and a lost chunk asked for again.
import assert from "node:assert/strict";
import {test} from "node:test";

import {Playback, RETRY_MS, STALL_GRACE_MS} from "../../ce_app/player_frontend/playback.js";

const chunk = (seq, n, last = false) => Array.from({length: n}, (_, i) => ({seq, index: i, last: last && i === n - 1, step: 10 * seq + i}));
const STREAM = {playing: true, fps: 10, ended: ""};

test("frames come out at the stream's rate, and frame 0 of chunk s asks for chunk s + 1", () => {
  const playback = new Playback();
  playback.start(0);
  playback.take(chunk(0, 3), true, 0);
  assert.deepEqual(playback.tick(STREAM, 0), {show: chunk(0, 3)[0], request: 1});
  assert.deepEqual(playback.tick(STREAM, 50), {}, "not due yet at 10 frames/s");
  assert.deepEqual(playback.tick(STREAM, 98), {show: chunk(0, 3)[1]}, "due, give or take 3 ms");
  assert.deepEqual(playback.tick(STREAM, 200), {show: chunk(0, 3)[2]});
  playback.take(chunk(1, 2), false, 250);
  assert.deepEqual(playback.tick(STREAM, 300), {show: chunk(1, 2)[0], request: 2});
  assert.equal(playback.stats.shown, 4);
});

test("a late chunk does not make the clock race to catch up", () => {
  const playback = new Playback();
  playback.start(0);
  playback.take(chunk(0, 1), true, 0);
  playback.tick(STREAM, 0);
  assert.deepEqual(playback.tick(STREAM, 500), {}, "nothing queued: a stall, still within the grace period");
  playback.take(chunk(1, 3), false, 600);
  assert.ok(playback.tick(STREAM, 600).show);
  assert.deepEqual(playback.tick(STREAM, 610), {}, "the next frame is due a whole interval later");
  assert.ok(playback.tick(STREAM, 700).show);
});

test("a stream that stops ends on its last frame, says so once, and asks for nothing more", () => {
  const playback = new Playback();
  const ending = {...STREAM, ended: "limit"};
  playback.start(0);
  playback.take(chunk(0, 2, true), true, 0);
  assert.deepEqual(playback.tick(ending, 0), {show: chunk(0, 2, true)[0], request: 1});
  assert.deepEqual(playback.tick(ending, 100), {show: chunk(0, 2, true)[1]});
  assert.equal(playback.atEnd, true, "the status line may now say why it ended");
  assert.deepEqual(playback.tick(ending, 200), {ended: true});
  assert.equal(playback.animating, false);
  assert.deepEqual(playback.tick(ending, 300), {});
});

test("a chunk asked for and not received is asked for again after RETRY_MS; a dry queue counts one stall", () => {
  const playback = new Playback();
  playback.start(0);
  playback.take(chunk(0, 1), true, 0);
  assert.equal(playback.tick(STREAM, 0).request, 1);
  assert.deepEqual(playback.tick(STREAM, STALL_GRACE_MS + 10), {});
  assert.equal(playback.stats.stalls, 1);
  assert.deepEqual(playback.tick(STREAM, RETRY_MS + 1), {request: 1});
  assert.equal(playback.stats.stalls, 1, "one stall, however long");
});

test("holding (a click while playing) and a paused stream show nothing new", () => {
  const playback = new Playback();
  playback.start(0);
  playback.take(chunk(0, 3), true, 0);
  playback.holding = true;
  assert.deepEqual(playback.tick(STREAM, 0), {});
  playback.holding = false;
  assert.deepEqual(playback.tick({...STREAM, playing: false}, 0), {});
  playback.still(chunk(5, 1)[0]);
  assert.equal(playback.animating, false);
  assert.deepEqual(playback.queue, []);
});
