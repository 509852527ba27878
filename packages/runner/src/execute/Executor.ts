/**
 * Runs a plan; never re-decides it. Steps start when their `needs` succeeded (independent steps in
 * parallel, bounded), a step's batches are submitted in order, and every task is followed to its
 * end. At most once per batch: a batch's submission id is in the journal before its submit, and a
 * retried or resumed submit reuses it, so Globus answers `Duplicate` instead of starting a second
 * task. What the journal says was done is not done again.
 */
import {
  type BatchSubmission,
  batchSubmission,
  type Plan,
  type PlanBatch,
  type PlanStep,
  type PlanTransferStep,
} from "@transflow/core";
import { Deferred, Effect, Fiber } from "effect";
import { ConsentRequiredError } from "../globus/GlobusErrors.ts";
import { TransferApi, type TransferApiError } from "../globus/TransferApi.ts";
import type { BatchState, JournalEntry, RunState, StepState } from "../run/RunState.ts";
import { followBatch } from "./BatchFollower.ts";
import { DEFAULT_POLLING, type PollingPolicy } from "./Monitor.ts";
import { type RunReporter, report, type StepOutcome } from "./RunEvents.ts";

/** Where the executor records what it did: the run's journal, or memory in tests. */
export interface RunRecorder<E> {
  /** What earlier processes recorded for this run (empty for a new run). */
  readonly state: RunState;
  /** Appends a record durably: resolves only once it would survive a crash. */
  readonly append: (entry: JournalEntry) => Effect.Effect<void, E>;
}

export interface ExecuteOptions {
  /** Steps run at once when their needs allow. @default 4 */
  readonly concurrency?: number;
  /** Submit every batch (mkdir included) and return without following the tasks. */
  readonly detach?: boolean;
  readonly polling?: PollingPolicy;
}

/** How a run ended, for the exit code. */
export type ExecutionOutcome =
  /** Every step succeeded. */
  | "succeeded"
  /** A task failed (or a step could not be done); its dependents were skipped. */
  | "failed"
  /** A task went INACTIVE or Globus asked for consent: the user must act, then run again. */
  | "action-required"
  /** `--detach`: everything was submitted, nothing followed. */
  | "detached";

export interface ExecutionResult {
  readonly outcome: ExecutionOutcome;
  readonly steps: Readonly<Record<string, StepOutcome | "submitted" | "pending">>;
}

/** A batch ready to submit, or one whose task the journal already names. */
type PreparedBatch =
  | { readonly taskId: string }
  | { readonly submissionId: string; readonly submission: BatchSubmission };

type StepResult = {
  /** `submitted`/`pending` when detached: its tasks run on / it waits for a later run. */
  readonly outcome: StepOutcome | "submitted" | "pending";
  readonly actionRequired: boolean;
};

/**
 * Executes `plan`, recording each step in `recorder` and reporting to the `RunReporter`. `rerun` is
 * the command that resumes this run, for remedies.
 */
