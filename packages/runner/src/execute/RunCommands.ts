/**
 * The runner side of `transflow runs`, `status`, `wait` and `cancel`: list the runs in the state
 * folder, show one (with its unfinished tasks' live status when an identity is configured), follow
 * a run's submitted tasks to their end without submitting anything, and cancel a run's tasks.
 * Each `…FromEnv` entry point takes the environment record (credentials, service URLs, state
 * folder), never fails, and resolves to what the cli renders plus an exit code; nothing here
 * prints. The effects they wrap need only `Journal`, `TransferApi` and `RunReporter`, so tests
 * run them on the in-memory layers.
 */
import { type Diagnostic, makeError } from "@transflow/core";
import { Cause, Duration, Effect, Exit, Layer, Option } from "effect";
import { storeEnvironment } from "../auth/TokenStore.ts";
import { AuthTokens } from "../globus/AuthTokens.ts";
import { GlobusConfig } from "../globus/GlobusConfig.ts";
import { globusLayerFromEnv } from "../globus/GlobusLayers.ts";
import { TransferApi, type TransferApiError } from "../globus/TransferApi.ts";
import {
  Journal,
  type JournalError,
  type RunHandle,
  type RunSnapshot,
  type RunSummary,
  type UnreadableRun,
} from "../run/Journal.ts";
import type { RunInfo } from "../run/RunFiles.ts";
import {
  type BatchState,
  type JournalRunOutcome,
  type JournalStepOutcome,
  type RunCounts,
  type RunState,
  runCounts,
  type StepState,
  type TaskStatusState,
} from "../run/RunState.ts";
import { followBatch, taskSnapshot, taskStatusEntry } from "./BatchFollower.ts";
import { failureExitCode, failureHint, LOGIN_TAGS, RunExitCode } from "./Failures.ts";
import type { PollingPolicy, TaskSnapshot } from "./Monitor.ts";
import { type RunEvent, type RunOutcome, RunReporter, report } from "./RunEvents.ts";
import { runProgressLayer } from "./RunProgress.ts";

type Env = Readonly<Record<string, string | undefined>>;

/** Exit codes of `wait` besides `RunExitCode`'s. */
export const WaitExitCode = {
  /** `--timeout` ran out before the tasks settled (as coreutils' `timeout`); they keep running. */
  timedOut: 124,
} as const;

/** What a command resolves to: its result (absent when it failed), exit code and problems. */
export interface CommandReport<A> {
  readonly exitCode: number;
  readonly value?: A;
  /** Why it failed, with what to do; empty on success. */
  readonly diagnostics: readonly Diagnostic[];
}

// ---------------------------------------------------------------------------------------------
// Reading a run's state

/** A batch of a run with a task the journal last saw unsettled (never recorded, ACTIVE, INACTIVE). */
export interface OpenTask {
  readonly step: string;
  readonly batch: number;
  readonly taskId: string;
  readonly known?: TaskStatusState;
}

const isFinal = (status: string | undefined): boolean =>
  status === "SUCCEEDED" || status === "FAILED";

/** Every task of `state` that Globus may still be working on, in plan order. */
export const openTasks = (state: RunState): readonly OpenTask[] =>
  state.steps.flatMap((step) =>
    step.batches.flatMap((batch) =>
      batch.taskId === undefined || isFinal(batch.status?.status)
        ? []
        : [
            {
              step: step.id,
              batch: batch.batch,
              taskId: batch.taskId,
              ...(batch.status === undefined ? {} : { known: batch.status }),
            },
          ],
    ),
  );

/** Whether a batch was carried out: it has a task (transfer, delete) or its folder was made. */
const isSubmitted = (batch: BatchState): boolean =>
  batch.taskId !== undefined || batch.mkdir !== undefined;

/**
 * How a step ended, judging by its batches alone: every batch submitted and settled. `undefined`
 * while a batch is unsubmitted or its task still runs (or the step has no batch to judge by).
 */
