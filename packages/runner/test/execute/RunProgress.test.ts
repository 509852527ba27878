/**
 * `run-progress`: the pure fold over task events (totals, the run's estimated bytes and ETA, when
 * one is due) and the RunReporter decorator that emits them, on TestClock's time.
 */
import { describe, expect, it } from "@effect/vitest";
import { Duration, Effect, Layer, Ref, TestClock } from "effect";
import { RATE_TIME_CONSTANT_MS } from "../../src/execute/ProgressEstimate.ts";
import {
  type RunEvent,
  RunReporter,
  report,
  runEvent,
  type TaskCounters,
  type TaskStatus,
} from "../../src/execute/RunEvents.ts";
import {
  type ExpectedTask,
  expectedTasks,
  foldRunProgress,
  initialRunProgress,
  RUN_PROGRESS_INTERVAL_MS,
  type RunProgressState,
  runProgressLayer,
  runProgressOf,
} from "../../src/execute/RunProgress.ts";
import { makePlan } from "../run/support.ts";
import { counters } from "./support.ts";

const progressFields = (
  step: string,
  batch: number,
  status: TaskStatus,
  c: Partial<TaskCounters>,
) => ({
  step,
  batch,
  taskId: `task-${step}-${batch}`,
  status,
  niceStatus: null,
  counters: counters(c),
  bytesPerSecond: null,
  estimatedBytes: null,
  etaSeconds: null,
});

const at = (ms: number) => new Date(Date.UTC(2026, 10, 28) + ms);

const progress = (
  ms: number,
  step: string,
  batch: number,
  status: TaskStatus,
  c: Partial<TaskCounters>,
): RunEvent => runEvent("task-progress", at(ms), progressFields(step, batch, status, c));

const done = (
  ms: number,
  step: string,
  batch: number,
  status: TaskStatus,
  c: Partial<TaskCounters>,
): RunEvent =>
  runEvent("task-done", at(ms), {
    step,
    batch,
    taskId: `task-${step}-${batch}`,
    status,
    counters: counters(c),
  });

/** Folds `events`, each seen at the ms of its time, from `expected`. */
const fold = (expected: readonly ExpectedTask[], events: readonly RunEvent[]) =>
  events.reduce(
    (acc, event) => {
      const folded = foldRunProgress(acc.state, event, Date.parse(event.time) - at(0).getTime());
      return { state: folded.state, reports: [...acc.reports, folded.report !== undefined] };
    },
    { state: initialRunProgress(expected), reports: [] as boolean[] } as {
      state: RunProgressState;
      reports: boolean[];
    },
  );

const copy = (batch: number, itemCount: number): ExpectedTask => ({
  step: "copy",
  batch,
  action: "transfer",
  itemCount,
});

describe("expectedTasks", () => {
  const plan = makePlan({ lines: 5 });

  it("lists the transfer and delete batches with their items, not mkdir", () => {
    expect(expectedTasks(plan)).toEqual([
      copy(0, 2),
      copy(1, 2),
      copy(2, 1),
      { step: "tidy", batch: 0, action: "delete", itemCount: 1 },
    ]);
  });

  it("leaves out the steps a resumed run's journal says succeeded", () => {
    const state = {
      steps: [
        { id: "folder", action: "mkdir" as const, outcome: "succeeded" as const, batches: [] },
        { id: "copy", action: "transfer" as const, outcome: "succeeded" as const, batches: [] },
        { id: "tidy", action: "delete" as const, batches: [] },
      ],
    };
    expect(expectedTasks(plan, state)).toEqual([
      { step: "tidy", batch: 0, action: "delete", itemCount: 1 },
    ]);
  });
});

