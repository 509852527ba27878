// Shared helpers for benchmarks: run a command N times, report the median, measure peak RSS.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../", import.meta.url));
export const bin = fileURLToPath(new URL("../packages/cli/bin/transflow.js", import.meta.url));
const measure = fileURLToPath(new URL("./measure.mjs", import.meta.url));

export const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs `node <bin> ...args` as a fresh process `runs` times (after `warmup` untimed runs, which
 * fill the OS file cache) and returns wall-clock times in ms and each run's peak RSS in MB.
 */
export const timeCli = (args, options = {}) => timeScript(bin, args, options);

/** Like `timeCli`, for any node script (a baseline written in plain node, say). */
export const timeScript = (
  script,
  args,
  { runs = 15, warmup = 2, cwd = root, expectCode = 0 } = {},
) => {
  const times = [];
  const rss = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = process.hrtime.bigint();
    const result = spawnSync(process.execPath, [measure, script, ...args], {
      cwd,
      encoding: "utf8",
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (result.status !== expectCode) {
      throw new Error(`${script} ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
    }
    if (i < warmup) continue;
    times.push(ms);
    const peak = /peak-rss-kb=(\d+)/.exec(result.stderr);
    if (peak) rss.push(Number(peak[1]) / 1024);
  }
  return {
    times,
    rss,
    medianMs: median(times),
    medianRssMb: median(rss),
    maxRssMb: Math.max(...rss),
  };
};

/** Times a plain command (a baseline such as `node -e 0`). */
export const timeCommand = (command, args, { runs = 15, warmup = 2, cwd = root } = {}) => {
  const times = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = process.hrtime.bigint();
    spawnSync(command, args, { cwd, stdio: "ignore" });
    if (i >= warmup) times.push(Number(process.hrtime.bigint() - started) / 1e6);
  }
  return { times, medianMs: median(times) };
};

export const fmt = (n, digits = 0) => n.toFixed(digits);
