/**
 * Running a plan: the events a run reports and the monitoring of its tasks.
 */

export type { FollowBatchInput } from "./BatchFollower.ts";
export { followBatch, taskRemedy, taskSnapshot, taskStatusEntry } from "./BatchFollower.ts";
export type {
  ExecuteOptions,
  ExecutionOutcome,
  ExecutionResult,
  RunRecorder,
} from "./Executor.ts";
export { executePlan } from "./Executor.ts";
export { RunExitCode } from "./Failures.ts";
export type { PollingPolicy, TaskSnapshot } from "./Monitor.ts";
export { DEFAULT_POLLING, followTask, isSettled, nextPollDelay } from "./Monitor.ts";
export type { RateEstimate, TaskEstimate } from "./ProgressEstimate.ts";
export {
  estimatedTaskBytes,
  etaSeconds,
  observeRate,
  RATE_TIME_CONSTANT_MS,
  taskEstimate,
} from "./ProgressEstimate.ts";
export type {
  BatchStatus,
  CancelledTask,
  CancelResult,
  CommandReport,
  OpenTask,
  RunStatus,
  RunsListing,
  StatusRequest,
  StepProgress,
  StepStatus,
  WaitOptions,
  WaitRequest,
  WaitResult,
} from "./RunCommands.ts";
export {
  cancelRun,
  cancelRunFromEnv,
  listRunsFromEnv,
  openTasks,
  runStatusFromEnv,
  runStatusOf,
  settledStepOutcome,
  unsubmittedSteps,
  WaitExitCode,
  waitForRun,
  waitForRunFromEnv,
  withLiveStatus,
} from "./RunCommands.ts";
export type {
  RunEvent,
  RunEventType,
  RunOutcome,
  RunReporterShape,
  StepOutcome,
  TaskCounters,
  TaskStatus,
} from "./RunEvents.ts";
export { RUN_EVENTS_VERSION, RunReporter, report, runEvent } from "./RunEvents.ts";
export type { ExpectedTask, RunProgressFields, RunProgressState } from "./RunProgress.ts";
export {
  expectedTasks,
  foldRunProgress,
  initialRunProgress,
  makeRunProgressReporter,
  RUN_PROGRESS_INTERVAL_MS,
  runProgressLayer,
  runProgressOf,
} from "./RunProgress.ts";
export type { RunReport, RunRequest } from "./RunWorkflow.ts";
export { runWorkflow } from "./RunWorkflow.ts";
