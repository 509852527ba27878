// `transflow run` when things go wrong: killed with SIGKILL at seeded moments and resumed, Globus
// answering 5xx/429/resets with short-lived tokens and flaky tasks, and tasks that fail, go
// INACTIVE or pass their deadline. The built CLI runs as a child process against the sandbox as a
// process; the sandbox's /sandbox/state and its folders are the truth (invariant 1: at most one
// task per batch). `npm run soak` runs the kill test with many more kill points.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultConfig, defaultIds } from "@transflow/sandbox";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { hasStackTrace, repoRoot, runCli } from "./support/cli.ts";
import {
  type Attempt,
  describeAttempt,
  killAndResume,
  localPath,
  manyBatchesSandboxConfig,
  oneTaskPerBatch,
  planKillPoints,
  readRuns,
  runEnv,
  runOnce,
  sandboxState,
  seededRandom,
  tasksByLabel,
  treeDifferences,
  treeDigests,
  writeManyBatchesWorkflow,
} from "./support/runs.ts";
import { http, type SandboxProcess, startSandboxProcess } from "./support/sandbox.ts";

const scratch: string[] = [];
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(join(tmpdir(), `transflow-${prefix}-`));
  scratch.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

/** Stops the sandbox and checks it never broke the wire schemas or crashed a handler. */
const stopSandbox = async (sandbox: SandboxProcess) => {
  const output = sandbox.output();
  await sandbox.stop();
  expect(output).not.toContain("does not match its wire schema");
  expect(output).not.toContain("internal error");
};

// `npm run soak` sets these: many more kill points, another seed, and a file for its summary.
const soakKills = Number(process.env.TRANSFLOW_SOAK_KILLS ?? "0");
const KILLS = soakKills > 0 ? soakKills : 20;
const SEED = Number(process.env.TRANSFLOW_SOAK_SEED ?? "20261128");
const POINTS_PER_ROUND = 30;

describe("kill -9 and resume", () => {
  it(`kill -9 at ${KILLS}+ seeded moments of a 51-task run, resumed each time: one task per batch, every file copied`, {
    timeout: soakKills > 0 ? 6 * 60 * 60_000 : 170_000,
  }, async () => {
    const random = seededRandom(SEED);
    const summary = {
      seed: SEED,
      rounds: 0,
      attempts: 0,
      kills: 0,
      killsByKind: {} as Record<string, number>,
      resumedAttempts: 0,
      duplicateAnswers: 0,
      tasks: 0,
      filesCompared: 0,
      ms: 0,
    };
    const started = Date.now();
    // A round is one run from start to finish on a new sandbox; rounds follow one another
    // until enough kills landed (a run may finish before all its kill points are used).
    while (summary.kills < KILLS) {
      const round = summary.rounds++;
      const sandbox = await startSandboxProcess({
        config: manyBatchesSandboxConfig({ seed: SEED + round }),
      });
      try {
        const home = tempDir("kill-home");
        const workflow = writeManyBatchesWorkflow(tempDir("kill-workflow"), "killed");
        const env = runEnv(sandbox, home);
        const log: string[] = [];
        const result = await killAndResume(
          { args: workflow.args, env, sandbox },
          planKillPoints(random, POINTS_PER_ROUND),
          (attempt, index) => log.push(describeAttempt(attempt, index)),
        );
        const context = `round ${round} (seed ${SEED}):\n${log.join("\n")}\n${result.final.stderr}`;
        // Every attempt that was not killed ended the run well; none crashed.
        for (const attempt of result.attempts.filter((a) => !a.killed)) {
          expect(attempt.code, context).toBe(0);
        }
        expect(result.final.events.at(-1), context).toMatchObject({
          type: "run-done",
          outcome: "succeeded",
          exitCode: 0,
        });
        // The held submit was answered to nobody; the next submit of that batch got Duplicate.
        const duplicates = result.attempts
          .flatMap((a: Attempt) => a.events)
          .filter((e) => e.type === "batch-submitted" && e.duplicate === true).length;
        if (result.attempts[1]?.point?.kind === "held-submit" && result.attempts[1].killed) {
          expect(duplicates, context).toBeGreaterThan(0);
        }
        // One run, resumed by every attempt after the one that created it.
        const runs = readRuns(home);
        expect(
          runs.map((r) => r.runId),
          context,
        ).toHaveLength(1);
        const state = await sandboxState(sandbox);
        expect(oneTaskPerBatch(state, runs), context).toEqual([]);
        expect(state.tasks, context).toHaveLength(workflow.taskBatches);
        expect(tasksByLabel(state), context).toEqual(workflow.labels);
        expect(
          state.tasks.filter((t) => t.status !== "SUCCEEDED"),
          context,
        ).toEqual([]);
        for (const copy of workflow.copies) {
          const from = localPath(sandbox, copy.source, copy.from);
          const to = localPath(sandbox, sandbox.collection("GCSv5_guest_collection").id, copy.to);
          expect(treeDifferences(from, to), context).toEqual([]);
          summary.filesCompared += treeDigests(from).size;
        }
        expect(
          treeDigests(localPath(sandbox, workflow.deleted.collection, workflow.deleted.path)).size,
        ).toBe(0);
        summary.attempts += result.attempts.length;
        summary.kills += result.kills;
        for (const attempt of result.attempts.filter((a) => a.killed)) {
          const kind = attempt.point?.kind ?? "none";
          summary.killsByKind[kind] = (summary.killsByKind[kind] ?? 0) + 1;
        }
        summary.resumedAttempts += result.attempts.filter((a) =>
          a.events.some((e) => e.type === "run-started" && e.resumed === true),
        ).length;
        summary.duplicateAnswers += duplicates;
        summary.tasks += state.tasks.length;
        if (soakKills > 0) {
          process.stdout.write(`round ${round}: ${result.kills} kills\n${log.join("\n")}\n`);
        }
      } finally {
        await stopSandbox(sandbox);
      }
    }
    summary.ms = Date.now() - started;
    expect(summary.kills).toBeGreaterThanOrEqual(KILLS);
    expect(summary.resumedAttempts).toBeGreaterThan(0);
    const report = process.env.TRANSFLOW_SOAK_REPORT;
    if (report !== undefined && report !== "") writeFileSync(report, JSON.stringify(summary));
  });
});

