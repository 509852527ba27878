/**
 * `transflow wait <run> [--json] [--timeout D]`: follows the tasks a run already submitted (with
 * `--detach`, or before it was interrupted) to their end, recording what happens in its journal;
 * submits nothing. Renders the events as `transflow run` does: progress bars on a terminal,
 * timestamped lines in logs, JSON lines with `--json`.
 */
import { type CommandReport, type WaitResult, waitForRunFromEnv } from "@transflow/runner";
import type { Io } from "../Io.ts";
import { renderDiagnostic } from "../render/Diagnostics.ts";
import { makeRunRenderer } from "../render/RunRenderer.ts";
import { makeStyle } from "../render/Style.ts";
import { type Interruptible, runUntilInterrupted } from "./untilInterrupted.ts";

export interface WaitCommandOptions {
  readonly json?: boolean;
  readonly timeout?: string;
}

const UNIT_MILLIS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** `90` (seconds), `90s`, `15m`, `1h30m`, `500ms`, `2d` → milliseconds; undefined if not one. */
export const parseDuration = (text: string): number | undefined => {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let at = 0;
  while (at < trimmed.length) {
    part.lastIndex = at;
    const match = part.exec(trimmed);
    if (match === null) return undefined;
    total += Number(match[1]) * (UNIT_MILLIS[match[2] ?? ""] ?? 0);
    at = part.lastIndex;
  }
  return at === 0 || total <= 0 ? undefined : total;
};

export const waitCommand = async (
  io: Io,
  runId: string,
  options: WaitCommandOptions,
): Promise<number> => {
  const err = makeStyle(io.stderr, io.env);
  const timeout = options.timeout === undefined ? undefined : parseDuration(options.timeout);
  if (options.timeout !== undefined && timeout === undefined) {
    io.stderr.write(
      `${err.red("error")}: --timeout ${JSON.stringify(options.timeout)} is not a duration: say 90s, 15m, 2h or 1h30m\n`,
    );
    return 2;
  }
  const renderer = await makeRunRenderer(io, options.json === true);
  const running = runUntilInterrupted(
    waitForRunFromEnv(
      { runId, env: io.env, ...(timeout === undefined ? {} : { timeout }) },
      renderer.render,
    ),
    { exitCode: 130, diagnostics: [] },
  );
  let done: Interruptible<CommandReport<WaitResult>>;
  try {
    done = await running;
  } finally {
    renderer.stop();
  }
  const { result: report, interrupted } = done;
  for (const d of report.diagnostics) io.stderr.write(renderDiagnostic(d, err));
  if (interrupted && report.exitCode === 130) {
    io.stderr.write(
      `${err.yellow("stopped waiting")}: the tasks keep running at Globus. Wait again with: transflow wait ${runId}\n`,
    );
  }
  return report.exitCode;
};
