// The editor's page: scratch-gui's prebuilt library (served unmodified, loaded by index.html as the
// global `GUI`) mounted full size, the handteach blocks registered in its VM, and the project the Make page sends
// opened in it. Spoken to by Streamlit's component protocol (frontend/src/protocol.js); nothing per frame goes to
// the server.

import { componentReady, componentValue, renderArgs } from "../../frontend/src/protocol.js";
import { EXTENSION_ID, HandteachBlocks } from "./extension.js";
import { Recogniser } from "./recognise.js";
import { BodyRecogniser } from "./bodies.js";
import { StageSkeleton } from "./stageskeleton.js";
import { bodyAnswer, frameAnswer } from "./answers.js";
import { watchLibraries } from "./libraries.js";

const ASSETS = new URL("./", window.location.href).href; // Streamlit serves the component's folder here
const note = document.getElementById("note");
const say = (text) => {
  note.textContent = text;
  note.hidden = !text;
};

// kind: "hand" or "body" (the engine that finds them), from the first render; motion: the blocks of a motion project
const project = { gestures: [], starter: false, kind: null, motion: false };
let recogniser = null; // made once the page says the project's kind: the hand or the body engine
const page = { vm: null, blocks: null, opened: null, pending: null, gesturesKey: "", skeleton: null, hands: null };
window.handteachScratch = { page, recogniser, project };
// what the blocks read: the recogniser's answer; before it starts, nothing seen
// and how many hands the tab looks for (the blocks' "look for [2] hands")
const source = {
  get latest() { return recogniser ? recogniser.latest : (project.kind === "body" ? bodyAnswer([], []) : frameAnswer([], [])); },
  lookFor(hands) {
    page.hands = hands;
    if (recogniser) recogniser.settings.hands = hands;
  },
};

// The tab follows one hand (frames of the palm finder only where it lost it), except in a motion project: a motion's
// path needs the hand found afresh on each frame. On the swipe video of tests/test_browser_scratch_motion.py, the
// hand followed from frame to frame shrank (wrist to knuckles 0.15 of the frame, then 0.04) as it was held after a
// swipe, and the spotter named 14 swipes in 19 s where the video made 8 or 9; looking for two hands (the palm finder
// on every frame), 7 in 18 s, each the right way.
const defaultHands = () => (project.motion ? 2 : 1);

// Whether the page around this frame (same origin) shows the contrast theme (ui/common/theme.py), as draw.js asks.
function contrastTheme() {
  try {
    return window.parent.document.documentElement.getAttribute("data-handteach-contrast") === "on";
  } catch {
    return false;
  }
}

// The recogniser starts once the project's kind is there, before the editor's library runs (loadLibrary): the
// camera, the hand worker and its model start first, and load beside it.
function startRecognising() {
  if (recogniser || !project.kind) return;
  performance.mark("ht:recognising");
  recogniser = project.kind === "body" ? new BodyRecogniser(ASSETS, say) : new Recogniser(ASSETS, say);
  recogniser.onFound = (skeletons) => page.skeleton && page.skeleton.show(skeletons);
  window.handteachScratch.recogniser = recogniser;
  Object.assign(recogniser.settings, page.settings, { hands: page.hands || defaultHands() });
  if (page.model) recogniser.loadModel(...page.model);
  recogniser.start();
}

function vmReady(vm) {
  performance.mark("ht:vm");
  page.vm = vm;
  page.skeleton = new StageSkeleton(vm.renderer, () => project.kind, contrastTheme);
  page.blocks = new HandteachBlocks(vm.runtime, source, project, page.skeleton);
  const service = vm.extensionManager._registerInternalExtension(page.blocks);
  // a project that uses the blocks opens without asking for an extension of that id elsewhere
  vm.extensionManager._loadedExtensions.set(EXTENSION_ID, service);
  vm.runtime.on("PROJECT_RUN_START", () => {
    if (!page.blocks.videoOn) page.blocks.setVideo(true);
  });
  if (page.pending) openProject(page.pending);
  startRecognising();
}

async function openProject(sent) {
  if (!page.vm) {
    page.pending = sent;
    return;
  }
  page.pending = null;
  page.opened = sent.id;
  source.lookFor(defaultHands()); // a game asks again for two hands when it needs them
  const bytes = sent.data.slice().buffer;
  try {
    await page.vm.loadProject(bytes);
    page.loaded = sent.id; // the browser test waits for it
  } catch (error) {
    say("This project did not open in the editor.");
  }
}