export const settledStepOutcome = (
  step: StepState,
):
  | { readonly outcome: "succeeded" }
  | { readonly outcome: "failed"; readonly reason: string; readonly inactive: boolean }
  | undefined => {
  if (step.batches.length === 0) return undefined;
  let failed = 0;
  let inactive = false;
  for (const batch of step.batches) {
    if (batch.mkdir !== undefined) continue;
    const status = batch.status?.status;
    if (batch.taskId === undefined || status === undefined || status === "ACTIVE") return undefined;
    if (status !== "SUCCEEDED") failed += 1;
    if (status === "INACTIVE") inactive = true;
  }
  return failed === 0
    ? { outcome: "succeeded" }
    : {
        outcome: "failed",
        reason: `${failed} of ${step.batches.length} tasks did not succeed`,
        inactive,
      };
};

/**
 * Steps a later `transflow run` still has work in: no outcome recorded, or (not skipped) a batch
 * never submitted. Detached runs leave the steps that need a submitted one like this.
 */
export const unsubmittedSteps = (state: RunState): readonly string[] =>
  state.steps
    .filter((step) =>
      step.outcome === "skipped"
        ? false
        : step.batches.length === 0
          ? step.outcome === undefined
          : !step.batches.every(isSubmitted),
    )
    .map((step) => step.id);

// ---------------------------------------------------------------------------------------------
// Failures

/** What a command says when another process holds the run: `{ summary, hint }` for `holder`. */
type LockedWording = (holder: string) => { readonly summary: string; readonly hint: string };

const holderOf = (error: object): string => {
  const { pid, hostname } = error as { pid?: number; hostname?: string };
  return pid === undefined
    ? "another transflow process"
    : `transflow process ${pid}${hostname === undefined ? "" : ` on ${hostname}`}`;
};

/** The exit code and message of a failure that stopped a command. */
const failureReport = <A>(
  error: { readonly _tag: string; readonly message: string },
  locked?: LockedWording,
): CommandReport<A> => {
  const tag = error._tag;
  const exitCode = failureExitCode(error);
  if (tag === "RunLockedError" && locked !== undefined) {
    const { summary, hint } = locked(holderOf(error));
    return { exitCode, diagnostics: [makeError("run-locked", summary, undefined, hint)] };
  }
  const hint = failureHint(error);
  return { exitCode, diagnostics: [makeError(code(tag), error.message, undefined, hint)] };
};

const code = (tag: string): string =>
  tag
    .replace(/Error$/, "")
    .replace(/([a-z])([A-Z])/g, "$1-$2")
    .toLowerCase();

/**
 * A report refusing run `runId` when it ran against another Globus environment than the one
 * configured (its tasks are not there); undefined when they are the same.
 */
const otherEnvironment = <A>(runId: string) =>
  Effect.gen(function* () {
    const { info } = yield* (yield* Journal).inspect(runId);
    const configured = storeEnvironment(yield* GlobusConfig);
    if (configured === info.meta.environment) return undefined;
    return {
      exitCode: RunExitCode.invalid,
      diagnostics: [
        makeError(
          "run-environment",
          `run ${info.runId} ran against Globus ${JSON.stringify(info.meta.environment)}, but this environment configures ${JSON.stringify(configured)}: its tasks are not there`,
          undefined,
          "set GLOBUS_SDK_ENVIRONMENT (or GLOBUS_SDK_SERVICE_URL_AUTH/_TRANSFER) as when the run started",
        ),
      ],
    } satisfies CommandReport<A>;
  });

/** Runs `effect`; its typed failure becomes a report, a defect stays a defect. */
const reportFailures = <A, E extends { readonly _tag: string; readonly message: string }>(
  effect: Effect.Effect<CommandReport<A>, E>,
  locked?: LockedWording,
): Effect.Effect<CommandReport<A>> =>
  Effect.catchAll(effect, (error) => Effect.succeed(failureReport<A>(error, locked)));

// ---------------------------------------------------------------------------------------------
// transflow runs

export interface RunsListing {
  /** Where the runs live, for messages. */
  readonly location: string;
  /** Newest first. */
  readonly runs: readonly (RunSummary | UnreadableRun)[];
}

