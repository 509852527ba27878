/**
 * Helpers for the reliability tests of `transflow run` (and for `npm run soak`): a seeded random
 * generator, a workflow of about fifty batches over the sandbox's collections, a `transflow run`
 * child whose `--json` events can be watched and that can be killed with SIGKILL at a chosen
 * moment, the kill-and-resume loop, and the end checks "one task per batch" and "every file is
 * at the destination, byte for byte".
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";
import { defaultConfig, defaultIds } from "@transflow/sandbox";
import { startCli } from "./cli.ts";
import { http, type SandboxProcess } from "./sandbox.ts";

// --- randomness ---------------------------------------------------------------------------------

/** A small seeded generator (mulberry32): the same seed gives the same kill points. */
export const seededRandom = (seed: number): (() => number) => {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
};

const between = (random: () => number, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1));

// --- the environment of a run -------------------------------------------------------------------

export type Env = Record<string, string | undefined>;

/**
 * What `transflow run` needs to work against `sandbox` as its confidential client: the sandbox's
 * URLs and client credentials, its own state folder, and no stored login of the person running
 * the tests.
 */
export const runEnv = (sandbox: SandboxProcess, home: string, extra: Env = {}): Env => ({
  ...sandbox.info.env,
  TRANSFLOW_HOME: home,
  TRANSFLOW_REFRESH_TOKEN: undefined,
  NO_COLOR: "1",
  ...extra,
});

// --- a workflow of many batches ----------------------------------------------------------------

/** The many-batches workflow: what it copies, so the end check knows what to compare. */
export interface ManyBatches {
  /** The workflow file. */
  readonly file: string;
  /** `transflow run` arguments after `run`: the file and `--max-items-per-batch`. */
  readonly args: readonly string[];
  /** Transfer and delete batches: the number of tasks a finished run has. */
  readonly taskBatches: number;
  /** How many tasks carry each label. */
  readonly labels: Readonly<Record<string, number>>;
  /** Folders whose files must be equal at the end: [collection id, source path, destination]. */
  readonly copies: readonly { source: string; from: string; to: string }[];
  /** A folder on the mapped collection the last step deletes. */
  readonly deleted: { readonly collection: string; readonly path: string };
}

const SOAK_A_FILES = 60;
const SOAK_B_FILES = 40;
const ITEMS_PER_BATCH = 2;

const fileName = (i: number) => `f${String(i).padStart(3, "0")}.dat`;

/** Text of file `i` of a step, of varied sizes (200 B to about 12 KB). */
const fileText = (step: string, i: number) =>
  `${step} file ${i}: ${"0123456789abcdef".repeat(4)}\n`.repeat(3 + ((i * 37) % 180));

/**
 * The default sandbox config plus the many-batches workflow's files: 60 on the mapped
 * collection, 40 on the personal one, and a scratch folder the workflow deletes. `overrides` are
 * merged in (faults, seed, token lifetime, …).
 */
export const manyBatchesSandboxConfig = (overrides: Record<string, unknown> = {}) => {
  const collections = defaultConfig.collections.map((c) => {
    if (c.id === defaultIds.mappedCollection) {
      const seed: Record<string, string> = { ...c.seed, "/soak/tmp/scratch.tmp": "scratch\n" };
      for (let i = 0; i < SOAK_A_FILES; i++) seed[`/soak/a/${fileName(i)}`] = fileText("a", i);
      return { ...c, seed };
    }
    if (c.id === defaultIds.personalCollection) {
      const seed: Record<string, string> = { ...c.seed };
      for (let i = 0; i < SOAK_B_FILES; i++) {
        seed[`/home/researcher/soak/b/${fileName(i)}`] = fileText("b", i);
      }
      return { ...c, seed };
    }
    return c;
  });
  return { ...defaultConfig, collections, ...overrides };
};

/**
 * Writes the many-batches workflow into `dir`: a mkdir step, then two copies in parallel (60
 * files from the mapped collection, which needs data_access, and 40 from the personal one, each
 * from a batch file, two items per batch by default: 30 + 20 batches), then a delete after the
 * first copy: 51 tasks in all, plus 3 mkdir batches.
 */
