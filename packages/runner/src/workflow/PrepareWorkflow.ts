/**
 * The first half of `validate` and `plan`: read a workflow file (YAML, JSON or TypeScript) and
 * check it with core, inputs and templates resolved. Batch files are not read here.
 */
import {
  type BatchFileRef,
  checkWorkflow,
  type Diagnostic,
  type InputValue,
  type Locator,
  type Workflow,
} from "@transflow/core";
import { loadWorkflowFile, type WorkflowFormat } from "./WorkflowFiles.ts";

export interface PrepareOptions {
  readonly inputs?: Readonly<Record<string, InputValue>>;
  /** For `${{ env.X }}` templates. */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** A workflow file read and checked; `workflow` is present when it has no errors. */
export interface PreparedWorkflow {
  readonly file: string;
  readonly format: WorkflowFormat;
  readonly locate: Locator;
  readonly workflow?: Workflow;
  /** Input values in force (given, converted, or defaults). */
  readonly inputs: Readonly<Record<string, InputValue>>;
  readonly batchFiles: readonly BatchFileRef[];
  readonly diagnostics: readonly Diagnostic[];
}

export const prepareWorkflowFile = async (
  file: string,
  options: PrepareOptions = {},
): Promise<PreparedWorkflow> => {
  const loaded = await loadWorkflowFile(file);
  const base = { file, format: loaded.format, locate: loaded.locate };
  if (loaded.diagnostics.length > 0 || loaded.value === undefined) {
    return { ...base, inputs: {}, batchFiles: [], diagnostics: loaded.diagnostics };
  }
  const checked = checkWorkflow({
    file,
    value: loaded.value,
    locate: loaded.locate,
    ...(options.inputs === undefined ? {} : { inputs: options.inputs }),
    ...(options.env === undefined ? {} : { env: options.env }),
  });
  return {
    ...base,
    ...(checked.workflow === undefined ? {} : { workflow: checked.workflow }),
    inputs: checked.inputs,
    batchFiles: checked.batchFiles,
    diagnostics: checked.diagnostics,
  };
};
