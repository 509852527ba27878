/**
 * `transflow runs [--json]`: every run in the state folder, newest first: its id, workflow,
 * when it started, how it ended, and how many of its batches were submitted and succeeded.
 */
import { listRunsFromEnv, type RunsListing } from "@transflow/runner";
import { Effect } from "effect";
import type { Io } from "../Io.ts";
import { renderTable } from "../render/Table.ts";
import { printReport } from "./printReport.ts";

export interface RunsCommandOptions {
  readonly json?: boolean;
}

/** `2026-11-28T02:52:26.176Z` → `2026-11-28 02:52:26Z`. */
export const shortTime = (iso: string): string => iso.replace("T", " ").replace(/\.\d{3}Z$/, "Z");

/** The `--json` document: `{ v: 1, location, runs: [...] }` (see the command's help). */
const jsonOf = (listing: RunsListing) => ({
  v: 1,
  location: listing.location,
  runs: listing.runs.map((run) =>
    run.outcome === "unreadable"
      ? { runId: run.runId, outcome: run.outcome, problem: run.problem }
      : {
          runId: run.runId,
          workflow: run.workflow,
          createdAt: run.createdAt,
          inputs: run.inputs,
          environment: run.environment,
          outcome: run.outcome,
          counts: run.counts,
        },
  ),
});

const renderText = (listing: RunsListing): string => {
  if (listing.runs.length === 0) {
    return `no runs in ${listing.location} yet: transflow run <workflow> starts one\n`;
  }
  const rows = listing.runs.map((run) =>
    run.outcome === "unreadable"
      ? [run.runId, "-", "-", "unreadable", "-", "-"]
      : [
          run.runId,
          run.workflow.name,
          shortTime(run.createdAt),
          run.outcome,
          `${run.counts.submitted}/${run.counts.batches}`,
          `${run.counts.succeeded}/${run.counts.batches}`,
        ],
  );
  const lines = renderTable(
    ["RUN", "WORKFLOW", "CREATED", "OUTCOME", "SUBMITTED", "SUCCEEDED"],
    rows,
    { alignRight: [4, 5] },
  );
  for (const run of listing.runs) {
    if (run.outcome === "unreadable") lines.push(`${run.runId}: ${run.problem}`);
  }
  return `${lines.join("\n")}\n`;
};

export const runsCommand = async (io: Io, options: RunsCommandOptions): Promise<number> => {
  const report = await Effect.runPromise(listRunsFromEnv(io.env));
  return printReport(io, report, { json: options.json === true, text: renderText, jsonOf });
};