/** Every run in `env`'s state folder, newest first. */
export const listRunsFromEnv = (env: Env): Effect.Effect<CommandReport<RunsListing>> =>
  reportFailures(
    Effect.gen(function* () {
      const journal = yield* Journal;
      const runs = yield* journal.list();
      return { exitCode: 0, value: { location: journal.location, runs }, diagnostics: [] };
    }).pipe(Effect.provide(Journal.layerFromEnv(env))),
  );

// ---------------------------------------------------------------------------------------------
// transflow status

/** Where a step is: its recorded outcome, else whether any of its batches was carried out. */
export type StepProgress = JournalStepOutcome | "submitted" | "pending";

export interface BatchStatus {
  /** 0-based, as in the plan. */
  readonly batch: number;
  readonly submissionId?: string;
  readonly taskId?: string;
  /** The last status the journal recorded (and when: `t`). */
  readonly recorded?: TaskStatusState;
  /** A mkdir batch that was done. */
  readonly mkdir?: { readonly path: string; readonly existed: boolean };
  /** What Globus says now, for a task the journal saw unsettled (when looked up). */
  readonly live?: TaskSnapshot;
  /** Why the live status could not be read for this task. */
  readonly liveError?: string;
}

export interface StepStatus {
  readonly id: string;
  readonly action: StepState["action"];
  readonly progress: StepProgress;
  readonly reason?: string;
  readonly batches: readonly BatchStatus[];
}

export interface RunStatus {
  readonly runId: string;
  readonly workflow: RunInfo["workflow"];
  readonly inputs: RunInfo["inputs"];
  readonly createdAt: string;
  /** The Globus environment the run talks to. */
  readonly environment: string;
  /** The command that started the run (and resumes it). */
  readonly invokedWith: string;
  readonly outcome: JournalRunOutcome | "unfinished";
  readonly counts: RunCounts;
  /** How many times a process stopped driving it (Ctrl-C, --detach), and the last reason. */
  readonly interruptions: number;
  readonly lastInterrupt?: string;
  readonly live: {
    /** Tasks the journal saw unsettled. */
    readonly openTasks: number;
    /** Of those, how many Globus answered for. */
    readonly looked: number;
    /** Why the live status was not (or not fully) looked up. */
    readonly note?: string;
  };
  readonly steps: readonly StepStatus[];
  /** Steps with work never submitted: `transflow run` (the `invokedWith` command) continues them. */
  readonly unsubmitted: readonly string[];
  /** Set aside while reading (a torn last journal line), or a newer run that cannot be read. */
  readonly warnings: readonly string[];
}

/** A run's status as its journal records it, without asking Globus. */
export const runStatusOf = (snapshot: RunSnapshot): RunStatus => {
  const { info, state } = snapshot;
  return {
    runId: info.runId,
    workflow: info.workflow,
    inputs: info.inputs,
    createdAt: info.createdAt,
    environment: info.meta.environment,
    invokedWith: info.meta.invokedWith,
    outcome: state.outcome,
    counts: runCounts(state),
    interruptions: state.interruptions,
    ...(state.lastInterrupt === undefined ? {} : { lastInterrupt: state.lastInterrupt }),
    live: { openTasks: openTasks(state).length, looked: 0 },
    steps: state.steps.map((step) => ({
      id: step.id,
      action: step.action,
      progress: step.outcome ?? (step.batches.some(isSubmitted) ? "submitted" : "pending"),
      ...(step.reason === undefined ? {} : { reason: step.reason }),
      batches: step.batches.map((batch) => ({
        batch: batch.batch,
        ...(batch.submissionId === undefined ? {} : { submissionId: batch.submissionId }),
        ...(batch.taskId === undefined ? {} : { taskId: batch.taskId }),
        ...(batch.status === undefined ? {} : { recorded: batch.status }),
        ...(batch.mkdir === undefined ? {} : { mkdir: batch.mkdir }),
      })),
    })),
    unsubmitted: state.outcome === "unfinished" ? unsubmittedSteps(state) : [],
    warnings: snapshot.warnings.map((w) => `${w.file}:${w.line}: ${w.reason}`),
  };
};

