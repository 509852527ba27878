// Sandbox copy engine against `cp`: one 1 GiB file (goal ≥ 0.8× cp's throughput) and a tree of
// 20,000 files of 4 KiB (goal ≥ 0.5× `cp -r`). Uses the built package (`tsc -b` first).
// The engine runs in a child process and times only runTransfer; cp is timed as a process.
import { spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fmt, median, root } from "./lib.mjs";

const self = fileURLToPath(import.meta.url);
// COPY_BENCH_DIR=/dev/shm/x measures on another filesystem (tmpfs shows per-file overhead).
const dir = process.env.COPY_BENCH_DIR ?? join(root, ".bench", "copy-engine");
const GIB = 1024 ** 3;
const TREE_FILES = 20_000;
const TREE_DIRS = 100;
const SMALL = 4096;

/** Fills a file with pseudo-random bytes (incompressible, so no filesystem shortcut). */
const writeBigFile = (path, size) => {
  try {
    if (statSync(path).size === size) return;
  } catch {
    // not there yet
  }
  const fd = openSync(path, "w");
  const chunk = Buffer.allocUnsafe(16 * 1024 * 1024);
  let x = 0x9e3779b9;
  for (let i = 0; i < chunk.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    chunk.writeUInt32LE(x >>> 0, i);
  }
  for (let written = 0; written < size; written += chunk.length) {
    chunk.writeUInt32LE(written / chunk.length, 0);
    writeSync(fd, chunk, 0, Math.min(chunk.length, size - written));
  }
  closeSync(fd);
};

const writeTree = (path) => {
  const marker = join(path, `dir${TREE_DIRS - 1}`, `f${TREE_FILES / TREE_DIRS - 1}`);
  try {
    statSync(marker);
    return;
  } catch {
    // build it
  }
  const data = Buffer.alloc(SMALL, 7);
  for (let d = 0; d < TREE_DIRS; d++) {
    mkdirSync(join(path, `dir${d}`), { recursive: true });
    for (let f = 0; f < TREE_FILES / TREE_DIRS; f++) {
      const fd = openSync(join(path, `dir${d}`, `f${f}`), "w");
      writeSync(fd, data);
      closeSync(fd);
    }
  }
};

/** Flushes dirty pages so one run's writeback does not slow the next one down. */
const settle = (path) => {
  rmSync(path, { recursive: true, force: true });
  spawnSync("sync");
};

const timeCp = (args, out) => {
  settle(out);
  const started = process.hrtime.bigint();
  const result = spawnSync("cp", [...args, out], { stdio: "ignore" });
  if (result.status !== 0) throw new Error(`cp ${args.join(" ")} failed`);
  return Number(process.hrtime.bigint() - started) / 1e6;
};

const timeEngine = (scenario, out) => {
  settle(out);
  const result = spawnSync(process.execPath, [self, "--child", scenario, out], {
    encoding: "utf8",
  });
  if (result.status !== 0) throw new Error(`engine run failed: ${result.stderr}`);
  return JSON.parse(result.stdout).ms;
};

/** Child side: one runTransfer, timed alone (no process start, no module loading). */
const child = async (scenario, out) => {
  const { runTransfer } = await import("../packages/sandbox/dist/transfer/CopyEngine.js");
  const hooks = {
    onEvent: () => undefined,
    onCounters: () => undefined,
    onSuccessfulTransfer: () => undefined,
    onSkippedError: () => undefined,
  };
  const tree = scenario.startsWith("tree");
  const job = {
    source: { root: dir, home: "/" },
    destination: { root: dir, home: "/" },
    items: [
      tree
        ? { sourcePath: "/tree/", destinationPath: `/${out.split("/").pop()}/`, recursive: true }
        : { sourcePath: "/big.bin", destinationPath: `/${out.split("/").pop()}` },
    ],
    verifyChecksum: scenario.endsWith("verify"),
    preserveTimestamp: false,
    deleteDestinationExtra: false,
    skipSourceErrors: false,
    failOnQuotaErrors: false,
    filterRules: [],
    retryDelayMs: 1000,
  };
  const started = process.hrtime.bigint();
  const outcome = await runTransfer(job, hooks, new AbortController().signal);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (outcome.kind !== "succeeded") throw new Error(JSON.stringify(outcome));
  process.stdout.write(JSON.stringify({ ms }));
};

export const run = ({ runs = 5 } = {}) => {
  mkdirSync(dir, { recursive: true });
  writeBigFile(join(dir, "big.bin"), GIB);
  writeTree(join(dir, "tree"));
  const out = join(dir, "out");
  const measure = (label, cpArgs, scenario, goal, n = runs) => {
    const cp = [];
    const engine = [];
    for (let i = 0; i < n; i++) {
      if (cpArgs) cp.push(timeCp(cpArgs, out));
      engine.push(timeEngine(scenario, out));
    }
    settle(out);
    return { label, cp: cpArgs ? median(cp) : undefined, engine: median(engine), goal };
  };
  const rows = [
    measure("1 GiB file", [join(dir, "big.bin")], "file", 0.8),
    measure("1 GiB file, verify_checksum (MD5)", undefined, "file-verify", undefined, 3),
    measure(
      `${TREE_FILES.toLocaleString("en")} files of 4 KiB`,
      ["-r", join(dir, "tree")],
      "tree",
      0.5,
    ),
    measure(
      `${TREE_FILES.toLocaleString("en")} files of 4 KiB, verify_checksum`,
      undefined,
      "tree-verify",
      undefined,
      3,
    ),
  ];
  console.log(`\n## sandbox copy engine vs cp (median of ${runs} runs)\n`);
  console.log("| scenario | cp | engine | engine / cp throughput | goal |");
  console.log("| --- | ---: | ---: | ---: | ---: |");
  for (const r of rows) {
    const ratio = r.cp === undefined ? "" : `${fmt(r.cp / r.engine, 2)}×`;
    const cp = r.cp === undefined ? "" : `${fmt(r.cp)} ms`;
    const goal = r.goal === undefined ? "" : `≥ ${r.goal}×`;
    console.log(`| ${r.label} | ${cp} | ${fmt(r.engine)} ms | ${ratio} | ${goal} |`);
  }
  return rows;
};

if (process.argv[2] === "--child") {
  await child(process.argv[3], process.argv[4]);
} else if (process.argv[1] === self) {
  run();
}
