// `npm run soak [-- --kills N] [--seed S]`: the kill-and-resume reliability test with many more kill
// points than CI affords (default 120). It runs test/e2e/run-reliability.test.ts's "kill -9 and
// resume" test — the built CLI against a sandbox process, `kill -9` at seeded moments, resumed each
// time, then one task per batch and every file compared — round after round (each round one run
// on a new sandbox) until that many kills landed, and prints a summary. Not part of CI.
// A failure prints the seed: `npm run soak -- --seed S` replays the same kill points.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../", import.meta.url));

const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    console.error(`--${name} needs a positive whole number`);
    process.exit(2);
  }
  return value;
};

const kills = option("kills", 120);
const seed = option("seed", Date.now() % 1_000_000_000);
const dir = mkdtempSync(join(tmpdir(), "transflow-soak-"));
const report = join(dir, "summary.json");

console.log(`# transflow soak: ${kills} kill points, seed ${seed}`);
const started = Date.now();
const result = spawnSync(
  process.execPath,
  [
    join(root, "node_modules/vitest/vitest.mjs"),
    "run",
    "--project",
    "e2e",
    "test/e2e/run-reliability.test.ts",
    "--testNamePattern",
    "kill -9 and resume",
  ],
  {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      TRANSFLOW_SOAK_KILLS: String(kills),
      TRANSFLOW_SOAK_SEED: String(seed),
      TRANSFLOW_SOAK_REPORT: report,
    },
  },
);

let summary;
try {
  summary = JSON.parse(readFileSync(report, "utf8"));
} catch {
  summary = undefined;
}
rmSync(dir, { recursive: true, force: true });

if (summary === undefined || result.status !== 0) {
  console.log(
    `\n✗ soak failed (exit ${result.status}); replay with: npm run soak -- --kills ${kills} --seed ${seed}`,
  );
  process.exit(result.status === 0 ? 1 : (result.status ?? 1));
}
const kinds = Object.entries(summary.killsByKind)
  .sort(([, a], [, b]) => b - a)
  .map(([kind, n]) => `${kind} ${n}`)
  .join(", ");
const rows = [
  ["seed", summary.seed],
  ["rounds (runs from start to finish)", summary.rounds],
  ["attempts (processes started)", summary.attempts],
  ["kill -9 that landed", `${summary.kills} (${kinds})`],
  ["attempts that resumed a run", summary.resumedAttempts],
  ["submits answered Duplicate", summary.duplicateAnswers],
  ["tasks at the sandbox (= batches)", summary.tasks],
  ["files compared (sha256)", summary.filesCompared],
  ["wall time", `${((Date.now() - started) / 1000).toFixed(0)} s`],
];
console.log("\n| soak | |\n| --- | --- |");
for (const [what, value] of rows) console.log(`| ${what} | ${value} |`);
console.log(
  "\n✓ every round: one task per batch, every file at the destination with an equal sha256",
);
