// The handteach blocks as one self-contained file for TurboWarp's custom-extension loader (served by the app beside
// the editor: docs/scratch.md says at which address). TurboWarp runs an extension loaded by URL in its sandbox, a
// cross-origin frame with no camera, and the engine (MediaPipe's WASM, the hand and pose models, the project's
// ONNX) lives in the app's editor: so here the blocks are there, a game made in handteach opens and its scripts read
// as they were written, but nothing is recognised: the blocks answer "no hand", and the category says where they
// see. Nothing here asks the network for anything.

import { HandteachBlocks } from "./extension.js";
import { frameAnswer } from "./answers.js";

export const TURBOWARP_NAME = "Gestures (only in handteach)";

export class TurboWarpBlocks extends HandteachBlocks {
  constructor(runtime) {
    super(runtime, { latest: frameAnswer([], []) }, { gestures: [], starter: false, kind: "hand" });
  }

  // every block a game made in handteach may hold: a gesture game's and a motion game's
  getInfo() {
    const gestures = super.getInfo();
    this.project.motion = true;
    const motions = super.getInfo();
    this.project.motion = false;
    const have = new Set(gestures.blocks.map((b) => b.opcode));
    return { ...gestures, name: TURBOWARP_NAME, blocks: [...gestures.blocks, ...motions.blocks.filter((b) => !have.has(b.opcode))] };
  }
}

// TurboWarp's and Scratch's custom-extension API: `Scratch.extensions.register(instance)`.
export function register(Scratch) {
  const runtime = Scratch.vm ? Scratch.vm.runtime : {};
  Scratch.extensions.register(new TurboWarpBlocks(runtime));
}

if (typeof globalThis.Scratch === "object" && globalThis.Scratch && globalThis.Scratch.extensions) register(globalThis.Scratch);
