/**
 * `plan` for a prepared workflow: stream each `itemsFrom` file into core's plan builder a chunk of
 * lines at a time, so a million-line batch file is never held as text. Collection facts and
 * granted consents come from the caller (looked up, or declared only with `--offline`).
 */
import {
  type Diagnostic,
  hasErrors,
  makePlanBuilder,
  type PlanFacts,
  type PlanOptions,
  type PlanResult,
} from "@transflow/core";
import { streamBatchFile } from "./BatchFiles.ts";
import { makeNodeSha256 } from "./NodeSha256.ts";
import type { PreparedWorkflow } from "./PrepareWorkflow.ts";

/** Everything `PlanOptions` holds that the prepared workflow does not already say. */
export type PlanFileOptions = Omit<PlanOptions, "file" | "locate" | "inputs" | "batchLines">;

export const planPreparedWorkflow = async (
  prepared: PreparedWorkflow,
  facts: PlanFacts,
  options: PlanFileOptions,
): Promise<PlanResult> => {
  const { workflow } = prepared;
  if (workflow === undefined || hasErrors(prepared.diagnostics)) {
    return { diagnostics: prepared.diagnostics };
  }
  const builder = makePlanBuilder(workflow, facts, {
    ...options,
    file: prepared.file,
    locate: prepared.locate,
    inputs: prepared.inputs,
    sha256: makeNodeSha256,
  });
  const unreadable: Diagnostic[] = [];
  for (const ref of prepared.batchFiles) {
    const problem = await streamBatchFile(prepared.file, ref, prepared.locate, (lines) =>
      builder.addBatchLines(ref.stepId, lines),
    );
    if (problem) unreadable.push(problem);
  }
  const result = builder.finish();
  // A file that could not be read also shows as "lines not given"; the reason is what helps.
  const diagnostics = [
    ...prepared.diagnostics,
    ...unreadable,
    ...result.diagnostics.filter((d) => unreadable.length === 0 || d.code !== "plan-batch-lines"),
  ];
  return unreadable.length > 0 ? { diagnostics } : { ...result, diagnostics };
};
