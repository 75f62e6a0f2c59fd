// @ts-check
// The stage's side of the conversation with the server, with no DOM: the same model as ce_app/stage/client.py.
// Every event gets the next number (seq, going on from the server's `acked`) and is kept, and sent again with
// every later value, until the server acknowledges it: none is lost when Streamlit merges two values into one
// rerun. The value also says which points and stream the stage holds (`have`), so the server sends the points
// and the curves only when they are missing.

/** @typedef {{seq: number, kind: string, [field: string]: unknown}} StageEvent */
/** @typedef {{session: string|null, have: {points: string|null, stream: string}, events: StageEvent[]}} StageValue */

export class StageClient {
  constructor() {
    /** @type {string|null} ARGS.session of the last render */
    this.secret = null;
    this.seq = 0;
    this.acked = 0;
    /** @type {StageEvent[]} made and not yet acknowledged, oldest first */
    this.events = [];
    /** @type {string|null} HAVE.points: VIEW.points_version of the points held */
    this.points = null;
    /** HAVE.stream: STREAM.id of the stream held */
    this.stream = "";
    /** @type {Set<string>} META.control_events: kinds that change what the server streams */
    this.controlKinds = new Set();
  }

  /**
   * Make the next event (null before the first render: there is no session to send it to).
   * @param {string} kind
   * @param {Record<string, unknown>} [fields]
   * @returns {StageEvent|null}
   */
  event(kind, fields = {}) {
    if (this.secret === null) return null;
    this.seq += 1;
    const event = {...fields, seq: this.seq, kind};
    this.events.push(event);
    return event;
  }

  /** The component value to send now (stage_contract.VALUE). @returns {StageValue} */
  value() {
    return {session: this.secret, have: {points: this.points, stream: this.stream}, events: this.events};
  }

  /**
   * Take what a render says: the secret, the events handled, the points held (when it carried them).
   * @param {{session: string, acked: number, points?: unknown, view: {points_version: string},
   *          meta: {control_events: string[]}}} args
   */
  receive(args) {
    this.secret = args.session;
    this.acked = args.acked;
    this.seq = Math.max(this.seq, this.acked);  // a new frame of the page goes on from the server's numbering
    this.events = this.events.filter((e) => e.seq > this.acked);
    if (args.points) this.points = args.view.points_version;
    this.controlKinds = new Set(args.meta.control_events);
  }

  /** The stage now plays (or shows) the stream `id`. @param {string} id */
  holdStream(id) {
    this.stream = id;
  }

  /** An event that changes the stream is not acknowledged yet: renders until then show an older stream. */
  pendingControl() {
    return this.events.some((e) => this.controlKinds.has(e.kind));
  }
}