// *Save to my project* on the Make page: each new save_request is answered once with the editor's project as an .sb3
// (base64: a component's value is JSON), the request and the project the page opened the editor for
async function answerSave(request, projectKey) {
  page.saveAnswered = request;
  const answer = { save: request, project: projectKey };
  try {
    if (!page.vm) throw new Error("the editor is still loading");
    const bytes = new Uint8Array(await (await page.vm.saveProjectSb3()).arrayBuffer());
    let text = "";
    for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    answer.sb3 = btoa(text);
  } catch (error) {
    answer.error = String(error.message || error);
  }
  window.parent.postMessage(componentValue(answer), window.location.origin);
}

function onRender(args) {
  const gestures = Array.isArray(args.gestures) ? args.gestures : [];
  project.gestures = gestures.map((g) => ({ name: String(g.name), emoji: String(g.emoji || ""), shown: String(g.shown) }));
  project.starter = Boolean(args.starter);
  project.kind = project.kind || (args.kind === "body" ? "body" : "hand"); // the page keys its editor by the kind
  project.motion = Boolean(args.motion);
  page.settings = { tolerance: args.tolerance, threshold: args.threshold, steady: project.kind === "body" ? null : args.steady || null };
  if (args.model) page.model = [args.model, args.model_version];
  startRecognising();
  Object.assign(recogniser ? recogniser.settings : {}, page.settings);
  const key = JSON.stringify([project.gestures, project.starter, project.motion]);
  if (page.vm && key !== page.gesturesKey) page.vm.extensionManager.refreshBlocks();
  page.gesturesKey = key;
  if (args.model && recogniser) recogniser.loadModel(args.model, args.model_version);
  // top-level arguments: Streamlit sends bytes as bytes only there
  if (args.project_id && args.project_id !== page.opened && args.project_data) {
    openProject({ id: args.project_id, data: args.project_data });
  }
  if (args.save_request && args.save_request !== page.saveAnswered) answerSave(args.save_request, args.project_key);
}

// Beside Streamlit's sidebar the frame is narrower than the editor with its large stage, which the frame then cut on
// the right (the stage's last 100 px, its size buttons): a narrow frame starts on the small stage, as a child would
// choose with the button above it.
function smallStageWhenNarrow(tries = 50) {
  if (window.innerWidth >= 1240) return;
  const small = document.querySelector("[title='Switch to small stage'], [aria-label='Switch to small stage']");
  if (small) small.click();
  else if (tries > 0) setTimeout(() => smallStageWhenNarrow(tries - 1), 200);
}

function mount() {
  const GUI = window.GUI, app = document.getElementById("app");
  GUI.setAppElement(app);
  const Editor = GUI.AppStateHOC(GUI.default);
  const here = new URL("library", window.location.href).href; // the origin's own: nothing is asked elsewhere
  window.ReactDOM.render(window.React.createElement(Editor, {
    projectId: "0", assetHost: here, projectHost: here, canSave: false, canEditTitle: true,
    backpackVisible: false, showComingSoon: false, onVmInit: vmReady,
    onStorageInit: (storage) => storage.addOfficialScratchWebStores(),
  }), app);
}

// The editor's library runs once the first render has started the tab's recognition and the camera has opened (or
// after LIBRARY_WAIT_MS: a camera still asking the child's permission). Run first, it held the page's thread for
// seconds: the render's message waited behind it, and with it the camera, the hand worker and the gesture model,
// the last to be ready (bench/speed/scratch.py, cold).
const LIBRARY_WAIT_MS = 1500;
let libraryAsked = false;
function loadLibrary() {
  if (libraryAsked) return;
  libraryAsked = true;
  performance.mark("ht:library-asked");
  const library = Object.assign(document.createElement("script"), { src: "scratch-gui.js" });
  library.addEventListener("load", () => {
    performance.mark("ht:library-run");
    mount();
    smallStageWhenNarrow();
  });
  library.addEventListener("error", () => say("The Scratch editor did not load: reload the page."));
  document.body.appendChild(library);
}

// Streamlit's render messages, from the page that holds this frame only: a message from any other window or origin
// (another tab, a frame inside the editor) is refused
export function fromTheApp(event, parent = window.parent, origin = window.location.origin) {
  return event.source === parent && event.origin === origin;
}
window.addEventListener("message", (event) => {
  const args = fromTheApp(event) ? renderArgs(event.data) : null;
  if (args === null) return;
  onRender(args);
  if (!libraryAsked) (recogniser ? recogniser.cameraTried : Promise.resolve()).then(() => setTimeout(loadLibrary));
});
performance.mark("ht:host");
window.parent.postMessage(componentReady(), window.location.origin); // first: Streamlit warns of a silent component
watchLibraries(document);
setTimeout(loadLibrary, LIBRARY_WAIT_MS);
