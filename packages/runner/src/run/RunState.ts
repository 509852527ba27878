/**
 * What a run's journal says, as data: the records (`JournalEntry`), the plan's shape a run is
 * checked against (`RunLayout`), and `replayJournal`, the pure fold from records to `RunState`.
 * No I/O here: the same fold serves the file journal, the in-memory one and the tests.
 */
import type { Plan } from "@transflow/core";

/** A Transfer task's state as Globus reports it (the same words as the run events). */
export type JournalTaskStatus = "ACTIVE" | "INACTIVE" | "SUCCEEDED" | "FAILED";

export type JournalStepOutcome = "succeeded" | "failed" | "skipped";

/**
 * How a run ended. A run that stopped without one (Ctrl-C, `--detach`, a crash) is unfinished,
 * and a later `transflow run` of the same workflow and inputs resumes it.
 */
export type JournalRunOutcome = "succeeded" | "failed" | "cancelled";

/** Why a process stopped driving a run before its end (`run-interrupted`). */
export type InterruptReason = "signal" | "detach";

/** Globus's answer to a submit: a new task, or the one an earlier attempt already started. */
export type SubmitCode = "Accepted" | "Duplicate";

/** One record of the journal, as the caller appends it (the journal adds `v`, `t` and `crc`). */
export type JournalEntry =
  | {
      /** Written, and durable, before the submit request that uses `submissionId`. */
      readonly type: "batch-submission-id";
      readonly step: string;
      /** 0-based, as in the plan. */
      readonly batch: number;
      readonly fingerprint: string;
      readonly submissionId: string;
    }
  | {
      readonly type: "batch-submitted";
      readonly step: string;
      readonly batch: number;
      readonly fingerprint: string;
      readonly submissionId: string;
      readonly taskId: string;
      readonly code: SubmitCode;
    }
  | {
      /** Appended only when something differs from the batch's last `task-status`. */
      readonly type: "task-status";
      readonly step: string;
      readonly batch: number;
      readonly taskId: string;
      readonly status: JournalTaskStatus;
      readonly niceStatus?: string;
      readonly bytes?: number;
      readonly files?: number;
      readonly filesTransferred?: number;
      readonly filesSkipped?: number;
      readonly faults?: number;
      /** `fatal_error` of a FAILED task, in Globus's words. */
      readonly fatalError?: string;
    }
  | {
      readonly type: "mkdir-done";
      readonly step: string;
      readonly batch: number;
      readonly path: string;
      /** Globus answered `ExternalError.MkdirFailed.Exists`: the folder was already there. */
      readonly existed: boolean;
    }
  | {
      readonly type: "step-done";
      readonly step: string;
      readonly outcome: JournalStepOutcome;
      readonly reason?: string;
    }
  | { readonly type: "run-done"; readonly outcome: JournalRunOutcome }
  | { readonly type: "run-interrupted"; readonly reason: InterruptReason };

export type JournalEntryType = JournalEntry["type"];

/** A record as stored: the entry, stamped with the format version and the time it was appended. */
export type JournalRecord = JournalEntry & {
  readonly v: typeof JOURNAL_RECORD_VERSION;
  /** ISO 8601, UTC, by Effect's Clock. */
  readonly t: string;
};

/** The `v` of every record this version writes; a reader refuses any other. */
export const JOURNAL_RECORD_VERSION = 1 as const;

/** The plan's shape a run is checked against: its steps and their batches' fingerprints. */
export interface RunLayout {
  readonly steps: readonly {
    readonly id: string;
    readonly action: "transfer" | "delete" | "mkdir";
    readonly batches: readonly string[];
  }[];
}

/** The layout of `plan`: step ids, actions and batch fingerprints, in plan order. */
export const runLayout = (plan: Pick<Plan, "steps">): RunLayout => ({
  steps: plan.steps.map((step) => ({
    id: step.id,
    action: step.action,
    batches: step.batches.map((batch) => batch.fingerprint),
  })),
});

/** The last `task-status` of a batch's task. */
export type TaskStatusState = Omit<Extract<JournalEntry, { type: "task-status" }>, "type"> & {
  /** When it was recorded. */
  readonly t: string;
};

export interface BatchState {
  readonly step: string;
  readonly batch: number;
  /** The plan's fingerprint for it; every record about the batch must carry the same. */
  readonly fingerprint: string;
  readonly submissionId?: string;
  readonly taskId?: string;
  readonly code?: SubmitCode;
  readonly status?: TaskStatusState;
  /** For mkdir batches, once done. */
  readonly mkdir?: { readonly path: string; readonly existed: boolean };
}

export interface StepState {
  readonly id: string;
  readonly action: RunLayout["steps"][number]["action"];
  readonly outcome?: JournalStepOutcome;
  readonly reason?: string;
  readonly batches: readonly BatchState[];
}

