// Ctrl-C during `transflow run` and `transflow wait` (issue #6): following stops, the tasks keep
// running at Globus (or are cancelled with --cancel-on-interrupt), the command that follows them
// again is printed, exit 130; and how the run looks while it runs: progress bars on a terminal,
// timestamped lines in a log. The built CLI runs as a child process against a sandbox process; on
// a real terminal it runs under a pseudo-terminal (util-linux `script`) and gets a real Ctrl-C
// through the terminal's line discipline. Tasks stay ACTIVE while the sandbox fails every file
// attempt (task faults), so the run is still following when it is interrupted.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, defaultIds } from "@transflow/sandbox";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type CliResult, hasStackTrace, runCli, startCli, stripAnsi } from "./support/cli.ts";
import {
  localPath,
  oneTaskPerBatch,
  readRuns,
  runEnv,
  type SandboxTask,
  sandboxState,
  treeDifferences,
} from "./support/runs.ts";
import {
  basic,
  http,
  type SandboxProcess,
  startSandboxProcess,
  waitFor,
} from "./support/sandbox.ts";

const ESC = "\u001b";
/** Colour and style codes (SGR) only. */
const SGR = new RegExp(`${ESC}\\[[0-9;]*m`);
/** A plain log line: `2026-11-28T04:33:04Z text`. */
const TIMESTAMPED = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S/;

let sandbox: SandboxProcess;
let dir: string;
let home: string;
let env: Record<string, string | undefined>;

