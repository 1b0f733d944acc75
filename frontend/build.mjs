// Builds the component into ui/browser/frontend_build/ (gitignored): index.html, the bundle, and the
// runtime files copied from node_modules (tasks-vision's SIMD WASM and onnxruntime-web's plain WASM build).
// hand_landmarker.task is added by `make frontend` from the mediapipe wheel (scripts/make_task.py).
import { build } from "esbuild";
import { copyFileSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, "..", "ui", "browser", "frontend_build");
mkdirSync(out, { recursive: true });

// the page's bundle, and the hand worker's (src/handworker.js): a classic worker, as tasks-vision loads its WASM
// runtime there with importScripts
for (const [entry, bundle] of [["main.js", "app.js"], ["handworker.js", "handworker.js"]]) {
  await build({
    entryPoints: [join(here, "src", entry)],
    bundle: true,
    format: "iife",
    target: "es2020",
    minify: true,
    outfile: join(out, bundle),
    logLevel: "warning",
  });
}

const copies = {
  "index.html": join(here, "index.html"),
  "vision_wasm_internal.js": join(here, "node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_internal.js"),
  "vision_wasm_internal.wasm": join(here, "node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_internal.wasm"),
  "vision_wasm_nosimd_internal.js": join(here, "node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_nosimd_internal.js"),
  "vision_wasm_nosimd_internal.wasm": join(here, "node_modules/@mediapipe/tasks-vision/wasm/vision_wasm_nosimd_internal.wasm"),
  "ort-wasm-simd-threaded.wasm": join(here, "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.wasm"),
  // onnxruntime-web's wasm-only build as a script of its own (global `ort`), and the glue it imports: its proxy
  // worker (env.wasm.proxy) loads the same script, so it must not be our bundle
  "ort.wasm.min.js": join(here, "node_modules/onnxruntime-web/dist/ort.wasm.min.js"),
  "ort-wasm-simd-threaded.mjs": join(here, "node_modules/onnxruntime-web/dist/ort-wasm-simd-threaded.mjs"),
};
for (const [name, source] of Object.entries(copies)) copyFileSync(source, join(out, name));
console.log(`built ${out}`);
