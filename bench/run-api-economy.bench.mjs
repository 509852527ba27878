// Issue #6: API economy of `transflow run` against the sandbox (a separate process, counting every
// request it serves in GET /sandbox/state).
// - 100 batches (1,000 small files, `--max-items-per-batch 10`), no task slow: all requests the
//   run made (Auth + Transfer) over the minimum, one submission id + one submit per batch + one
//   final status per task = 300. Goal ≤ 1.2.
// - A slow task: one file whose first attempt fails (POST /sandbox/task-faults) in a sandbox that
//   retries after SLOW_SECONDS (`taskRetryDelayMs`), so the task stays ACTIVE and quiet that long:
//   polls (GET task/<id>) per task-minute, the minute measured from `batch-submitted` to
//   `task-done`. Three runs at once, each with its own sandbox, so the counts are per task.
// The CLI runs as shipped (20 req/s spacing on). BENCH_SLOW_SECONDS changes the slow task's length.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fmt, median, root } from "./lib.mjs";
import { between, clientEnv, runCli, startSandbox } from "./run-lib.mjs";

const FILES = 1000;
const PER_BATCH = 10;
const BATCHES = FILES / PER_BATCH;
const RUNS = 3;
const SLOW_SECONDS = Number(process.env.BENCH_SLOW_SECONDS ?? 180);
const TASK_GET = "GET /transfer/v0.10/task/:id";

const workflowText = (name, itemsFile) => `version: 1
name: ${name}
collections:
  src: { id: c0ffee00-0000-4000-8000-000000000002, kind: mapped, highAssurance: false }
  dst: { id: c0ffee00-0000-4000-8000-000000000003, kind: guest }
steps:
  - id: copy
    transfer: { source: src, destination: dst, itemsFrom: ${itemsFile} }
`;

/** `files` small files under the mapped collection's /econ/, and a workflow copying them. */
const prepare = (dir, sandbox, name, files) => {
  const source = join(sandbox.collection("GCSv5_mapped_collection").localRoot, "econ");
  mkdirSync(source, { recursive: true });
  const lines = [];
  for (let i = 0; i < files; i++) {
    writeFileSync(join(source, `f-${i}.txt`), `file ${i}\n`);
    lines.push(`/econ/f-${i}.txt /${name}/f-${i}.txt`);
  }
  writeFileSync(join(dir, `${name}.txt`), `${lines.join("\n")}\n`);
  writeFileSync(join(dir, `${name}.yaml`), workflowText(name, `${name}.txt`));
  return join(dir, `${name}.yaml`);
};

const sumWhere = (byEndpoint, test) =>
  Object.entries(byEndpoint)
    .filter(([key]) => test(key))
    .reduce((n, [, count]) => n + count, 0);

/** Requests of one finished run, by kind. */
const tally = (requests) => {
  const by = requests.byEndpoint;
  return {
    total: requests.total,
    transfer: sumWhere(by, (k) => k.includes(" /transfer/")),
    auth: sumWhere(by, (k) => k.includes(" /auth/")),
    submissionId: by["GET /transfer/v0.10/submission_id"] ?? 0,
    submit: by["POST /transfer/v0.10/transfer"] ?? 0,
    taskGet: by[TASK_GET] ?? 0,
    other: sumWhere(
      by,
      (k) =>
        k.includes(" /transfer/") &&
        k !== TASK_GET &&
        k !== "GET /transfer/v0.10/submission_id" &&
        k !== "POST /transfer/v0.10/transfer",
    ),
  };
};

const fastRuns = async (dir) => {
  const sandbox = await startSandbox(join(dir, "fast-sandbox"));
  try {
    const workflow = prepare(dir, sandbox, "econ", FILES);
    const env = clientEnv(sandbox, join(dir, "fast-home"));
    const runs = [];
    for (let i = 0; i < RUNS; i++) {
      await sandbox.resetRequests();
      const result = await runCli(
        ["run", workflow, "--json", "--fresh", "--max-items-per-batch", String(PER_BATCH)],
        env,
      );
      if (result.code !== 0) throw new Error(`run exited ${result.code}: ${result.stderr}`);
      const done = result.events.filter((e) => e.type === "task-done");
      if (done.length !== BATCHES || done.some((e) => e.status !== "SUCCEEDED")) {
        throw new Error(`expected ${BATCHES} succeeded tasks, got ${done.length}`);
      }
      const started = result.events.find((e) => e.type === "run-started");
      const ended = result.events.find((e) => e.type === "run-done");
      runs.push({ ...tally(await sandbox.requests()), runMs: between(started, ended) });
    }
    return runs;
  } finally {
    await sandbox.stop();
  }
};

