/**
 * `transflow run` from end to end: plan the workflow (or load a plan file and check it still
 * matches its workflow), check the consents before anything is submitted, find the unfinished run
 * to resume or start a new one, execute, and record how it ended. The cli renders the events and
 * maps `RunReport.exitCode`; nothing here prints.
 */
import { readFile } from "node:fs/promises";
import {
  type Diagnostic,
  hasErrors,
  type InputValue,
  makeError,
  PLAN_FORMAT,
  type Plan,
  parsePlanJson,
  planJsonChunks,
  recheckConsents,
  workflowFingerprint,
} from "@transflow/core";
import { Cause, Effect, Exit, Layer, Option } from "effect";
import { storeEnvironment } from "../auth/TokenStore.ts";
import { AuthTokens } from "../globus/AuthTokens.ts";
import { GlobusConfig } from "../globus/GlobusConfig.ts";
import { globusLayerFromEnv } from "../globus/GlobusLayers.ts";
import {
  type GatheredPlanFacts,
  type GatherPlanFactsInput,
  gatherPlanFactsWith,
} from "../plan/PlanFacts.ts";
import { Journal, type RunHandle } from "../run/Journal.ts";
import { planFingerprint } from "../run/RunFiles.ts";
import { runLayout } from "../run/RunState.ts";
import { planPreparedWorkflow } from "../workflow/PlanWorkflow.ts";
import { prepareWorkflowFile } from "../workflow/PrepareWorkflow.ts";
import { executePlan } from "./Executor.ts";
import { failureExitCode, failureHint, RunExitCode, type TaggedFailure } from "./Failures.ts";
import { cancelOpenTasks, openTasks } from "./RunCommands.ts";
import { type RunEvent, RunReporter, report } from "./RunEvents.ts";
import { expectedTasks, runProgressLayer } from "./RunProgress.ts";

export interface RunRequest {
  /** A workflow file, or a plan.json made by `transflow plan -o`. */
  readonly target: string;
  readonly inputs: Readonly<Record<string, InputValue>>;
  /** Credentials, service URLs, state folder (`process.env` at the edge). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Start a new run even if an unfinished one of the same workflow and inputs exists. */
  readonly fresh?: boolean;
  readonly detach?: boolean;
  readonly concurrency?: number;
  /** Items per Transfer task when planning a workflow (not a plan file). @default 10,000 */
  readonly maxItemsPerBatch?: number;
  /** Ctrl-C cancels the run's tasks at Globus instead of leaving them running. */
  readonly cancelOnInterrupt?: boolean;
  /** How the user started this run, to tell them how to resume it. */
  readonly invokedWith: string;
  readonly version: string;
}

export interface RunReport {
  readonly exitCode: number;
  readonly runId?: string;
  /** Problems found before anything ran (an invalid workflow, a changed plan file, …). */
  readonly diagnostics: readonly Diagnostic[];
}

const invalid = (diagnostics: readonly Diagnostic[]): RunReport => ({
  exitCode: RunExitCode.invalid,
  diagnostics,
});

/** Reads a plan file; a parse problem is a diagnostic. */
const readPlanFile = async (file: string): Promise<{ plan?: Plan; diagnostics: Diagnostic[] }> =>
  parsedPlan(await readFile(file, "utf8"), file);

const parsedPlan = (text: string, file: string): { plan?: Plan; diagnostics: Diagnostic[] } => {
  const parsed = parsePlanJson(text, file);
  return parsed.ok
    ? { plan: parsed.plan, diagnostics: [] }
    : { diagnostics: [...parsed.diagnostics] };
};

/** The text of `file` when it is a plan file (told from a JSON workflow by its `format`). */
const planFileText = async (file: string): Promise<string | undefined> => {
  if (!file.endsWith(".json")) return undefined;
  try {
    const text = await readFile(file, "utf8");
    return text.slice(0, 200).includes(`"format": "${PLAN_FORMAT}"`) ? text : undefined;
  } catch {
    return undefined;
  }
};

/** The plan to run, with its consents checked against the identity in `env`. */
/** Where planning gets its collection facts and granted consents from. */
type FactsSource = (input: GatherPlanFactsInput) => Promise<GatheredPlanFacts>;

