/**
 * @transflow/runner/workflow: reading and validating workflow files. Kept apart from the Effect
 * services so commands that only read files start without loading Effect.
 */
export { readLines, TextFileError } from "./LineReader.ts";
export type {
  ValidateOptions,
  ValidationReport,
  ValidationSummary,
} from "./ValidateWorkflow.ts";
export { MAX_DIAGNOSTICS_PER_BATCH_FILE, validateWorkflowFile } from "./ValidateWorkflow.ts";
export type { LoadedWorkflowFile, WorkflowFormat } from "./WorkflowFiles.ts";
export {
  loadWorkflowFile,
  MAX_WORKFLOW_BYTES,
  readTextFile,
  workflowFormatOf,
} from "./WorkflowFiles.ts";
