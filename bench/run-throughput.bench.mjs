// Issue #6: submission throughput. 100 batches × 10,000 items (a 1,000,000-line batch file at the
// default batch size) submitted with `transflow run --detach` on loopback: goal ≥ 50 batches/s with
// the 20 req/s spacing off (TRANSFLOW_MAX_REQUESTS_PER_SECOND=off, honoured only for a Transfer on
// this machine), peak RSS ≤ 400 MB. Three rows: spacing on against the sandbox; spacing off against
// the sandbox, which validates each 10,000-item document and runs its task on the same two cores;
// spacing off against a loopback stub that parses each document and answers at once, runs no tasks
// (all other calls are passed to the sandbox): the client's own rate, as against Globus, whose
// tasks run on other machines; and the same stub not parsing the document: the client's ceiling.
// Batches/s is over the submit phase: from the `step-started` event to the last `batch-submitted`.
// Each run gets a new sandbox process.
import { randomUUID } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { join } from "node:path";
import { fmt, median, root } from "./lib.mjs";
import { between, clientEnv, runCli, startSandbox } from "./run-lib.mjs";

const BATCHES = 100;
const PER_BATCH = 10_000;
const RUNS = 5;

const writeWorkflow = (dir) => {
  mkdirSync(dir, { recursive: true });
  const lines = [];
  for (let i = 0; i < BATCHES * PER_BATCH; i++) {
    lines.push(`/bench/d-${i % 1000}/file-${i}.dat /bench/d-${i % 1000}/file-${i}.dat`);
  }
  writeFileSync(join(dir, "items.txt"), `${lines.join("\n")}\n`);
  // Sources that do not exist: each task fails at its first file, so the sandbox spends little
  // on running tasks while the next batches arrive.
  writeFileSync(
    join(dir, "throughput.yaml"),
    `version: 1
name: throughput
collections:
  src: { id: c0ffee00-0000-4000-8000-000000000002, kind: mapped, highAssurance: false }
  dst: { id: c0ffee00-0000-4000-8000-000000000003, kind: guest }
steps:
  - id: copy
    transfer: { source: src, destination: dst, itemsFrom: items.txt }
`,
  );
  return join(dir, "throughput.yaml");
};

/**
 * A Transfer service on loopback that answers `GET submission_id` and `POST transfer` at once
 * (parsing the document, running no task) and passes every other request to `upstream`.
 */
