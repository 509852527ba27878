/**
 * Runs the built `transflow` binary as a child process, as a user would, and captures its output.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

import { recordCliOutput } from "./leaks.ts";

export const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
export const binPath = fileURLToPath(
  new URL("../../../packages/cli/bin/transflow.js", import.meta.url),
);

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export const runCli = (
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<CliResult> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [binPath, ...args], {
      cwd: options.cwd ?? repoRoot,
      env: { ...process.env, NO_COLOR: "1", ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      recordCliOutput(args, { stdout, stderr }, options.env?.TRANSFLOW_HOME);
      resolve({ code, stdout, stderr });
    });
  });

/** A stack trace in output means a user's mistake was treated as a crash. */
export const hasStackTrace = (text: string): boolean => /\n\s+at .+[(:]\d+:\d+\)?/.test(text);

/** A CLI child process still running: its output so far, its stdin, and its end. */
export interface RunningCli {
  readonly child: ChildProcessWithoutNullStreams;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stderr (rejects if the process ends first). */
  waitForStderr(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The same for stdout (where `run` and `wait` print their plain lines when not on a TTY). */
  waitForStdout(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Writes to the child's stdin (kept open until `endStdin` or the end). */
  write(text: string): void;
  endStdin(): void;
  readonly done: Promise<CliResult>;
}

/** Starts the built CLI and keeps its stdin open, for commands that read from it (login). */
export const startCli = (
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): RunningCli => {
  const child = spawn(process.execPath, [binPath, ...args], {
    cwd: options.cwd ?? repoRoot,
    env: { ...process.env, NO_COLOR: "1", ...options.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  const listeners = new Set<() => void>();
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    for (const listener of listeners) listener();
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
    for (const listener of listeners) listener();
  });
  const waitForText =
    (name: string, text: () => string) =>
    (pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`timed out waiting for ${pattern} in ${name}:\n${stdout}\n${stderr}`));
        }, timeoutMs);
        const check = () => {
          const match = text().match(pattern);
          if (match !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            clearTimeout(timer);
            listeners.delete(check);
            reject(
              new Error(
                `the CLI ended before ${pattern} appeared in ${name}:\n${stdout}\n${stderr}`,
              ),
            );
          }
        };
        listeners.add(check);
        check();
      });
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => {
      for (const listener of listeners) listener();
      recordCliOutput(args, { stdout, stderr }, options.env?.TRANSFLOW_HOME);
      resolve({ code, stdout, stderr });
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    waitForStderr: waitForText("stderr", () => stderr),
    waitForStdout: waitForText("stdout", () => stdout),
    write: (text) => {
      child.stdin.write(text);
    },
    endStdin: () => {
      child.stdin.end();
    },
    done,
  };
};
