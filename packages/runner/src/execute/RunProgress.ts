/**
 * The `run-progress` event: totals over the tasks this process follows (a run, or `wait`), with
 * an estimate of the run's bytes and time left. It is a decorator of `RunReporter`: every event is
 * passed on unchanged, and task events are folded into the totals — a pure fold, so the numbers
 * depend only on the events and the times they were seen. Nothing here prints.
 */
import type { Plan } from "@transflow/core";
import { Clock, Effect, Layer, Ref } from "effect";
import type { RunState } from "../run/RunState.ts";
import { isSettled } from "./Monitor.ts";
import {
  estimatedTaskBytes,
  etaSeconds,
  filesDone,
  observeRate,
  type RateEstimate,
} from "./ProgressEstimate.ts";
import {
  type RunEvent,
  RunReporter,
  type RunReporterShape,
  runEvent,
  type TaskCounters,
} from "./RunEvents.ts";

/**
 * A `run-progress` follows each `task-done`, a `step-done` that leaves batches unsubmitted, and a
 * `task-progress` when the last one is at least this old: one a second at most while tasks run,
 * however many there are, and always one with a task's final counters. Totals equal to the last
 * ones reported are not reported again.
 */
export const RUN_PROGRESS_INTERVAL_MS = 1000;

/** A batch whose task this process expects to follow. */
export interface ExpectedTask {
  readonly step: string;
  /** 0-based, as in the plan. */
  readonly batch: number;
  /** A delete task moves no bytes: its files do not count towards the mean file size. */
  readonly action: "transfer" | "delete";
  /** The batch's items in the plan; 0 when not known (`wait` has no plan at hand). */
  readonly itemCount: number;
}

/**
 * The transfer and delete batches of `plan` a run follows: all of them, except those of steps
 * `state` (the run's journal) records as succeeded, which the executor does not touch again.
 */
export const expectedTasks = (
  plan: Pick<Plan, "steps">,
  state?: Pick<RunState, "steps">,
): readonly ExpectedTask[] => {
  const succeeded = new Set(
    (state?.steps ?? []).filter((s) => s.outcome === "succeeded").map((s) => s.id),
  );
  return plan.steps.flatMap((step) =>
    step.action === "mkdir" || succeeded.has(step.id)
      ? []
      : step.batches.map((batch, index) => ({
          step: step.id,
          batch: index,
          action: step.action,
          itemCount: batch.itemCount,
        })),
  );
};

interface FollowedTask {
  readonly action: ExpectedTask["action"];
  readonly itemCount: number;
  /** The last counters reported; absent until the task's first report. */
  readonly counters?: TaskCounters;
  readonly settled: boolean;
  readonly rate?: RateEstimate;
}

/** What the fold keeps between events. */
export interface RunProgressState {
  /** By `step` and `batch`, in the order first heard of. */
  readonly tasks: ReadonlyMap<string, FollowedTask>;
  /** When the last `run-progress` was made, in milliseconds, and what it said. */
  readonly lastReportAt?: number;
  readonly lastReport?: RunProgressFields;
}

export type RunProgressFields = Omit<
  Extract<RunEvent, { type: "run-progress" }>,
  "v" | "type" | "time"
>;

const key = (step: string, batch: number): string => `${step}\u0000${batch}`;

export const initialRunProgress = (expected: readonly ExpectedTask[]): RunProgressState => ({
  tasks: new Map(
    expected.map((task) => [
      key(task.step, task.batch),
      { action: task.action, itemCount: task.itemCount, settled: false },
    ]),
  ),
});

const withTask = (
  state: RunProgressState,
  step: string,
  batch: number,
  update: (task: FollowedTask) => FollowedTask,
): RunProgressState => {
  const k = key(step, batch);
  // A task nobody announced (not in the plan given) counts as a transfer of unknown size.
  const task = state.tasks.get(k) ?? { action: "transfer", itemCount: 0, settled: false };
  return { ...state, tasks: new Map(state.tasks).set(k, update(task)) };
};

const sameTotals = (a: RunProgressFields, b: RunProgressFields): boolean =>
  (Object.keys(a) as (keyof RunProgressFields)[]).every((k) => a[k] === b[k]);

/** `state` with its totals to report, unless they are the ones reported last. */
const reported = (
  state: RunProgressState,
  now: number,
): { readonly state: RunProgressState; readonly report?: RunProgressFields } => {
  const totals = runProgressOf(state);
  if (state.lastReport !== undefined && sameTotals(state.lastReport, totals)) return { state };
  return { state: { ...state, lastReportAt: now, lastReport: totals }, report: totals };
};

/**
 * Folds `event`, seen at `now` (ms), into `state`; `report` holds the totals when a `run-progress`
 * is due (see {@link RUN_PROGRESS_INTERVAL_MS}).
 */