beforeAll(async () => {
  // A failed file attempt is retried after 200 ms (1 s by default): tasks end soon once released.
  sandbox = await startSandboxProcess({ config: { ...defaultConfig, taskRetryDelayMs: 200 } });
  dir = mkdtempSync(join(tmpdir(), "transflow-run-interrupt-"));
  home = join(dir, "home");
  env = runEnv(sandbox, home, { GLOBUS_SDK_ENVIRONMENT: undefined });
});
afterAll(async () => {
  if (sandbox !== undefined) {
    const output = sandbox.output();
    await sandbox.stop();
    expect(output).not.toContain("does not match its wire schema");
    expect(output).not.toContain("internal error");
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

/** Every file attempt of every task fails transiently from now on: tasks stay ACTIVE. */
const holdTasks = () =>
  http(`${sandbox.info.adminUrl}task-faults`, {
    json: { times: 1_000_000, code: "CONNECTION_RESET" },
  });
/** One more failed attempt, then files copy again: held tasks end within a retry delay. */
const releaseTasks = () =>
  http(`${sandbox.info.adminUrl}task-faults`, { json: { times: 1, code: "CONNECTION_RESET" } });
afterEach(async () => {
  await releaseTasks();
});

/** A workflow copying the mapped collection's /data/run-001/ to the guest's /<name>/. */
const writeWorkflow = (name: string): string => {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    `version: 1
name: ${name}
collections:
  instrument: { id: ${defaultIds.mappedCollection}, kind: mapped, highAssurance: false }
  share: { id: ${defaultIds.guestCollection}, kind: guest }
steps:
  - id: copy
    transfer:
      source: instrument
      destination: share
      items:
        - { source: /data/run-001/, destination: /${name}/run-001/, recursive: true }
`,
  );
  return file;
};

const cli = (args: readonly string[]): Promise<CliResult> => runCli(args, { env });

/** The files of `name`'s copy that differ from the source (empty once all arrived). */
const copyDifferences = (name: string): string[] =>
  treeDifferences(
    localPath(sandbox, defaultIds.mappedCollection, "/data/run-001/"),
    localPath(sandbox, defaultIds.guestCollection, `/${name}/run-001/`),
  );

const sandboxTask = async (taskId: string): Promise<SandboxTask | undefined> =>
  (await sandboxState(sandbox)).tasks.find((t) => t.task_id === taskId);

/** Waits until the sandbox's task `taskId` reached `status`. */
const taskReaches = (taskId: string, status: string) =>
  waitFor(async () => ((await sandboxTask(taskId))?.status === status ? true : undefined), {
    timeoutMs: 20_000,
  });

/** `transflow status <run> --json` (asking Globus about unfinished tasks). */
const statusOf = async (runId: string) => {
  const result = await cli(["status", runId, "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as {
    runId: string;
    outcome: string;
    interruptions: number;
    lastInterrupt?: string;
    steps: { batches: { taskId?: string; live?: { status: string } }[] }[];
  };
};

/** Exactly one task per batch at the sandbox, for every run so far (invariant 1). */
const expectOneTaskPerBatch = async () => {
  expect(oneTaskPerBatch(await sandboxState(sandbox), readRuns(home))).toEqual([]);
};

/** Globus's own view of a task (Transfer's GET /task/<id>), as the run's client sees it. */
const transferTask = async (taskId: string) => {
  const client = sandbox.confidential();
  const token = await http(`${sandbox.info.authUrl}v2/oauth2/token`, {
    headers: { authorization: basic(client.id, client.secret) },
    form: {
      grant_type: "client_credentials",
      scope: "urn:globus:auth:scope:transfer.api.globus.org:all",
    },
  });
  const { access_token } = token.body as { access_token: string };
  const task = await http(`${sandbox.info.transferUrl}v0.10/task/${taskId}`, {
    headers: { authorization: `Bearer ${access_token}` },
  });
  expect(task.status, task.text).toBe(200);
  return task.body as { status: string; fatal_error: { code: string; description: string } | null };
};

// --- the tests ---------------------------------------------------------------------------------

describe("Ctrl-C during transflow run", () => {
  it("not on a terminal: timestamped lines; SIGINT stops following, exit 130, the task runs on, the printed command finishes the run", async () => {
    await holdTasks();
    const workflow = writeWorkflow("interrupted");
    const running = startCli(["run", workflow], { env });
    running.endStdin();
    const runId = (await running.waitForStdout(/starting run (\S+) of interrupted/))[1];
    const taskId = (await running.waitForStdout(/copy batch 1: task (\S+) submitted/))[1];
    // The first poll: the run is following the task.
    await running.waitForStdout(/copy batch 1: ACTIVE/);
    running.child.kill("SIGINT");
    const stopped = await running.done;

    expect(stopped.stderr).not.toSatisfy(hasStackTrace);
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    // Plain lines for a log: each one timestamped, no colour, no cursor movement.
    for (const line of stopped.stdout.trimEnd().split("\n")) expect(line).toMatch(TIMESTAMPED);
    expect(stopped.stdout + stopped.stderr).not.toContain(ESC);
    expect(stopped.stdout).toContain(`run ${runId}: interrupted`);
    expect(stopped.stderr).toContain("stopped following: the tasks keep running at Globus");
    const again = /Follow them again with: (.+)$/m.exec(stopped.stderr)?.[1];
    expect(again).toBe(`transflow run ${workflow}`);

    // The journal records the interruption; Globus still works on the task.
    const status = await statusOf(runId ?? "");
    expect(status).toMatchObject({
      outcome: "unfinished",
      interruptions: 1,
      lastInterrupt: "signal",
    });
    expect(status.steps[0]?.batches[0]).toMatchObject({ taskId, live: { status: "ACTIVE" } });
    expect((await sandboxTask(taskId ?? ""))?.status).toBe("ACTIVE");

    // The printed command follows the same task to its end: nothing is submitted again.
    await releaseTasks();
    await taskReaches(taskId ?? "", "SUCCEEDED");
    const resumed = await cli(["run", workflow]);
    expect(resumed.stderr).not.toSatisfy(hasStackTrace);
    expect(resumed.code, resumed.stdout + resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`resuming run ${runId} of interrupted`);
    expect(resumed.stdout).toContain(`copy batch 1: following task ${taskId}`);
    expect(resumed.stdout).toMatch(new RegExp(`copy batch 1: task ${taskId} SUCCEEDED`));
    expect(resumed.stdout).not.toContain("submitted");
    expect(resumed.stdout).toContain(`run ${runId}: succeeded`);
    expect(copyDifferences("interrupted")).toEqual([]);
    // One run of the workflow: the same command resumed it rather than starting another.
    expect(readRuns(home).filter((r) => r.runId.includes("-interrupted-"))).toHaveLength(1);
    await expectOneTaskPerBatch();
  });

  it("--cancel-on-interrupt: SIGINT cancels the run's task at Globus, says so, exit 130", async () => {
    await holdTasks();
    const workflow = writeWorkflow("cancelled");
    const running = startCli(["run", workflow, "--cancel-on-interrupt"], { env });
    running.endStdin();
    const runId = (await running.waitForStdout(/starting run (\S+) of cancelled/))[1];
    const taskId = (await running.waitForStdout(/copy batch 1: task (\S+) submitted/))[1];
    await running.waitForStdout(/copy batch 1: ACTIVE/);
    running.child.kill("SIGINT");
    const stopped = await running.done;

    expect(stopped.stderr).not.toSatisfy(hasStackTrace);
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    expect(stopped.stderr).toContain("stopped: 1 task of the run cancelled at Globus");
    expect(stopped.stderr).not.toContain("keep running");
    expect(stopped.stdout).toContain(`run ${runId}: interrupted`);

    // Cancelled at Globus: FAILED, with the reason Globus gives a cancelled task.
    const task = await sandboxTask(taskId ?? "");
    expect(task?.status).toBe("FAILED");
    const seen = await transferTask(taskId ?? "");
    expect(seen).toMatchObject({ status: "FAILED", fatal_error: { code: "CANCELED" } });
    // The run is over: recorded as cancelled, nothing left to follow or resume.
    const status = await statusOf(runId ?? "");
    expect(status.outcome).toBe("cancelled");
    // The journal has the task's status after the cancel, so nothing asks Globus about it again.
    const journal = readFileSync(join(home, "runs", runId ?? "", "journal.jsonl"), "utf8");
    expect(journal).toMatch(
      new RegExp(`"type":"task-status"[^\n]*"taskId":"${taskId}","status":"FAILED"`),
    );
    await expectOneTaskPerBatch();
  });

  it("on a terminal: a progress bar for the task and a total; a real Ctrl-C stops following, exit 130", async () => {
    await holdTasks();
    const workflow = writeWorkflow("terminal");
    const terminal = startCli(["run", workflow], { env, terminal: true });
    const runId = (await terminal.waitForStdout(/starting run (\S+) of terminal/))[1];
    // One bar for the task being followed, and the total below it.
    await terminal.waitForStdout(/ copy #1 \|[^|\n]+\| \d+\/5 files · .*ACTIVE/);
    await terminal.waitForStdout(/ total \|[^|\n]+\| \d+\/5 files · .*1 tasks/);
    terminal.write("\u0003");
    const stopped = await terminal.done;
    const raw = stopped.stdout;
    const shown = stripAnsi(raw);

    expect(shown).not.toSatisfy(hasStackTrace);
    expect(stopped.code, raw).toBe(130);
    // cli-progress drew in place: cursor hidden, moved to the line start, lines cleared, and
    // the cursor shown again as it stopped. NO_COLOR=1 takes the colours away, not the bars.
    expect(raw).toContain(`${ESC}[?25l`);
    expect(raw).toMatch(new RegExp(`${ESC}\\[1G`));
    expect(raw).toContain(`${ESC}[?25h`);
    expect(raw).toContain("░");
    expect(raw).not.toMatch(SGR);
    // The events worth reading are printed above the bars, and the way back after Ctrl-C.
    expect(shown).toMatch(/copy batch 1: task \S+ submitted/);
    expect(shown).toContain(`run ${runId}: interrupted`);
    expect(shown).toContain("stopped following: the tasks keep running at Globus");
    expect(shown).toContain(`Follow them again with: transflow run ${workflow}\n`);

    const status = await statusOf(runId ?? "");
    expect(status).toMatchObject({
      outcome: "unfinished",
      interruptions: 1,
      lastInterrupt: "signal",
    });
    const taskId = status.steps[0]?.batches[0]?.taskId ?? "";
    expect((await sandboxTask(taskId))?.status).toBe("ACTIVE");
    await releaseTasks();
    await taskReaches(taskId, "SUCCEEDED");
  });
});

describe("Ctrl-C during transflow wait", () => {
  it("SIGINT stops waiting, exit 130, the task runs on; waiting again finishes the run", async () => {
    await holdTasks();
    const workflow = writeWorkflow("waited");
    const detached = await cli(["run", workflow, "--detach"]);
    expect(detached.code, detached.stderr).toBe(0);
    const runId = /transflow wait (\S+)/.exec(detached.stderr)?.[1] ?? "";
    expect(runId).not.toBe("");

    const waiting = startCli(["wait", runId], { env });
    waiting.endStdin();
    const taskId = (await waiting.waitForStdout(/copy batch 1: following task (\S+)/))[1] ?? "";
    await waiting.waitForStdout(/copy batch 1: ACTIVE/);
    waiting.child.kill("SIGINT");
    const stopped = await waiting.done;

    expect(stopped.stderr).not.toSatisfy(hasStackTrace);
    expect(stopped.code, stopped.stdout + stopped.stderr).toBe(130);
    for (const line of stopped.stdout.trimEnd().split("\n")) expect(line).toMatch(TIMESTAMPED);
    expect(stopped.stdout).toContain(`run ${runId}: interrupted`);
    expect(stopped.stderr).toContain("stopped waiting: the tasks keep running at Globus");
    expect(stopped.stderr).toContain(`Wait again with: transflow wait ${runId}\n`);

    // --detach and Ctrl-C: two interruptions, the last one a signal; the task still ACTIVE.
    const status = await statusOf(runId);
    expect(status).toMatchObject({
      outcome: "unfinished",
      interruptions: 2,
      lastInterrupt: "signal",
    });
    expect(status.steps[0]?.batches[0]).toMatchObject({ taskId, live: { status: "ACTIVE" } });
    expect((await sandboxTask(taskId))?.status).toBe("ACTIVE");

    await releaseTasks();
    await taskReaches(taskId, "SUCCEEDED");
    const waited = await cli(["wait", runId]);
    expect(waited.code, waited.stdout + waited.stderr).toBe(0);
    expect(waited.stdout).toMatch(new RegExp(`copy batch 1: task ${taskId} SUCCEEDED`));
    expect(waited.stdout).toContain(`run ${runId}: succeeded`);
    expect((await statusOf(runId)).outcome).toBe("succeeded");
    expect(copyDifferences("waited")).toEqual([]);
    await expectOneTaskPerBatch();
  });
});
