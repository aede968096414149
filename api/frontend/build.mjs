// Bundles each page's script (src/*.js) with the npm libraries it imports into
// ../static/build/, which the app serves at /static/build/. Nothing is fetched at run time.
import { build } from "esbuild";
import { cpSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "..", "static", "build");
const entries = readdirSync(join(here, "src")).filter((name) => /\.(js|css)$/.test(name))
  .map((name) => join(here, "src", name));

mkdirSync(out, { recursive: true });
await build({
  entryPoints: entries,
  outdir: out,
  bundle: true,
  minify: true,
  sourcemap: false,
  format: "esm",
  target: ["chrome110", "firefox110", "safari16"],
  loader: { ".woff": "file", ".woff2": "file", ".ttf": "file", ".eot": "file", ".svg": "file", ".png": "file" },
  logLevel: "warning",
});
// Files a library loads by URL rather than by import: pdf.js's worker.
cpSync(join(here, "node_modules", "pdfjs-dist", "build", "pdf.worker.min.mjs"), join(out, "pdf.worker.min.mjs"));
// pdf.js's data, fetched only by PDFs that need it: character maps (CJK), the standard fonts a
// PDF names without embedding them, and the image decoders' JavaScript fallback (JPEG 2000).
for (const folder of ["cmaps", "standard_fonts", "wasm"]) {
  cpSync(join(here, "node_modules", "pdfjs-dist", folder), join(out, "pdfjs", folder), { recursive: true });
}
writeFileSync(join(out, ".built"), new Date().toISOString() + "\n");