export const foldRunProgress = (
  state: RunProgressState,
  event: RunEvent,
  now: number,
): { readonly state: RunProgressState; readonly report?: RunProgressFields } => {
  switch (event.type) {
    case "batch-submitted":
    case "batch-attached":
      return { state: withTask(state, event.step, event.batch, (task) => task) };
    case "task-progress":
    case "task-done": {
      const next = withTask(state, event.step, event.batch, (task) => ({
        ...task,
        counters: event.counters,
        settled: isSettled(event.status),
        rate: observeRate(task.rate, now, event.counters.bytesTransferred),
      }));
      const due =
        event.type === "task-done" ||
        state.lastReportAt === undefined ||
        now - state.lastReportAt >= RUN_PROGRESS_INTERVAL_MS;
      return due ? reported(next, now) : { state: next };
    }
    case "step-done": {
      // Batches of a step that ended without them (skipped, or stopped) will never report.
      const prefix = `${event.step}\u0000`;
      const tasks = new Map(
        [...state.tasks].filter(
          ([k, task]) => !(k.startsWith(prefix) && task.counters === undefined),
        ),
      );
      if (tasks.size === state.tasks.size) return { state };
      return reported({ ...state, tasks }, now);
    }
    default:
      return { state };
  }
};

/**
 * The totals of `state`. The run's bytes are each task's own estimate (its files × the mean size
 * of its transferred files); a task not yet that far, and a batch not yet reporting, count their
 * files (or, before Globus found any, the plan's items) × the mean size of every file transferred
 * so far. Items that are folders hold more than one file, so then it is a lower bound. The rate is
 * the sum of the ACTIVE tasks' smoothed rates.
 */
export const runProgressOf = (state: RunProgressState): RunProgressFields => {
  let tasksDone = 0;
  let tasksActive = 0;
  let tasksPending = 0;
  let files = 0;
  let filesTransferred = 0;
  let filesSkipped = 0;
  let bytesTransferred = 0;
  let meanBytes = 0;
  let meanFiles = 0;
  let rate: number | null = null;
  for (const task of state.tasks.values()) {
    const c = task.counters;
    if (c === undefined) {
      tasksPending += 1;
      continue;
    }
    if (task.settled) tasksDone += 1;
    else tasksActive += 1;
    files += c.files;
    filesTransferred += c.filesTransferred;
    filesSkipped += c.filesSkipped;
    bytesTransferred += c.bytesTransferred;
    if (task.action === "transfer") {
      meanBytes += c.bytesTransferred;
      meanFiles += c.filesTransferred;
    }
    const taskRate = task.rate?.bytesPerSecond ?? null;
    if (!task.settled && taskRate !== null) rate = (rate ?? 0) + taskRate;
  }
  const meanFileBytes = meanFiles === 0 ? null : meanBytes / meanFiles;
  let estimatedBytes: number | null = 0;
  for (const task of state.tasks.values()) {
    const c = task.counters;
    const own =
      c === undefined
        ? null
        : task.settled || task.action === "delete"
          ? c.bytesTransferred
          : estimatedTaskBytes(c);
    if (own !== null) {
      estimatedBytes += own;
      continue;
    }
    const left = Math.max(c?.files ?? 0, task.itemCount) - (c === undefined ? 0 : filesDone(c));
    const moved = c?.bytesTransferred ?? 0;
    if (task.action === "delete" || left <= 0) {
      estimatedBytes += moved;
    } else if (meanFileBytes === null) {
      estimatedBytes = null;
      break;
    } else {
      estimatedBytes += moved + left * meanFileBytes;
    }
  }
  if (estimatedBytes !== null) estimatedBytes = Math.round(estimatedBytes);
  return {
    tasksDone,
    tasksActive,
    tasksPending,
    files,
    filesTransferred,
    filesSkipped,
    bytesTransferred,
    estimatedBytes,
    bytesPerSecond: rate,
    etaSeconds: etaSeconds(estimatedBytes, bytesTransferred, rate),
  };
};

/**
 * A `RunReporter` that passes every event to the one in context and adds `run-progress` events
 * for the tasks of `expected` (and any other task it hears of). One event at a time, so a
 * `run-progress` follows the event it counts.
 */
export const makeRunProgressReporter = (
  expected: readonly ExpectedTask[],
): Effect.Effect<RunReporterShape, never, RunReporter> =>
  Effect.gen(function* () {
    const inner = yield* RunReporter;
    const state = yield* Ref.make(initialRunProgress(expected));
    const lock = yield* Effect.makeSemaphore(1);
    return {
      emit: (event) =>
        lock.withPermits(1)(
          Effect.gen(function* () {
            yield* inner.emit(event);
            const now = yield* Clock.currentTimeMillis;
            const fields = yield* Ref.modify(state, (before) => {
              const folded = foldRunProgress(before, event, now);
              return [folded.report, folded.state];
            });
            if (fields !== undefined) {
              yield* inner.emit(runEvent("run-progress", new Date(now), fields));
            }
          }),
        ),
    };
  });

/** {@link makeRunProgressReporter} as a layer over the `RunReporter` it wraps. */
export const runProgressLayer = (
  expected: readonly ExpectedTask[],
): Layer.Layer<RunReporter, never, RunReporter> =>
  Layer.effect(RunReporter, makeRunProgressReporter(expected));