/**
 * 30 % of Transfer calls answer 500, 502 or 503 (10 % each), a few connections reset, and some
 * submits are answered later than the client waits (GLOBUS_SDK_HTTP_TIMEOUT=2): the task is
 * created, the answer lost, and the retry with the same submission id is answered Duplicate. The
 * first submit is one of those for sure.
 */
const flakyTransfer = [
  {
    name: "first submit slow",
    method: "POST",
    path: "/transfer/v0.10/transfer",
    times: 1,
    action: { type: "delay", ms: 2600 },
  },
  {
    name: "slow submit",
    method: "POST",
    path: "/transfer/v0.10/transfer",
    probability: 0.05,
    action: { type: "delay", ms: 2600 },
  },
  { name: "500", path: "/transfer/**", probability: 0.1, action: { type: "status", status: 500 } },
  {
    name: "502",
    path: "/transfer/**",
    probability: 0.1 / 0.9,
    action: { type: "status", status: 502 },
  },
  {
    name: "503",
    path: "/transfer/**",
    probability: 0.1 / 0.8,
    action: { type: "status", status: 503 },
  },
  { name: "reset", path: "/transfer/**", probability: 0.03, action: { type: "reset" } },
];

/** Globus still failing when the client's retries ran out (exit 4; exit 1 before that was fixed). */
const outage = (attempt: Attempt) =>
  attempt.code === 4 ||
  (attempt.code === 1 && /Transfer answered (429|50[0234]) /.test(attempt.stderr));

/**
 * Runs `args` to its end. With 30 % failures some call out of hundreds fails all six tries now
 * and then: that run stops, and is run again as its message says; it resumes.
 */
const runThroughOutages = async (options: Parameters<typeof runOnce>[0], tries = 6) => {
  const attempts: Attempt[] = [];
  for (let i = 0; i < tries; i++) {
    const attempt = await runOnce(options);
    attempts.push(attempt);
    if (!outage(attempt)) break;
  }
  return attempts;
};

interface FaultRuleState {
  readonly id: number;
  readonly name?: string;
  readonly times?: number;
  readonly hits: number;
}

/**
 * 429 bursts with Retry-After where the traffic is: every 1.5 s, once the sandbox has seen 25 more
 * requests since the last burst (and that one is used up), the next 3 Transfer calls are refused
 * with Retry-After: 1. `stop` returns how many bursts there were.
 */
