/**
 * Follows one batch's Transfer task to its end, as a run does: `task-progress` events while it
 * changes, a `task-status` record whenever its status (or nice status) changes, the task's error
 * events when it does not succeed, then `task-done` with the reason and what to do. Used by
 * both `transflow run` (the Executor) and `transflow wait`.
 */
import type { TaskDocument } from "@transflow/core/globus";
import { Effect, Option, Ref } from "effect";
import { TransferApi, type TransferApiError } from "../globus/TransferApi.ts";
import type { JournalEntry, TaskStatusState } from "../run/RunState.ts";
import { DEFAULT_POLLING, followTask, type PollingPolicy, type TaskSnapshot } from "./Monitor.ts";
import { instantRate, observeRate, type RateEstimate, taskEstimate } from "./ProgressEstimate.ts";
import { type RunReporter, report, type TaskCounters } from "./RunEvents.ts";

const counters = (task: TaskDocument): TaskCounters => ({
  bytesTransferred: task.bytes_transferred,
  files: task.files,
  filesTransferred: task.files_transferred,
  filesSkipped: task.files_skipped,
  directories: task.directories,
  faults: task.faults,
});

/** What a poll learned, from Transfer's task document. */
export const taskSnapshot = (task: TaskDocument): TaskSnapshot => ({
  status: task.status,
  niceStatus: task.nice_status,
  counters: counters(task),
  fatalError:
    task.fatal_error === null ? null : `${task.fatal_error.code}: ${task.fatal_error.description}`,
});

export interface FollowBatchInput {
  readonly step: string;
  /** 0-based, as in the plan. */
  readonly batch: number;
  readonly taskId: string;
  /** The batch's last recorded status: an unchanged one is not recorded again. */
  readonly known?: TaskStatusState | undefined;
  /** The command that follows the task again, for the remedy of an INACTIVE task. */
  readonly rerun: string;
  readonly polling?: PollingPolicy | undefined;
}

/** The `task-status` record of `snapshot` for a batch's task. */
export const taskStatusEntry = (
  step: string,
  batch: number,
  taskId: string,
  snapshot: TaskSnapshot,
): Extract<JournalEntry, { type: "task-status" }> => ({
  type: "task-status",
  step,
  batch,
  taskId,
  status: snapshot.status,
  ...(snapshot.niceStatus === null ? {} : { niceStatus: snapshot.niceStatus }),
  bytes: snapshot.counters.bytesTransferred,
  files: snapshot.counters.files,
  filesTransferred: snapshot.counters.filesTransferred,
  filesSkipped: snapshot.counters.filesSkipped,
  faults: snapshot.counters.faults,
  ...(snapshot.fatalError === null ? {} : { fatalError: snapshot.fatalError }),
});

/** What to do about a task that did not succeed, in the user's terms. */
export const taskRemedy = (snapshot: TaskSnapshot, rerun: string): string | undefined => {
  if (snapshot.status === "INACTIVE") {
    return `Globus paused the task (${snapshot.niceStatus ?? "inactive"}): usually a consent or credential it needs was withdrawn or expired. Grant it again (transflow consent), then ${rerun} to follow the task again`;
  }
  // Globus's fatal_error for a task past its deadline is EXPIRED ("deadline expired").
  if (
    snapshot.status === "FAILED" &&
    (snapshot.fatalError?.startsWith("EXPIRED") === true ||
      snapshot.fatalError?.startsWith("DEADLINE") === true)
  ) {
    return "the task's deadline passed before it finished: raise deadline: in the workflow, then run it again";
  }
  return undefined;
};

/**
 * Follows the task of `input` until it settles (SUCCEEDED, FAILED or INACTIVE), recording status
 * changes with `append` and reporting to the `RunReporter`. A failed `append` ends the follow with
 * that error at the next poll (nothing is written after it).
 */
export const followBatch = <E>(
  input: FollowBatchInput,
  append: (entry: JournalEntry) => Effect.Effect<void, E>,
): Effect.Effect<TaskSnapshot, E | TransferApiError, TransferApi | RunReporter> =>
  Effect.gen(function* () {
    const transfer = yield* TransferApi;
    const { step, batch, taskId } = input;
    const failure = yield* Ref.make(Option.none<E>());
    let last = input.known;
    let smoothed: RateEstimate | undefined;
    const getTask: Effect.Effect<TaskSnapshot, E | TransferApiError> = Effect.flatMap(
      Ref.get(failure),
      (failed): Effect.Effect<TaskSnapshot, E | TransferApiError> =>
        Option.isSome(failed)
          ? Effect.fail(failed.value)
          : Effect.map(transfer.getTask(taskId), taskSnapshot),
    );
    const onChange = (snapshot: TaskSnapshot): Effect.Effect<void, never, RunReporter> =>
      Effect.gen(function* () {
        const now = yield* Effect.clockWith((clock) => clock.currentTimeMillis);
        const bytes = snapshot.counters.bytesTransferred;
        const rate = instantRate(smoothed, now, bytes);
        // The ETA uses the smoothed rate: the last interval alone swings with every poll.
        smoothed = observeRate(smoothed, now, bytes);
        yield* report("task-progress", {
          step,
          batch,
          taskId,
          status: snapshot.status,
          niceStatus: snapshot.niceStatus,
          counters: snapshot.counters,
          bytesPerSecond: rate,
          ...taskEstimate(snapshot.status, snapshot.counters, smoothed.bytesPerSecond),
        });
        if (
          last?.status === snapshot.status &&
          last.niceStatus === (snapshot.niceStatus ?? undefined)
        ) {
          return;
        }
        const entry = taskStatusEntry(step, batch, taskId, snapshot);
        const appended = yield* Effect.either(append(entry));
        if (appended._tag === "Left") {
          yield* Ref.set(failure, Option.some(appended.left));
          return;
        }
        last = { ...entry, t: new Date(now).toISOString() };
      });
    const settled = yield* followTask(getTask, onChange, input.polling ?? DEFAULT_POLLING);
    const failed = yield* Ref.get(failure);
    if (Option.isSome(failed)) return yield* Effect.fail(failed.value);
    if (settled.status !== "SUCCEEDED") {
      // The task's error events say what went wrong, file by file.
      const events = yield* Effect.either(
        transfer.taskEvents(taskId, { limit: 10, errorsOnly: true }),
      );
      if (events._tag === "Right") {
        for (const event of [...events.right.DATA].reverse()) {
          yield* report("task-event", {
            step,
            batch,
            taskId,
            code: event.code,
            description:
              event.details === "" ? event.description : `${event.description} (${event.details})`,
            isError: event.is_error,
          });
        }
      }
    }
    const remedy = taskRemedy(settled, input.rerun);
    yield* report("task-done", {
      step,
      batch,
      taskId,
      status: settled.status,
      counters: settled.counters,
      ...(settled.fatalError === null
        ? settled.status === "INACTIVE" && settled.niceStatus !== null
          ? { reason: settled.niceStatus }
          : {}
        : { reason: settled.fatalError }),
      ...(remedy === undefined ? {} : { remedy }),
    });
    return settled;
  });