export const writeManyBatchesWorkflow = (
  dir: string,
  name = "many-batches",
  itemsPerBatch = ITEMS_PER_BATCH,
): ManyBatches => {
  mkdirSync(dir, { recursive: true });
  const lines = (count: number) =>
    Array.from({ length: count }, (_, i) => `${fileName(i)} ${fileName(i)}\n`).join("");
  writeFileSync(join(dir, "a.txt"), lines(SOAK_A_FILES));
  writeFileSync(join(dir, "b.txt"), lines(SOAK_B_FILES));
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
  - id: folder
    mkdir: { collection: share, paths: ["/${name}/"] }
  - id: folders
    needs: [folder]
    mkdir: { collection: share, paths: ["/${name}/a/", "/${name}/b/"] }
  - id: copy-a
    needs: [folders]
    transfer:
      source: instrument
      destination: share
      label: ${name} a
      itemsFrom: { path: a.txt, sourcePrefix: /soak/a/, destinationPrefix: /${name}/a/ }
  - id: copy-b
    needs: [folders]
    transfer:
      source: laptop
      destination: share
      label: ${name} b
      itemsFrom: { path: b.txt, sourcePrefix: /home/researcher/soak/b/, destinationPrefix: /${name}/b/ }
  - id: tidy
    needs: [copy-a]
    delete: { collection: instrument, recursive: true, label: ${name} tidy, items: ["/soak/tmp/"] }
`,
  );
  return {
    file,
    args: [file, "--max-items-per-batch", String(itemsPerBatch)],
    taskBatches:
      Math.ceil(SOAK_A_FILES / itemsPerBatch) + Math.ceil(SOAK_B_FILES / itemsPerBatch) + 1,
    labels: {
      [`${name} a`]: Math.ceil(SOAK_A_FILES / itemsPerBatch),
      [`${name} b`]: Math.ceil(SOAK_B_FILES / itemsPerBatch),
      [`${name} tidy`]: 1,
    },
    copies: [
      { source: defaultIds.mappedCollection, from: "/soak/a/", to: `/${name}/a/` },
      {
        source: defaultIds.personalCollection,
        from: "/home/researcher/soak/b/",
        to: `/${name}/b/`,
      },
    ],
    deleted: { collection: defaultIds.mappedCollection, path: "/soak/tmp/" },
  };
};

// --- files --------------------------------------------------------------------------------------

/** The local folder behind a Globus path of a sandbox collection. */
export const localPath = (sandbox: SandboxProcess, collectionId: string, path: string): string => {
  const root = sandbox.info.collections.find((c) => c.id === collectionId)?.localRoot;
  if (root === null || root === undefined) throw new Error(`no local folder for ${collectionId}`);
  return join(root, path);
};

/** SHA-256 of every file below `dir`, by path relative to it (empty when `dir` is missing). */
export const treeDigests = (dir: string): Map<string, string> => {
  const digests = new Map<string, string>();
  if (!existsSync(dir)) return digests;
  const walk = (folder: string) => {
    for (const entry of readdirSync(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) walk(path);
      else digests.set(relative(dir, path), sha256(readFileSync(path)));
    }
  };
  walk(dir);
  return digests;
};

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** What differs between two folders' files: missing, extra or changed paths (empty if equal). */
export const treeDifferences = (source: string, destination: string): string[] => {
  const from = treeDigests(source);
  const to = treeDigests(destination);
  const problems: string[] = [];
  if (from.size === 0) problems.push(`${source} holds no files`);
  for (const [path, digest] of from) {
    const copied = to.get(path);
    if (copied === undefined) problems.push(`missing at the destination: ${path}`);
    else if (copied !== digest) problems.push(`different at the destination: ${path}`);
  }
  for (const path of to.keys()) {
    if (!from.has(path)) problems.push(`at the destination only: ${path}`);
  }
  return problems;
};

// --- the sandbox's and the journal's view -------------------------------------------------------

export interface SandboxTask {
  readonly task_id: string;
  readonly type: "TRANSFER" | "DELETE";
  readonly status: string;
  readonly nice_status: string | null;
  readonly submission_id: string;
  readonly label: string | null;
  readonly faults: number;
}

export interface SandboxState {
  readonly tasks: readonly SandboxTask[];
  readonly requests: { readonly total: number; readonly byEndpoint: Record<string, number> };
  readonly faults: readonly { id: number; name: string | null; hits: number }[];
  readonly taskFaults: { readonly injected: number; readonly remaining: number };
  readonly auth: Record<string, number>;
}

/** How many of the sandbox's tasks carry each label. */
export const tasksByLabel = (state: SandboxState): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const task of state.tasks) counts[task.label ?? ""] = (counts[task.label ?? ""] ?? 0) + 1;
  return counts;
};

export const sandboxState = async (sandbox: SandboxProcess): Promise<SandboxState> =>
  (await http(`${sandbox.info.adminUrl}state`)).body as SandboxState;

/** One record of a run's journal (docs/journal-format.md), the fields the checks read. */
export interface JournalRecord {
  readonly type: string;
  readonly step?: string;
  readonly batch?: number;
  readonly submissionId?: string;
  readonly taskId?: string;
  readonly code?: string;
  readonly outcome?: string;
}

export interface RunFolder {
  readonly runId: string;
  readonly layout: { steps: { id: string; action: string; batches: string[] }[] };
  /** Whole lines only (a torn last line, from a kill, is left out as the reader does). */
  readonly records: readonly JournalRecord[];
}

/** The runs under `$TRANSFLOW_HOME/runs` whose creation finished (those with a run.json). */
export const readRuns = (home: string): RunFolder[] => {
  const runs = join(home, "runs");
  if (!existsSync(runs)) return [];
  return readdirSync(runs)
    .filter((id) => existsSync(join(runs, id, "run.json")))
    .sort()
    .map((runId) => {
      const folder = join(runs, runId);
      const run = JSON.parse(readFileSync(join(folder, "run.json"), "utf8")) as {
        layout: RunFolder["layout"];
      };
      const text = readFileSync(join(folder, "journal.jsonl"), "utf8");
      const whole = text.slice(0, text.lastIndexOf("\n") + 1);
      const records = whole
        .split("\n")
        .filter((line) => line !== "")
        .map((line) => JSON.parse(line) as JournalRecord);
      return { runId, layout: run.layout, records };
    });
};

/**
 * Invariant 1, checked from both sides: every transfer or delete batch of the runs has exactly one
 * submission id and one task, the sandbox holds exactly one task per submission id, and no task
 * the runs do not know of. Returns what is wrong (empty when all is well).
 */
export const oneTaskPerBatch = (state: SandboxState, runs: readonly RunFolder[]): string[] => {
  const problems: string[] = [];
  const bySubmission = new Map<string, SandboxTask[]>();
  for (const task of state.tasks) {
    bySubmission.set(task.submission_id, [...(bySubmission.get(task.submission_id) ?? []), task]);
  }
  for (const [id, tasks] of bySubmission) {
    if (tasks.length > 1) problems.push(`submission id ${id} has ${tasks.length} tasks`);
  }
  const known = new Set<string>();
  for (const run of runs) {
    for (const step of run.layout.steps) {
      if (step.action !== "transfer" && step.action !== "delete") continue;
      step.batches.forEach((_, batch) => {
        const mine = run.records.filter((r) => r.step === step.id && r.batch === batch);
        const ids = new Set(mine.flatMap((r) => (r.submissionId ? [r.submissionId] : [])));
        const taskIds = new Set(mine.flatMap((r) => (r.taskId ? [r.taskId] : [])));
        const where = `${run.runId} ${step.id} batch ${batch}`;
        if (ids.size !== 1) {
          problems.push(`${where}: ${ids.size} submission ids in the journal`);
          return;
        }
        const [id] = [...ids] as [string];
        known.add(id);
        const tasks = bySubmission.get(id) ?? [];
        if (tasks.length !== 1) problems.push(`${where}: ${tasks.length} tasks at Globus`);
        if (taskIds.size !== 1 || !taskIds.has(tasks[0]?.task_id ?? "")) {
          problems.push(`${where}: the journal's task ${[...taskIds].join(", ")} is not Globus's`);
        }
      });
    }
  }
  for (const task of state.tasks) {
    if (!known.has(task.submission_id)) {
      problems.push(`task ${task.task_id} (${task.label}) belongs to no batch of any run`);
    }
  }
  return problems;
};

// --- a run as a child process -------------------------------------------------------------------

/** A `--json` run event, as the checks read it. */
export interface RunEventLine {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface Attempt {
  /** How it was stopped, or undefined for an attempt left to end by itself. */
  readonly point: KillPoint | undefined;
  /** SIGKILL ended it (false: it exited by itself before the kill point). */
  readonly killed: boolean;
  readonly code: number | null;
  readonly events: readonly RunEventLine[];
  readonly stderr: string;
  readonly ms: number;
}

/**
 * Where to `kill -9` one attempt:
 * - `startup`: `ms` after the process started (planning, the token, the journal's creation);
 * - `running`: `ms` after its `run-started` event (submitting and following);
 * - `event`: as its `n`-th JSON event line arrives;
 * - `submitted`: as its `n`-th `batch-submitted` event arrives (the journal has the task id);
 * - `held-submit`: while the sandbox holds a submit request (a delay fault): the submission id is
 *   in the journal, the task will exist, the answer never arrives. The next attempt must be
 *   answered `Duplicate`.
 */
export type KillPoint =
  | { readonly kind: "startup"; readonly ms: number }
  | { readonly kind: "running"; readonly ms: number }
  | { readonly kind: "event"; readonly n: number }
  | { readonly kind: "submitted"; readonly n: number }
  | { readonly kind: "held-submit" };

/** `count` seeded kill points; the second is always a `held-submit`. */
export const planKillPoints = (random: () => number, count: number): KillPoint[] =>
  Array.from({ length: count }, (_, i): KillPoint => {
    if (i === 1) return { kind: "held-submit" };
    const draw = random();
    if (draw < 0.15) return { kind: "startup", ms: between(random, 100, 1500) };
    if (draw < 0.55) return { kind: "running", ms: between(random, 0, 900) };
    if (draw < 0.8) return { kind: "event", n: between(random, 1, 40) };
    return { kind: "submitted", n: between(random, 1, 6) };
  });

/** How long the sandbox holds the submit of a `held-submit` kill point. */
const HOLD_MS = 1500;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `transflow run <args> --json` once and kills it with SIGKILL at `point` (or lets it end
 * when `point` is undefined). `onEvent` sees each event as it arrives.
 */
export const runOnce = async (
  options: {
    args: readonly string[];
    env: Env;
    cwd?: string;
    sandbox?: SandboxProcess;
    onEvent?: (event: RunEventLine) => void;
  },
  point?: KillPoint,
): Promise<Attempt> => {
  const started = Date.now();
  let heldRule: number | undefined;
  if (point?.kind === "held-submit") {
    if (options.sandbox === undefined) throw new Error("a held-submit kill needs the sandbox");
    const added = await http(`${options.sandbox.info.adminUrl}faults`, {
      json: {
        name: "held submit",
        method: "POST",
        path: "/transfer/v0.10/transfer",
        times: 1,
        action: { type: "delay", ms: HOLD_MS },
      },
    });
    heldRule = (added.body as { id: number }).id;
  }
  const cli = startCli(["run", ...options.args, "--json"], {
    ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    env: options.env,
  });
  cli.endStdin();
  const events: RunEventLine[] = [];
  let killed = false;
  let exited = false;
  let submitted = 0;
  const timers: NodeJS.Timeout[] = [];
  const kill = () => {
    if (exited || killed) return;
    killed = true;
    cli.child.kill("SIGKILL");
  };
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    cli.child.on("exit", (code, signal) => {
      exited = true;
      resolve({ code, signal });
    }),
  );
  let pending = "";
  cli.child.stdout.on("data", (chunk: string) => {
    pending += chunk;
    for (let end = pending.indexOf("\n"); end >= 0; end = pending.indexOf("\n")) {
      const line = pending.slice(0, end);
      pending = pending.slice(end + 1);
      let event: RunEventLine;
      try {
        event = JSON.parse(line) as RunEventLine;
      } catch {
        continue;
      }
      events.push(event);
      options.onEvent?.(event);
      if (point?.kind === "event" && events.length >= point.n) kill();
      if (event.type === "batch-submitted") {
        submitted++;
        if (point?.kind === "submitted" && submitted >= point.n) kill();
      }
      if (event.type === "run-started" && point?.kind === "running") {
        timers.push(setTimeout(kill, point.ms));
      }
    }
  });
  if (point?.kind === "startup") timers.push(setTimeout(kill, point.ms));
  if (point?.kind === "held-submit" && options.sandbox !== undefined) {
    const faultsUrl = `${options.sandbox.info.adminUrl}faults`;
    void (async () => {
      while (!exited && !killed) {
        const { faults } = (await http(faultsUrl)).body as {
          faults: { id: number; hits: number }[];
        };
        if ((faults.find((f) => f.id === heldRule)?.hits ?? 0) > 0) kill();
        else await sleep(10);
      }
    })();
  }
  const { signal } = await exit;
  const result = await cli.done;
  for (const timer of timers) clearTimeout(timer);
  if (heldRule !== undefined && options.sandbox !== undefined) {
    // Let the sandbox answer the held submit (to nobody) before the next attempt starts.
    if (killed) await sleep(HOLD_MS + 200);
    await http(`${options.sandbox.info.adminUrl}faults/${heldRule}`, { method: "DELETE" });
  }
  return {
    point,
    killed: killed && signal === "SIGKILL",
    code: result.code,
    events,
    stderr: result.stderr,
    ms: Date.now() - started,
  };
};

export interface KillResumeResult {
  readonly attempts: readonly Attempt[];
  /** Attempts ended by SIGKILL. */
  readonly kills: number;
  /** The attempt that ended by itself (the last one). */
  readonly final: Attempt;
}

/**
 * Runs the same command again and again, killing attempt `i` at `points[i]`, until an attempt
 * ends by itself (every kill point used, or the run finished first); then, if the last attempt
 * was killed, once more without a kill.
 */
export const killAndResume = async (
  options: { args: readonly string[]; env: Env; cwd?: string; sandbox: SandboxProcess },
  points: readonly KillPoint[],
  log: (attempt: Attempt, index: number) => void = () => {},
): Promise<KillResumeResult> => {
  const attempts: Attempt[] = [];
  for (const point of points) {
    const attempt = await runOnce(options, point);
    attempts.push(attempt);
    log(attempt, attempts.length - 1);
    if (!attempt.killed) break;
  }
  if (attempts.at(-1)?.killed !== false) {
    const attempt = await runOnce(options);
    attempts.push(attempt);
    log(attempt, attempts.length - 1);
  }
  return {
    attempts,
    kills: attempts.filter((a) => a.killed).length,
    final: attempts.at(-1) as Attempt,
  };
};

/** A one-line description of an attempt, for logs and failure messages. */
export const describeAttempt = (attempt: Attempt, index: number): string => {
  const point = attempt.point;
  const where =
    point === undefined
      ? "to the end"
      : point.kind === "startup" || point.kind === "running"
        ? `${point.kind} +${point.ms} ms`
        : point.kind === "held-submit"
          ? "held submit"
          : `${point.kind} #${point.n}`;
  const submitted = attempt.events.filter((e) => e.type === "batch-submitted");
  const duplicates = submitted.filter((e) => e.duplicate === true).length;
  const started = attempt.events.find((e) => e.type === "run-started");
  return `#${index} ${where}: ${attempt.killed ? "killed" : `exit ${attempt.code}`} after ${attempt.ms} ms, ${attempt.events.length} events, ${submitted.length} submitted (${duplicates} Duplicate)${started?.resumed === true ? ", resumed" : ""}`;
};
