/**
 * @transflow/runner/workflow: reading and validating workflow files. Kept apart from the Effect
 * services so commands that only read files start without loading Effect.
 */
export { batchFilePath, streamBatchFile } from "./BatchFiles.ts";
export { readLines, TextFileError } from "./LineReader.ts";
export { makeNodeSha256 } from "./NodeSha256.ts";
export { writePlanFile } from "./PlanFile.ts";
export type { PlanFileOptions } from "./PlanWorkflow.ts";
export { planPreparedWorkflow } from "./PlanWorkflow.ts";
export type { PreparedWorkflow, PrepareOptions } from "./PrepareWorkflow.ts";
export { prepareWorkflowFile } from "./PrepareWorkflow.ts";
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