/** How long `status` waits for Globus's answer about one task. */
export const LIVE_LOOKUP_TIMEOUT = Duration.seconds(10);

/** Failures after which asking about the other tasks would only fail the same way, slowly. */
const STOP_ASKING_TAGS = new Set([...LOGIN_TAGS, "GlobusUnavailableError", "TimeoutException"]);

/**
 * `status` with the live status of each open task from `getTask` (never written anywhere). Each
 * answer is awaited at most `LIVE_LOOKUP_TIMEOUT`; after a failure that would repeat (no login,
 * Globus unreachable, too slow) the remaining tasks are not asked about.
 */
export const withLiveStatus = (status: RunStatus): Effect.Effect<RunStatus, never, TransferApi> =>
  Effect.gen(function* () {
    const transfer = yield* TransferApi;
    const open = status.steps.flatMap((step) =>
      step.batches
        .filter((b) => b.taskId !== undefined && !isFinal(b.recorded?.status))
        .map((b) => b.taskId as string),
    );
    let stopped: string | undefined;
    const answers = new Map<string, { live: TaskSnapshot } | { error: string }>();
    yield* Effect.forEach(
      open,
      (taskId) =>
        Effect.gen(function* () {
          if (stopped !== undefined) return;
          const answer = yield* Effect.either(
            transfer.getTask(taskId).pipe(
              Effect.map(taskSnapshot),
              Effect.timeoutFail({
                duration: LIVE_LOOKUP_TIMEOUT,
                onTimeout: () => ({
                  _tag: "TimeoutException",
                  message: `Globus did not answer within ${Duration.format(LIVE_LOOKUP_TIMEOUT)}`,
                }),
              }),
            ),
          );
          if (answer._tag === "Right") {
            answers.set(taskId, { live: answer.right });
            return;
          }
          answers.set(taskId, { error: answer.left.message });
          if (STOP_ASKING_TAGS.has(answer.left._tag)) stopped ??= answer.left.message;
        }),
      { concurrency: 4, discard: true },
    );
    let looked = 0;
    let problem: string | undefined;
    const steps = status.steps.map((step) => ({
      ...step,
      batches: step.batches.map((batch) => {
        const answer = batch.taskId === undefined ? undefined : answers.get(batch.taskId);
        if (answer === undefined) return batch;
        if ("live" in answer) {
          looked += 1;
          return { ...batch, live: answer.live };
        }
        problem ??= answer.error;
        return { ...batch, liveError: answer.error };
      }),
    }));
    const note =
      stopped !== undefined
        ? `${stopped}: the other tasks show the journal's view`
        : problem === undefined
          ? undefined
          : `Globus did not answer for every task: ${problem}`;
    return {
      ...status,
      steps,
      live: { openTasks: open.length, looked, ...(note === undefined ? {} : { note }) },
    };
  });

export interface StatusRequest {
  readonly env: Env;
  /** The run; the newest one when absent. */
  readonly runId?: string | undefined;
  /** Ask Globus for the live status of unfinished tasks (when an identity is configured). */
  readonly live?: boolean;
}

const NO_IDENTITY_NOTE =
  "no Globus identity is configured (transflow login, or TRANSFLOW_CLIENT_ID and TRANSFLOW_CLIENT_SECRET): this is the journal's view";

/** The live part of `status`, with whatever `env` configures; a problem becomes a note. */
const lookLive = (status: RunStatus, env: Env): Effect.Effect<RunStatus> =>
  Effect.gen(function* () {
    const config = yield* GlobusConfig;
    const configured = storeEnvironment(config);
    if (configured !== status.environment) {
      return withNote(
        status,
        `the run talks to Globus ${JSON.stringify(status.environment)}, this environment to ${JSON.stringify(configured)}: this is the journal's view`,
      );
    }
    if ((yield* AuthTokens).identity === "none") return withNote(status, NO_IDENTITY_NOTE);
    return yield* withLiveStatus(status);
  }).pipe(
    Effect.provide(globusLayerFromEnv(env)),
    Effect.catchAll((error) =>
      Effect.succeed(withNote(status, `${error.message}: this is the journal's view`)),
    ),
  );

