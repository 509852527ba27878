/**
 * Plans and records for the journal tests: a small real plan (mkdir, a transfer cut into batches,
 * a delete), and record builders that take their fingerprints from it.
 */
import { type Plan, planWorkflow, WorkflowSchema } from "@transflow/core";
import type { RunMeta } from "../../src/run/RunFiles.ts";
import type { JournalEntry, JournalRecord } from "../../src/run/RunState.ts";

const SRC = "2d1d4873-a849-4b9c-bd34-2034a2163003";
const DST = "872a58ab-02b9-4233-a3e0-f017ed8ab090";

/** mkdir `folder` (1 batch), transfer `copy` (`lines` items, 2 per batch), delete `tidy` (1). */
export const makePlan = (
  options: {
    readonly lines?: number;
    readonly name?: string;
    readonly inputs?: Readonly<Record<string, string>>;
  } = {},
): Plan => {
  const workflow = WorkflowSchema.parse({
    version: 1,
    name: options.name ?? "nightly",
    inputs: { day: { type: "string", default: "monday" } },
    collections: { src: { id: SRC, kind: "mapped" }, dst: { id: DST, kind: "guest" } },
    steps: [
      { id: "folder", mkdir: { collection: "dst", paths: ["/in/"] } },
      {
        id: "copy",
        needs: ["folder"],
        transfer: { source: "src", destination: "dst", itemsFrom: "items.txt" },
      },
      { id: "tidy", needs: ["copy"], delete: { collection: "src", items: ["/data/tmp/"] } },
    ],
  });
  const lines = options.lines ?? 4;
  const result = planWorkflow(
    workflow,
    {},
    {
      file: "nightly.yaml",
      inputs: options.inputs ?? { day: "monday" },
      createdAt: "2026-11-28T00:00:00.000Z",
      maxItemsPerBatch: 2,
      batchLines: { copy: Array.from({ length: lines }, (_, i) => `/data/f${i} /in/f${i}`) },
    },
  );
  if (result.plan === undefined) throw new Error(JSON.stringify(result.diagnostics));
  return result.plan;
};

export const meta: RunMeta = {
  invokedWith: "workflows/nightly.yaml",
  environment: "production",
  transflowVersion: "0.1.0",
};

/** The fingerprint of batch `batch` of step `step` in `plan`. */
export const fingerprintOf = (plan: Plan, step: string, batch: number): string => {
  const found = plan.steps.find((s) => s.id === step)?.batches[batch]?.fingerprint;
  if (found === undefined) throw new Error(`no batch ${step}[${batch}]`);
  return found;
};

/** Builders of entries with the plan's fingerprints. */
export const entries = (plan: Plan) => ({
  submissionId: (step: string, batch: number, submissionId: string): JournalEntry => ({
    type: "batch-submission-id",
    step,
    batch,
    fingerprint: fingerprintOf(plan, step, batch),
    submissionId,
  }),
  submitted: (
    step: string,
    batch: number,
    submissionId: string,
    taskId: string,
    code: "Accepted" | "Duplicate" = "Accepted",
  ): JournalEntry => ({
    type: "batch-submitted",
    step,
    batch,
    fingerprint: fingerprintOf(plan, step, batch),
    submissionId,
    taskId,
    code,
  }),
  status: (
    step: string,
    batch: number,
    taskId: string,
    status: "ACTIVE" | "INACTIVE" | "SUCCEEDED" | "FAILED",
    extra: { readonly bytes?: number; readonly files?: number } = {},
  ): JournalEntry => ({ type: "task-status", step, batch, taskId, status, ...extra }),
  mkdir: (step: string, batch: number, path: string, existed = false): JournalEntry => ({
    type: "mkdir-done",
    step,
    batch,
    path,
    existed,
  }),
  stepDone: (step: string, outcome: "succeeded" | "failed" | "skipped"): JournalEntry => ({
    type: "step-done",
    step,
    outcome,
  }),
  runDone: (outcome: "succeeded" | "failed" | "cancelled"): JournalEntry => ({
    type: "run-done",
    outcome,
  }),
});

/** `entry` as stored, stamped at `t`. */
export const stamped = (entry: JournalEntry, t = "2026-11-28T00:00:00.000Z"): JournalRecord =>
  ({ ...entry, v: 1, t }) as JournalRecord;