/** One slow task in its own sandbox: polls per task-minute. */
const slowRun = async (dir, n) => {
  const sandbox = await startSandbox(join(dir, `slow-sandbox-${n}`), {
    taskRetryDelayMs: SLOW_SECONDS * 1000,
  });
  try {
    const workflow = prepare(dir, sandbox, `slow${n}`, 1);
    await sandbox.admin("task-faults", { json: { times: 1, code: "CONNECTION_RESET" } });
    await sandbox.resetRequests();
    const result = await runCli(
      ["run", workflow, "--json", "--fresh"],
      clientEnv(sandbox, join(dir, `slow-home-${n}`)),
    );
    if (result.code !== 0) throw new Error(`slow run exited ${result.code}: ${result.stderr}`);
    const submitted = result.events.find((e) => e.type === "batch-submitted");
    const done = result.events.find((e) => e.type === "task-done");
    const counts = tally(await sandbox.requests());
    const minutes = between(submitted, done) / 60_000;
    return { ...counts, minutes, pollsPerMinute: counts.taskGet / minutes };
  } finally {
    await sandbox.stop();
  }
};

export const run = async () => {
  const dir = join(root, ".bench", "run-api-economy");
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  let fast;
  let slow;
  try {
    fast = await fastRuns(dir);
    slow = await Promise.all([0, 1, 2].map((n) => slowRun(dir, n)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const minimum = 3 * BATCHES;
  const med = (runs, key) => median(runs.map((r) => r[key]));
  console.log(
    `\n## run: API economy (${BATCHES} batches of ${PER_BATCH} files, sandbox counters, medians of ${RUNS})\n`,
  );
  console.log(
    "| measure | requests | minimum | ratio | goal |\n| --- | ---: | ---: | ---: | ---: |",
  );
  console.log(
    `| all requests (Auth + Transfer), no task slow | ${fmt(med(fast, "total"))} | ${minimum} | ${fmt(med(fast, "total") / minimum, 3)} | ≤ 1.2 |`,
  );
  console.log(
    `| Transfer requests only | ${fmt(med(fast, "transfer"))} | ${minimum} | ${fmt(med(fast, "transfer") / minimum, 3)} | - |`,
  );
  console.log(
    `\nmedian breakdown: submission_id ${fmt(med(fast, "submissionId"))}, transfer ${fmt(med(fast, "submit"))}, task/<id> ${fmt(med(fast, "taskGet"))}, other Transfer ${fmt(med(fast, "other"))} (endpoint lookups), Auth ${fmt(med(fast, "auth"))} (tokens); run ${fmt(med(fast, "runMs") / 1000, 1)} s`,
  );
  console.log(
    `\n### a slow task (one file, ACTIVE and quiet for ${SLOW_SECONDS} s; ${slow.length} runs)\n`,
  );
  console.log("| measure | median | runs |\n| --- | ---: | --- |");
  console.log(
    `| task length (submitted → task-done seen) | ${fmt(med(slow, "minutes"), 2)} min | ${slow.map((r) => fmt(r.minutes, 2)).join(", ")} |`,
  );
  console.log(
    `| polls (GET task/<id>) | ${fmt(med(slow, "taskGet"))} | ${slow.map((r) => r.taskGet).join(", ")} |`,
  );
  console.log(
    `| **polls per task-minute** | **${fmt(med(slow, "pollsPerMinute"), 2)}** | ${slow.map((r) => fmt(r.pollsPerMinute, 2)).join(", ")} |`,
  );
  console.log(
    `| all requests of the run / minimum (3) | ${fmt(med(slow, "total") / 3, 2)} | ${slow.map((r) => r.total).join(", ")} requests |`,
  );
  console.log(
    "\n(polling: 2 s, ×1.5 while nothing changes, at most 30 s: 2 polls a minute once settled)",
  );
  return { fast, slow };
};