const startRateLimitBursts = (sandbox: SandboxProcess) => {
  const admin = sandbox.info.adminUrl;
  let bursts = 0;
  let requestsAtLastBurst = 0;
  const burst = async () => {
    const total = (await sandboxState(sandbox)).requests.total;
    if (total - requestsAtLastBurst < 25) return;
    const rules = ((await http(`${admin}faults`)).body as { faults: FaultRuleState[] }).faults;
    for (const spent of rules.filter((r) => r.name === "429 burst")) {
      if (spent.hits < (spent.times ?? 0)) return;
      await http(`${admin}faults/${spent.id}`, { method: "DELETE" });
    }
    requestsAtLastBurst = total;
    bursts++;
    await http(`${admin}faults`, {
      json: {
        name: "429 burst",
        path: "/transfer/**",
        times: 3,
        action: { type: "status", status: 429, retryAfterSeconds: 1 },
      },
    });
  };
  const timer = setInterval(() => void burst().catch(() => {}), 1500);
  return {
    stop: () => {
      clearInterval(timer);
      return bursts;
    },
  };
};

/** The guest collection's id, where the workflows write. */
const guestOf = (sandbox: SandboxProcess) => sandbox.collection("GCSv5_guest_collection").id;

/** Checks the quick start's copy: every file of /data/run-001/ but tmp/, which it deleted. */
const expectQuickstartCopied = (sandbox: SandboxProcess) => {
  const mapped = sandbox.collection("GCSv5_mapped_collection").id;
  expect(
    treeDifferences(
      localPath(sandbox, mapped, "/data/run-001/"),
      localPath(sandbox, guestOf(sandbox), "/quickstart/run-001/"),
    ),
  ).toEqual([]);
};

const context = (attempts: readonly Attempt[]) =>
  attempts.map((a, i) => `${describeAttempt(a, i)}\n${a.stderr}`).join("\n");

const quickstartArgs = () => [join(repoRoot, "workflows/quickstart.yaml")];

