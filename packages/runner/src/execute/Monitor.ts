/**
 * Follows one Transfer task to an end the run can act on: SUCCEEDED, FAILED, or INACTIVE (Globus
 * paused it, usually for a consent or credential: the run stops following and says what to do).
 * Polls adaptively — soon at first, then less often while nothing changes — so a long, quiet task
 * costs a few requests a minute. Time only through Effect's Clock: tests use TestClock.
 */
import { Duration, Effect } from "effect";
import type { TaskCounters, TaskStatus } from "./RunEvents.ts";

/** What a poll learns about a task. */
export interface TaskSnapshot {
  readonly status: TaskStatus;
  readonly niceStatus: string | null;
  readonly counters: TaskCounters;
  /** `fatal_error.description` (or code) of a FAILED task. */
  readonly fatalError: string | null;
}

/** How often to poll. */
export interface PollingPolicy {
  /** The first wait, and the wait after anything changed. @default 2 s */
  readonly initial: Duration.Duration;
  /** Each quiet poll waits this much longer than the one before. @default 1.5 */
  readonly factor: number;
  /** The longest wait while nothing changes. @default 30 s */
  readonly max: Duration.Duration;
}

export const DEFAULT_POLLING: PollingPolicy = {
  initial: Duration.seconds(2),
  factor: 1.5,
  max: Duration.seconds(30),
};

/** The wait after a poll: back to `initial` when something changed, else longer, up to `max`. */
export const nextPollDelay = (
  policy: PollingPolicy,
  previous: Duration.Duration,
  changed: boolean,
): Duration.Duration =>
  changed ? policy.initial : Duration.min(Duration.times(previous, policy.factor), policy.max);

const sameSnapshot = (a: TaskSnapshot, b: TaskSnapshot): boolean =>
  a.status === b.status &&
  a.niceStatus === b.niceStatus &&
  a.counters.bytesTransferred === b.counters.bytesTransferred &&
  a.counters.files === b.counters.files &&
  a.counters.filesTransferred === b.counters.filesTransferred &&
  a.counters.filesSkipped === b.counters.filesSkipped &&
  a.counters.faults === b.counters.faults;

/** A status the run stops following at. */
export const isSettled = (status: TaskStatus): boolean =>
  status === "SUCCEEDED" || status === "FAILED" || status === "INACTIVE";

/**
 * Polls `getTask` until the task settles; `onChange` sees every snapshot that differs from the
 * one before (the first one included). Resolves to the settled snapshot.
 */
export const followTask = <E, R>(
  getTask: Effect.Effect<TaskSnapshot, E, R>,
  onChange: (snapshot: TaskSnapshot) => Effect.Effect<void, never, R>,
  policy: PollingPolicy = DEFAULT_POLLING,
): Effect.Effect<TaskSnapshot, E, R> =>
  Effect.gen(function* () {
    let previous: TaskSnapshot | undefined;
    let delay = policy.initial;
    for (;;) {
      const snapshot = yield* getTask;
      const changed = previous === undefined || !sameSnapshot(previous, snapshot);
      if (changed) yield* onChange(snapshot);
      if (isSettled(snapshot.status)) return snapshot;
      delay = previous === undefined ? policy.initial : nextPollDelay(policy, delay, changed);
      previous = snapshot;
      yield* Effect.sleep(delay);
    }
  });