const planFor = async (
  request: RunRequest,
  gatherPlanFacts: FactsSource,
): Promise<{ plan?: Plan; diagnostics: Diagnostic[] }> => {
  const planText = await planFileText(request.target);
  if (planText !== undefined) {
    const loaded = parsedPlan(planText, request.target);
    if (loaded.plan === undefined) return loaded;
    const plan = loaded.plan;
    // The workflow as it is now must be the one the plan was made from.
    const prepared = await prepareWorkflowFile(plan.workflow.file, {
      inputs: plan.inputs,
      env: request.env,
    });
    if (prepared.workflow === undefined) return { diagnostics: [...prepared.diagnostics] };
    if (workflowFingerprint(prepared.workflow) !== plan.workflow.fingerprint) {
      return {
        diagnostics: [
          makeError(
            "plan-workflow-changed",
            `${plan.workflow.file} changed since ${request.target} was planned: the plan no longer describes it`,
            { file: request.target },
            `plan again: transflow plan ${plan.workflow.file} -o ${request.target}`,
          ),
        ],
      };
    }
    const facts = await gatherPlanFacts({
      workflow: prepared.workflow,
      file: plan.workflow.file,
      locate: prepared.locate,
      env: request.env,
    });
    if (facts.facts.granted === undefined) return { diagnostics: [...facts.diagnostics] };
    return {
      plan: { ...plan, consents: recheckConsents(plan, facts.facts.granted) },
      diagnostics: [...facts.diagnostics],
    };
  }
  const prepared = await prepareWorkflowFile(request.target, {
    inputs: request.inputs,
    env: request.env,
  });
  if (prepared.workflow === undefined || hasErrors(prepared.diagnostics)) {
    return { diagnostics: [...prepared.diagnostics] };
  }
  const facts = await gatherPlanFacts({
    workflow: prepared.workflow,
    file: prepared.file,
    locate: prepared.locate,
    env: request.env,
  });
  if (hasErrors(facts.diagnostics)) return { diagnostics: [...facts.diagnostics] };
  const planned = await planPreparedWorkflow(prepared, facts.facts, {
    createdAt: new Date().toISOString(),
    identity: facts.identity,
    ...(request.maxItemsPerBatch === undefined
      ? {}
      : { maxItemsPerBatch: request.maxItemsPerBatch }),
  });
  return planned.plan === undefined
    ? { diagnostics: [...facts.diagnostics, ...planned.diagnostics] }
    : { plan: planned.plan, diagnostics: [...facts.diagnostics, ...planned.diagnostics] };
};

const execute = (request: RunRequest, plan: Plan, rerun: string) =>
  Effect.scoped(
    Effect.gen(function* () {
      const journal = yield* Journal;
      const config = yield* GlobusConfig;
      const environment = storeEnvironment(config);
      const layout = runLayout(plan);
      let handle: RunHandle | undefined;
      let resumed = false;
      if (request.fresh !== true) {
        const unfinished = yield* journal.findUnfinished(plan.workflow.fingerprint, plan.inputs, {
          environment,
        });
        if (Option.isSome(unfinished)) {
          if (
            unfinished.value.planFingerprint === planFingerprint(plan.workflow.fingerprint, layout)
          ) {
            handle = yield* journal.open(unfinished.value.runId);
            resumed = true;
          } else {
            yield* report("warning", {
              message: `run ${unfinished.value.runId} of this workflow is unfinished but planned other work (a batch file changed?): starting a new run; it stays as it was`,
            });
          }
        }
      }
      if (handle === undefined) {
        handle = yield* journal.create(plan, planJsonChunks(plan), {
          invokedWith: request.invokedWith,
          environment,
          transflowVersion: request.version,
        });
      }
      const run = handle;
      // A resume executes the run's own copy of the plan, exactly as first planned.
      const runPlan = resumed
        ? ((yield* Effect.promise(() => readPlanFile(run.planFile))).plan ?? plan)
        : plan;
      for (const warning of run.warnings) {
        yield* report("warning", { message: warning.reason });
      }
      yield* report("run-started", {
        runId: run.runId,
        workflow: runPlan.workflow.name,
        resumed,
        steps: runPlan.steps.length,
        batches: runPlan.steps.reduce((n, s) => n + s.batches.length, 0),
      });
      const recorder = {
        state: yield* journal.state(run),
        append: (entry: Parameters<typeof journal.append>[1]) => journal.append(run, entry),
      };
      const result = yield* executePlan(runPlan, recorder, rerun, {
        ...(request.detach === undefined ? {} : { detach: request.detach }),
        ...(request.concurrency === undefined ? {} : { concurrency: request.concurrency }),
      }).pipe(
        // Totals over the tasks this process follows, as `run-progress` events.
        Effect.provide(runProgressLayer(expectedTasks(runPlan, recorder.state))),
        Effect.onInterrupt(() =>
          Effect.gen(function* () {
            const state = yield* journal.state(run);
            const cancelled =
              request.cancelOnInterrupt === true ? yield* cancelOpenTasks(state, run) : undefined;
            // Cancelled only when every cancel went through; else the run can still be resumed.
            yield* Effect.ignore(
              journal.append(
                run,
                cancelled?.allCancelled === true
                  ? { type: "run-done", outcome: "cancelled" }
                  : { type: "run-interrupted", reason: "signal" },
              ),
            );
            yield* report("run-done", {
              runId: run.runId,
              outcome: "interrupted",
              exitCode: RunExitCode.interrupted,
              openTasks:
                cancelled === undefined
                  ? openTasks(state).length
                  : cancelled.tasks.filter((t) => t.error !== undefined).length,
              ...(cancelled === undefined
                ? {}
                : {
                    cancelledTasks: cancelled.tasks.filter((t) => t.error === undefined).length,
                    unrecordedSubmits: cancelled.unknownSubmissions.length,
                  }),
            });
          }).pipe(Effect.orDie),
        ),
      );
      const exitCode =
        result.outcome === "succeeded" || result.outcome === "detached"
          ? RunExitCode.succeeded
          : result.outcome === "failed"
            ? RunExitCode.failed
            : RunExitCode.actionRequired;
      if (result.outcome === "succeeded" || result.outcome === "failed") {
        yield* journal.append(run, { type: "run-done", outcome: result.outcome });
      } else if (result.outcome === "detached") {
        yield* journal.append(run, { type: "run-interrupted", reason: "detach" });
      }
      yield* report("run-done", {
        runId: run.runId,
        outcome: result.outcome === "action-required" ? "failed" : result.outcome,
        exitCode,
      });
      return { exitCode, runId: run.runId, diagnostics: [] } satisfies RunReport;
    }),
  );