const withNote = (status: RunStatus, note: string): RunStatus => ({
  ...status,
  live: { ...status.live, note },
});

/** The run to show: `runId`, or the newest readable one (a newer unreadable one is a warning). */
const pickRun = (runId: string | undefined) =>
  Effect.gen(function* () {
    const journal = yield* Journal;
    if (runId !== undefined) return { runId, warnings: [] as string[] };
    const runs = yield* journal.list();
    const warnings: string[] = [];
    for (const run of runs) {
      if (run.outcome !== "unreadable") return { runId: run.runId, warnings };
      warnings.push(`run ${run.runId} cannot be read: ${run.problem}`);
    }
    return undefined;
  });

/** `transflow status [run]`. */
export const runStatusFromEnv = (request: StatusRequest): Effect.Effect<CommandReport<RunStatus>> =>
  reportFailures(
    Effect.gen(function* () {
      const journal = yield* Journal;
      const picked = yield* pickRun(request.runId);
      if (picked === undefined) {
        return {
          exitCode: RunExitCode.invalid,
          diagnostics: [
            makeError(
              "no-runs",
              `no runs in ${journal.location}`,
              undefined,
              "start one with transflow run <workflow>",
            ),
          ],
        } satisfies CommandReport<RunStatus>;
      }
      const snapshot = yield* journal.inspect(picked.runId);
      const status = runStatusOf(snapshot);
      const shown = {
        ...status,
        warnings: [...picked.warnings, ...status.warnings],
      };
      const value =
        request.live === false || shown.live.openTasks === 0
          ? shown
          : yield* lookLive(shown, request.env);
      return { exitCode: 0, value, diagnostics: [] } satisfies CommandReport<RunStatus>;
    }).pipe(Effect.provide(Journal.layerFromEnv(request.env))),
  );

// ---------------------------------------------------------------------------------------------
// transflow wait

export interface WaitOptions {
  /** Stop following after this long (the tasks keep running at Globus). */
  readonly timeout?: Duration.DurationInput | undefined;
  readonly polling?: PollingPolicy | undefined;
}

export interface WaitResult {
  readonly runId: string;
  readonly exitCode: number;
  /**
   * `succeeded`/`failed`: every submitted task settled (see `recorded` for whether the run is
   * finished); `action-required`: a task is INACTIVE; `timed-out`; `finished-before`: the run
   * had ended before (its outcome in `recorded`).
   */
  readonly outcome: "succeeded" | "failed" | "action-required" | "timed-out" | "finished-before";
  /** The run's outcome in the journal afterwards (`unfinished` when steps remain). */
  readonly recorded: JournalRunOutcome | "unfinished";
  /** Steps with work never submitted: `transflow run` continues them. */
  readonly unsubmitted: readonly string[];
  /** The command that continues the run. */
  readonly continueWith: string;
}

/** The `run-done` event's outcome for a wait result. */
const eventOutcome = (result: Pick<WaitResult, "outcome" | "recorded">): RunOutcome =>
  result.outcome === "timed-out"
    ? "interrupted"
    : result.outcome === "finished-before"
      ? result.recorded === "succeeded"
        ? "succeeded"
        : "failed"
      : result.outcome === "succeeded"
        ? result.recorded === "unfinished"
          ? "detached"
          : "succeeded"
        : "failed";

/**
 * Follows the submitted, unsettled tasks of run `runId` to their end, holding the run's lock:
 * records each status change, a `step-done` for each step whose batches all settled, and
 * `run-done` once every step has an outcome and no task is INACTIVE. Submits nothing. Interrupted,
 * it records `run-interrupted` and reports `run-done` (interrupted).
 */
export const waitForRun = (
  runId: string,
  options: WaitOptions = {},
): Effect.Effect<
  WaitResult,
  JournalError | TransferApiError,
  Journal | TransferApi | RunReporter