describe("faults", () => {
  it("through 30 % 5xx, resets, 429 bursts, lost submit answers and task faults, the quick start and a 51-task workflow complete with one task per batch", {
    timeout: 170_000,
  }, async () => {
    const sandbox = await startSandboxProcess({
      config: manyBatchesSandboxConfig({
        seed: 30,
        taskRetryDelayMs: 100,
        taskFaults: { times: 25, code: "CONNECTION_RESET" },
        faults: flakyTransfer,
      }),
    });
    const bursts = startRateLimitBursts(sandbox);
    try {
      const home = tempDir("faults-home");
      const env = runEnv(sandbox, home, { GLOBUS_SDK_HTTP_TIMEOUT: "2" });
      const quickstart = await runThroughOutages({ args: quickstartArgs(), env });
      // Five items a task: 21 tasks (at 30 % failures each call costs about 0.3 s more).
      const many = writeManyBatchesWorkflow(tempDir("faults-workflow"), "flaky", 5);
      const bigger = await runThroughOutages({ args: many.args, env });
      const why = context([...quickstart, ...bigger]);
      for (const attempts of [quickstart, bigger]) {
        expect(attempts.at(-1)?.code, why).toBe(0);
        expect(attempts.at(-1)?.events.at(-1), why).toMatchObject({
          type: "run-done",
          outcome: "succeeded",
        });
      }
      const state = await sandboxState(sandbox);
      // The faults did happen.
      const hits = Object.fromEntries(state.faults.map((f) => [f.name, f.hits]));
      for (const name of ["500", "502", "503", "reset"]) expect(hits[name], why).toBeGreaterThan(0);
      expect(hits["first submit slow"], why).toBe(1);
      const duplicates = [...quickstart, ...bigger]
        .flatMap((a) => a.events)
        .filter((e) => e.type === "batch-submitted" && e.duplicate === true);
      expect(duplicates.length, why).toBeGreaterThan(0);
      expect(bursts.stop(), why).toBeGreaterThanOrEqual(2);
      expect(state.taskFaults.injected, why).toBe(25);
      // Zero duplicate tasks: one per batch of the two runs, nothing else.
      const runs = readRuns(home);
      expect(runs, why).toHaveLength(2);
      expect(oneTaskPerBatch(state, runs), why).toEqual([]);
      expect(state.tasks, why).toHaveLength(2 + many.taskBatches);
      expect(state.tasks.filter((t) => t.status !== "SUCCEEDED")).toEqual([]);
      // Every file arrived.
      expectQuickstartCopied(sandbox);
      for (const copy of many.copies) {
        expect(
          treeDifferences(
            localPath(sandbox, copy.source, copy.from),
            localPath(sandbox, guestOf(sandbox), copy.to),
          ),
        ).toEqual([]);
      }
    } finally {
      bursts.stop();
      await stopSandbox(sandbox);
    }
  });

  it("with 2-second access tokens, one of them refused early, the quick start and a 51-task workflow complete with one task per batch", {
    timeout: 90_000,
  }, async () => {
    const sandbox = await startSandboxProcess({
      config: manyBatchesSandboxConfig({
        accessTokenLifetimeSeconds: 2,
        // The first poll of a task finds its token expired: a 401, one renewal, the poll again.
        faults: [{ path: "/transfer/v0.10/task/*", times: 1, action: { type: "expireToken" } }],
      }),
    });
    try {
      const home = tempDir("tokens-home");
      const env = runEnv(sandbox, home);
      const many = writeManyBatchesWorkflow(tempDir("tokens-workflow"), "tokens");
      const attempts = [
        await runOnce({ args: quickstartArgs(), env }),
        await runOnce({ args: many.args, env }),
      ];
      const why = context(attempts);
      for (const attempt of attempts) expect(attempt.code, why).toBe(0);
      const state = await sandboxState(sandbox);
      // Tokens live 2 s: the runs took many, and the one expired early was renewed.
      expect(state.auth.clientCredentialsGrants, why).toBeGreaterThan(5);
      expect(state.auth.tokensExpiredByFault, why).toBe(1);
      expect(oneTaskPerBatch(state, readRuns(home)), why).toEqual([]);
      expect(state.tasks, why).toHaveLength(2 + many.taskBatches);
      expectQuickstartCopied(sandbox);
    } finally {
      await stopSandbox(sandbox);
    }
  });

  it("Globus answering 503 past every retry: exit 4 with the remedy, and the same command resumes", async () => {
    const sandbox = await startSandboxProcess();
    try {
      const home = tempDir("outage-home");
      const env = runEnv(sandbox, home);
      // Six 503s for the submission id: the first try and all five retries (Retry-After 1 s).
      await http(`${sandbox.info.adminUrl}faults`, {
        json: {
          method: "GET",
          path: "/transfer/v0.10/submission_id",
          times: 6,
          action: { type: "status", status: 503, retryAfterSeconds: 1 },
        },
      });
      const down = await runOnce({ args: quickstartArgs(), env });
      expect(down.stderr).toContain("503 ServiceUnavailable");
      expect(down.stderr).toContain("run the same command again later");
      expect(down.code, down.stderr).toBe(4);
      const again = await runOnce({ args: quickstartArgs(), env });
      expect(again.code, again.stderr).toBe(0);
      expect(again.events[0]).toMatchObject({ type: "run-started", resumed: true });
      const state = await sandboxState(sandbox);
      expect(oneTaskPerBatch(state, readRuns(home))).toEqual([]);
      expectQuickstartCopied(sandbox);
    } finally {
      await stopSandbox(sandbox);
    }
  });

  it("a 2-second token that expires while the client waits out Retry-After is renewed for the next try", async () => {
    const sandbox = await startSandboxProcess({
      config: { ...defaultConfig, accessTokenLifetimeSeconds: 2 },
    });
    try {
      const home = tempDir("stale-home");
      // The submit is asked to wait 3 s, twice; a token lives 2 s. Rules match in order, each
      // once: 429, then through (the token it carries is 3 s old), 429, then through again.
      const wait = { type: "status", status: 429, retryAfterSeconds: 3 };
      const through = { type: "delay", ms: 0 };
      for (const action of [wait, through, wait, through]) {
        await http(`${sandbox.info.adminUrl}faults`, {
          json: { method: "POST", path: "/transfer/v0.10/transfer", times: 1, action },
        });
      }
      const run = await runOnce({ args: quickstartArgs(), env: runEnv(sandbox, home) });
      expect(run.stderr).not.toContain("Token is not active");
      expect(run.code, run.stderr).toBe(0);
      expect(oneTaskPerBatch(await sandboxState(sandbox), readRuns(home))).toEqual([]);
    } finally {
      await stopSandbox(sandbox);
    }
  });
});

