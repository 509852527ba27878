import { describe, expect, it } from "@effect/vitest";
import { Duration, Effect, Fiber, Ref, TestClock } from "effect";
import {
  DEFAULT_POLLING,
  followTask,
  nextPollDelay,
  type TaskSnapshot,
} from "../../src/execute/Monitor.ts";

const snapshot = (
  status: TaskSnapshot["status"],
  filesTransferred = 0,
  niceStatus: string | null = "Queued",
): TaskSnapshot => ({
  status,
  niceStatus,
  fatalError: null,
  counters: {
    bytesTransferred: filesTransferred * 100,
    files: 10,
    filesTransferred,
    filesSkipped: 0,
    directories: 1,
    faults: 0,
  },
});

/** A task that answers each poll with the next snapshot (the last one forever), counting polls. */
const scripted = (snapshots: readonly TaskSnapshot[]) =>
  Effect.gen(function* () {
    const polls = yield* Ref.make(0);
    const getTask = Ref.getAndUpdate(polls, (n) => n + 1).pipe(
      Effect.map((n) => snapshots[Math.min(n, snapshots.length - 1)] as TaskSnapshot),
    );
    return { polls, getTask };
  });

describe("nextPollDelay", () => {
  it("backs off by the factor while nothing changes, up to the maximum, and resets on a change", () => {
    let delay = DEFAULT_POLLING.initial;
    const seen: number[] = [];
    for (let i = 0; i < 10; i++) {
      delay = nextPollDelay(DEFAULT_POLLING, delay, false);
      seen.push(Duration.toMillis(delay));
    }
    expect(seen.slice(0, 4)).toEqual([3000, 4500, 6750, 10125]);
    expect(seen.at(-1)).toBe(30_000);
    expect(Duration.toMillis(nextPollDelay(DEFAULT_POLLING, delay, true))).toBe(2000);
  });
});

describe("followTask", () => {
  it.effect("returns at once for a task that already ended (a resumed run)", () =>
    Effect.gen(function* () {
      const { polls, getTask } = yield* scripted([snapshot("SUCCEEDED", 10, null)]);
      const seen: TaskSnapshot[] = [];
      const done = yield* followTask(getTask, (s) => Effect.sync(() => void seen.push(s)));
      expect(done.status).toBe("SUCCEEDED");
      expect(yield* Ref.get(polls)).toBe(1);
      expect(seen).toHaveLength(1);
    }),
  );

  it.effect("reports only changes, and polls a quiet task less and less often", () =>
    Effect.gen(function* () {
      const quiet = Array.from({ length: 12 }, () => snapshot("ACTIVE", 3, "OK"));
      const { polls, getTask } = yield* scripted([
        snapshot("ACTIVE", 0),
        snapshot("ACTIVE", 3, "OK"),
        ...quiet,
        snapshot("SUCCEEDED", 10, null),
      ]);
      const seen: TaskSnapshot[] = [];
      const fiber = yield* Effect.fork(
        followTask(getTask, (s) => Effect.sync(() => void seen.push(s))),
      );
      // Two minutes of quiet cost far fewer polls than one every 2 s would (60).
      yield* TestClock.adjust(Duration.minutes(2));
      const pollsAfterTwoMinutes = yield* Ref.get(polls);
      expect(pollsAfterTwoMinutes).toBeLessThan(20);
      yield* TestClock.adjust(Duration.minutes(10));
      const done = yield* Fiber.join(fiber);
      expect(done.status).toBe("SUCCEEDED");
      expect(seen.map((s) => [s.status, s.counters.filesTransferred])).toEqual([
        ["ACTIVE", 0],
        ["ACTIVE", 3],
        ["SUCCEEDED", 10],
      ]);
    }),
  );

  it.effect("stops following an INACTIVE task (the run says what to do)", () =>
    Effect.gen(function* () {
      const { getTask } = yield* scripted([snapshot("ACTIVE", 1), snapshot("INACTIVE", 1)]);
      const fiber = yield* Effect.fork(followTask(getTask, () => Effect.void));
      yield* TestClock.adjust(Duration.seconds(5));
      expect((yield* Fiber.join(fiber)).status).toBe("INACTIVE");
    }),
  );

  it.effect("passes the poll's failure through", () =>
    Effect.gen(function* () {
      const failing = Effect.fail("unavailable" as const);
      const outcome = yield* Effect.either(followTask(failing, () => Effect.void));
      expect(outcome).toEqual(expect.objectContaining({ _tag: "Left", left: "unavailable" }));
    }),
  );
});