> =>
  Effect.scoped(
    Effect.gen(function* () {
      const journal = yield* Journal;
      const handle = yield* journal.open(runId);
      const rerun = `transflow wait ${runId}`;
      const before = yield* journal.state(handle);
      const counts = runCounts(before);
      yield* report("run-started", {
        runId,
        workflow: handle.info.workflow.name,
        resumed: true,
        steps: counts.steps,
        batches: counts.batches,
      });
      for (const warning of handle.warnings) {
        yield* report("warning", { message: warning.reason });
      }
      const continueWith = handle.info.meta.invokedWith;
      const finish = (result: WaitResult) =>
        Effect.as(
          report("run-done", { runId, outcome: eventOutcome(result), exitCode: result.exitCode }),
          result,
        );

      if (before.outcome !== "unfinished") {
        yield* report("warning", {
          message: `run ${runId} had already ended (${before.outcome}): nothing to wait for`,
        });
        return yield* finish({
          runId,
          exitCode: before.outcome === "succeeded" ? RunExitCode.succeeded : RunExitCode.failed,
          outcome: "finished-before",
          recorded: before.outcome,
          unsubmitted: [],
          continueWith,
        });
      }

      const append = (entry: Parameters<typeof journal.append>[1]) => journal.append(handle, entry);
      const open = openTasks(before);
      for (const task of open) {
        yield* report("batch-attached", {
          step: task.step,
          batch: task.batch,
          taskId: task.taskId,
        });
      }
      const follow = Effect.forEach(
        open,
        (task) =>
          followBatch(
            {
              step: task.step,
              batch: task.batch,
              taskId: task.taskId,
              known: task.known,
              rerun,
              polling: options.polling,
            },
            append,
          ),
        { concurrency: "unbounded", discard: true },
      ).pipe(
        // Totals over the followed tasks, as `run-progress` events; the plan's item counts are
        // not at hand, and every task is polled at once, so each task's own files count.
        Effect.provide(
          runProgressLayer(
            open.map((task) => ({
              step: task.step,
              batch: task.batch,
              action:
                before.steps.find((s) => s.id === task.step)?.action === "delete"
                  ? "delete"
                  : "transfer",
              itemCount: 0,
            })),
          ),
        ),
      );
      // The timeout interrupts `follow` inside; only an interrupt from outside (Ctrl-C) is recorded.
      const followed = (
        options.timeout === undefined
          ? Effect.as(follow, true)
          : Effect.map(Effect.timeoutOption(follow, options.timeout), Option.isSome)
      ).pipe(
        Effect.onInterrupt(() =>
          Effect.gen(function* () {
            yield* Effect.ignore(append({ type: "run-interrupted", reason: "signal" }));
            yield* report("run-done", {
              runId,
              outcome: "interrupted",
              exitCode: RunExitCode.interrupted,
            });
          }),
        ),
      );
      if (!(yield* followed)) {
        yield* report("warning", {
          message: `stopped waiting after ${Duration.format(Duration.decode(options.timeout ?? 0))}: the tasks keep running at Globus; wait again with: ${rerun}`,
        });
        return yield* finish({
          runId,
          exitCode: WaitExitCode.timedOut,
          outcome: "timed-out",
          recorded: "unfinished",
          unsubmitted: unsubmittedSteps(yield* journal.state(handle)),
          continueWith,
        });
      }

      // Every followed task settled: a step whose batches all settled gets its outcome.
      let inactive = false;
      for (const step of (yield* journal.state(handle)).steps) {
        if (step.outcome === "skipped") continue;
        const settled = settledStepOutcome(step);
        if (settled === undefined) continue;
        if (settled.outcome === "failed" && settled.inactive) inactive = true;
        const reason = settled.outcome === "failed" ? settled.reason : undefined;
        if (step.outcome === settled.outcome && step.reason === reason) continue;
        yield* append({
          type: "step-done",
          step: step.id,
          outcome: settled.outcome,
          ...(reason === undefined ? {} : { reason }),
        });
        yield* report("step-done", {
          step: step.id,
          outcome: settled.outcome,
          ...(reason === undefined ? {} : { reason }),
        });
      }
      const after = yield* journal.state(handle);
      const unsubmitted = unsubmittedSteps(after);
      const failed = after.steps.some((s) => s.outcome === "failed" || s.outcome === "skipped");
      let recorded: WaitResult["recorded"] = "unfinished";
      const settled = after.steps.every((s) => s.outcome !== undefined);
      if (settled && unsubmitted.length === 0 && !inactive) {
        recorded = failed ? "failed" : "succeeded";
        yield* append({ type: "run-done", outcome: recorded });
      }
      if (unsubmitted.length > 0) {
        yield* report("warning", {
          message: `steps never submitted: ${unsubmitted.join(", ")} (a run started with --detach leaves the steps that need a submitted one). Continue the run with: ${continueWith}`,
        });
      }
      return yield* finish({
        runId,
        exitCode: inactive
          ? RunExitCode.actionRequired
          : failed
            ? RunExitCode.failed
            : RunExitCode.succeeded,
        outcome: inactive ? "action-required" : failed ? "failed" : "succeeded",
        recorded,
        unsubmitted,
        continueWith,
      });
    }),
  );

