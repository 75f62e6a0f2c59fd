// @ts-check
// Playing a stream of frames on the stage's own clock, with no DOM: which frame is due, when to ask for the next
// chunk, when the end of a stream that stops is on screen. The server sends a chunk of a second of frames; the
// stage asks for chunk s + 1 as soon as it shows frame 0 of chunk s, so a whole chunk of time covers the round
// trip (bench/headless.py follows the same rules for the load benchmark).

export const RETRY_MS = 4000;  // a chunk asked for and not received by then is asked for again
export const STALL_GRACE_MS = 1500;  // an empty queue in the first 1.5 s of playing is not a stall
const EARLY_MS = 3;  // a frame may be shown this much before it is due (requestAnimationFrame's jitter)

/** @typedef {{seq: number, index: number, last: boolean, step: number}} FrameSlot  a frame's place in its stream */
/** @typedef {{playing: boolean, fps: number, ended: string}} PlayedStream */
/** @typedef {{show?: FrameSlot, request?: number, ended?: boolean}} TickAction */

export class Playback {
  constructor() {
    /** @type {FrameSlot[]} */
    this.queue = [];
    this.animating = false;  // frames are being shown on the clock
    this.holding = false;  // wait on the frame on screen (a click asked for a stream that starts from it)
    /** @type {number|null} */
    this.nextDue = null;
    /** @type {number|null} */
    this.stallSince = null;
    this.startedAt = 0;
    /** @type {{seq: number, at: number}|null} */
    this.requested = null;
    /** @type {FrameSlot|null} the frame on screen */
    this.frame = null;
    this.atEnd = false;  // the last frame of a stream that stops is on screen
    this.stats = {shown: 0, chunks: 0, stalls: 0, lateMs: /** @type {number[]} */ ([]), started: 0};
  }

  /** Play was pressed: animate at once, the frames follow. @param {number} now */
  start(now) {
    this.animating = true;
    this.nextDue = null;
    this.startedAt = now;
    this.atEnd = false;
    this.stats.started += 1;
  }

  /** Stop animating (Pause, or a still frame arrived). */
  stop() {
    this.animating = false;
    this.queue = [];
  }

  /**
   * Frames of a playing stream arrived.
   * @param {FrameSlot[]} frames
   * @param {boolean} newStream the stream they belong to is not the one playing: drop what is queued
   * @param {number} now
   */
  take(frames, newStream, now) {
    if (newStream) { this.queue = []; this.atEnd = false; }
    this.requested = null;
    this.holding = false;
    this.stats.chunks += 1;
    this.queue.push(...frames);
    if (!this.animating) { this.animating = true; this.nextDue = null; this.startedAt = now; }
  }

  /** A still frame is on screen now. @param {FrameSlot|null} frame */
  still(frame) {
    this.stop();
    this.requested = null;
    this.holding = false;
    this.frame = frame;
  }

  /**
   * What to do on this animation frame: show a frame, ask for a chunk, say that the end is on screen.
   * @param {PlayedStream|null} stream
   * @param {number} now
   * @returns {TickAction}
   */
  tick(stream, now) {
    if (!this.animating || this.holding || !stream || !stream.playing) return {};
    const interval = 1000 / Math.max(1, stream.fps);
    if (this.nextDue === null) this.nextDue = now;
    if (now < this.nextDue - EARLY_MS) return {};
    const frame = this.queue.shift();
    if (frame) {
      if (this.stallSince !== null) { this.stats.lateMs.push(now - this.stallSince); this.stallSince = null; }
      this.frame = frame;
      this.stats.shown += 1;
      // keep the cadence, but never try to catch up with frames that came late
      this.nextDue = now - this.nextDue > interval ? now + interval : this.nextDue + interval;
      this.atEnd = Boolean(stream.ended) && frame.last;
      if (frame.index === 0 && !this.atEnd) return {show: frame, request: this.ask(frame.seq + 1, now)};
      return {show: frame};
    }
    if (this.frame && this.frame.last && stream.ended) {
      this.animating = false;  // the end of a stream that stops: the server already sits on this frame
      return {ended: true};
    }
    if (this.stallSince === null && this.stats.shown > 0 && now - this.startedAt > STALL_GRACE_MS) {
      this.stallSince = now;
      this.stats.stalls += 1;
    }
    if (this.frame && (!this.requested || now - this.requested.at > RETRY_MS)) return {request: this.ask(this.frame.seq + 1, now)};
    return {};
  }

  /** @param {number} seq @param {number} now */
  ask(seq, now) {
    this.requested = {seq, at: now};
    return seq;
  }
}
