/**
 * What a run tells the world, as one stream of plain, JSON-ready events: the cli renders them
 * (progress bars, plain lines, `--json` lines) and the runner never prints. The shapes are the
 * documented `--json` schema (docs/run-events.md); a change an older reader would misread bumps
 * {@link RUN_EVENTS_VERSION}.
 */
import { Context, Effect, Layer, Ref } from "effect";

/** The `v` of every event this version emits. */
export const RUN_EVENTS_VERSION = 1 as const;

/** A Transfer task's state as Globus reports it. */
export type TaskStatus = "ACTIVE" | "INACTIVE" | "SUCCEEDED" | "FAILED";

export type StepOutcome = "succeeded" | "failed" | "skipped";

export type RunOutcome = "succeeded" | "failed" | "detached" | "interrupted";

/** Counters of one task, as its task document gives them. */
export interface TaskCounters {
  readonly bytesTransferred: number;
  readonly files: number;
  readonly filesTransferred: number;
  readonly filesSkipped: number;
  readonly directories: number;
  readonly faults: number;
}

type Event<T extends string, Fields> = {
  readonly v: typeof RUN_EVENTS_VERSION;
  readonly type: T;
  /** ISO 8601, UTC. */
  readonly time: string;
} & Fields;

export type RunEvent =
  | Event<
      "run-started",
      {
        readonly runId: string;
        readonly workflow: string;
        /** True when this process picked up a run an earlier one left unfinished. */
        readonly resumed: boolean;
        readonly steps: number;
        readonly batches: number;
      }
    >
  | Event<"step-started", { readonly step: string }>
  | Event<
      "batch-submitted",
      {
        readonly step: string;
        /** 0-based, as in the plan. */
        readonly batch: number;
        readonly taskId: string;
        readonly submissionId: string;
        /** Globus answered `Duplicate`: an earlier attempt had already submitted it. */
        readonly duplicate: boolean;
      }
    >
  | Event<
      "batch-attached",
      { readonly step: string; readonly batch: number; readonly taskId: string }
    >
  | Event<"mkdir-done", { readonly step: string; readonly path: string; readonly existed: boolean }>
  | Event<
      "task-progress",
      {
        readonly step: string;
        readonly batch: number;
        readonly taskId: string;
        readonly status: TaskStatus;
        readonly niceStatus: string | null;
        readonly counters: TaskCounters;
        /** Bytes per second since the previous progress event of this task; null at first. */
        readonly bytesPerSecond: number | null;
        /**
         * The task's total bytes, estimated from the mean size of the files transferred so far;
         * null until a file was transferred. A lower bound while Globus still finds files.
         */
        readonly estimatedBytes: number | null;
        /**
         * Seconds left at the smoothed rate (0 once SUCCEEDED); null when it cannot be estimated
         * yet (no file transferred, nothing moving) or the task will not finish by itself.
         */
        readonly etaSeconds: number | null;
      }
    >
  | Event<
      "run-progress",
      {
        /** Tasks followed to their end (SUCCEEDED, FAILED or INACTIVE). */
        readonly tasksDone: number;
        /** Tasks followed and still ACTIVE. */
        readonly tasksActive: number;
        /** Batches this process will follow whose task has not reported yet. */
        readonly tasksPending: number;
        /** The followed tasks' counters, summed. */
        readonly files: number;
        readonly filesTransferred: number;
        readonly filesSkipped: number;
        readonly bytesTransferred: number;
        /**
         * The run's total bytes: each task's estimate, and the pending batches' items times the
         * mean file size so far. A lower bound when items are recursive. Null until a file was
         * transferred.
         */
        readonly estimatedBytes: number | null;
        /** Bytes per second over every followed task, smoothed; null until bytes move. */
        readonly bytesPerSecond: number | null;
        /** Seconds left at `bytesPerSecond`; null when either estimate is unknown. */
        readonly etaSeconds: number | null;
      }
    >
  | Event<
      "task-event",
      {
        readonly step: string;
        readonly batch: number;
        readonly taskId: string;
        /** Globus's event code (e.g. `CONNECTION_RESET`, `PERMISSION_DENIED`). */
        readonly code: string;
        readonly description: string;
        readonly isError: boolean;
      }
    >
  | Event<
      "task-done",
      {
        readonly step: string;
        readonly batch: number;
        readonly taskId: string;
        readonly status: TaskStatus;
        readonly counters: TaskCounters;
        /** Why a task did not succeed, in Globus's words (fatal_error, nice_status). */
        readonly reason?: string;
        /** What to do about it, when there is something to do. */
        readonly remedy?: string;
      }
    >
  | Event<
      "step-done",
      { readonly step: string; readonly outcome: StepOutcome; readonly reason?: string }
    >
  | Event<
      "run-done",
      {
        readonly runId: string;
        readonly outcome: RunOutcome;
        readonly exitCode: number;
        /** `interrupted` only: tasks still running at Globus (not ended, not cancelled). */
        readonly openTasks?: number;
        /** `interrupted` with `--cancel-on-interrupt` only: tasks cancelled at Globus. */
        readonly cancelledTasks?: number;
        /**
         * `interrupted` with `--cancel-on-interrupt` only: batches whose submit was cut short
         * before its answer was recorded. If Globus took one, its task was not cancelled; a
         * resumed run finds it (the same submission id answers `Duplicate`).
         */
        readonly unrecordedSubmits?: number;
      }
    >
  | Event<"warning", { readonly message: string }>;

export type RunEventType = RunEvent["type"];

/** Builds an event of `type`, stamped with `time` (the caller reads Effect's Clock). */
export const runEvent = <T extends RunEventType>(
  type: T,
  time: Date,
  fields: Omit<Extract<RunEvent, { type: T }>, "v" | "type" | "time">,
): Extract<RunEvent, { type: T }> =>
  ({ v: RUN_EVENTS_VERSION, type, time: time.toISOString(), ...fields }) as Extract<
    RunEvent,
    { type: T }
  >;

/** Where run events go. The cli provides a renderer; tests collect them. */
export interface RunReporterShape {
  readonly emit: (event: RunEvent) => Effect.Effect<void>;
}

export class RunReporter extends Context.Tag("transflow/RunReporter")<
  RunReporter,
  RunReporterShape
>() {
  /** Hands each event to `render` (synchronous: a terminal write or a JSON line). */
  static readonly layer = (render: (event: RunEvent) => void): Layer.Layer<RunReporter> =>
    Layer.succeed(RunReporter, { emit: (event) => Effect.sync(() => render(event)) });

  /** Collects the events, for tests: read them back with `events`. */
  static readonly layerMemory = (events: Ref.Ref<readonly RunEvent[]>): Layer.Layer<RunReporter> =>
    Layer.succeed(RunReporter, {
      emit: (event) => Ref.update(events, (all) => [...all, event]),
    });
}

/** Emits `event` (stamped now) to the run's reporter. */
export const report = <T extends RunEventType>(
  type: T,
  fields: Omit<Extract<RunEvent, { type: T }>, "v" | "type" | "time">,
): Effect.Effect<void, never, RunReporter> =>
  Effect.gen(function* () {
    const reporter = yield* RunReporter;
    const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
    yield* reporter.emit(runEvent(type, new Date(now), fields));
  });
