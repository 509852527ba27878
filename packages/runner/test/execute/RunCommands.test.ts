/**
 * `wait`, `status`, `cancel` and `runs` on the in-memory journal and Transfer: a run is started
 * detached by the real executor, then followed, looked at or cancelled. Time is TestClock's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "@effect/vitest";
import { type Plan, planJson, planWorkflow, WorkflowSchema } from "@transflow/core";
import { Duration, Effect, Exit, Fiber, Layer, Ref, TestClock } from "effect";
import { executePlan } from "../../src/execute/Executor.ts";
import {
  cancelRun,
  cancelRunFromEnv,
  listRunsFromEnv,
  runStatusFromEnv,
  runStatusOf,
  WaitExitCode,
  type WaitResult,
  waitForRun,
  waitForRunFromEnv,
  withLiveStatus,
} from "../../src/execute/RunCommands.ts";
import { type RunEvent, RunReporter } from "../../src/execute/RunEvents.ts";
import { GlobusUnavailableError } from "../../src/globus/GlobusErrors.ts";
import { TransferApi, TransferMemory } from "../../src/globus/TransferApi.ts";
import { Journal } from "../../src/run/Journal.ts";

const SRC = "2d1d4873-a849-4b9c-bd34-2034a2163003";
const DST = "872a58ab-02b9-4233-a3e0-f017ed8ab090";

/** `copy` (4 items, 2 a batch: two tasks), and with `tidy`, a delete that needs it. */
const makePlan = (withTidy: boolean): Plan => {
  const workflow = WorkflowSchema.parse({
    version: 1,
    name: "waiting",
    collections: { src: { id: SRC, kind: "mapped" }, dst: { id: DST, kind: "guest" } },
    steps: [
      { id: "copy", transfer: { source: "src", destination: "dst", itemsFrom: "items.txt" } },
      ...(withTidy
        ? [{ id: "tidy", needs: ["copy"], delete: { collection: "src", items: ["/data/tmp/"] } }]
        : []),
    ],
  });
  const result = planWorkflow(
    workflow,
    {},
    {
      file: "waiting.yaml",
      createdAt: "2026-11-28T00:00:00.000Z",
      maxItemsPerBatch: 2,
      batchLines: { copy: Array.from({ length: 4 }, (_, i) => `/data/f${i} /in/f${i}`) },
    },
  );
  if (result.plan === undefined) throw new Error(JSON.stringify(result.diagnostics));
  return result.plan;
};

const meta = {
  invokedWith: "transflow run waiting.yaml",
  environment: "production",
  transflowVersion: "0.1.0",
};

type Services = Journal | TransferApi | TransferMemory | RunReporter;

/** Runs `body` on a fresh in-memory journal and Transfer, collecting events in `events`. */
const withServices = <A, E>(
  body: (events: Ref.Ref<readonly RunEvent[]>) => Effect.Effect<A, E, Services>,
) =>
  Effect.gen(function* () {
    const events = yield* Ref.make<readonly RunEvent[]>([]);
    return yield* body(events).pipe(
      Effect.provide(
        Layer.mergeAll(
          Journal.layerMemory,
          TransferApi.layerMemory({}),
          RunReporter.layerMemory(events),
        ),
      ),
    );
  });

/** A run of `plan` started with `--detach` by the executor; its id. */
const startDetached = (plan: Plan) =>
  Effect.scoped(
    Effect.gen(function* () {
      const journal = yield* Journal;
      const handle = yield* journal.create(plan, planJson(plan), meta);
      const recorder = {
        state: yield* journal.state(handle),
        append: (entry: Parameters<typeof journal.append>[1]) => journal.append(handle, entry),
      };
      const result = yield* executePlan(plan, recorder, meta.invokedWith, { detach: true });
      expect(result.outcome).toBe("detached");
      yield* journal.append(handle, { type: "run-interrupted", reason: "detach" });
      return handle.runId;
    }),
  );