export const executePlan = <E>(
  plan: Plan,
  recorder: RunRecorder<E>,
  rerun: string,
  options: ExecuteOptions = {},
): Effect.Effect<ExecutionResult, E | TransferApiError, TransferApi | RunReporter> =>
  Effect.gen(function* () {
    const transfer = yield* TransferApi;
    const done = new Map(
      yield* Effect.forEach(plan.steps, (step) =>
        Deferred.make<StepResult>().pipe(Effect.map((d) => [step.id, d] as const)),
      ),
    );
    const recorded = new Map(recorder.state.steps.map((s) => [s.id, s]));
    const polling = options.polling ?? DEFAULT_POLLING;

    const finishStep = (step: PlanStep, result: StepResult, reason?: string) =>
      Effect.gen(function* () {
        if (result.outcome !== "submitted" && result.outcome !== "pending") {
          yield* recorder.append({
            type: "step-done",
            step: step.id,
            outcome: result.outcome,
            ...(reason === undefined ? {} : { reason }),
          });
          yield* report("step-done", {
            step: step.id,
            outcome: result.outcome,
            ...(reason === undefined ? {} : { reason }),
          });
        }
        yield* Deferred.succeed(done.get(step.id) as Deferred.Deferred<StepResult>, result);
        return result;
      });

    /** Follows one batch's task to its end, recording status changes; its final status. */
    const follow = (step: PlanStep, index: number, taskId: string, known?: BatchState) =>
      followBatch(
        { step: step.id, batch: index, taskId, known: known?.status, rerun, polling },
        (entry) => recorder.append(entry),
      ).pipe(Effect.map((settled) => settled.status));

    /**
     * Makes batch `index` ready to submit: its submission id in the journal (fetched unless an
     * earlier attempt recorded one) and its body written. A batch the journal says was submitted
     * is only re-attached to.
     */
    const prepareBatch = (
      step: PlanTransferStep | Extract<PlanStep, { action: "delete" }>,
      index: number,
      known?: BatchState,
    ) =>
      Effect.gen(function* () {
        if (known?.taskId !== undefined) return { taskId: known.taskId } satisfies PreparedBatch;
        let submissionId = known?.submissionId;
        if (submissionId === undefined) {
          submissionId = yield* transfer.submissionId();
          // Durable before the submit: a crash after this line resubmits with the same id.
          yield* recorder.append({
            type: "batch-submission-id",
            step: step.id,
            batch: index,
            fingerprint: (step.batches[index] as PlanBatch<unknown>).fingerprint,
            submissionId,
          });
        }
        const now = new Date(yield* Effect.clockWith((c) => c.currentTimeMillis));
        const submission = batchSubmission(step, index, { now, submissionId });
        if (submission === undefined) {
          return yield* Effect.dieMessage(`no batch ${step.id}[${index}] in the plan`);
        }
        return { submissionId, submission } satisfies PreparedBatch;
      });

    /** Submits a prepared batch (or reports re-attaching to its task); returns its task id. */
    const submitBatch = (step: PlanStep, index: number, prepared: PreparedBatch) =>
      Effect.gen(function* () {
        if ("taskId" in prepared) {
          yield* report("batch-attached", { step: step.id, batch: index, taskId: prepared.taskId });
          return prepared.taskId;
        }
        const { submissionId, submission } = prepared;
        const result =
          submission.action === "transfer"
            ? yield* transfer.submitTransfer(submission.json)
            : yield* transfer.submitDelete(submission.json);
        yield* recorder.append({
          type: "batch-submitted",
          step: step.id,
          batch: index,
          fingerprint: (step.batches[index] as PlanBatch<unknown>).fingerprint,
          submissionId,
          taskId: result.taskId,
          code: result.code,
        });
        yield* report("batch-submitted", {
          step: step.id,
          batch: index,
          taskId: result.taskId,
          submissionId,
          duplicate: result.code === "Duplicate",
        });
        return result.taskId;
      });

    /**
     * Submits a step's batches in order. While one batch's submit is in flight the next one gets
     * its submission id and body, so the client's work overlaps Transfer's; a batch prepared but
     * never submitted (the step stopped first) keeps its recorded id for a later run.
     */
    const submitBatches = (
      step: PlanTransferStep | Extract<PlanStep, { action: "delete" }>,
      known: (index: number) => BatchState | undefined,
    ) =>
      Effect.scoped(
        Effect.gen(function* () {
          const taskIds: string[] = [];
          const count = step.batches.length;
          if (count === 0) return taskIds;
          let next = yield* Effect.forkScoped(prepareBatch(step, 0, known(0)));
          for (let index = 0; index < count; index++) {
            const prepared = yield* Fiber.join(next);
            if (index + 1 < count) {
              next = yield* Effect.forkScoped(prepareBatch(step, index + 1, known(index + 1)));
            }
            taskIds.push(yield* submitBatch(step, index, prepared));
          }
          return taskIds;
        }),
      );

    const runStep = (step: PlanStep, previous: StepState | undefined) =>
      Effect.gen(function* () {
        if (previous?.outcome === "succeeded") {
          // Done by an earlier process: recorded already, so only its dependents hear of it.
          const result: StepResult = { outcome: "succeeded", actionRequired: false };
          yield* Deferred.succeed(done.get(step.id) as Deferred.Deferred<StepResult>, result);
          return result;
        }
        const needs = yield* Effect.forEach(step.needs, (need) =>
          Deferred.await(done.get(need) as Deferred.Deferred<StepResult>).pipe(
            Effect.map((result) => [need, result] as const),
          ),
        );
        // Detached: a step whose needs are only submitted waits for a later run (Globus does not
        // order tasks, so a delete must not start before the copy it follows has finished).
        if (
          needs.some(([, result]) => result.outcome === "submitted" || result.outcome === "pending")
        ) {
          return yield* finishStep(step, { outcome: "pending", actionRequired: false });
        }
        const blocked = needs.filter(([, result]) => result.outcome !== "succeeded");
        if (blocked.length > 0) {
          return yield* finishStep(
            step,
            { outcome: "skipped", actionRequired: false },
            `needs ${blocked.map(([need, r]) => `${need} (${r.outcome})`).join(", ")}`,
          );
        }
        yield* report("step-started", { step: step.id });
        const known = (index: number) => previous?.batches[index];

        if (step.action === "mkdir") {
          for (let index = 0; index < step.batches.length; index++) {
            const batch = step.batches[index] as PlanBatch<string>;
            if (known(index)?.mkdir !== undefined) continue;
            const path = JSON.parse(batch.itemsJson) as string;
            const answer = yield* transfer.mkdir(step.collectionId, path);
            yield* recorder.append({
              type: "mkdir-done",
              step: step.id,
              batch: index,
              path,
              existed: answer === "exists",
            });
            yield* report("mkdir-done", { step: step.id, path, existed: answer === "exists" });
          }
          return yield* finishStep(step, { outcome: "succeeded", actionRequired: false });
        }

        const taskIds = yield* submitBatches(step, known);
        if (options.detach === true) {
          return yield* finishStep(step, { outcome: "submitted", actionRequired: false });
        }
        const statuses = yield* Effect.forEach(
          taskIds,
          (taskId, index) => follow(step, index, taskId, known(index)),
          { concurrency: "unbounded" },
        );
        const failed = statuses.filter((s) => s !== "SUCCEEDED").length;
        if (failed === 0)
          return yield* finishStep(step, { outcome: "succeeded", actionRequired: false });
        const inactive = statuses.includes("INACTIVE");
        return yield* finishStep(
          step,
          { outcome: "failed", actionRequired: inactive },
          `${failed} of ${statuses.length} tasks did not succeed`,
        );
      });

    const results = yield* Effect.forEach(
      plan.steps,
      (step) =>
        runStep(step, recorded.get(step.id)).pipe(
          // A consent Globus asks for mid-run stops this step; its dependents are skipped.
          Effect.catchIf(
            (error): error is ConsentRequiredError => error instanceof ConsentRequiredError,
            (error) =>
              Effect.gen(function* () {
                yield* report("warning", { message: error.message });
                return yield* finishStep(
                  step,
                  { outcome: "failed", actionRequired: true },
                  `Globus needs more consent: run transflow consent for this workflow, then ${rerun}`,
                );
              }),
          ),
        ),
      { concurrency: options.concurrency ?? 4 },
    );
    const steps = Object.fromEntries(
      plan.steps.map((step, i) => [step.id, results[i]?.outcome ?? "skipped"]),
    );
    const outcome: ExecutionOutcome = results.some((r) => r.actionRequired)
      ? "action-required"
      : results.some((r) => r.outcome === "failed" || r.outcome === "skipped")
        ? "failed"
        : options.detach === true
          ? "detached"
          : "succeeded";
    return { outcome, steps };
  });
