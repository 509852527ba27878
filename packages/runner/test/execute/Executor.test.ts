/**
 * The executor on the in-memory Transfer and an in-memory journal: order, at-most-once
 * submission across crashes, resume, failures and their dependents. Time is TestClock's.
 */
import { describe, expect, it } from "@effect/vitest";
import type { Plan } from "@transflow/core";
import { Duration, Effect, Fiber, Ref, TestClock } from "effect";
import { type ExecutionResult, executePlan, type RunRecorder } from "../../src/execute/Executor.ts";
import { type RunEvent, RunReporter } from "../../src/execute/RunEvents.ts";
import { GlobusUnavailableError } from "../../src/globus/GlobusErrors.ts";
import { TransferApi, TransferMemory } from "../../src/globus/TransferApi.ts";
import {
  initialRunState,
  type JournalEntry,
  type JournalRecord,
  replayJournal,
  runLayout,
} from "../../src/run/RunState.ts";
import { makePlan as makeJournalTestPlan } from "../run/support.ts";

/** The journal tests' plan (mkdir, a transfer of `lines` items two a batch, a delete). */
const makePlan = (lines: number): Plan => makeJournalTestPlan({ lines });

/** A journal in memory that survives "crashes" (a new recorder over the same records). */
const memoryJournal = (plan: Plan) => {
  const records: JournalRecord[] = [];
  const recorder = (): RunRecorder<never> => {
    const replayed = replayJournal(runLayout(plan), records);
    if ("problem" in replayed) throw new Error(String(replayed.problem));
    return {
      state: replayed.state,
      append: (entry: JournalEntry) =>
        Effect.sync(() => {
          records.push({ ...entry, v: 1, t: "2026-11-28T00:00:00.000Z" } as JournalRecord);
        }),
    };
  };
  return { records, recorder };
};

const completeTasksAsTheyCome = Effect.gen(function* () {
  const memory = yield* TransferMemory;
  for (;;) {
    for (const task of yield* memory.tasks) {
      if (task.document.status === "ACTIVE") {
        yield* memory.setStatus(task.document.task_id, "SUCCEEDED", {
          files: 2,
          files_transferred: 2,
          bytes_transferred: 200,
        });
      }
    }
    yield* Effect.sleep(Duration.seconds(1));
  }
});

const run = (plan: Plan, recorder: RunRecorder<never>, events: Ref.Ref<readonly RunEvent[]>) =>
  executePlan(plan, recorder, "transflow run exec.yaml").pipe(
    Effect.provide(RunReporter.layerMemory(events)),
  );

/** Runs to the end with tasks completing, moving TestClock along. */
const runToEnd = (plan: Plan, recorder: RunRecorder<never>, events: Ref.Ref<readonly RunEvent[]>) =>
  Effect.gen(function* () {
    const worker = yield* Effect.fork(completeTasksAsTheyCome);
    const fiber = yield* Effect.fork(run(plan, recorder, events));
    for (let i = 0; i < 200 && fiber.unsafePoll() === null; i++) {
      yield* TestClock.adjust(Duration.seconds(2));
    }
    yield* Fiber.interrupt(worker);
    return (yield* Fiber.join(fiber)) as ExecutionResult;
  });

const layer = TransferApi.layerMemory({});