const taskIds = Effect.map(
  Effect.flatMap(TransferMemory, (memory) => memory.tasks),
  (tasks) => tasks.map((task) => task.document.task_id),
);

/** Moves TestClock until `fiber` ends, calling `step` (the test's Globus) between moves. */
const driveUntilDone = <A, E>(
  fiber: Fiber.RuntimeFiber<A, E>,
  step: (round: number) => Effect.Effect<void, never, TransferMemory> = () => Effect.void,
) =>
  Effect.gen(function* () {
    for (let round = 0; round < 200 && fiber.unsafePoll() === null; round++) {
      yield* step(round);
      yield* TestClock.adjust(Duration.seconds(2));
    }
    return yield* Fiber.await(fiber);
  });

const setAll = (status: "SUCCEEDED" | "FAILED" | "INACTIVE") =>
  Effect.gen(function* () {
    const memory = yield* TransferMemory;
    for (const task of yield* memory.tasks) {
      if (task.document.status === "ACTIVE") {
        yield* memory.setStatus(task.document.task_id, status, {
          files: 2,
          files_transferred: status === "SUCCEEDED" ? 2 : 0,
          bytes_transferred: status === "SUCCEEDED" ? 200 : 0,
        });
      }
    }
  });

const types = (events: readonly RunEvent[]) => events.map((event) => event.type);