export interface RunState {
  readonly steps: readonly StepState[];
  /** `unfinished` until a `run-done`. */
  readonly outcome: JournalRunOutcome | "unfinished";
  /** `run-interrupted` records so far, and the last one's reason. */
  readonly interruptions: number;
  readonly lastInterrupt?: InterruptReason;
  /** Records folded in. */
  readonly records: number;
}

/** Counts of a run at a glance (for `transflow runs`). */
export interface RunCounts {
  readonly steps: number;
  readonly stepsDone: number;
  readonly batches: number;
  /** Batches with a submission id (submitted, or about to be). */
  readonly withSubmissionId: number;
  /** Batches with a task (transfer/delete) or done (mkdir). */
  readonly submitted: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly inactive: number;
}

/** A record the fold cannot accept, and why (index into the records given). */
export interface ReplayProblem {
  readonly index: number;
  readonly reason: string;
}

/**
 * The fold, as a mutable accumulator so that appending to a long run costs O(1) per record; only
 * `snapshot` copies. Outside this module it is reached through `replayJournal` and the journals.
 */
export class RunStateBuilder {
  private readonly steps: {
    readonly id: string;
    readonly action: RunLayout["steps"][number]["action"];
    outcome?: JournalStepOutcome;
    reason?: string;
    readonly batches: BatchState[];
  }[];
  private readonly stepIndex = new Map<string, number>();
  private outcome: RunState["outcome"] = "unfinished";
  private interruptions = 0;
  private lastInterrupt: InterruptReason | undefined;
  private records = 0;

  constructor(layout: RunLayout) {
    this.steps = layout.steps.map((step, index) => {
      this.stepIndex.set(step.id, index);
      return {
        id: step.id,
        action: step.action,
        batches: step.batches.map((fingerprint, batch) => ({ step: step.id, batch, fingerprint })),
      };
    });
  }

  /** Why `record` cannot follow the records so far, or undefined when it can. Pure. */
  check(record: JournalRecord): string | undefined {
    if (this.outcome !== "unfinished") return `a ${record.type} record after run-done`;
    switch (record.type) {
      case "run-done":
      case "run-interrupted":
        return undefined;
      case "step-done":
        return this.stepIndex.has(record.step) ? undefined : `no step "${record.step}" in the plan`;
      default: {
        const found = this.batchOf(record.step, record.batch);
        if (typeof found === "string") return found;
        const { batch, action } = found;
        if ("fingerprint" in record && record.fingerprint !== batch.fingerprint) {
          return `batch ${record.step}[${record.batch}] has fingerprint ${batch.fingerprint} in the plan, not ${record.fingerprint}`;
        }
        return this.checkBatchRecord(record, batch, action);
      }
    }
  }

  private checkBatchRecord(
    record: Extract<
      JournalRecord,
      { type: "batch-submission-id" | "batch-submitted" | "task-status" | "mkdir-done" }
    >,
    batch: BatchState,
    action: StepState["action"],
  ): string | undefined {
    const at = `batch ${record.step}[${record.batch}]`;
    switch (record.type) {
      case "batch-submission-id":
        if (action === "mkdir") return `${at} is a mkdir, which has no submission id`;
        // A second, different id for one batch would let it be submitted twice.
        return batch.submissionId !== undefined && batch.submissionId !== record.submissionId
          ? `${at} already has submission id ${batch.submissionId}, not ${record.submissionId}`
          : undefined;
      case "batch-submitted":
        if (batch.submissionId === undefined) {
          return `${at} was submitted without a recorded submission id`;
        }
        if (batch.submissionId !== record.submissionId) {
          return `${at} has submission id ${batch.submissionId}, not ${record.submissionId}`;
        }
        return batch.taskId !== undefined && batch.taskId !== record.taskId
          ? `${at} already has task ${batch.taskId}, not ${record.taskId}`
          : undefined;
      case "task-status":
        return batch.taskId === record.taskId
          ? undefined
          : `${at} has ${batch.taskId === undefined ? "no task" : `task ${batch.taskId}`}, not ${record.taskId}`;
      case "mkdir-done":
        return action === "mkdir" ? undefined : `${at} is a ${action}, not a mkdir`;
    }
  }

  private batchOf(
    step: string,
    index: number,
  ): { readonly batch: BatchState; readonly action: StepState["action"] } | string {
    const at = this.stepIndex.get(step);
    const found = at === undefined ? undefined : this.steps[at];
    if (found === undefined) return `no step "${step}" in the plan`;
    const batch = found.batches[index];
    if (batch === undefined) {
      return `step "${step}" has ${found.batches.length} batches; there is no batch ${index}`;
    }
    return { batch, action: found.action };
  }

