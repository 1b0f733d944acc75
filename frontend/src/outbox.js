// What the tab sends the server, in an order that loses nothing that matters.
//
// A Streamlit component has one value: the server reads the latest one on its next run, so a value set before
// the server ran on the one before replaces it unseen. Label events may be lost that way (the newest labels are
// what counts), but a take, the camera's status and the model the tab runs must not be: once a label event
// replaced the "ready" status, the server thought the camera was off and Teach it here refused to record.
// So events that must arrive go one at a time, each only after the server acknowledged the one before (the `ack`
// argument of its next render: the tab id and the last number it read); label events wait behind them, the
// newest only, and the last one sent is sent again if a must-arrive event may have replaced it.

export const RESEND_AFTER_MS = 5000; // no acknowledgement by then: the same event (same number) goes again

export class Outbox {
  // post(value): hands the value to Streamlit; tab: this iframe's id, stamped on every value with its number
  constructor(post, tab) {
    Object.assign(this, { post, tab, seq: 0, queue: [], latest: null, unacked: null, lastPlain: null });
    this.lastLabelSeq = 0; // the number of the last label event posted (main.js asks the server whether it showed it)
  }

  // must: a take, a status or a model event (delivered in order); otherwise a label event (newest wins)
  send(value, now, { must = false } = {}) {
    if (must) this.queue.push(value);
    else this.latest = value;
    this.flush(now);
  }

  // ack: the render argument {tab, seq}, the last event the server read (from this tab or an earlier one)
  acknowledge(ack, now) {
    if (!ack || ack.tab !== this.tab || !Number.isInteger(ack.seq)) return;
    if (this.lastPlain && ack.seq >= this.lastPlain.seq) this.lastPlain = null;
    if (this.unacked && ack.seq >= this.unacked.seq) this.unacked = null;
    this.flush(now);
  }

  // called each frame: an event left unacknowledged too long is posted again (the server reads a number once)
  tick(now) {
    if (this.unacked && now - this.unacked.at >= RESEND_AFTER_MS) {
      this.unacked.at = now;
      this.post(this.unacked.stamped);
    }
  }

  idle() {
    return this.unacked === null && this.queue.length === 0 && this.latest === null;
  }

  flush(now) {
    if (this.unacked) return;
    if (this.queue.length) {
      if (this.lastPlain && !this.latest) this.latest = this.lastPlain.value; // it may be replaced unseen
      this.lastPlain = null;
      const value = this.queue.shift(), stamped = this.stamp(value);
      this.unacked = { seq: stamped.seq, stamped, at: now };
      this.post(stamped);
    } else if (this.latest) {
      const value = this.latest, stamped = this.stamp(value);
      this.latest = null;
      this.lastPlain = { seq: stamped.seq, value };
      this.lastLabelSeq = stamped.seq;
      this.post(stamped);
    }
  }

  stamp(value) {
    return { ...value, tab: this.tab, seq: ++this.seq };
  }
}
