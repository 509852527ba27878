/**
 * `transflow run <workflow|plan.json>`: plans (or loads the plan), checks consents, executes and
 * follows every task; resumes the unfinished run of the same workflow and inputs. Renders the run's
 * events as progress bars on a terminal, timestamped lines in logs, or JSON lines with `--json`.
 * `--sandbox` runs it all against a local Globus started in this process.
 */
import { join, resolve } from "node:path";
import type { RunEvent, RunReport } from "@transflow/runner";
import type { Io } from "../Io.ts";
import { renderDiagnostic } from "../render/Diagnostics.ts";
import { makeRunRenderer } from "../render/RunRenderer.ts";
import { makeStyle, type Style } from "../render/Style.ts";
import { type InputOptions, readInputs } from "./inputs.ts";
import { type Interruptible, runUntilInterrupted } from "./untilInterrupted.ts";

export interface RunCommandOptions extends InputOptions {
  readonly json?: boolean;
  readonly detach?: boolean;
  readonly fresh?: boolean;
  readonly concurrency?: number;
  readonly maxItemsPerBatch?: number;
  readonly cancelOnInterrupt?: boolean;
  readonly sandbox?: boolean;
}

/** The command line that resumes this run: the same command, without `--fresh`. */
const rerunCommand = (target: string, options: RunCommandOptions): string => {
  const words = ["transflow", "run", target];
  for (const input of options.input ?? []) words.push("--input", input);
  if (options.inputsFile !== undefined) words.push("--inputs-file", options.inputsFile);
  return words.join(" ");
};

/** The sandbox's environment and data folder, for `--sandbox`; closes with `close`. */
const startLocalGlobus = async (io: Io) => {
  const { defaultConfig, startSandbox } = await import("@transflow/sandbox");
  const dataDir = resolve(io.cwd, ".transflow-sandbox");
  const sandbox = await startSandbox(defaultConfig, { dataDir, port: 0 });
  const guest = sandbox.info.collections.find((c) => c.entityType === "GCSv5_guest_collection");
  return {
    env: {
      ...io.env,
      ...sandbox.env,
      // The sandbox is new each time: its runs and tokens live beside its files, not in yours.
      TRANSFLOW_HOME: join(dataDir, "home"),
      TRANSFLOW_REFRESH_TOKEN: undefined,
    },
    guestRoot: guest?.localRoot ?? undefined,
    close: () => sandbox.close(),
  };
};

const tasks = (n: number): string => `${n} task${n === 1 ? "" : "s"}`;

/** What Ctrl-C left at Globus, from the run's last event, and the way on. */
const interruptedMessage = (
  ended: Extract<RunEvent, { type: "run-done" }> | undefined,
  rerun: string,
  err: Style,
): string => {
  if (ended === undefined) return `${err.yellow("stopped")}: nothing was submitted\n`;
  const open = ended.openTasks ?? 0;
  if (ended.cancelledTasks === undefined) {
    return open === 0
      ? `${err.yellow("stopped")}: no task was running at Globus. Resume the run with: ${rerun}\n`
      : `${err.yellow("stopped following")}: the tasks keep running at Globus. Follow them again with: ${rerun}\n`;
  }
  const lines = [
    open === 0
      ? `${err.yellow("stopped")}: ${tasks(ended.cancelledTasks)} of the run cancelled at Globus`
      : `${err.yellow("stopped")}, but ${tasks(open)} could not be cancelled and run on at Globus: cancel them with: transflow cancel ${ended.runId}`,
  ];
  const cut = ended.unrecordedSubmits ?? 0;
  if (cut > 0) {
    lines.push(
      `${cut === 1 ? "a submit was" : `${cut} submits were`} cut short before Globus answered: if Globus took ${cut === 1 ? "it, its task runs" : "them, their tasks run"} on; ${rerun} finds ${cut === 1 ? "it" : "them"}, then cancel with: transflow cancel ${ended.runId}`,
    );
  }
  return `${lines.join("\n")}\n`;
};

export const runCommand = async (
  io: Io,
  target: string,
  options: RunCommandOptions,
  version: string,
): Promise<number> => {
  const err = makeStyle(io.stderr, io.env);
  const given = await readInputs(options);
  if (given.diagnostics.some((d) => d.severity === "error")) {
    for (const d of given.diagnostics) io.stderr.write(renderDiagnostic(d, err));
    return 2;
  }
  const local = options.sandbox === true ? await startLocalGlobus(io) : undefined;
  const renderer = await makeRunRenderer(io, options.json === true);
  const { runWorkflow } = await import("@transflow/runner");
  const rerun = rerunCommand(target, options);
  let ended: Extract<RunEvent, { type: "run-done" }> | undefined;
  const running = runUntilInterrupted(
    runWorkflow(
      {
        target,
        inputs: given.inputs,
        env: local?.env ?? io.env,
        fresh: options.fresh === true || local !== undefined,
        ...(options.detach === undefined ? {} : { detach: options.detach }),
        ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
        ...(options.maxItemsPerBatch === undefined
          ? {}
          : { maxItemsPerBatch: options.maxItemsPerBatch }),
        ...(options.cancelOnInterrupt === undefined
          ? {}
          : { cancelOnInterrupt: options.cancelOnInterrupt }),
        invokedWith: rerun,
        version,
      },
      (event) => {
        if (event.type === "run-done") ended = event;
        renderer.render(event);
      },
    ),
    { exitCode: 130, diagnostics: [] },
  );
  let done: Interruptible<RunReport>;
  try {
    done = await running;
  } finally {
    renderer.stop();
    await local?.close();
  }
  const { result: report, interrupted } = done;
  for (const d of report.diagnostics) io.stderr.write(renderDiagnostic(d, err));
  if (interrupted && report.exitCode === 130) {
    io.stderr.write(interruptedMessage(ended, rerun, err));
  } else if (report.exitCode === 0 && options.detach === true && report.runId !== undefined) {
    io.stderr.write(
      `submitted; the tasks run at Globus. Follow them with: transflow wait ${report.runId} (or ${rerun})\n`,
    );
  } else if (report.exitCode === 0 && local?.guestRoot !== undefined && options.json !== true) {
    io.stderr.write(
      `${err.green("✓")} done: the sandbox's guest collection is ${local.guestRoot}\n`,
    );
  }
  return report.exitCode;
};
