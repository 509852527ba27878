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

const ESC = "\u001b";
/** ANSI control sequences (CSI: colours, cursor moves, line clears, cursor show/hide). */
const CSI = new RegExp(`${ESC}\\[[0-9;?]*[A-Za-z]`, "g");

/** What a person reads on a terminal: no control sequences, no carriage returns. */
export const stripAnsi = (text: string): string => text.replace(CSI, "").replace(/\r/g, "");

const shellWord = (word: string): string => `'${word.replaceAll("'", `'\\''`)}'`;

/**
 * Starts the built CLI and keeps its stdin open, for commands that read from it (login).
 *
 * With `terminal`, it runs under `script` (util-linux, Debian's essential bsdutils package): its
 * stdout and stderr are a real terminal, whose output is `stdout` (matched with `stripAnsi`), and
 * what is written to stdin is typed on it, so "\x03" becomes SIGINT through the terminal's line
 * discipline, as a person's Ctrl-C does.
 */
export const startCli = (
  args: readonly string[],
  options: { cwd?: string; env?: Record<string, string | undefined>; terminal?: boolean } = {},
): RunningCli => {
  const env = { ...process.env, NO_COLOR: "1", ...options.env };
  const terminal = options.terminal === true;
  // `exec`: the CLI itself is the terminal's foreground process, not a shell waiting for it.
  const command = `exec ${[process.execPath, binPath, ...args].map(shellWord).join(" ")}`;
  const child = terminal
    ? spawn("script", ["-qfec", command, "/dev/null"], {
        cwd: options.cwd ?? repoRoot,
        env: { ...env, SHELL: "/bin/sh", TERM: "xterm-256color" },
        stdio: ["pipe", "pipe", "pipe"],
      })
    : spawn(process.execPath, [binPath, ...args], {
        cwd: options.cwd ?? repoRoot,
        env,
        stdio: ["pipe", "pipe", "pipe"],
      });
  const shown = terminal ? stripAnsi : (text: string) => text;
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
          const match = shown(text()).match(pattern);
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
      if (terminal) child.stdin.end();
      for (const listener of listeners) listener();
      recordCliOutput(
        terminal ? [...args, "(on a terminal)"] : args,
        { stdout, stderr },
        options.env?.TRANSFLOW_HOME,
      );
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
