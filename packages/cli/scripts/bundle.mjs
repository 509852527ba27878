// Bundles the CLI into a few ESM files under dist/bundle/ after `tsc -b`. Node 20 has no compile
// cache, and loading ~200 small ES modules (zod, yaml, commander) costs more than the work of a
// command; one bundle per command path halves start-up. Commands stay lazily loaded (splitting).
import { rmSync } from "node:fs";
import { build } from "esbuild";

const here = new URL("../", import.meta.url);
// Chunk names carry content hashes: clear old ones so the folder holds one build.
rmSync(new URL("dist/bundle/", here), { recursive: true, force: true });

await build({
  absWorkingDir: here.pathname,
  entryPoints: ["src/main.ts"],
  outdir: "dist/bundle",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  // tsx must stay a real package: it registers loaders that find their own files.
  external: ["tsx", "tsx/*"],
  // Resolve workspace packages to their sources, so the bundle never depends on stale dist/.
  conditions: ["source"],
  // commander is CommonJS; bundled CJS needs a require() in ESM scope.
  banner: {
    js: 'import { createRequire as __transflowCreateRequire } from "node:module"; const require = __transflowCreateRequire(import.meta.url);',
  },
  sourcemap: "linked",
  legalComments: "none",
  logLevel: "warning",
});
