// `transflow runs`, `status`, `wait` and `cancel`: the built CLI against a sandbox process, on
// runs started with `transflow run --detach`.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, hasStackTrace, runCli } from "./support/cli.ts";
import { http, type SandboxProcess, startSandboxProcess } from "./support/sandbox.ts";

const MAPPED = "c0ffee00-0000-4000-8000-000000000002";
const GUEST = "c0ffee00-0000-4000-8000-000000000003";

let sandbox: SandboxProcess;
let dir: string;
let env: Record<string, string | undefined>;

/** A workflow copying run-001 from the mapped collection to the guest's `folder`, then a mkdir. */
const writeWorkflow = (name: string, folder: string): string => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `version: 1
name: ${name}
collections:
  instrument: { id: ${MAPPED}, kind: mapped, highAssurance: false }
  share: { id: ${GUEST}, kind: guest }
steps:
  - id: copy
    transfer:
      source: instrument
      destination: share
      items:
        - { source: /data/run-001/, destination: /${folder}/run-001/, recursive: true }
  - id: marker
    needs: [copy]
    mkdir:
      collection: share
      paths: [/${folder}/done/]
`,
  );
  return file;
};

const cli = (args: readonly string[]): Promise<CliResult> => runCli(args, { env });

/** `run --detach`: the run id it prints. */
const startDetached = async (workflow: string): Promise<string> => {
  const started = await cli(["run", workflow, "--detach"]);
  expect(started.stderr).not.toSatisfy(hasStackTrace);
  expect(started.code, started.stderr).toBe(0);
  const id = /transflow wait (\S+)/.exec(started.stderr)?.[1];
  if (id === undefined) throw new Error(`no run id in:\n${started.stderr}`);
  return id;
};

const guestRoot = () => sandbox.collection("GCSv5_guest_collection").localRoot ?? "";

