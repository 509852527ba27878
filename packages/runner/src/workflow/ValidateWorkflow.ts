/**
 * `validate` end to end for one file: load it, check it with core, then stream each `itemsFrom`
 * batch file through core's line parser, line by line, so a million-line file costs no memory.
 */
import {
  type BatchFileRef,
  type Diagnostic,
  hasErrors,
  type InputValue,
  makeDeleteBatchLineParser,
  makeError,
  makeTransferBatchLineParser,
  transferItemProblem,
  transferItemsProblems,
  type Workflow,
} from "@transflow/core";
import { streamBatchFile } from "./BatchFiles.ts";
import {
  type PreparedWorkflow,
  type PrepareOptions,
  prepareWorkflowFile,
} from "./PrepareWorkflow.ts";
import type { WorkflowFormat } from "./WorkflowFiles.ts";

/** A batch file with thousands of bad lines is reported by its first few. */
export const MAX_DIAGNOSTICS_PER_BATCH_FILE = 20;

export type ValidateOptions = PrepareOptions;

export interface ValidationSummary {
  readonly steps: number;
  /** Items across inline lists and batch files (transfer items and delete paths). */
  readonly items: number;
  readonly batchFiles: number;
}

export interface ValidationReport {
  readonly file: string;
  readonly format: WorkflowFormat;
  readonly valid: boolean;
  readonly diagnostics: readonly Diagnostic[];
  readonly workflow?: Workflow;
  readonly inputs: Readonly<Record<string, InputValue>>;
  readonly summary?: ValidationSummary;
}

interface BatchCounts {
  items: number;
  recursiveItems: number;
}

/** Streams one batch file and checks every line; returns the counts and the diagnostics. */
const checkBatchFile = async (
  prepared: PreparedWorkflow,
  workflow: Workflow,
  ref: BatchFileRef,
): Promise<{ counts: BatchCounts; diagnostics: Diagnostic[] }> => {
  const shown = ref.path;
  const counts: BatchCounts = { items: 0, recursiveItems: 0 };
  const diagnostics: Diagnostic[] = [];
  let problems = 0;
  const report = (line: number, column: number, summary: string): void => {
    problems++;
    if (problems <= MAX_DIAGNOSTICS_PER_BATCH_FILE) {
      diagnostics.push(makeError("batch-line", summary, { file: shown, line, column }));
    }
  };
  const step = workflow.steps[ref.stepIndex];
  const transfer = step?.transfer;
  const parseTransferLine = makeTransferBatchLineParser({
    ...(ref.sourcePrefix === undefined ? {} : { sourcePrefix: ref.sourcePrefix }),
    ...(ref.destinationPrefix === undefined ? {} : { destinationPrefix: ref.destinationPrefix }),
  });
  const parseDeleteLine = makeDeleteBatchLineParser(
    ref.prefix === undefined ? {} : { prefix: ref.prefix },
  );
  let lineNumber = 0;
  const unreadable = await streamBatchFile(prepared.file, ref, prepared.locate, (lines) => {
    for (const line of lines) {
      lineNumber++;
      if (ref.kind === "delete") {
        const parsed = parseDeleteLine(line);
        if (parsed.kind === "error") report(lineNumber, parsed.column, parsed.message);
        else if (parsed.kind === "item") counts.items++;
        continue;
      }
      const parsed = parseTransferLine(line);
      if (parsed.kind === "error") {
        report(lineNumber, parsed.column, parsed.message);
      } else if (parsed.kind === "item") {
        counts.items++;
        const item = parsed.item;
        if (item.recursive === true) counts.recursiveItems++;
        if (transfer) {
          const problem = transferItemProblem(workflow, transfer, {
            source: item.sourcePath,
            destination: item.destinationPath,
            ...(item.recursive === undefined ? {} : { recursive: item.recursive }),
            ...(item.externalChecksum === undefined
              ? {}
              : { externalChecksum: item.externalChecksum }),
          });
          if (problem) report(lineNumber, 1, problem);
        }
      }
    }
  });
  if (unreadable) {
    diagnostics.push(unreadable);
    return { counts, diagnostics };
  }
  if (problems > MAX_DIAGNOSTICS_PER_BATCH_FILE) {
    diagnostics.push(
      makeError(
        "batch-line",
        `… and ${problems - MAX_DIAGNOSTICS_PER_BATCH_FILE} more bad lines in ${shown}`,
        { file: shown },
      ),
    );
  }
  return { counts, diagnostics };
};

/** Validates one workflow file, its inputs and its batch files, reporting every problem found. */
export const validateWorkflowFile = async (
  file: string,
  options: ValidateOptions = {},
): Promise<ValidationReport> => {
  const prepared = await prepareWorkflowFile(file, options);
  const { format, locate } = prepared;
  const diagnostics = [...prepared.diagnostics];
  const workflow = prepared.workflow;
  if (workflow === undefined) {
    return { file, format, valid: !hasErrors(diagnostics), diagnostics, inputs: prepared.inputs };
  }

  // Inline items and every batch file of a step count together for the step-wide rules.
  const perStep = new Map<number, BatchCounts>();
  for (const ref of prepared.batchFiles) {
    const result = await checkBatchFile(prepared, workflow, ref);
    diagnostics.push(...result.diagnostics);
    const counts = perStep.get(ref.stepIndex) ?? { items: 0, recursiveItems: 0 };
    counts.items += result.counts.items;
    counts.recursiveItems += result.counts.recursiveItems;
    perStep.set(ref.stepIndex, counts);
  }
  let items = 0;
  workflow.steps.forEach((step, index) => {
    const batch = perStep.get(index) ?? { items: 0, recursiveItems: 0 };
    if (step.transfer) {
      const inline = step.transfer.items ?? [];
      const counts = {
        items: batch.items + inline.length,
        recursiveItems: batch.recursiveItems + inline.filter((i) => i.recursive === true).length,
      };
      items += counts.items;
      if (perStep.has(index)) {
        diagnostics.push(...transferItemsProblems(workflow, index, counts, locate));
      }
    } else if (step.delete) {
      items += batch.items + (step.delete.items?.length ?? 0);
    } else if (step.mkdir) {
      items += step.mkdir.paths.length;
    }
  });
  const valid = !hasErrors(diagnostics);
  return {
    file,
    format,
    valid,
    diagnostics,
    inputs: prepared.inputs,
    ...(valid ? { workflow } : {}),
    summary: { steps: workflow.steps.length, items, batchFiles: prepared.batchFiles.length },
  };
};
