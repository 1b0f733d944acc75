// The handteach blocks: a Scratch 3 extension in the shape every Scratch 3 editor takes (getInfo and
// one method per block), registered in the editor's own VM by host.js. It reads `source.latest` (recognise.js's
// answer for the newest camera frame) and never the network.

import { NO_HAND, UNKNOWN } from "./answers.js";

export const EXTENSION_ID = "handteach";
const ICON_COLOURS = { color1: "#0f9d8a", color2: "#0b7d6e", color3: "#08594f" };

// A menu item's text: the emoji and the shown name, as characters (scratch-blocks writes a menu's text as text).
export function menuItems(gestures) {
  if (!gestures.length) return [{ text: "(no gestures yet)", value: "" }];
  return gestures.map((g) => ({ text: `${g.emoji ? `${g.emoji} ` : ""}${g.shown}`, value: g.name }));
}

// Whether the answer `latest` is the gesture a block's menu names: its stored name (what the menu holds) or, for a
// reporter dropped into the slot, the shown name or the menu's own text.
export function isGesture(latest, wanted, gestures) {
  const text = String(wanted);
  if (latest.label === NO_HAND || latest.label === UNKNOWN) return text === latest.label;
  if (text === latest.label) return true;
  const gesture = gestures.find((g) => g.name === latest.label);
  return Boolean(gesture) && (text === gesture.shown || text === `${gesture.emoji} ${gesture.shown}`);
}

export class HandteachBlocks {
  // `runtime`: the VM's runtime; `source`: {latest}; `project`: {gestures: [{name, emoji, shown}], starter: bool}.
  constructor(runtime, source, project) {
    Object.assign(this, { runtime, source, project, videoOn: false });
  }

  getInfo() {
    const first = this.project.gestures.length ? this.project.gestures[0].name : "";
    const gesture = { type: "string", menu: "gestures", defaultValue: first };
    return {
      id: EXTENSION_ID,
      // a project never trained runs the starter model: said on the category itself
      name: this.project.starter ? "Gestures (starter model)" : "Gestures",
      ...ICON_COLOURS,
      blocks: [
        { opcode: "whenShow", blockType: "hat", text: "when I show [GESTURE]", isEdgeActivated: true,
          arguments: { GESTURE: gesture } },
        { opcode: "gesture", blockType: "reporter", text: "gesture" },
        { opcode: "showing", blockType: "Boolean", text: "showing [GESTURE]?", arguments: { GESTURE: gesture } },
        { opcode: "howSure", blockType: "reporter", text: "how sure" },
        { opcode: "handX", blockType: "reporter", text: "hand x" },
        { opcode: "handY", blockType: "reporter", text: "hand y" },
        { opcode: "handsSeen", blockType: "reporter", text: "hands seen" },
        { opcode: "cameraVideo", blockType: "command", text: "turn camera video [STATE]",
          arguments: { STATE: { type: "string", menu: "onOff", defaultValue: "on" } } },
      ],
      menus: {
        gestures: { acceptReporters: true, items: "gestureMenu" },
        onOff: { acceptReporters: false, items: [{ text: "on", value: "on" }, { text: "off", value: "off" }] },
      },
    };
  }

  gestureMenu() {
    return menuItems(this.project.gestures);
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
