// Helper of run-throughput.bench.mjs: what `transflow run <workflow> --detach --fresh` does
// (plan, journal, executor), in this process, with the Transfer client's request spacing set by
// argv[3] ("off" or requests per second). `run` has no such knob, so the services are wired here
// as `globusLayerFromEnv` wires them, except for `TransferApi.layerWith({ maxRequestsPerSecond })`.
// The environment (sandbox URLs, client credentials, TRANSFLOW_HOME) comes from process.env.
// Prints one JSON line: batches, planMs, submitMs (first submission-id request to the last batch
// submitted) and this process's CPU time meanwhile, totalMs. Usage: node run-submit.mjs workflow.yaml off|20
import { performance } from "node:perf_hooks";
import { planJsonChunks } from "@transflow/core";
import { Effect, Layer } from "effect";

const runner = new URL("../packages/runner/dist/", import.meta.url);
const {
  AuthApi,
  executePlan,
  GlobusConfig,
  GlobusHttp,
  gatherPlanFacts,
  Journal,
  planPreparedWorkflow,
  prepareWorkflowFile,
  RunReporter,
  TransferApi,
} = await import(new URL("index.js", runner).href);
const { TokenStore, storeEnvironment } = await import(new URL("auth/TokenStore.js", runner).href);
const { identityTokensLayer } = await import(new URL("auth/StoredAuthTokens.js", runner).href);

const [file, spacing = "off"] = process.argv.slice(2);
const env = process.env;
const started = performance.now();

const prepared = await prepareWorkflowFile(file, { inputs: {}, env });
const facts = await gatherPlanFacts({
  workflow: prepared.workflow,
  file: prepared.file,
  locate: prepared.locate,
  env,
});
const planned = await planPreparedWorkflow(prepared, facts.facts, {
  createdAt: new Date().toISOString(),
  identity: facts.identity,
});
if (planned.plan === undefined) {
  throw new Error(`no plan: ${JSON.stringify([...facts.diagnostics, ...planned.diagnostics])}`);
}
const plan = planned.plan;
const plannedAt = performance.now();

// globusLayerFromEnv, with the Transfer client's spacing chosen here.
const http = GlobusHttp.layerFetch.pipe(Layer.provideMerge(GlobusConfig.layerFromEnv(env)));
const auth = AuthApi.layer.pipe(
  Layer.provideMerge(http),
  Layer.provideMerge(TokenStore.layerFromEnv(env)),
);
const tokens = identityTokensLayer(env).pipe(Layer.provideMerge(auth));
const globus = TransferApi.layerWith({
  maxRequestsPerSecond: spacing === "off" ? undefined : Number(spacing),
}).pipe(Layer.provideMerge(tokens));

let submitStart;
let submitCpu;
let lastSubmitted;
let batches = 0;
const render = (event) => {
  if (event.type === "batch-submitted") {
    batches++;
    lastSubmitted = performance.now();
  }
};

const program = Effect.gen(function* () {
  const journal = yield* Journal;
  const config = yield* GlobusConfig;
  const handle = yield* journal.create(plan, planJsonChunks(plan), {
    invokedWith: `transflow run ${file}`,
    environment: storeEnvironment(config),
    transflowVersion: "bench",
  });
  const recorder = {
    state: yield* journal.state(handle),
    append: (entry) => journal.append(handle, entry),
  };
  submitStart = performance.now();
  submitCpu = process.cpuUsage();
  const result = yield* executePlan(plan, recorder, `transflow run ${file}`, { detach: true });
  yield* journal.append(handle, { type: "run-interrupted", reason: "detach" });
  return result;
}).pipe(
  Effect.scoped,
  Effect.provide(Journal.layerFromEnv(env)),
  Effect.provide(RunReporter.layer(render)),
  Effect.provide(globus),
);

const result = await Effect.runPromise(program);
const ended = performance.now();
const cpu = process.cpuUsage(submitCpu);
process.stdout.write(
  `${JSON.stringify({
    outcome: result.outcome,
    batches,
    items: plan.steps.reduce(
      (n, s) => n + s.batches.reduce((m, b) => m + (b.itemCount ?? 0), 0),
      0,
    ),
    planMs: plannedAt - started,
    submitMs: lastSubmitted - submitStart,
    totalMs: ended - started,
    submitCpuMs: (cpu.user + cpu.system) / 1000,
  })}\n`,
);
