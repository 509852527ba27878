// Shared by the `transflow run` benchmarks: the sandbox as a separate process (so its CPU and
// memory are not the client's), its admin API, and the CLI or a node script run as a child
// process whose events, exit code and peak RSS are collected.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultConfig } from "@transflow/sandbox";
import { bin, root } from "./lib.mjs";

const measure = fileURLToPath(new URL("./measure.mjs", import.meta.url));

/** Starts `transflow sandbox` in `dir` with `defaultConfig` plus `overrides`. */
export const startSandbox = async (dir, overrides = {}) => {
  mkdirSync(dir, { recursive: true });
  const infoFile = join(dir, "info.json");
  const configFile = join(dir, "sandbox.json");
  rmSync(infoFile, { force: true });
  writeFileSync(configFile, JSON.stringify({ ...defaultConfig, ...overrides }));
  const child = spawn(
    process.execPath,
    [
      bin,
      "sandbox",
      "--port",
      "0",
      "--data-dir",
      join(dir, "data"),
      "--info-file",
      infoFile,
      "--config",
      configFile,
    ],
    { stdio: "ignore" },
  );
  const exited = new Promise((resolve) => child.on("exit", resolve));
  for (let i = 0; i < 600; i++) {
    try {
      const info = JSON.parse(readFileSync(infoFile, "utf8"));
      const admin = async (path, init = {}) => {
        const response = await fetch(`${info.adminUrl}${path}`, {
          method: init.json === undefined ? (init.method ?? "GET") : "POST",
          headers: { "content-type": "application/json" },
          ...(init.json === undefined ? {} : { body: JSON.stringify(init.json) }),
        });
        return response.json();
      };
      return {
        info,
        pid: child.pid,
        admin,
        /** The sandbox's `requests` counters: `{ total, byEndpoint }`. */
        requests: async () => (await admin("state")).requests,
        resetRequests: () => admin("requests/reset", { method: "POST" }),
        /** CPU seconds the sandbox process has used (user + system), from /proc. */
        cpuSeconds: () => {
          const fields = readFileSync(`/proc/${child.pid}/stat`, "utf8").split(") ")[1].split(" ");
          return (Number(fields[11]) + Number(fields[12])) / 100;
        },
        collection: (entityType) =>
          info.collections.find((c) => c.entityType === entityType && !c.highAssurance),
        stop: () => {
          if (child.exitCode === null) child.kill("SIGTERM");
          return exited;
        },
      };
    } catch {
      if (child.exitCode !== null) throw new Error(`sandbox exited ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  child.kill("SIGTERM");
  throw new Error("sandbox did not start");
};

/**
 * Runs `node measure.mjs script ...args` with `env` added, without blocking this process; resolves
 * to its exit code, stdout, stderr, wall time, peak RSS (MB) and CPU seconds (user + system).
 */
export const runNode = (script, args, env) =>
  new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, [measure, script, ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (c) => {
      stdout += c;
    });
    child.stderr.setEncoding("utf8").on("data", (c) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const peak = /peak-rss-kb=(\d+)/.exec(stderr);
      const cpu = /cpu-us=(\d+)/.exec(stderr);
      resolve({
        code,
        stdout,
        stderr,
        ms: Number(process.hrtime.bigint() - started) / 1e6,
        rssMb: peak ? Number(peak[1]) / 1024 : Number.NaN,
        cpuSeconds: cpu ? Number(cpu[1]) / 1e6 : Number.NaN,
      });
    });
  });

/** `transflow ...args` as a child process (see `runNode`); `events` parses `--json` output. */
export const runCli = async (args, env) => {
  const result = await runNode(bin, args, env);
  const events = result.stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
  return { ...result, events };
};

/** The environment a client needs to use the sandbox, with its own state folder. */
export const clientEnv = (sandbox, home) => ({ ...sandbox.info.env, TRANSFLOW_HOME: home });

/** Milliseconds between two events' ISO times. */
export const between = (a, b) => Date.parse(b.time) - Date.parse(a.time);