describe("runProgressOf", () => {
  it("counts every expected batch as pending before anything reported, with no estimate", () => {
    expect(runProgressOf(initialRunProgress([copy(0, 2), copy(1, 2)]))).toEqual({
      tasksDone: 0,
      tasksActive: 0,
      tasksPending: 2,
      files: 0,
      filesTransferred: 0,
      filesSkipped: 0,
      bytesTransferred: 0,
      estimatedBytes: null,
      bytesPerSecond: null,
      etaSeconds: null,
    });
  });

  it("sums the tasks, and estimates the pending batches' share from the mean file size", () => {
    const { state } = fold(
      [copy(0, 10), copy(1, 10), copy(2, 4)],
      [
        progress(0, "copy", 0, "ACTIVE", { files: 10 }),
        progress(0, "copy", 1, "ACTIVE", { files: 10 }),
        // Batch 0: 4 of 10 files at 250 B; batch 1: 1 of 10 at 1000 B. Mean: 2000 B / 5 files.
        progress(2000, "copy", 0, "ACTIVE", {
          files: 10,
          filesTransferred: 4,
          bytesTransferred: 1000,
        }),
        progress(2000, "copy", 1, "ACTIVE", {
          files: 10,
          filesTransferred: 1,
          bytesTransferred: 1000,
        }),
      ],
    );
    const totals = runProgressOf(state);
    expect(totals).toMatchObject({
      tasksDone: 0,
      tasksActive: 2,
      tasksPending: 1,
      files: 20,
      filesTransferred: 5,
      bytesTransferred: 2000,
      // 2500 (batch 0) + 10000 (batch 1) + 4 items × 400 B (batch 2, not started).
      estimatedBytes: 14_100,
    });
    // Each task moved 1000 B in 2 s.
    expect(totals.bytesPerSecond).toBe(1000);
    expect(totals.etaSeconds).toBe(13);
  });

  it("uses a task's files (or the plan's items) × the mean while it has no estimate of its own", () => {
    const { state } = fold(
      [copy(0, 2), copy(1, 3)],
      [
        progress(0, "copy", 0, "ACTIVE", { files: 2, filesTransferred: 1, bytesTransferred: 500 }),
        // Globus has found 6 files (the items were folders), none transferred yet.
        progress(0, "copy", 1, "ACTIVE", { files: 6 }),
      ],
    );
    expect(runProgressOf(state).estimatedBytes).toBe(1000 + 6 * 500);
    const { state: early } = fold(
      [copy(0, 2), copy(1, 3)],
      [
        progress(0, "copy", 0, "ACTIVE", { files: 2, filesTransferred: 1, bytesTransferred: 500 }),
        // Not yet expanded: the plan's 3 items stand in.
        progress(0, "copy", 1, "ACTIVE", {}),
      ],
    );
    expect(runProgressOf(early).estimatedBytes).toBe(1000 + 3 * 500);
  });

  it("leaves delete tasks out of the mean file size and the bytes to come", () => {
    const { state } = fold(
      [copy(0, 2), { step: "tidy", batch: 0, action: "delete", itemCount: 50 }],
      [
        progress(0, "copy", 0, "ACTIVE", { files: 2, filesTransferred: 1, bytesTransferred: 800 }),
        progress(0, "tidy", 0, "ACTIVE", { files: 50, filesTransferred: 40 }),
      ],
    );
    expect(runProgressOf(state).estimatedBytes).toBe(1600);
  });

  it("ends at the bytes moved with nothing left: ETA 0, rate null once no task is ACTIVE", () => {
    const { state } = fold(
      [copy(0, 2)],
      [
        progress(0, "copy", 0, "ACTIVE", { files: 2 }),
        progress(2000, "copy", 0, "ACTIVE", {
          files: 2,
          filesTransferred: 1,
          bytesTransferred: 500,
        }),
        done(4000, "copy", 0, "SUCCEEDED", {
          files: 2,
          filesTransferred: 2,
          bytesTransferred: 1000,
        }),
      ],
    );
    expect(runProgressOf(state)).toMatchObject({
      tasksDone: 1,
      tasksActive: 0,
      tasksPending: 0,
      bytesTransferred: 1000,
      estimatedBytes: 1000,
      bytesPerSecond: null,
      etaSeconds: 0,
    });
  });

  it("does not count bytes moved before this process (a resumed task) as rate", () => {
    const { state } = fold(
      [copy(0, 10)],
      [
        progress(0, "copy", 0, "ACTIVE", { files: 10, filesTransferred: 5, bytesTransferred: 5e9 }),
        progress(10_000, "copy", 0, "ACTIVE", {
          files: 10,
          filesTransferred: 6,
          bytesTransferred: 5e9 + 1e6,
        }),
      ],
    );
    expect(runProgressOf(state).bytesPerSecond).toBe(100_000);
  });
});