/** The exit code and message for a failure that ends a run early. */
const reportOfFailure = (error: TaggedFailure): RunReport => ({
  exitCode: failureExitCode(error),
  diagnostics: [makeError("run-failed", error.message, undefined, failureHint(error))],
});

/**
 * Runs a workflow or plan file to its end (or, detached, until everything is submitted).
 * `render` gets every run event. Interrupting the returned effect (Ctrl-C) stops following,
 * records the interruption, and leaves the tasks running at Globus unless `cancelOnInterrupt`.
 */
export const runWorkflow = (
  request: RunRequest,
  render: (event: RunEvent) => void,
): Effect.Effect<RunReport> =>
  Effect.gen(function* () {
    const exit = yield* Effect.exit(
      Effect.scoped(
        Effect.gen(function* () {
          // One set of Globus services for planning and running: one identity, one token.
          const globus = yield* Layer.build(globusLayerFromEnv(request.env));
          const gather: FactsSource = (input) =>
            Effect.runPromise(gatherPlanFactsWith(input).pipe(Effect.provide(globus)));
          const planned = yield* Effect.promise(() => planFor(request, gather));
          if (planned.plan === undefined || hasErrors(planned.diagnostics)) {
            return invalid(planned.diagnostics);
          }
          const plan = planned.plan;
          const warnings = planned.diagnostics.filter((d) => d.severity === "warning");
          const { consents } = plan;
          if (consents.checked && consents.missing.length > 0) {
            return {
              exitCode: RunExitCode.actionRequired,
              diagnostics: [
                ...warnings,
                makeError(
                  "consent-missing",
                  `the run needs consents the login does not carry: ${consents.missing.join(", ")}; nothing was submitted`,
                  { file: plan.workflow.file },
                  plan.identity === "client"
                    ? "a client identity gets scopes without a consent page: check that the client may use these collections"
                    : `grant them with: ${consents.command ?? `transflow consent ${plan.workflow.file}`}`,
                ),
              ],
            } satisfies RunReport;
          }
          return yield* Effect.gen(function* () {
            for (const warning of warnings) yield* report("warning", { message: warning.summary });
            // Touch the identity once so a login problem surfaces before the journal is created.
            yield* (yield* AuthTokens).accessTokenFor("transfer.api.globus.org");
            return yield* execute(request, plan, request.invokedWith);
          }).pipe(
            Effect.provide(Journal.layerFromEnv(request.env)),
            Effect.provide(RunReporter.layer(render)),
            Effect.provide(globus),
          );
        }),
      ),
    );
    if (Exit.isSuccess(exit)) return exit.value;
    if (Cause.isInterruptedOnly(exit.cause)) {
      return { exitCode: RunExitCode.interrupted, diagnostics: [] };
    }
    const failure = Cause.failureOption(exit.cause);
    if (Option.isSome(failure)) return reportOfFailure(failure.value);
    return yield* Effect.failCause(exit.cause).pipe(Effect.orDie);
  });
