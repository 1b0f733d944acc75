// Builds the Scratch editor into ui/scratch/editor_build/ (gitignored; `make scratch`):
// 1. scratch-gui's npm tarball (editor.lock.json: its version and hash), fetched by `npm pack` into a cache of its
//    own that is deleted after, and from it only what the editor loads: dist/scratch-gui.js, its worker, its chunks,
//    the blocks' media and the pictures scratch-gui.js names (its tutorials' other languages stay out: 14 of 66 MB);
//    the package's LICENSE and package.json go beside them, unmodified, with its source's address (SOURCE.txt);
// 2. React 16 from node_modules (scratch-gui's peer dependency, its UMD builds);
// 3. the page (index.html), start.js (with guard.js), host.js, the pose worker and the TurboWarp extension bundled
//    with esbuild (host.js imports the browser path's engine from ../frontend/src);
// 4. the browser path's engine files (the hand models, MediaPipe's and onnxruntime's WASM) linked from its build;
// 5. scratch-gui.js gzipped once, served as it is (ui/server/assets.py).
import { build } from "esbuild";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { gzipSync } from "node:zlib";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = process.argv[2] || join(here, "..", "ui", "scratch", "editor_build");
const browserBuild = process.argv[3] || join(here, "..", "ui", "browser", "frontend_build");
const lock = JSON.parse(readFileSync(join(here, "editor.lock.json"), "utf8"));
const ENGINE = ["handworker.js", "ort.wasm.min.js", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm",
  "vision_wasm_internal.js", "vision_wasm_internal.wasm", "vision_wasm_nosimd_internal.js",
  "vision_wasm_nosimd_internal.wasm", "hand_landmarker.task", "hand_landmarker_lite.task"];

for (const name of ENGINE) {
  if (!existsSync(join(browserBuild, name))) throw new Error(`${name} is missing from ${browserBuild}: make frontend first`);
}
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

// 1. the tarball, checked against the lock, then only the files the editor loads
const work = mkdtempSync(join(tmpdir(), "handteach-scratch-"));
try {
  execFileSync("npm", ["pack", `${lock.name}@${lock.version}`, "--pack-destination", work, "--cache", join(work, "cache"),
    "--loglevel=error"], { stdio: ["ignore", "ignore", "inherit"] });
  const tarball = join(work, `${lock.name}-${lock.version}.tgz`);
  const digest = `sha512-${createHash("sha512").update(readFileSync(tarball)).digest("base64")}`;
  if (digest !== lock.integrity) throw new Error(`${lock.name}@${lock.version}: its hash is not editor.lock.json's`);
  const tar = (...members) => execFileSync("tar", ["xzf", tarball, "-C", work, ...members], { stdio: "inherit" });
  tar("package/LICENSE", "package/package.json", "package/dist/scratch-gui.js", "package/dist/extension-worker.js",
    "package/dist/chunks", "package/dist/static/blocks-media");
  const library = readFileSync(join(work, "package/dist/scratch-gui.js"), "utf8");
  const named = [...new Set(library.match(/static\/assets\/[A-Za-z0-9_.-]+/g))].map((p) => `package/dist/${p}`);
  tar(...named);
  execFileSync("cp", ["-R", `${join(work, "package", "dist")}/.`, out]); // join() would drop the "/."
  copyFileSync(join(work, "package/LICENSE"), join(out, "LICENSE-scratch-gui.txt"));
  copyFileSync(join(work, "package/package.json"), join(out, "package-scratch-gui.json"));
} finally {
  rmSync(work, { recursive: true, force: true });
}
writeFileSync(join(out, "SOURCE.txt"), `This editor is ${lock.name} ${lock.version} (${lock.license}), served unmodified from its npm tarball\n`
  + `${lock.resolved}\nIts source: ${lock.source} (tag v${lock.version}). handteach's page around it and its blocks: `
  + "the scratch/ folder of handteach's source.\n");

// 2. React
copyFileSync(join(here, "node_modules/react/umd/react.production.min.js"), join(out, "react.production.min.js"));
copyFileSync(join(here, "node_modules/react-dom/umd/react-dom.production.min.js"), join(out, "react-dom.production.min.js"));

// 3. the page
for (const entry of ["start.js", "host.js", "poseworker.js", "turbowarp.js"]) {
  await build({ entryPoints: [join(here, "src", entry)], bundle: true, format: "iife", target: "es2020", minify: true,
    outfile: join(out, entry), logLevel: "warning", nodePaths: [join(here, "..", "frontend", "node_modules")] });
}
copyFileSync(join(here, "index.html"), join(out, "index.html"));

// 4. the engine's files: hard links where the two builds share a disk (no second copy), copies elsewhere
for (const name of ENGINE) {
  try {
    linkSync(join(browserBuild, name), join(out, name));
  } catch {
    copyFileSync(join(browserBuild, name), join(out, name));
  }
}
// 5. the editor's library gzipped once here (level 6, as ui/server/assets.py would), which the server sends as it is:
//    compressed on a fresh server's first visit, it held that visitor up by 3 s of the server's CPU
writeFileSync(join(out, "scratch-gui.js.gz"), gzipSync(readFileSync(join(out, "scratch-gui.js")), { level: 6 }));
console.log(`built ${out}`);