export interface WaitRequest extends WaitOptions {
  readonly runId: string;
  readonly env: Env;
}

/**
 * `transflow wait <run>`: `waitForRun` with the journal, Globus and reporter that `env` and
 * `render` give. Interrupting it (Ctrl-C) stops following; the tasks keep running at Globus.
 */
export const waitForRunFromEnv = (
  request: WaitRequest,
  render: (event: RunEvent) => void,
): Effect.Effect<CommandReport<WaitResult>> =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(
      Effect.gen(function* () {
        const refused = yield* otherEnvironment<WaitResult>(request.runId);
        if (refused !== undefined) return refused;
        const result = yield* waitForRun(request.runId, request);
        return { exitCode: result.exitCode, value: result, diagnostics: [] };
      }).pipe(
        Effect.provide(
          Layer.mergeAll(
            Journal.layerFromEnv(request.env),
            RunReporter.layer(render),
            globusLayerFromEnv(request.env),
          ),
        ),
      ),
    );
    if (Exit.isSuccess(exit)) return exit.value;
    if (Cause.isInterruptedOnly(exit.cause)) {
      return { exitCode: RunExitCode.interrupted, diagnostics: [] };
    }
    const failure = Cause.failureOption(exit.cause);
    if (Option.isSome(failure)) {
      return failureReport<WaitResult>(failure.value, (holder) => ({
        summary: `run ${request.runId} is being followed by ${holder} (a transflow run or wait), which records its end itself`,
        hint: `see where it is with transflow status ${request.runId}; wait again once that process has stopped`,
      }));
    }
    return yield* Effect.failCause(exit.cause).pipe(Effect.orDie);
  });

// ---------------------------------------------------------------------------------------------
// transflow cancel

export interface CancelledTask {
  readonly step: string;
  readonly batch: number;
  readonly taskId: string;
  /** Globus's answer: `Canceled`, `CancelAccepted` (under way), or `TaskComplete` (it had ended). */
  readonly code?: string;
  /** The task's status after the cancel, when Globus said. */
  readonly status?: string;
  /** Why the cancel failed (the task may still run). */
  readonly error?: string;
}

export interface CancelResult {
  readonly runId: string;
  /** Every task the journal saw unsettled, with what cancelling it gave. */
  readonly tasks: readonly CancelledTask[];
  /** Batches with a submission id but no recorded task: a submit whose answer was never recorded. */
  readonly unknownSubmissions: readonly {
    readonly step: string;
    readonly batch: number;
    readonly submissionId: string;
  }[];
  /** Whether `run-done` (cancelled) was recorded: not when a cancel failed, or the run had ended. */
  readonly recorded: boolean;
  /** The run's outcome before, when it had already ended. */
  readonly endedBefore?: JournalRunOutcome;
}

/** What cancelling a run's open tasks gave. */
export interface CancelledTasks {
  readonly tasks: readonly CancelledTask[];
  readonly unknownSubmissions: CancelResult["unknownSubmissions"];
  /** Every cancel went through (none failed). */
  readonly allCancelled: boolean;
}

/**
 * Cancels at Globus every task of `state` not recorded as SUCCEEDED or FAILED and, with the run's
 * `handle`, records each one's status afterwards. For `transflow cancel` and for
 * `run --cancel-on-interrupt` alike.
 */
