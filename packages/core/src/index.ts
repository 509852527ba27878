/**
 * @transflow/core: the workflow language, scope strings, and (later) the planner. Pure: takes data,
 * returns data and diagnostics; never reads files, the network, the clock or the environment.
 */
export type { Diagnostic, Severity, SourceLocation } from "./diagnostics/Diagnostic.ts";
export {
  formatDiagnostic,
  formatLocation,
  formatPath,
  hasErrors,
  makeError,
  makeWarning,
} from "./diagnostics/Diagnostic.ts";
export { closestMatch, suggestion } from "./diagnostics/DidYouMean.ts";
export type { CollectionLookups, GrantedConsents } from "./plan/Consents.ts";
export { consentCommand, needsDataAccess, requiredScope } from "./plan/Consents.ts";
export type {
  BatchDocument,
  BatchSubmission,
  DeleteDocument,
  DocumentContext,
  DocumentJson,
  StepHead,
  TransferDocument,
} from "./plan/Documents.ts";
export {
  batchDocument,
  batchSubmission,
  deleteDocument,
  documentJson,
  expectedFingerprint,
  isRelativeDeadline,
  mkdirDocument,
  resolveDeadline,
  transferDocument,
  transferItemDocument,
} from "./plan/Documents.ts";
export type {
  BatchSummary,
  FactSource,
  ItemsJson,
  Plan,
  PlanBatch,
  PlanBatchDocument,
  PlanCollection,
  PlanConsents,
  PlanDeleteOptions,
  PlanDeleteStep,
  PlanDocument,
  PlanIdentity,
  PlanLimits,
  PlanMkdirStep,
  PlanStep,
  PlanStepDocument,
  PlanTransferItem,
  PlanTransferOptions,
  PlanTransferStep,
  RequiredConsent,
  SessionRequirement,
} from "./plan/Plan.ts";
export {
  BATCH_FINGERPRINT_FORMAT,
  batchItems,
  batchSummary,
  DEFAULT_MAX_BATCH_BYTES,
  DEFAULT_MAX_ITEMS_PER_BATCH,
  GLOBUS_MAX_ACTIVE_TASKS,
  GLOBUS_MAX_PENDING_TASKS,
  ITEM_OVERHEAD_BYTES,
  PLAN_FORMAT,
  planDocument,
} from "./plan/Plan.ts";
export type { ParsePlanResult } from "./plan/PlanJson.ts";
export { canonicalJson, parsePlanJson, planJson, planJsonChunks } from "./plan/PlanJson.ts";
export type { PlanBuilder, PlanFacts, PlanOptions, PlanResult } from "./plan/Planner.ts";
export {
  makePlanBuilder,
  planWorkflow,
  recheckConsents,
  workflowFingerprint,
  workflowScope,
} from "./plan/Planner.ts";
export type { Sha256 } from "./plan/Sha256.ts";
export { makeSha256, sha256Hex } from "./plan/Sha256.ts";
export type { ParseScopesResult, Scope, ScopeParseFailure } from "./scope/Scope.ts";
export {
  dataAccessScope,
  isValidScopeName,
  makeScope,
  mergeScopes,
  parseScopes,
  scopeContains,
  serializeScope,
  serializeScopes,
  TRANSFER_ALL_SCOPE,
  TRANSFER_RESOURCE_SERVER,
  transferScopeWithDataAccess,
} from "./scope/Scope.ts";
export type {
  BatchDeleteItem,
  BatchLineResult,
  BatchTransferItem,
  DeleteBatchLineOptions,
  TransferBatchLineOptions,
} from "./workflow/BatchFile.ts";
export {
  makeDeleteBatchLineParser,
  makeTransferBatchLineParser,
  parseDeleteBatchLine,
  parseTransferBatchLine,
  splitShellWords,
} from "./workflow/BatchFile.ts";
export type {
  BatchFileRef,
  CheckWorkflowOptions,
  CheckWorkflowResult,
} from "./workflow/CheckWorkflow.ts";
export {
  checkWorkflow,
  effectiveTransferOptions,
  transferItemProblem,
  transferItemsProblems,
} from "./workflow/CheckWorkflow.ts";
export type { StepDefinition, WorkflowDefinition } from "./workflow/defineWorkflow.ts";
export { defineWorkflow } from "./workflow/defineWorkflow.ts";
export {
  isAbsoluteGlobusPath,
  joinGlobusPath,
  normalizeGlobusPath,
} from "./workflow/GlobusPath.ts";
export { dependencyOrder, findCycles } from "./workflow/Graph.ts";
export type { ParsedInputs } from "./workflow/InputsText.ts";
export { parseInputArguments, parseInputsText } from "./workflow/InputsText.ts";
export { workflowJsonSchema } from "./workflow/JsonSchema.ts";
export type { InputValue } from "./workflow/Templates.ts";
export type { DataPath, Locator, ParsedWorkflowDocument } from "./workflow/WorkflowDocument.ts";
export { parseWorkflowText, pathOnlyLocator } from "./workflow/WorkflowDocument.ts";
export type {
  Collection,
  CollectionKindName,
  DeleteOptions,
  DeleteStep,
  FilterRule,
  Input,
  MkdirStep,
  Step,
  StepKind,
  TransferItem,
  TransferOptions,
  TransferStep,
  Workflow,
  WorkflowInput,
} from "./workflow/WorkflowSchema.ts";
export {
  collectionKinds,
  entityTypeOfKind,
  stepKinds,
  WorkflowSchema,
} from "./workflow/WorkflowSchema.ts";
