// `npm run bench [-- name ...]`: runs the benchmarks (all, or those named) against the built CLI
// and prints Markdown tables of medians. Not part of CI: these machines are noisy.
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { root } from "./lib.mjs";

// The benchmarks run the built CLI, so build it as `npm run build` does.
execFileSync(process.execPath, [`${root}node_modules/typescript/bin/tsc`, "-b"], {
  cwd: root,
  stdio: "inherit",
});
execFileSync(process.execPath, [`${root}packages/cli/scripts/bundle.mjs`], {
  cwd: root,
  stdio: "inherit",
});
const wanted = process.argv.slice(2);
const benches = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".bench.mjs"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)));
console.log(`# transflow benchmarks (node ${process.version}, ${new Date().toISOString()})`);
for (const file of benches) {
  const bench = await import(new URL(file, import.meta.url).href);
  await bench.run();
}