export const cancelOpenTasks = (
  state: RunState,
  handle: RunHandle | undefined,
): Effect.Effect<CancelledTasks, JournalError, Journal | TransferApi> =>
  Effect.gen(function* () {
    const journal = yield* Journal;
    const transfer = yield* TransferApi;
    const cancelOne = (task: OpenTask): Effect.Effect<CancelledTask, JournalError> =>
      Effect.gen(function* () {
        const base = { step: task.step, batch: task.batch, taskId: task.taskId };
        const cancelled = yield* Effect.either(transfer.cancelTask(task.taskId));
        if (cancelled._tag === "Left") {
          return { ...base, error: cancelled.left.message } satisfies CancelledTask;
        }
        const after = yield* Effect.either(Effect.map(transfer.getTask(task.taskId), taskSnapshot));
        if (after._tag === "Left") return { ...base, code: cancelled.right };
        if (handle !== undefined) {
          yield* journal.append(
            handle,
            taskStatusEntry(task.step, task.batch, task.taskId, after.right),
          );
        }
        return { ...base, code: cancelled.right, status: after.right.status };
      });
    const tasks = yield* Effect.forEach(openTasks(state), cancelOne, { concurrency: 4 });
    const unknownSubmissions = state.steps.flatMap((step) =>
      step.batches.flatMap((batch) =>
        batch.submissionId !== undefined && batch.taskId === undefined
          ? [{ step: step.id, batch: batch.batch, submissionId: batch.submissionId }]
          : [],
      ),
    );
    return { tasks, unknownSubmissions, allCancelled: tasks.every((t) => t.error === undefined) };
  });

/**
 * Cancels at Globus every task of run `runId` not recorded as SUCCEEDED or FAILED, records each
 * one's status afterwards, and `run-done` (cancelled) when every cancel went through. A run that
 * had ended is not written to (its leftover tasks, if any, are still cancelled).
 */
export const cancelRun = (
  runId: string,
): Effect.Effect<CancelResult, JournalError, Journal | TransferApi> =>
  Effect.scoped(
    Effect.gen(function* () {
      const journal = yield* Journal;
      const snapshot = yield* journal.inspect(runId);
      const ended = snapshot.state.outcome !== "unfinished";
      const handle = ended ? undefined : yield* journal.open(runId);
      const state = handle === undefined ? snapshot.state : yield* journal.state(handle);
      const { tasks, unknownSubmissions, allCancelled } = yield* cancelOpenTasks(state, handle);
      if (handle !== undefined && allCancelled) {
        yield* journal.append(handle, { type: "run-done", outcome: "cancelled" });
      }
      return {
        runId,
        tasks,
        unknownSubmissions,
        recorded: handle !== undefined && allCancelled,
        ...(snapshot.state.outcome === "unfinished" ? {} : { endedBefore: snapshot.state.outcome }),
      };
    }),
  );

/** `transflow cancel <run>`. Exit 0; 1 when a cancel failed; 2 for an unknown run. */
export const cancelRunFromEnv = (request: {
  readonly runId: string;
  readonly env: Env;
}): Effect.Effect<CommandReport<CancelResult>> =>
  reportFailures(
    Effect.gen(function* () {
      const refused = yield* otherEnvironment<CancelResult>(request.runId);
      if (refused !== undefined) return refused;
      const result = yield* cancelRun(request.runId);
      const failed = result.tasks.some((task) => task.error !== undefined);
      return {
        exitCode: failed ? RunExitCode.failed : RunExitCode.succeeded,
        value: result,
        diagnostics: [],
      } satisfies CommandReport<CancelResult>;
    }).pipe(
      Effect.provide(
        Layer.merge(Journal.layerFromEnv(request.env), globusLayerFromEnv(request.env)),
      ),
    ),
    (holder) => ({
      summary: `run ${request.runId} is being driven by ${holder}: nothing was cancelled`,
      hint: "stop that process first (Ctrl-C; transflow run --cancel-on-interrupt cancels the tasks as it stops), then cancel again",
    }),
  );
