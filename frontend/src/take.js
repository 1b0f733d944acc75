// A Record take in the browser: the frames looked at during capture and the message that carries them to
// the server at the take's end (core/data/browser_take.py checks every field and stores the samples).

import { pixelPoints } from "./hands.js";

export const CROP_SIDE = 192; // core/io/crops.hand_crop's size: the gallery's and the CPM's crops
const CROP_MARGIN = 0.25; // core/io/crops.THUMBNAIL_MARGIN
const MIN_SIDE_PX = 16; // core/io/crops.MIN_SIDE_PX
export const JPEG_QUALITY = 0.9; // core/io/crops.encode_jpeg's 90

// The square (x0, y0, x1, y1) frame-pixel box core/io/crops.hand_crop_box cuts around a hand.
export function cropBox(points, width, height) {
  const xs = points.map((p) => p[0]), ys = points.map((p) => p[1]);
  const x0 = Math.min(...xs), x1 = Math.max(...xs), y0 = Math.min(...ys), y1 = Math.max(...ys);
  const side = Math.max(x1 - x0, y1 - y0) * (1 + 2 * CROP_MARGIN);
  const half = Math.max(side, MIN_SIDE_PX, Math.max(width, height) / 50) / 2;
  const cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  return [cx - half, cy - half, cx + half, cy + half];
}

// The most frames a take of this ticket can hold (core/data/browser_take.py refuses more).
export function maxFrames(ticket) {
  return Math.ceil(ticket.duration * ticket.rate) + 1;
}

// A hand as the take carries it: the store's fields and its crop (JPEG, base64 without the data: prefix).
export function takeHand(hand, crop) {
  return { normalised: hand.normalised, world: hand.world, handedness: hand.handedness, score: hand.score, crop };
}

export function jpegBase64(dataUrl) {
  const prefix = "data:image/jpeg;base64,";
  if (!dataUrl.startsWith(prefix)) throw new Error("the browser did not encode the crop as JPEG");
  return dataUrl.slice(prefix.length);
}

// The one component value a take sends: see the contract in ui/browser/README.md.
export function takeMessage(ticket, frames, width, height) {
  return {
    kind: "take",
    take_id: ticket.take_id,
    project: ticket.project,
    class_name: ticket.class_name,
    frame_size: [width, height],
    frames,
  };
}

// The take being recorded from the page's ticket (`current`, drawn as its countdown and REC badge): as
// ui/recorder.py's Recorder, one capture every 1/rate s after the countdown, never two for one late frame; at its
// end the take goes to `send` whole, once (the page holds the ticket out until it reruns). `announce` is told
// "Recording open palm" as the countdown ends (the page cannot see that moment: its line says what comes).
export class TakeRecorder {
  constructor(video, send, announce = () => {}) {
    Object.assign(this, { video, send, announce, current: null, done: new Set(), canvas: null });
  }

  begin(ticket, now) {
    if (!ticket || this.current || this.done.has(ticket.take_id)) return;
    this.current = { ticket, started: now, nextCapture: ticket.countdown, end: ticket.countdown + ticket.duration, frames: [] };
  }

  capture(hands, width, height, now) {
    const take = this.current, elapsed = (now - take.started) / 1000, rate = take.ticket.rate;
    if (elapsed >= take.end) {
      this.current = null;
      this.done.add(take.ticket.take_id);
      this.send(takeMessage(take.ticket, take.frames, width, height));
      return;
    }
    if (elapsed >= take.ticket.countdown && !take.announced) {
      take.announced = true;
      this.announce(`Recording ${take.ticket.shown || take.ticket.class_name}`);
    }
    if (elapsed < take.ticket.countdown || elapsed < take.nextCapture || take.frames.length >= maxFrames(take.ticket)) return;
    take.nextCapture = Math.max(take.nextCapture + 1 / rate, elapsed - 0.5 / rate);
    take.frames.push({ t: Number(elapsed.toFixed(3)), hands: hands.map((hand) => takeHand(hand, this.cropOf(hand, width, height))) });
  }

  cropOf(hand, width, height) {
    this.canvas = this.canvas || Object.assign(document.createElement("canvas"), { width: CROP_SIDE, height: CROP_SIDE });
    const [x0, y0, x1, y1] = cropBox(pixelPoints(hand, width, height), width, height);
    const c = this.canvas.getContext("2d");
    c.fillStyle = "#000";
    c.fillRect(0, 0, CROP_SIDE, CROP_SIDE);
    c.drawImage(this.video, x0, y0, x1 - x0, y1 - y0, 0, 0, CROP_SIDE, CROP_SIDE); // outside the frame stays black
    return jpegBase64(this.canvas.toDataURL("image/jpeg", JPEG_QUALITY));
  }
}

export { pixelPoints };
