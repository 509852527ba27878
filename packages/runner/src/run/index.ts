/**
 * Runs: the journal that keeps a run's state on disk (at most one submit per batch, resume).
 */
export type {
  JournalError,
  JournalShape,
  JournalWarning,
  RunHandle,
  RunSnapshot,
  RunSummary,
  UnreadableRun,
} from "./Journal.ts";
export {
  Journal,
  JournalCorruptError,
  JournalIoError,
  RunLockedError,
  RunNotFoundError,
} from "./Journal.ts";
export type { LineProblem, ParsedJournal } from "./JournalLines.ts";
export { decodeLine, encodeLine, parseJournal } from "./JournalLines.ts";
export type { RunInfo, RunMeta } from "./RunFiles.ts";
export { makeRunId, planFingerprint, RUN_ID_PATTERN, stateDirectory } from "./RunFiles.ts";
export type {
  BatchState,
  InterruptReason,
  JournalEntry,
  JournalEntryType,
  JournalRecord,
  JournalRunOutcome,
  JournalStepOutcome,
  JournalTaskStatus,
  ReplayProblem,
  RunCounts,
  RunLayout,
  RunState,
  StepState,
  SubmitCode,
  TaskStatusState,
} from "./RunState.ts";
export {
  initialRunState,
  JOURNAL_RECORD_VERSION,
  replayJournal,
  runCounts,
  runLayout,
} from "./RunState.ts";
