/**
 * Running a plan: the events a run reports and the monitoring of its tasks.
 */

export type {
  ExecuteOptions,
  ExecutionOutcome,
  ExecutionResult,
  RunRecorder,
} from "./Executor.ts";
export { executePlan, taskSnapshot } from "./Executor.ts";
export type { PollingPolicy, TaskSnapshot } from "./Monitor.ts";
export { DEFAULT_POLLING, followTask, isSettled, nextPollDelay } from "./Monitor.ts";
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
export type { RunReport, RunRequest } from "./RunWorkflow.ts";
export { RunExitCode, runWorkflow } from "./RunWorkflow.ts";
