// The handteach blocks: a Scratch 3 extension in the shape every Scratch 3 editor takes (getInfo and
// one method per block), registered in the editor's own VM by host.js. It reads `source.latest` (recognise.js's
// answer for the newest camera frame) and never the network.

import { BODY_POINTS, NO_HAND, NO_PERSON, UNKNOWN } from "./answers.js";

export const EXTENSION_ID = "handteach";
const ICON_COLOURS = { color1: "#0f9d8a", color2: "#0b7d6e", color3: "#08594f" };

// A menu item's text: the emoji and the shown name, as characters (scratch-blocks writes a menu's text as text).
export function menuItems(gestures, none = "(no gestures yet)") {
  if (!gestures.length) return [{ text: none, value: "" }];
  return gestures.map((g) => ({ text: `${g.emoji ? `${g.emoji} ` : ""}${g.shown}`, value: g.name }));
}

// Whether the answer `latest` is the gesture a block's menu names: its stored name (what the menu holds) or, for a
// reporter dropped into the slot, the shown name or the menu's own text.
export function isGesture(latest, wanted, gestures) {
  const text = String(wanted);
  if ([NO_HAND, NO_PERSON, UNKNOWN].includes(latest.label)) return text === latest.label;
  if (text === latest.label) return true;
  const gesture = gestures.find((g) => g.name === latest.label);
  return Boolean(gesture) && (text === gesture.shown || text === `${gesture.emoji} ${gesture.shown}`);
}

// The words that change with the project's kind: a hand project's gestures, a body-pose project's poses.
const WORDS = {
  hand: { category: "Gestures", thing: "gesture", noItems: "(no gestures yet)" },
  body: { category: "Poses", thing: "pose", noItems: "(no poses yet)" },
  // not "Motions": Scratch's own blue "Motion" moves sprites, and a child would look for a swipe there
  motion: { category: "My moves", thing: "move", noItems: "(no moves yet)" },
};
// How long a motion done stays "just done" for its hat: long enough for a slow editor's frame to see it, shorter
// than the spotter's half second before the next motion may fire, so that the hat sees each motion apart.
export const MOTION_FRESH_MS = 300;
export const NO_MOTION = "none yet";
const onOff = (defaultValue) => ({ type: "string", menu: "onOff", defaultValue });

export class HandteachBlocks {
  // `runtime`: the VM's runtime; `source`: {latest}; `project`: {gestures: [{name, emoji, shown}], starter: bool,
  // kind: "hand" or "body"}; `stage`: {skeleton(on)}, the skeleton drawn over the stage's video (stageskeleton.js).
  constructor(runtime, source, project, stage = null) {
    Object.assign(this, { runtime, source, project, stage, videoOn: false, clock: () => performance.now() });
  }

  get words() {
    return WORDS[this.project.motion ? "motion" : this.project.kind] || WORDS.hand;
  }

