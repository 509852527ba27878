/**
 * `transflow cancel <run> [--json]`: cancels at Globus every task of the run that has not ended,
 * and records the run as cancelled (when every cancel went through). Exit 0; 1 when a cancel
 * failed; 2 for an unknown run.
 */
import { type CancelResult, cancelRunFromEnv } from "@transflow/runner";
import { Effect } from "effect";
import type { Io } from "../Io.ts";
import { makeStyle } from "../render/Style.ts";
import { printReport } from "./printReport.ts";

export interface CancelCommandOptions {
  readonly json?: boolean;
}

const renderText = (io: Io, result: CancelResult): string => {
  const out = makeStyle(io.stdout, io.env);
  const lines: string[] = [];
  const batch = (t: { step: string; batch: number }) => `${t.step} batch ${t.batch + 1}`;
  if (result.endedBefore !== undefined) {
    lines.push(`run ${result.runId} had already ended (${result.endedBefore}).`);
  }
  const cancelled = result.tasks.filter((t) => t.error === undefined);
  const failed = result.tasks.filter((t) => t.error !== undefined);
  if (result.tasks.length === 0) {
    lines.push(`run ${result.runId} had no task left running at Globus.`);
  }
  for (const task of cancelled) {
    const what =
      task.code === "TaskComplete"
        ? "had already ended"
        : task.code === "CancelAccepted"
          ? "cancel accepted (under way)"
          : "cancelled";
    lines.push(
      `${batch(task)}: task ${task.taskId} ${what}${task.status === undefined ? "" : `, now ${task.status}`}`,
    );
  }
  for (const task of failed) {
    lines.push(`${out.red("not cancelled")}: ${batch(task)}: task ${task.taskId}: ${task.error}`);
  }
  for (const unknown of result.unknownSubmissions) {
    lines.push(
      `${out.yellow("warning")}: ${batch(unknown)} has submission id ${unknown.submissionId} but no recorded task: if that submit reached Globus, cancel its task on the Activity page (app.globus.org/activity)`,
    );
  }
  if (result.recorded) {
    lines.push(`run ${result.runId} recorded as cancelled.`);
  } else if (failed.length > 0) {
    lines.push(
      `run ${result.runId} not recorded as cancelled: run transflow cancel ${result.runId} again`,
    );
  }
  return `${lines.join("\n")}\n`;
};

export const cancelCommand = async (
  io: Io,
  runId: string,
  options: CancelCommandOptions,
): Promise<number> => {
  const report = await Effect.runPromise(cancelRunFromEnv({ runId, env: io.env }));
  return printReport(io, report, {
    json: options.json === true,
    text: (value) => renderText(io, value),
  });
};