describe("outcomes", () => {
  let sandbox: SandboxProcess;
  const admin = (path: string) => `${sandbox.info.adminUrl}${path}`;
  beforeAll(async () => {
    // Tasks retry a failed file every 300 ms: with task faults injected, a task stays ACTIVE.
    sandbox = await startSandboxProcess({ config: { ...defaultConfig, taskRetryDelayMs: 300 } });
  });
  afterAll(async () => {
    await stopSandbox(sandbox);
  });
  afterEach(async () => {
    // No task faults left over for the next test.
    await http(admin("faults"), { method: "DELETE" });
  });

  /** A workflow: `copy` (the step under test), `after` needing it, `later` needing `after`. */
  const outcomeWorkflow = (name: string, copy: string) => {
    const dir = tempDir(name);
    const file = join(dir, `${name}.yaml`);
    writeFileSync(
      file,
      `version: 1
name: ${name}
collections:
  instrument: { id: ${defaultIds.mappedCollection}, kind: mapped }
  share: { id: ${defaultIds.guestCollection}, kind: guest }
  laptop: { id: ${defaultIds.personalCollection}, kind: personal }
steps:
  - id: copy
    transfer:
${copy.replace(/^/gm, "      ")}
  - id: after
    needs: [copy]
    delete: { collection: share, items: ["/shared/welcome.txt"] }
  - id: later
    needs: [after]
    mkdir: { collection: share, paths: ["/${name}-later/"] }
`,
    );
    return file;
  };

  const ofType = (attempt: Attempt, type: string) =>
    attempt.events.filter((e) => e.type === type) as Record<string, unknown>[];

  /** The steps after the failed one were skipped, naming the need that did not succeed. */
  const expectDependentsSkipped = (attempt: Attempt) => {
    expect(ofType(attempt, "step-done")).toEqual([
      expect.objectContaining({ step: "copy", outcome: "failed" }),
      expect.objectContaining({ step: "after", outcome: "skipped", reason: "needs copy (failed)" }),
      expect.objectContaining({
        step: "later",
        outcome: "skipped",
        reason: "needs after (skipped)",
      }),
    ]);
    // Nothing of theirs ran: the delete was never submitted.
    expect(ofType(attempt, "batch-submitted").map((e) => e.step)).not.toContain("after");
  };

  it("a task that FAILs (a missing source): exit 1, Globus's reason, dependents skipped", async () => {
    const home = tempDir("failed-home");
    const env = runEnv(sandbox, home);
    const file = outcomeWorkflow(
      "outcome-failed",
      `source: laptop
destination: share
items:
  - { source: /home/researcher/notes.txt, destination: /shared/notes.txt }
  - { source: /home/researcher/no-such-file.txt, destination: /shared/missing.txt }`,
    );
    const run = await runOnce({ args: [file], env });
    expect(run.code, run.stderr).toBe(1);
    expect(ofType(run, "task-done")).toEqual([
      expect.objectContaining({
        step: "copy",
        status: "FAILED",
        reason: expect.stringMatching(/^FILE_NOT_FOUND: /),
      }),
    ]);
    expect(ofType(run, "task-event")).toContainEqual(
      expect.objectContaining({
        code: "FILE_NOT_FOUND",
        isError: true,
        description: expect.stringContaining("/home/researcher/no-such-file.txt"),
      }),
    );
    expectDependentsSkipped(run);
    expect(run.events.at(-1)).toMatchObject({ type: "run-done", outcome: "failed", exitCode: 1 });
    expect(existsSync(localPath(sandbox, defaultIds.guestCollection, "/shared/welcome.txt"))).toBe(
      true,
    );
    // The same as a person reads it (a finished run is not resumed: this is a new one).
    const text = await runCli(["run", file], { env });
    expect(text.code, text.stderr).toBe(1);
    expect(hasStackTrace(text.stdout + text.stderr)).toBe(false);
    expect(text.stdout).toContain("starting run");
    expect(text.stdout).toMatch(/copy batch 1: Globus reports FILE_NOT_FOUND: .*no-such-file\.txt/);
    expect(text.stdout).toMatch(/copy batch 1: task \S+ FAILED: FILE_NOT_FOUND: /);
    expect(text.stdout).toContain("step copy: failed");
    expect(text.stdout).toContain("step after: skipped: needs copy (failed)");
    expect(text.stdout).toContain("step later: skipped: needs after (skipped)");
  });

  it("a task that goes INACTIVE (data_access consent revoked mid-run): exit 3 with the remedy", async () => {
    const home = tempDir("inactive-home");
    const env = runEnv(sandbox, home);
    const file = outcomeWorkflow(
      "outcome-inactive",
      `source: instrument
destination: share
items:
  - { source: /data/run-001/results.csv, destination: /shared/results.csv }`,
    );
    // Every file attempt fails for now, so the task stays ACTIVE until the consent goes.
    await http(admin("task-faults"), { json: { times: 1_000_000, code: "CONNECTION_RESET" } });
    const client = sandbox.confidential();
    let revoked: Promise<unknown> | undefined;
    const run = await runOnce({
      args: [file],
      env,
      onEvent: (event) => {
        if (revoked === undefined && event.type === "task-progress" && event.status === "ACTIVE") {
          // A client acting as itself holds its consents under its own id.
          revoked = http(admin("consents/revoke"), {
            json: {
              clientId: client.id,
              identityId: client.id,
              collectionId: defaultIds.mappedCollection,
            },
          });
        }
      },
    });
    expect(revoked).toBeDefined();
    expect(run.code, run.stderr).toBe(3);
    const [done] = ofType(run, "task-done");
    expect(done).toMatchObject({ step: "copy", status: "INACTIVE", reason: "AUTH" });
    expect(done?.remedy).toMatch(/consent/);
    expect(done?.remedy).toContain(`transflow run ${file}`);
    expect(ofType(run, "task-event")).toContainEqual(
      expect.objectContaining({
        code: "AUTH",
        description: expect.stringContaining(defaultIds.mappedCollection),
      }),
    );
    expectDependentsSkipped(run);
    const tasks = (await sandboxState(sandbox)).tasks.filter((t) => t.status === "INACTIVE");
    expect(tasks).toHaveLength(1);
    // Run again, as a person: the run is resumed, the same task followed, still paused.
    const text = await runCli(["run", file], { env });
    expect(text.code, text.stderr).toBe(3);
    expect(hasStackTrace(text.stdout + text.stderr)).toBe(false);
    expect(text.stdout).toContain("resuming run");
    expect(text.stdout).toContain(`copy batch 1: following task ${tasks[0]?.task_id}`);
    expect(text.stdout).toMatch(/copy batch 1: task \S+ INACTIVE: AUTH/);
    expect(text.stdout).toMatch(/what to do: .*transflow consent/);
    expect(text.stdout).toContain("step after: skipped: needs copy (failed)");
    expect((await sandboxState(sandbox)).tasks.filter((t) => t.status === "INACTIVE")).toEqual(
      tasks,
    );
  });

  it("a task that passes its deadline: exit 1, the reason and the remedy name the deadline", async () => {
    const home = tempDir("deadline-home");
    const env = runEnv(sandbox, home);
    // Globus gives up 3 s from now; the task keeps failing its file until then.
    const deadline = new Date(Date.now() + 3000).toISOString();
    const file = outcomeWorkflow(
      "outcome-deadline",
      `source: laptop
destination: share
deadline: "${deadline}"
items:
  - { source: /home/researcher/notes.txt, destination: /shared/deadline-notes.txt }`,
    );
    await http(admin("task-faults"), { json: { times: 1_000_000, code: "CONNECTION_RESET" } });
    const run = await runOnce({ args: [file], env });
    expect(run.code, run.stderr).toBe(1);
    const [done] = ofType(run, "task-done");
    expect(done).toMatchObject({ step: "copy", status: "FAILED" });
    expect(done?.reason).toMatch(/^EXPIRED: .*deadline/);
    expectDependentsSkipped(run);
    expect(run.events.at(-1)).toMatchObject({ type: "run-done", outcome: "failed", exitCode: 1 });
    const text = await runCli(["run", file], { env });
    expect(text.code, text.stderr).toBe(1);
    expect(hasStackTrace(text.stdout + text.stderr)).toBe(false);
    expect(text.stdout).toMatch(/copy batch 1: task \S+ FAILED: EXPIRED: deadline expired/);
    expect(text.stdout).toContain("step after: skipped: needs copy (failed)");
    // What to do about it: give the task more time (Executor.ts's remedyFor looks for a
    // fatal_error code DEADLINE, but Globus, and the sandbox, say EXPIRED).
    expect(done?.remedy).toMatch(/deadline/);
    expect(text.stdout).toMatch(/what to do: .*deadline/);
  });
});