describe("executePlan", () => {
  it.effect("runs mkdir, then the transfer's batches in order, then the delete; all succeed", () =>
    Effect.gen(function* () {
      const plan = makePlan(5);
      const journal = memoryJournal(plan);
      const events = yield* Ref.make<readonly RunEvent[]>([]);
      const result = yield* runToEnd(plan, journal.recorder(), events);
      expect(result).toEqual({
        outcome: "succeeded",
        steps: { folder: "succeeded", copy: "succeeded", tidy: "succeeded" },
      });
      const memory = yield* TransferMemory;
      const tasks = yield* memory.tasks;
      // 3 transfer batches (5 items, 2 a batch) and one delete: one task each.
      expect(tasks.map((t) => t.document.type)).toEqual([
        "TRANSFER",
        "TRANSFER",
        "TRANSFER",
        "DELETE",
      ]);
      const calls = (yield* memory.calls).map((c) => c.operation);
      expect(calls[0]).toBe("mkdir");
      const types = (yield* Ref.get(events)).map((e) => e.type);
      expect(types.filter((t) => t === "batch-submitted")).toHaveLength(4);
      expect(types.at(-1)).toBe("step-done");
      // The submission id of each batch was recorded before its submit.
      const kinds = journal.records.map((r) => r.type);
      const firstId = kinds.indexOf("batch-submission-id");
      expect(firstId).toBeGreaterThanOrEqual(0);
      expect(kinds.indexOf("batch-submitted")).toBeGreaterThan(firstId);
    }).pipe(Effect.provide(layer)),
  );

  it.effect(
    "a submit accepted whose answer was lost: the retry after a crash gets Duplicate, one task",
    () =>
      Effect.gen(function* () {
        const plan = makePlan(2);
        const journal = memoryJournal(plan);
        const memory = yield* TransferMemory;
        yield* memory.failNext(
          "submitTransfer",
          new GlobusUnavailableError({
            service: "transfer",
            method: "POST",
            url: "https://transfer.test/v0.10/transfer",
            reason: "transport",
            cause: new Error("connection reset"),
          }),
          { applied: true },
        );
        const events = yield* Ref.make<readonly RunEvent[]>([]);
        const first = yield* Effect.either(runToEnd(plan, journal.recorder(), events));
        expect(first._tag).toBe("Left");
        // The "crash": a new process replays the journal and carries on.
        const second = yield* runToEnd(plan, journal.recorder(), events);
        expect(second.outcome).toBe("succeeded");
        const transfers = (yield* memory.tasks).filter((t) => t.document.type === "TRANSFER");
        expect(transfers).toHaveLength(1);
        const submitted = (yield* Ref.get(events)).filter((e) => e.type === "batch-submitted");
        expect(submitted.map((e) => (e as { duplicate: boolean }).duplicate)).toEqual([
          true,
          false,
        ]);
      }).pipe(Effect.provide(layer)),
  );

  it.effect("submits a step's batches in plan order, each id recorded before its submit", () =>
    Effect.gen(function* () {
      const plan = makePlan(9);
      const journal = memoryJournal(plan);
      const events = yield* Ref.make<readonly RunEvent[]>([]);
      yield* runToEnd(plan, journal.recorder(), events);
      const memory = yield* TransferMemory;
      const firstSources = (yield* memory.tasks).flatMap((t) =>
        t.request.DATA_TYPE === "transfer" ? [t.request.DATA[0]?.source_path] : [],
      );
      expect(firstSources).toEqual(["/data/f0", "/data/f2", "/data/f4", "/data/f6", "/data/f8"]);
      const copy = journal.records.filter((r) => "step" in r && r.step === "copy");
      for (let batch = 0; batch < 5; batch++) {
        const at = (type: string) =>
          copy.findIndex((r) => r.type === type && "batch" in r && r.batch === batch);
        expect(at("batch-submission-id")).toBeGreaterThanOrEqual(0);
        expect(at("batch-submitted")).toBeGreaterThan(at("batch-submission-id"));
      }
    }).pipe(Effect.provide(layer)),
  );

  it.effect("a submit that fails stops the step; a resumed run submits each batch once", () =>
    Effect.gen(function* () {
      const plan = makePlan(6);
      const journal = memoryJournal(plan);
      const memory = yield* TransferMemory;
      yield* memory.failNext(
        "submitTransfer",
        new GlobusUnavailableError({
          service: "transfer",
          method: "POST",
          url: "https://transfer.test/v0.10/transfer",
          reason: "transport",
          cause: new Error("connection refused"),
        }),
        { applied: false },
      );
      const events = yield* Ref.make<readonly RunEvent[]>([]);
      const first = yield* Effect.either(runToEnd(plan, journal.recorder(), events));
      expect(first._tag).toBe("Left");
      expect(journal.records.some((r) => r.type === "batch-submitted")).toBe(false);
      const recordedIds = journal.records.flatMap((r) =>
        r.type === "batch-submission-id" && r.step === "copy" ? [r.submissionId] : [],
      );
      const second = yield* runToEnd(plan, journal.recorder(), events);
      expect(second.outcome).toBe("succeeded");
      const transfers = (yield* memory.tasks).filter((t) => t.document.type === "TRANSFER");
      expect(transfers).toHaveLength(3);
      // The ids recorded before the failure were used, not replaced.
      expect(transfers.map((t) => t.submissionId).slice(0, recordedIds.length)).toEqual(
        recordedIds,
      );
    }).pipe(Effect.provide(layer)),
  );

  it.effect("a resumed run does not redo finished steps or resubmit submitted batches", () =>
    Effect.gen(function* () {
      const plan = makePlan(4);
      const journal = memoryJournal(plan);
      const events = yield* Ref.make<readonly RunEvent[]>([]);
      yield* runToEnd(plan, journal.recorder(), events);
      const memory = yield* TransferMemory;
      const before = (yield* memory.calls).length;
      const again = yield* runToEnd(plan, journal.recorder(), events);
      expect(again.outcome).toBe("succeeded");
      // Nothing was asked of Transfer: every step is recorded as done.
      expect((yield* memory.calls).length).toBe(before);
    }).pipe(Effect.provide(layer)),
  );

  it.effect("a failed task fails its step and skips the dependents, with the reason", () =>
    Effect.gen(function* () {
      const plan = makePlan(1);
      const journal = memoryJournal(plan);
      const events = yield* Ref.make<readonly RunEvent[]>([]);
      const memory = yield* TransferMemory;
      const failer = yield* Effect.fork(
        Effect.gen(function* () {
          for (;;) {
            for (const task of yield* memory.tasks) {
              if (task.document.status === "ACTIVE") {
                yield* memory.setStatus(task.document.task_id, "FAILED", {
                  fatal_error: { code: "FILE_NOT_FOUND", description: "No such file /data/f0" },
                });
              }
            }
            yield* Effect.sleep(Duration.seconds(1));
          }
        }),
      );
      const fiber = yield* Effect.fork(run(plan, journal.recorder(), events));
      for (let i = 0; i < 50 && fiber.unsafePoll() === null; i++) {
        yield* TestClock.adjust(Duration.seconds(2));
      }
      yield* Fiber.interrupt(failer);
      const result = yield* Fiber.join(fiber);
      expect(result).toEqual({
        outcome: "failed",
        steps: { folder: "succeeded", copy: "failed", tidy: "skipped" },
      });
      const done = (yield* Ref.get(events)).find((e) => e.type === "task-done");
      expect(done).toMatchObject({
        status: "FAILED",
        reason: "FILE_NOT_FOUND: No such file /data/f0",
      });
      const skipped = (yield* Ref.get(events)).find(
        (e) => e.type === "step-done" && e.step === "tidy",
      );
      expect(skipped).toMatchObject({ outcome: "skipped", reason: "needs copy (failed)" });
    }).pipe(Effect.provide(layer)),
  );

  it.effect("an INACTIVE task asks the user to act (consent), with the command to resume", () =>
    Effect.gen(function* () {
      const plan = makePlan(1);
      const journal = memoryJournal(plan);
      const events = yield* Ref.make<readonly RunEvent[]>([]);
      const memory = yield* TransferMemory;
      const pauser = yield* Effect.fork(
        Effect.gen(function* () {
          for (;;) {
            for (const task of yield* memory.tasks) {
              if (task.document.status === "ACTIVE") {
                yield* memory.setStatus(task.document.task_id, "INACTIVE", {
                  nice_status: "AUTH",
                });
              }
            }
            yield* Effect.sleep(Duration.seconds(1));
          }
        }),
      );
      const fiber = yield* Effect.fork(run(plan, journal.recorder(), events));
      for (let i = 0; i < 50 && fiber.unsafePoll() === null; i++) {
        yield* TestClock.adjust(Duration.seconds(2));
      }
      yield* Fiber.interrupt(pauser);
      const result = yield* Fiber.join(fiber);
      expect(result.outcome).toBe("action-required");
      const done = (yield* Ref.get(events)).find((e) => e.type === "task-done");
      expect(done).toMatchObject({ status: "INACTIVE" });
      expect((done as { remedy?: string }).remedy).toContain("transflow run exec.yaml");
    }).pipe(Effect.provide(layer)),
  );

  it.effect("--detach submits everything reachable and follows nothing", () =>
    Effect.gen(function* () {
      const plan = makePlan(3);
      const journal = memoryJournal(plan);
      const events = yield* Ref.make<readonly RunEvent[]>([]);
      const result = yield* executePlan(plan, journal.recorder(), "transflow run exec.yaml", {
        detach: true,
      }).pipe(Effect.provide(RunReporter.layerMemory(events)));
      expect(result).toEqual({
        outcome: "detached",
        steps: { folder: "succeeded", copy: "submitted", tidy: "pending" },
      });
      const memory = yield* TransferMemory;
      expect((yield* memory.calls).map((c) => c.operation)).not.toContain("getTask");
      expect(initialRunState(runLayout(plan)).outcome).toBe("unfinished");
    }).pipe(Effect.provide(layer)),
  );
});
