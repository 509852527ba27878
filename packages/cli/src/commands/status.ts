/**
 * `transflow status [run] [--json] [--offline]`: one run (the newest by default) as its journal
 * records it — each step's outcome, each batch's task and last recorded status — plus, when a
 * Globus identity is configured, what Globus says now about the tasks the journal saw unfinished.
 * Reads only: takes no lock and writes nothing.
 */
import { type BatchStatus, type RunStatus, runStatusFromEnv } from "@transflow/runner";
import { Effect } from "effect";
import type { Io } from "../Io.ts";
import { formatBytes } from "../render/RunLines.ts";
import { makeStyle } from "../render/Style.ts";
import { renderTable } from "../render/Table.ts";
import { printReport } from "./printReport.ts";
import { shortTime } from "./runs.ts";

export interface StatusCommandOptions {
  readonly json?: boolean;
  /** Show the journal's view only: do not ask Globus. */
  readonly offline?: boolean;
}

/** What is known about a batch, Globus's live word first. */
const batchText = (batch: BatchStatus): string => {
  if (batch.mkdir !== undefined) {
    return `${batch.mkdir.path} ${batch.mkdir.existed ? "already existed" : "created"}`;
  }
  if (batch.live !== undefined) {
    const { status, niceStatus, counters, fatalError } = batch.live;
    return `${status}${niceStatus ? ` (${niceStatus})` : ""} at Globus now, ${counters.filesTransferred}/${counters.files} files, ${formatBytes(counters.bytesTransferred)}${fatalError ? `: ${fatalError}` : ""}`;
  }
  const recorded = batch.recorded;
  if (recorded !== undefined) {
    const files =
      recorded.files === undefined
        ? ""
        : `, ${recorded.filesTransferred ?? 0}/${recorded.files} files`;
    const size = recorded.bytes === undefined ? "" : `, ${formatBytes(recorded.bytes)}`;
    const why = recorded.fatalError === undefined ? "" : `: ${recorded.fatalError}`;
    const unknown = batch.liveError === undefined ? "" : " (Globus did not answer)";
    return `${recorded.status}${recorded.niceStatus ? ` (${recorded.niceStatus})` : ""}${files}${size}${why}, recorded ${shortTime(recorded.t)}${unknown}`;
  }
  if (batch.taskId !== undefined) return "submitted, no status recorded yet";
  if (batch.submissionId !== undefined) return "submission id recorded; no task recorded";
  return "not submitted";
};

const renderText = (io: Io, status: RunStatus): string => {
  const out = makeStyle(io.stdout, io.env);
  const c = status.counts;
  const lines = [
    `run ${out.bold(status.runId)}: ${status.outcome}`,
    `  workflow  ${status.workflow.name} (${status.workflow.file})`,
    `  started   ${shortTime(status.createdAt)} with: ${status.invokedWith}`,
    `  batches   ${c.submitted} of ${c.batches} submitted, ${c.succeeded} succeeded, ${c.failed} failed${c.inactive > 0 ? `, ${c.inactive} inactive` : ""}`,
  ];
  if (status.interruptions > 0) {
    lines.push(
      `  stopped   ${status.interruptions} time${status.interruptions === 1 ? "" : "s"} (last: ${status.lastInterrupt === "detach" ? "--detach" : "Ctrl-C"})`,
    );
  }
  lines.push("");
  const rows: string[][] = [];
  for (const step of status.steps) {
    const progress = step.reason === undefined ? step.progress : `${step.progress}: ${step.reason}`;
    if (step.batches.length === 0)
      rows.push([step.id, step.action, progress, "-", "-", "no batches"]);
    step.batches.forEach((batch, index) => {
      rows.push([
        index === 0 ? step.id : "",
        index === 0 ? step.action : "",
        index === 0 ? progress : "",
        String(batch.batch + 1),
        batch.taskId ?? "-",
        batchText(batch),
      ]);
    });
  }
  lines.push(
    ...renderTable(["STEP", "ACTION", "STEP STATUS", "BATCH", "TASK", "BATCH STATUS"], rows, {
      alignRight: [3],
    }),
  );
  lines.push("");
  const live = status.live;
  if (live.openTasks > 0) {
    lines.push(
      live.looked > 0
        ? `live status from Globus for ${live.looked} of ${live.openTasks} unfinished task${live.openTasks === 1 ? "" : "s"}${live.note === undefined ? "" : `; ${live.note}`}`
        : `${live.note ?? "the journal's view (--offline)"}`,
    );
  }
  for (const warning of status.warnings) lines.push(`warning: ${warning}`);
  if (status.outcome === "unfinished") {
    if (live.openTasks > 0)
      lines.push(`follow its tasks to the end: transflow wait ${status.runId}`);
    if (status.unsubmitted.length > 0) {
      lines.push(
        `steps never submitted: ${status.unsubmitted.join(", ")}; continue the run with: ${status.invokedWith}`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
};

export const statusCommand = async (
  io: Io,
  runId: string | undefined,
  options: StatusCommandOptions,
): Promise<number> => {
  const report = await Effect.runPromise(
    runStatusFromEnv({ env: io.env, runId, live: options.offline !== true }),
  );
  return printReport(io, report, {
    json: options.json === true,
    text: (value) => renderText(io, value),
  });
};