export const startStub = async (upstream, { parse = true } = {}) => {
  let bytes = 0;
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", async () => {
      const body = Buffer.concat(chunks);
      const reply = (status, json) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(json));
      };
      if (req.method === "GET" && req.url === "/transfer/v0.10/submission_id") {
        reply(200, { DATA_TYPE: "submission_id", value: randomUUID() });
      } else if (req.method === "POST" && req.url === "/transfer/v0.10/transfer") {
        bytes += body.length;
        // Read the document as any server must (Globus validates it too, on its own machines);
        // without `parse`, only its submission id, to show the client's own ceiling.
        let id;
        if (parse) {
          const document = JSON.parse(body.toString("utf8"));
          if (document.DATA_TYPE !== "transfer" || !(document.DATA?.length > 0)) {
            reply(400, { code: "ClientError.BadRequest", message: "not a transfer document" });
            return;
          }
          id = document.submission_id;
        } else {
          id = /"submission_id":"([0-9a-f-]{36})"/.exec(body.toString("latin1"))?.[1];
        }
        reply(200, {
          DATA_TYPE: "transfer_result",
          code: "Accepted",
          message:
            "The transfer has been accepted and a task has been created and queued for execution",
          request_id: randomUUID().slice(0, 9),
          resource: "/transfer",
          submission_id: id,
          task_id: randomUUID(),
        });
      } else {
        const answer = await fetch(`${upstream}${req.url}`, {
          method: req.method,
          headers: Object.fromEntries(
            Object.entries(req.headers).filter(([k]) => k !== "host" && k !== "content-length"),
          ),
          ...(body.length > 0 ? { body } : {}),
        });
        res.writeHead(answer.status, {
          "content-type": answer.headers.get("content-type") ?? "application/json",
        });
        res.end(Buffer.from(await answer.arrayBuffer()));
      }
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${server.address().port}/transfer/`,
    bytes: () => bytes,
    close: () => new Promise((r) => server.close(r)),
  };
};

/** One run of `mode` with a new sandbox; returns batches, submit ms, peak RSS and CPU seconds. */
const once = async (mode, dir, workflow) => {
  const sandbox = await startSandbox(join(dir, "sandbox"));
  const stub = mode.startsWith("stub")
    ? await startStub(new URL(sandbox.info.transferUrl).origin, { parse: mode === "stub" })
    : undefined;
  try {
    const env = clientEnv(sandbox, join(dir, "home"));
    if (stub) env.GLOBUS_SDK_SERVICE_URL_TRANSFER = stub.url;
    if (mode !== "cli") env.TRANSFLOW_MAX_REQUESTS_PER_SECOND = "off";
    const cpu0 = sandbox.cpuSeconds();
    const result = await runCli(["run", workflow, "--detach", "--fresh", "--json"], env);
    if (result.code !== 0) throw new Error(`run exited ${result.code}: ${result.stderr}`);
    const started = result.events.find((e) => e.type === "step-started");
    const submitted = result.events.filter((e) => e.type === "batch-submitted");
    return {
      batches: submitted.length,
      submitMs: between(started, submitted.at(-1)),
      wallMs: result.ms,
      rssMb: result.rssMb,
      clientCpuS: result.cpuSeconds,
      sandboxCpuS: sandbox.cpuSeconds() - cpu0,
    };
  } finally {
    await stub?.close();
    await sandbox.stop();
    rmSync(join(dir, "sandbox"), { recursive: true, force: true });
  }
};

export const run = async () => {
  const dir = join(root, ".bench", "run-throughput");
  rmSync(dir, { recursive: true, force: true });
  const workflow = writeWorkflow(dir);
  const modes = [
    ["cli", "`transflow run --detach` as shipped (20 req/s spacing), sandbox"],
    ["sandbox", "`transflow run --detach`, TRANSFLOW_MAX_REQUESTS_PER_SECOND=off, sandbox"],
    ["stub", "`transflow run --detach`, spacing off, loopback stub (parses, runs no task)"],
    ["stub-unparsed", "`transflow run --detach`, spacing off, loopback stub (does not parse)"],
  ];
  const rows = [];
  try {
    await once("sandbox", dir, workflow); // warm-up: file cache, sandbox first start
    for (const [mode, label] of modes) {
      const runs = [];
      for (let i = 0; i < RUNS; i++) runs.push(await once(mode, dir, workflow));
      for (const r of runs) {
        if (r.batches !== BATCHES) throw new Error(`${mode}: ${r.batches} batches submitted`);
      }
      rows.push({ mode, label, runs });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `\n## run: submission throughput, ${BATCHES} batches × ${PER_BATCH.toLocaleString("en")} items (medians of ${RUNS}, a new sandbox each)\n`,
  );
  console.log(
    "| client, server | batches/s (submit phase) | submit phase | wall (plan + submit) | peak RSS | client CPU (plan + submit) | sandbox CPU / batch | goal |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const { mode, label, runs } of rows) {
    const rate = median(runs.map((r) => BATCHES / (r.submitMs / 1000)));
    const clientCpu = median(runs.map((r) => r.clientCpuS));
    console.log(
      `| ${label} | ${fmt(rate, 1)} | ${fmt(median(runs.map((r) => r.submitMs)) / 1000, 2)} s | ${fmt(median(runs.map((r) => r.wallMs)) / 1000, 2)} s | ${fmt(median(runs.map((r) => r.rssMb)))} MB (max ${fmt(Math.max(...runs.map((r) => r.rssMb)))}) | ${fmt(clientCpu, 2)} s | ${mode.startsWith("stub") ? "-" : `${fmt((median(runs.map((r) => r.sandboxCpuS)) * 1000) / BATCHES, 1)} ms`} | ${mode === "cli" ? "(spacing on: ≤ 10)" : "≥ 50 batches/s, ≤ 400 MB"} |`,
    );
  }
  console.log(
    `\nraw batches/s: ${rows.map(({ mode, runs }) => `${mode} ${runs.map((r) => fmt(BATCHES / (r.submitMs / 1000), 1)).join(", ")}`).join("; ")}`,
  );
  return rows;
};