beforeAll(async () => {
  sandbox = await startSandboxProcess();
  dir = mkdtempSync(join(tmpdir(), "transflow-run-commands-"));
  env = {
    ...sandbox.info.env,
    TRANSFLOW_HOME: join(dir, "home"),
    TRANSFLOW_REFRESH_TOKEN: undefined,
    GLOBUS_SDK_ENVIRONMENT: undefined,
  };
});
afterAll(async () => {
  await sandbox?.stop();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("runs, status, wait", () => {
  it("lists a detached run, shows it, follows it to the end and names the step left", async () => {
    const workflow = writeWorkflow("detached", "detached");
    const runId = await startDetached(workflow);

    const runs = await cli(["runs"]);
    expect(runs.code, runs.stderr).toBe(0);
    expect(runs.stdout).toMatch(/^RUN\s+WORKFLOW\s+CREATED\s+OUTCOME\s+SUBMITTED\s+SUCCEEDED/);
    expect(runs.stdout).toMatch(
      new RegExp(`${runId}\\s+detached\\s+\\S+ \\S+\\s+unfinished\\s+1/2`),
    );

    const status = await cli(["status", "--json"]);
    expect(status.code, status.stderr).toBe(0);
    const shown = JSON.parse(status.stdout);
    expect(shown).toMatchObject({
      v: 1,
      runId,
      outcome: "unfinished",
      live: { openTasks: 1, looked: 1 },
      unsubmitted: ["marker"],
    });
    expect(shown.steps[0].batches[0].live.status).toMatch(/^(ACTIVE|SUCCEEDED)$/);
    const text = await cli(["status", runId]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("at Globus now");
    expect(text.stdout).toContain(`transflow wait ${runId}`);

    const waited = await cli(["wait", runId]);
    expect(waited.stderr).not.toSatisfy(hasStackTrace);
    expect(waited.code, waited.stdout + waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(/copy batch 1: task \S+ SUCCEEDED/);
    expect(waited.stdout).toContain("steps never submitted: marker");
    expect(waited.stdout).toContain(`transflow run ${workflow}`);
    const copied = join(guestRoot(), "detached", "run-001");
    expect(readFileSync(join(copied, "results.csv"), "utf8")).toBe(
      readFileSync(
        join(
          sandbox.collection("GCSv5_mapped_collection").localRoot ?? "",
          "data/run-001/results.csv",
        ),
        "utf8",
      ),
    );
    expect(existsSync(join(copied, "images", "plot-1.dat"))).toBe(true);

    const offline = JSON.parse((await cli(["status", runId, "--offline", "--json"])).stdout);
    expect(offline.steps.map((s: { progress: string }) => s.progress)).toEqual([
      "succeeded",
      "pending",
    ]);
    expect(offline.live).toEqual({ openTasks: 0, looked: 0 });

    // `transflow run` continues it: the mkdir; then the run is done and wait has nothing to do.
    const continued = await cli(["run", workflow]);
    expect(continued.code, continued.stderr).toBe(0);
    expect(existsSync(join(guestRoot(), "detached", "done"))).toBe(true);
    const listed = JSON.parse((await cli(["runs", "--json"])).stdout);
    expect(listed.runs[0]).toMatchObject({ runId, outcome: "succeeded" });
    expect(listed.runs[0].counts).toMatchObject({ batches: 2, submitted: 2, succeeded: 2 });
    const again = await cli(["wait", runId, "--json"]);
    expect(again.code).toBe(0);
    const events = again.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(events.at(-1)).toMatchObject({ type: "run-done", outcome: "succeeded", exitCode: 0 });
  });

  it("prints run-progress events with the run's totals under --json", async () => {
    const workflow = writeWorkflow("progress", "progress");
    const run = await cli(["run", workflow, "--json"]);
    expect(run.stderr).not.toSatisfy(hasStackTrace);
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const progress = events.filter((e) => e.type === "task-progress");
    expect(progress.length).toBeGreaterThan(0);
    for (const event of progress) {
      expect(event).toHaveProperty("estimatedBytes");
      expect(event).toHaveProperty("etaSeconds");
    }
    const totals = events.filter((e) => e.type === "run-progress");
    expect(totals.length).toBeGreaterThan(0);
    for (const event of totals) {
      expect(event).toMatchObject({
        v: 1,
        tasksDone: expect.any(Number),
        tasksActive: expect.any(Number),
        tasksPending: expect.any(Number),
        files: expect.any(Number),
        bytesTransferred: expect.any(Number),
      });
    }
    // The copy's one task, done: everything it found moved, nothing left.
    const last = totals.at(-1);
    expect(last).toMatchObject({ tasksDone: 1, tasksActive: 0, tasksPending: 0, etaSeconds: 0 });
    expect(last.bytesTransferred).toBeGreaterThan(0);
    expect(last.estimatedBytes).toBe(last.bytesTransferred);
  });

  it("says what is wrong, without a stack trace, for an unknown run or a bad timeout", async () => {
    for (const args of [
      ["status", "20261128T000000Z-nope-000000"],
      ["wait", "nope"],
      ["cancel", "nope"],
    ]) {
      const result = await cli(args);
      expect(result.code, args.join(" ")).toBe(2);
      expect(result.stderr).toContain("transflow runs");
      expect(result.stderr).not.toSatisfy(hasStackTrace);
    }
    const timeout = await cli(["wait", "nope", "--timeout", "soon"]);
    expect(timeout.code).toBe(2);
    expect(timeout.stderr).toContain("not a duration");
  });
});

describe("cancel", () => {
  it("stops waiting at --timeout, then cancels the slow task and records the run as cancelled", async () => {
    // Every file attempt fails transiently: the task stays ACTIVE, retrying.
    await http(`${sandbox.info.adminUrl}task-faults`, {
      json: { times: 1_000_000, code: "CONNECTION_RESET" },
    });
    try {
      const runId = await startDetached(writeWorkflow("slow", "slow"));
      const waited = await cli(["wait", runId, "--timeout", "1s"]);
      expect(waited.code, waited.stderr).toBe(124);
      expect(waited.stdout).toContain("stopped waiting after");

      const cancelled = await cli(["cancel", runId]);
      expect(cancelled.stderr).not.toSatisfy(hasStackTrace);
      expect(cancelled.code, cancelled.stderr).toBe(0);
      expect(cancelled.stdout).toMatch(/copy batch 1: task (\S+) cancelled, now FAILED/);
      expect(cancelled.stdout).toContain(`run ${runId} recorded as cancelled`);
      const taskId = /task (\S+) cancelled/.exec(cancelled.stdout)?.[1];

      const state = (await http(`${sandbox.info.adminUrl}state`)).body as {
        tasks: { task_id: string; status: string }[];
      };
      expect(taskId).toBeDefined();
      const task = state.tasks.find((t) => t.task_id === taskId);
      expect(task?.status).toBe("FAILED");

      const listed = JSON.parse((await cli(["runs", "--json"])).stdout);
      expect(listed.runs.find((r: { runId: string }) => r.runId === runId)).toMatchObject({
        outcome: "cancelled",
      });
      const twice = JSON.parse((await cli(["cancel", runId, "--json"])).stdout);
      expect(twice).toMatchObject({
        v: 1,
        runId,
        tasks: [],
        recorded: false,
        endedBefore: "cancelled",
      });
    } finally {
      await http(`${sandbox.info.adminUrl}task-faults`, {
        json: { times: 1, code: "CONNECTION_RESET" },
      });
    }
  });
});