  /** Folds `record` in; call only after `check` accepted it. */
  apply(record: JournalRecord): void {
    this.records += 1;
    switch (record.type) {
      case "run-done":
        this.outcome = record.outcome;
        return;
      case "run-interrupted":
        this.interruptions += 1;
        this.lastInterrupt = record.reason;
        return;
      case "step-done": {
        const step = this.steps[this.stepIndex.get(record.step) ?? -1];
        if (step === undefined) return;
        // The last word counts: a resumed run may settle a step an earlier one gave up on.
        step.outcome = record.outcome;
        if (record.reason === undefined) delete step.reason;
        else step.reason = record.reason;
        return;
      }
      default: {
        const step = this.steps[this.stepIndex.get(record.step) ?? -1];
        const batch = step?.batches[record.batch];
        if (step === undefined || batch === undefined) return;
        step.batches[record.batch] = foldBatch(batch, record);
      }
    }
  }

  /** Whether `record` would change nothing: a `task-status` equal to the batch's last one. */
  isRepeat(record: JournalRecord): boolean {
    if (record.type !== "task-status") return false;
    const found = this.batchOf(record.step, record.batch);
    if (typeof found === "string") return false;
    const last = found.batch.status;
    if (last === undefined) return false;
    const { type: _type, v: _v, t: _t, ...fields } = record;
    const { t: _before, ...before } = last;
    return sameFields(before, fields);
  }

  snapshot(): RunState {
    return {
      steps: this.steps.map((step) => ({
        id: step.id,
        action: step.action,
        ...(step.outcome === undefined ? {} : { outcome: step.outcome }),
        ...(step.reason === undefined ? {} : { reason: step.reason }),
        batches: [...step.batches],
      })),
      outcome: this.outcome,
      interruptions: this.interruptions,
      ...(this.lastInterrupt === undefined ? {} : { lastInterrupt: this.lastInterrupt }),
      records: this.records,
    };
  }
}

const sameFields = (a: object, b: object): boolean => {
  const left = Object.entries(a).filter(([, value]) => value !== undefined);
  const right = new Map(Object.entries(b).filter(([, value]) => value !== undefined));
  return left.length === right.size && left.every(([key, value]) => right.get(key) === value);
};

const foldBatch = (
  batch: BatchState,
  record: Extract<
    JournalRecord,
    { type: "batch-submission-id" | "batch-submitted" | "task-status" | "mkdir-done" }
  >,
): BatchState => {
  switch (record.type) {
    case "batch-submission-id":
      return { ...batch, submissionId: record.submissionId };
    case "batch-submitted":
      return { ...batch, taskId: record.taskId, code: record.code };
    case "task-status": {
      const { type: _type, v: _v, ...status } = record;
      return { ...batch, status };
    }
    case "mkdir-done":
      return { ...batch, mkdir: { path: record.path, existed: record.existed } };
  }
};

/**
 * The state `records` leave a run of `layout` in, or the first record that contradicts the plan
 * or the records before it (a batch the plan does not have, another fingerprint, a second
 * submission id for one batch, a task before its submission id, anything after `run-done`).
 */
export const replayJournal = (
  layout: RunLayout,
  records: Iterable<JournalRecord>,
): { readonly state: RunState } | { readonly problem: ReplayProblem } => {
  const builder = new RunStateBuilder(layout);
  let index = 0;
  for (const record of records) {
    const reason = builder.check(record);
    if (reason !== undefined) return { problem: { index, reason } };
    builder.apply(record);
    index += 1;
  }
  return { state: builder.snapshot() };
};

/** The empty state of a run of `layout`: nothing submitted, nothing done. */
export const initialRunState = (layout: RunLayout): RunState =>
  new RunStateBuilder(layout).snapshot();

/** Counts of `state` for a listing. */
export const runCounts = (state: RunState): RunCounts => {
  let batches = 0;
  let withSubmissionId = 0;
  let submitted = 0;
  let succeeded = 0;
  let failed = 0;
  let inactive = 0;
  for (const step of state.steps) {
    for (const batch of step.batches) {
      batches += 1;
      if (batch.submissionId !== undefined) withSubmissionId += 1;
      if (batch.taskId !== undefined || batch.mkdir !== undefined) submitted += 1;
      const status = batch.mkdir === undefined ? batch.status?.status : "SUCCEEDED";
      if (status === "SUCCEEDED") succeeded += 1;
      else if (status === "FAILED") failed += 1;
      else if (status === "INACTIVE") inactive += 1;
    }
  }
  return {
    steps: state.steps.length,
    stepsDone: state.steps.filter((step) => step.outcome !== undefined).length,
    batches,
    withSubmissionId,
    submitted,
    succeeded,
    failed,
    inactive,
  };
};