const succeeded = <A, E>(exit: Exit.Exit<A, E>): A => {
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${String(exit.cause)}`);
  return exit.value;
};

describe("waitForRun", () => {
  it.effect("follows a detached run's tasks to the end and records the run's end", () =>
    withServices((events) =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        yield* Ref.set(events, []);
        const fiber = yield* Effect.fork(waitForRun(runId));
        const result = succeeded(
          yield* driveUntilDone(fiber, (round) =>
            round === 2 ? setAll("SUCCEEDED") : Effect.void,
          ),
        );
        expect(result).toEqual({
          runId,
          exitCode: 0,
          outcome: "succeeded",
          recorded: "succeeded",
          unsubmitted: [],
          continueWith: meta.invokedWith,
        } satisfies WaitResult);
        const { state } = yield* (yield* Journal).inspect(runId);
        expect(state.outcome).toBe("succeeded");
        expect(state.steps[0]?.outcome).toBe("succeeded");
        expect(state.steps[0]?.batches.map((b) => b.status?.status)).toEqual([
          "SUCCEEDED",
          "SUCCEEDED",
        ]);
        const seen = yield* Ref.get(events);
        expect(types(seen)[0]).toBe("run-started");
        expect(types(seen).filter((t) => t === "batch-attached")).toHaveLength(2);
        expect(types(seen).filter((t) => t === "task-done")).toHaveLength(2);
        expect(seen.at(-1)).toMatchObject({ type: "run-done", outcome: "succeeded", exitCode: 0 });
        // Nothing was submitted: still one task per batch.
        expect(yield* taskIds).toHaveLength(2);
      }),
    ),
  );

  it.effect("estimates each task's time left and reports the totals as run-progress", () =>
    withServices((events) =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        yield* Ref.set(events, []);
        const fiber = yield* Effect.fork(waitForRun(runId));
        // Every task at `filesTransferred` of 4 files of 1000 B.
        const setTasks = (status: "ACTIVE" | "SUCCEEDED", filesTransferred: number) =>
          Effect.gen(function* () {
            const memory = yield* TransferMemory;
            for (const task of yield* memory.tasks) {
              yield* memory.setStatus(task.document.task_id, status, {
                files: 4,
                files_transferred: filesTransferred,
                bytes_transferred: filesTransferred * 1000,
              });
            }
          });
        const script: Record<number, Effect.Effect<void, never, TransferMemory>> = {
          0: setTasks("ACTIVE", 1),
          3: setTasks("ACTIVE", 2),
          6: setTasks("SUCCEEDED", 4),
        };
        succeeded(yield* driveUntilDone(fiber, (round) => script[round] ?? Effect.void));
        const seen = yield* Ref.get(events);
        const progress = seen.filter(
          (e): e is Extract<RunEvent, { type: "task-progress" }> => e.type === "task-progress",
        );
        // Halfway, with a rate: 2000 B left of an estimated 4000.
        const halfway = progress.find((e) => e.counters.filesTransferred === 2);
        expect(halfway).toMatchObject({ status: "ACTIVE", estimatedBytes: 4000 });
        expect(halfway?.etaSeconds).toBeGreaterThan(0);
        const totals = seen.filter(
          (e): e is Extract<RunEvent, { type: "run-progress" }> => e.type === "run-progress",
        );
        expect(totals.length).toBeGreaterThan(0);
        expect(seen.at(-2)).toMatchObject({ type: "step-done" });
        expect(totals.at(-1)).toMatchObject({
          tasksDone: 2,
          tasksActive: 0,
          tasksPending: 0,
          files: 8,
          filesTransferred: 8,
          bytesTransferred: 8000,
          estimatedBytes: 8000,
          etaSeconds: 0,
        });
        // The same totals are not reported twice in a row.
        for (const [i, event] of totals.entries()) {
          if (i > 0) expect({ ...event, time: "" }).not.toEqual({ ...totals[i - 1], time: "" });
        }
      }),
    ),
  );

  it.effect("names the steps never submitted and leaves the run unfinished", () =>
    withServices((events) =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(true));
        const fiber = yield* Effect.fork(waitForRun(runId));
        const result = succeeded(yield* driveUntilDone(fiber, () => setAll("SUCCEEDED")));
        expect(result).toMatchObject({
          exitCode: 0,
          outcome: "succeeded",
          recorded: "unfinished",
          unsubmitted: ["tidy"],
        });
        const { state } = yield* (yield* Journal).inspect(runId);
        expect(state.outcome).toBe("unfinished");
        expect(state.steps.map((s) => s.outcome)).toEqual(["succeeded", undefined]);
        const seen = yield* Ref.get(events);
        const warning = seen.find((e) => e.type === "warning" && e.message.includes("tidy"));
        expect(warning).toMatchObject({ message: expect.stringContaining(meta.invokedWith) });
        expect(seen.at(-1)).toMatchObject({ type: "run-done", outcome: "detached", exitCode: 0 });
        // The delete was not submitted by wait.
        expect(yield* taskIds).toHaveLength(2);
      }),
    ),
  );

  it.effect("a failed task fails its step and the run (exit 1)", () =>
    withServices(() =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        const fiber = yield* Effect.fork(waitForRun(runId));
        const result = succeeded(yield* driveUntilDone(fiber, () => setAll("FAILED")));
        expect(result).toMatchObject({ exitCode: 1, outcome: "failed", recorded: "failed" });
        const { state } = yield* (yield* Journal).inspect(runId);
        expect(state.steps[0]).toMatchObject({
          outcome: "failed",
          reason: "2 of 2 tasks did not succeed",
        });
      }),
    ),
  );

  it.effect("an INACTIVE task needs the user (exit 3) and leaves the run unfinished", () =>
    withServices((events) =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        const fiber = yield* Effect.fork(waitForRun(runId));
        const result = succeeded(yield* driveUntilDone(fiber, () => setAll("INACTIVE")));
        expect(result).toMatchObject({ exitCode: 3, outcome: "action-required" });
        const { state } = yield* (yield* Journal).inspect(runId);
        expect(state.outcome).toBe("unfinished");
        const done = (yield* Ref.get(events)).find((e) => e.type === "task-done");
        expect(done).toMatchObject({ remedy: expect.stringContaining(`transflow wait ${runId}`) });
      }),
    ),
  );

  it.effect("--timeout stops following (exit 124) without ending the run", () =>
    withServices((events) =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        const fiber = yield* Effect.fork(waitForRun(runId, { timeout: Duration.seconds(10) }));
        const result = succeeded(yield* driveUntilDone(fiber));
        expect(result).toMatchObject({ exitCode: WaitExitCode.timedOut, outcome: "timed-out" });
        const { state } = yield* (yield* Journal).inspect(runId);
        expect(state.outcome).toBe("unfinished");
        expect(state.interruptions).toBe(1); // the --detach only
        expect((yield* Ref.get(events)).at(-1)).toMatchObject({
          type: "run-done",
          outcome: "interrupted",
          exitCode: 124,
        });
      }),
    ),
  );

  it.effect("Ctrl-C records the interruption and reports run-done interrupted", () =>
    withServices((events) =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        const fiber = yield* Effect.fork(waitForRun(runId));
        yield* TestClock.adjust(Duration.seconds(5));
        yield* Fiber.interrupt(fiber);
        const { state } = yield* (yield* Journal).inspect(runId);
        expect(state.interruptions).toBe(2);
        expect(state.lastInterrupt).toBe("signal");
        expect((yield* Ref.get(events)).at(-1)).toMatchObject({
          type: "run-done",
          outcome: "interrupted",
          exitCode: 130,
        });
      }),
    ),
  );

  it.effect("refuses a run another process drives, and an unknown run", () =>
    withServices(() =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        const journal = yield* Journal;
        const locked = yield* Effect.scoped(
          Effect.flatMap(journal.open(runId), () => Effect.flip(waitForRun(runId))),
        );
        expect(locked._tag).toBe("RunLockedError");
        const unknown = yield* Effect.flip(waitForRun("20261128T000000Z-nope-000000"));
        expect(unknown._tag).toBe("RunNotFoundError");
      }),
    ),
  );

  it.effect("a finished run has nothing to wait for", () =>
    withServices((events) =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        const first = yield* Effect.fork(waitForRun(runId));
        succeeded(yield* driveUntilDone(first, () => setAll("SUCCEEDED")));
        yield* Ref.set(events, []);
        const again = yield* waitForRun(runId);
        expect(again).toMatchObject({
          exitCode: 0,
          outcome: "finished-before",
          recorded: "succeeded",
        });
        expect(types(yield* Ref.get(events))).toEqual(["run-started", "warning", "run-done"]);
      }),
    ),
  );
});

describe("status", () => {
  it.effect("shows the journal's view, then Globus's live word for the open tasks", () =>
    withServices(() =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(true));
        const memory = yield* TransferMemory;
        const [first] = yield* taskIds;
        yield* memory.setStatus(first ?? "", "SUCCEEDED", { files: 2, files_transferred: 2 });
        const status = runStatusOf(yield* (yield* Journal).inspect(runId));
        expect(status.outcome).toBe("unfinished");
        expect(status.steps.map((s) => s.progress)).toEqual(["submitted", "pending"]);
        expect(status.unsubmitted).toEqual(["tidy"]);
        expect(status.live).toEqual({ openTasks: 2, looked: 0 });
        const live = yield* withLiveStatus(status);
        expect(live.live).toEqual({ openTasks: 2, looked: 2 });
        expect(live.steps[0]?.batches.map((b) => b.live?.status)).toEqual(["SUCCEEDED", "ACTIVE"]);
        // Read only: the journal did not change.
        const after = yield* (yield* Journal).inspect(runId);
        expect(after.state.steps[0]?.batches[0]?.status).toBeUndefined();
      }),
    ),
  );

  it.effect("stops asking Globus after it could not be reached", () =>
    withServices(() =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        const memory = yield* TransferMemory;
        yield* memory.failNext(
          "getTask",
          new GlobusUnavailableError({
            service: "transfer",
            method: "GET",
            url: "https://transfer.api.globus.org/v0.10/task/x",
            reason: "transport",
            cause: new Error("ECONNREFUSED"),
          }),
        );
        const status = runStatusOf(yield* (yield* Journal).inspect(runId));
        const live = yield* withLiveStatus(status);
        expect(live.live.looked).toBeLessThan(2);
        expect(live.live.note).toContain("could not be reached");
      }),
    ),
  );
});

describe("cancelRun", () => {
  it.effect("cancels the open tasks, records their end and the run as cancelled", () =>
    withServices(() =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(true));
        const memory = yield* TransferMemory;
        const [first] = yield* taskIds;
        yield* memory.setStatus(first ?? "", "SUCCEEDED");
        // The journal has not seen it succeed: cancelling it answers TaskComplete.
        const result = yield* cancelRun(runId);
        expect(result.recorded).toBe(true);
        expect(result.tasks.map((t) => [t.code, t.status])).toEqual([
          ["TaskComplete", "SUCCEEDED"],
          ["Canceled", "FAILED"],
        ]);
        const { state } = yield* (yield* Journal).inspect(runId);
        expect(state.outcome).toBe("cancelled");
        expect(state.steps[0]?.batches.map((b) => b.status?.status)).toEqual([
          "SUCCEEDED",
          "FAILED",
        ]);
        // Cancelling again: nothing left, nothing written.
        const again = yield* cancelRun(runId);
        expect(again).toMatchObject({ tasks: [], recorded: false, endedBefore: "cancelled" });
      }),
    ),
  );

  it.effect("a cancel that fails leaves the run unfinished, to cancel again", () =>
    withServices(() =>
      Effect.gen(function* () {
        const runId = yield* startDetached(makePlan(false));
        const memory = yield* TransferMemory;
        yield* memory.failNext(
          "cancelTask",
          new GlobusUnavailableError({
            service: "transfer",
            method: "POST",
            url: "https://transfer.api.globus.org/v0.10/task/x/cancel",
            reason: "transport",
            cause: new Error("ECONNRESET"),
          }),
        );
        const result = yield* cancelRun(runId);
        expect(result.recorded).toBe(false);
        expect(result.tasks.filter((t) => t.error !== undefined)).toHaveLength(1);
        expect((yield* (yield* Journal).inspect(runId)).state.outcome).toBe("unfinished");
        expect((yield* cancelRun(runId)).recorded).toBe(true);
      }),
    ),
  );
});

describe("entry points on a state folder", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "transflow-run-commands-"));
  });
  afterEach(() => {
    rmSync(home, { recursive: true, force: true });
  });

  it.effect("an empty state folder lists no runs; an unknown run is exit 2", () =>
    Effect.gen(function* () {
      const env = { TRANSFLOW_HOME: home };
      const listed = yield* listRunsFromEnv(env);
      expect(listed.exitCode).toBe(0);
      expect(listed.value?.runs).toEqual([]);
      const newest = yield* runStatusFromEnv({ env });
      expect(newest.exitCode).toBe(2);
      expect(newest.diagnostics[0]?.summary).toContain("no runs");
      const status = yield* runStatusFromEnv({ env, runId: "20261128T000000Z-nope-000000" });
      expect(status.exitCode).toBe(2);
      expect(status.diagnostics[0]?.summary).toContain("transflow runs");
      const cancel = yield* cancelRunFromEnv({ env, runId: "../../etc" });
      expect(cancel.exitCode).toBe(2);
    }),
  );

  it.effect("wait and cancel refuse a run another process drives (exit 1), saying who", () =>
    Effect.gen(function* () {
      const env = { TRANSFLOW_HOME: home };
      const plan = makePlan(false);
      yield* Effect.scoped(
        Effect.gen(function* () {
          const journal = yield* Journal;
          const handle = yield* journal.create(plan, planJson(plan), meta);
          const cancel = yield* cancelRunFromEnv({ env, runId: handle.runId });
          expect(cancel.exitCode).toBe(1);
          expect(cancel.diagnostics[0]?.summary).toContain(`transflow process ${process.pid}`);
          expect(cancel.diagnostics[0]?.summary).toContain("nothing was cancelled");
          const wait = yield* waitForRunFromEnv({ env, runId: handle.runId }, () => {});
          expect(wait.exitCode).toBe(1);
          expect(wait.diagnostics[0]?.hint).toContain(`transflow status ${handle.runId}`);
        }).pipe(Effect.provide(Journal.layerFromEnv(env))),
      );
    }),
  );
});