  getInfo() {
    const first = this.project.gestures.length ? this.project.gestures[0].name : "";
    const gesture = { type: "string", menu: "gestures", defaultValue: first };
    const body = this.project.kind === "body", { category, thing } = this.words;
    const point = { type: "string", menu: "bodyPoints", defaultValue: "nose" };
    const where = body
      ? [{ opcode: "pointX", blockType: "reporter", text: "x of [POINT]", arguments: { POINT: point } },
        { opcode: "pointY", blockType: "reporter", text: "y of [POINT]", arguments: { POINT: point } },
        { opcode: "handsSeen", blockType: "reporter", text: "people seen" }]
      : [{ opcode: "handX", blockType: "reporter", text: "hand x" },
        { opcode: "handY", blockType: "reporter", text: "hand y" },
        { opcode: "handsSeen", blockType: "reporter", text: "hands seen" },
        { opcode: "lookForHands", blockType: "command", text: "look for [COUNT] hands",
          arguments: { COUNT: { type: "string", menu: "handCounts", defaultValue: "2" } } }];
    const motion = { type: "string", menu: "gestures", defaultValue: first };
    const answers = this.project.motion
      ? [{ opcode: "whenDo", blockType: "hat", text: "when I do [MOTION]", isEdgeActivated: true, arguments: { MOTION: motion } },
        { opcode: "lastMotion", blockType: "reporter", text: "last move" },
        { opcode: "motionSure", blockType: "reporter", text: "how sure" }]
      : [{ opcode: "whenShow", blockType: "hat", text: "when I show [GESTURE]", isEdgeActivated: true,
        arguments: { GESTURE: gesture } },
      { opcode: "gesture", blockType: "reporter", text: thing },
      { opcode: "showing", blockType: "Boolean", text: "showing [GESTURE]?", arguments: { GESTURE: gesture } },
      { opcode: "howSure", blockType: "reporter", text: "how sure" }];
    return {
      id: EXTENSION_ID,
      // a project never trained runs the starter model: said on the category itself
      name: this.project.starter ? `${category} (starter model)` : category,
      ...ICON_COLOURS,
      blocks: [
        ...answers,
        ...where,
        { opcode: "cameraVideo", blockType: "command", text: "turn camera video [STATE]", arguments: { STATE: onOff("on") } },
        { opcode: "showSkeleton", blockType: "command", text: "show skeleton [STATE]", arguments: { STATE: onOff("on") } },
      ],
      menus: {
        gestures: { acceptReporters: true, items: "gestureMenu" },
        bodyPoints: { acceptReporters: true, items: Object.keys(BODY_POINTS) },
        onOff: { acceptReporters: false, items: [{ text: "on", value: "on" }, { text: "off", value: "off" }] },
        handCounts: { acceptReporters: false, items: ["1", "2"] },
      },
    };
  }

  gestureMenu() {
    return menuItems(this.project.gestures, this.words.noItems);
  }

  whenShow({ GESTURE }) {
    return isGesture(this.source.latest, GESTURE, this.project.gestures);
  }

  showing({ GESTURE }) {
    return isGesture(this.source.latest, GESTURE, this.project.gestures);
  }

  gesture() {
    return this.source.latest.shown;
  }

  // true for a moment after the motion named was done (MOTION_FRESH_MS): the hat fires once a motion. (The VM
  // passes a block's method its arguments and then its own helper: the time comes from `clock`, never a parameter.)
  whenDo({ MOTION }) {
    const done = this.source.latest.motion;
    return Boolean(done) && this.clock() - done.at < MOTION_FRESH_MS && isGesture(done, MOTION, this.project.gestures);
  }

  lastMotion() {
    const done = this.source.latest.motion;
    return done ? done.shown : NO_MOTION;
  }

  motionSure() {
    const done = this.source.latest.motion;
    return done ? done.sure : 0;
  }

  howSure() {
    return this.source.latest.sure;
  }

  handX() {
    return this.source.latest.tip ? this.source.latest.tip[0] : 0;
  }

  handY() {
    return this.source.latest.tip ? this.source.latest.tip[1] : 0;
  }

  handsSeen() {
    return this.source.latest.hands;
  }

  // The tab follows one hand (as Live does by default, and MediaPipe's own default): looking for a second one runs
  // the palm finder on every frame while one hand is in view, which halved the tab's labelled frames. A game that
  // needs two hands asks here; the count holds until another project opens.
  lookForHands({ COUNT }) {
    if (this.source.lookFor) this.source.lookFor(String(COUNT) === "2" ? 2 : 1);
  }

  // a body's point (BODY_POINTS) on the stage; 0 while no person is seen or for a name it does not know
  pointX({ POINT }) {
    const at = this.source.latest.points && this.source.latest.points[String(POINT)];
    return at ? at[0] : 0;
  }

  pointY({ POINT }) {
    const at = this.source.latest.points && this.source.latest.points[String(POINT)];
    return at ? at[1] : 0;
  }

  showSkeleton({ STATE }) {
    if (this.stage) this.stage.skeleton(STATE === "on");
  }

  cameraVideo({ STATE }) {
    this.setVideo(STATE === "on");
  }

  // The camera on the stage, mirrored, as Scratch's video sensing shows it (the VM's own video device).
  setVideo(on) {
    const video = this.runtime.ioDevices && this.runtime.ioDevices.video;
    if (!video) return;
    this.videoOn = on;
    if (on) {
      video.enableVideo();
      video.mirror = true;
      video.setPreviewGhost(0);
    } else {
      video.disableVideo();
    }
  }
}