describe("foldRunProgress", () => {
  it("is due after each task-done, and after task-progress once a second at most", () => {
    const { reports } = fold(
      [copy(0, 1), copy(1, 1)],
      [
        runEvent("batch-submitted", at(0), {
          step: "copy",
          batch: 0,
          taskId: "task-copy-0",
          submissionId: "s0",
          duplicate: false,
        }),
        progress(0, "copy", 0, "ACTIVE", {}),
        progress(10, "copy", 1, "ACTIVE", {}),
        progress(RUN_PROGRESS_INTERVAL_MS - 1, "copy", 0, "ACTIVE", { files: 1 }),
        progress(RUN_PROGRESS_INTERVAL_MS, "copy", 1, "ACTIVE", { files: 1 }),
        done(RUN_PROGRESS_INTERVAL_MS + 1, "copy", 0, "SUCCEEDED", { files: 1 }),
        runEvent("warning", at(5000), { message: "unrelated" }),
      ],
    );
    expect(reports).toEqual([false, true, false, false, true, true, false]);
  });

  it("does not report totals equal to the last ones (a SUCCEEDED poll, then task-done)", () => {
    const finished = { files: 1, filesTransferred: 1, bytesTransferred: 10 };
    const { reports } = fold(
      [copy(0, 1)],
      [
        progress(0, "copy", 0, "ACTIVE", {}),
        progress(5000, "copy", 0, "SUCCEEDED", finished),
        done(5001, "copy", 0, "SUCCEEDED", finished),
      ],
    );
    expect(reports).toEqual([true, true, false]);
  });

  it("drops a step's unreported batches at its step-done, and says so", () => {
    const { state, reports } = fold(
      [copy(0, 1), { step: "tidy", batch: 0, action: "delete", itemCount: 1 }],
      [
        done(0, "copy", 0, "FAILED", { files: 1 }),
        runEvent("step-done", at(1), { step: "copy", outcome: "failed" }),
        runEvent("step-done", at(2), { step: "tidy", outcome: "skipped", reason: "needs copy" }),
      ],
    );
    expect(reports).toEqual([true, false, true]);
    expect(runProgressOf(state)).toMatchObject({ tasksDone: 1, tasksPending: 0 });
  });

  it("counts a task it was not told of, as a transfer of unknown size", () => {
    const { state } = fold(
      [],
      [
        runEvent("batch-attached", at(0), { step: "copy", batch: 3, taskId: "t" }),
        runEvent("batch-attached", at(0), { step: "copy", batch: 4, taskId: "u" }),
        progress(0, "copy", 3, "ACTIVE", { files: 4, filesTransferred: 1, bytesTransferred: 10 }),
      ],
    );
    expect(runProgressOf(state)).toMatchObject({
      tasksActive: 1,
      tasksPending: 1,
      estimatedBytes: 40,
    });
  });
});

describe("runProgressLayer", () => {
  /** Runs `body` with the decorator over a reporter that collects into `events`. */
  const collecting = <A>(
    expected: readonly ExpectedTask[],
    body: Effect.Effect<A, never, RunReporter>,
  ) =>
    Effect.gen(function* () {
      const events = yield* Ref.make<readonly RunEvent[]>([]);
      yield* body.pipe(
        Effect.provide(
          runProgressLayer(expected).pipe(Layer.provide(RunReporter.layerMemory(events))),
        ),
      );
      return yield* Ref.get(events);
    });

  it.effect("passes every event on and adds run-progress after it, stamped now", () =>
    Effect.gen(function* () {
      const seen = yield* collecting(
        [copy(0, 4)],
        Effect.gen(function* () {
          yield* report("run-started", {
            runId: "r",
            workflow: "w",
            resumed: false,
            steps: 1,
            batches: 1,
          });
          yield* report("task-progress", progressFields("copy", 0, "ACTIVE", { files: 4 }));
          yield* TestClock.adjust(Duration.millis(500));
          // Within the second: no run-progress.
          yield* report(
            "task-progress",
            progressFields("copy", 0, "ACTIVE", { files: 4, bytesTransferred: 100 }),
          );
          yield* TestClock.adjust(Duration.millis(1500));
          yield* report(
            "task-progress",
            progressFields("copy", 0, "ACTIVE", {
              files: 4,
              filesTransferred: 1,
              bytesTransferred: 1000,
            }),
          );
          yield* TestClock.adjust(Duration.seconds(4));
          yield* report("task-done", {
            step: "copy",
            batch: 0,
            taskId: "task-copy-0",
            status: "SUCCEEDED",
            counters: counters({ files: 4, filesTransferred: 4, bytesTransferred: 4000 }),
          });
        }),
      );
      expect(seen.map((e) => e.type)).toEqual([
        "run-started",
        "task-progress",
        "run-progress",
        "task-progress",
        "task-progress",
        "run-progress",
        "task-done",
        "run-progress",
      ]);
      const totals = seen.filter(
        (e): e is Extract<RunEvent, { type: "run-progress" }> => e.type === "run-progress",
      );
      expect(totals.map((e) => e.time)).toEqual([
        "1970-01-01T00:00:00.000Z",
        "1970-01-01T00:00:02.000Z",
        "1970-01-01T00:00:06.000Z",
      ]);
      // 100 B in the first 0.5 s (200 B/s), then 900 B in 1.5 s (600 B/s), smoothed.
      const rate = 200 + (1 - Math.exp(-1500 / RATE_TIME_CONSTANT_MS)) * 400;
      expect(totals[1]).toMatchObject({
        v: 1,
        tasksActive: 1,
        bytesTransferred: 1000,
        estimatedBytes: 4000,
        etaSeconds: Math.ceil(3000 / rate),
      });
      expect(totals[1]?.bytesPerSecond).toBeCloseTo(rate, 9);
      expect(totals[2]).toMatchObject({
        tasksDone: 1,
        tasksActive: 0,
        bytesTransferred: 4000,
        estimatedBytes: 4000,
        etaSeconds: 0,
      });
    }),
  );
});
