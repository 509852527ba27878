/**
 * The files of a run besides its journal: where runs live (the state folder), how a run id is
 * made, `run.json` (what the run is: written once, atomically) and the plan fingerprint. The
 * journal service (`Journal.ts`) uses these; nothing here reads the clock or randomness itself.
 */
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, open, rename, rm } from "node:fs/promises";
import { homedir } from "node:os";
import { basename, dirname, join } from "node:path";
import type { InputValue } from "@transflow/core";
import type { RunLayout } from "./RunState.ts";

type Env = Readonly<Record<string, string | undefined>>;

const setValue = (env: Env, name: string): string | undefined => {
  const value = env[name]?.trim();
  return value === undefined || value === "" ? undefined : value;
};

/**
 * transflow's state folder: `$TRANSFLOW_HOME`, else `$XDG_STATE_HOME/transflow`, else
 * `~/.local/state/transflow`. Runs live in its `runs/` folder.
 */
export const stateDirectory = (env: Env): string => {
  const home = setValue(env, "TRANSFLOW_HOME");
  if (home !== undefined) return home;
  const xdg = setValue(env, "XDG_STATE_HOME");
  return join(xdg ?? join(setValue(env, "HOME") ?? homedir(), ".local", "state"), "transflow");
};

export const RUNS_FOLDER = "runs";
export const RUN_FILE = "run.json";
export const PLAN_FILE = "plan.json";
export const JOURNAL_FILE = "journal.jsonl";

/** The `format` of run.json. */
export const RUN_FORMAT = "transflow-run/1";

/** `<yyyymmddThhmmssZ>-<workflow>-<6 hex>`; the workflow part never holds `/` or starts with `.`. */
export const RUN_ID_PATTERN = /^\d{8}T\d{6}Z-[A-Za-z0-9_-][A-Za-z0-9._-]*-[0-9a-f]{6}$/;

/** The workflow name as it may appear in a run id (and so in a folder name). */
const slug = (name: string): string => {
  const cleaned = name
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .slice(0, 40)
    .replace(/^[-.]+|[-.]+$/g, "");
  return cleaned === "" ? "run" : cleaned;
};

/**
 * A run id: the UTC time to the second (so ids sort by age), the workflow's name, and 24 random
 * bits (`random` in [0, 2^24)) so two runs started in the same second differ.
 */
export const makeRunId = (nowMillis: number, workflowName: string, random: number): string => {
  const stamp = new Date(nowMillis)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${slug(workflowName)}-${random.toString(16).padStart(6, "0")}`;
};

/** What the caller tells the journal about a run besides its plan. Only these fields are stored. */
export interface RunMeta {
  /** What `transflow run` was given (the workflow file or a plan.json), as typed. */
  readonly invokedWith: string;
  /** The Globus environment (or Auth base URL) the run talks to; a resume must use the same. */
  readonly environment: string;
  readonly transflowVersion: string;
}

/** run.json: what a run is. Written once, before its first record. */
export interface RunInfo {
  readonly format: typeof RUN_FORMAT;
  readonly runId: string;
  /** ISO 8601, UTC, by Effect's Clock. */
  readonly createdAt: string;
  readonly workflow: {
    readonly name: string;
    readonly file: string;
    readonly fingerprint: string;
  };
  readonly inputs: Readonly<Record<string, InputValue>>;
  readonly plan: {
    /** {@link planFingerprint}: what work the plan asks for. */
    readonly fingerprint: string;
    /** `sha256:` and the SHA-256 of plan.json's bytes: the copy beside run.json is checked by it. */
    readonly sha256: string;
    /** The plan's own `createdAt`. */
    readonly createdAt: string;
  };
  readonly meta: RunMeta;
  /** The plan's steps and batch fingerprints, so the journal is checked without reading plan.json. */
  readonly layout: RunLayout;
}

/**
 * The plan fingerprint: `sha256:` and the SHA-256 of
 * `JSON.stringify(["transflow-run-plan/1", workflowFingerprint, [[stepId, action, [batch
 * fingerprints…]]…]])`. Two plans of one workflow that ask Globus for the same work have the same
 * one, whenever they were made (plan.json's own bytes differ by `createdAt`).
 */
export const planFingerprint = (workflowFingerprint: string, layout: RunLayout): string =>
  `sha256:${createHash("sha256")
    .update(
      JSON.stringify([
        "transflow-run-plan/1",
        workflowFingerprint,
        layout.steps.map((step) => [step.id, step.action, step.batches]),
      ]),
    )
    .digest("hex")}`;

/** Inputs as one comparable string: keys sorted, so declaration order does not matter. */
export const inputsKey = (inputs: Readonly<Record<string, InputValue>>): string =>
  JSON.stringify(
    Object.keys(inputs)
      .sort()
      .map((key) => [key, inputs[key]]),
  );

/** run.json's text. Fields are picked one by one, so nothing but what `RunInfo` lists is written. */
export const encodeRunInfo = (info: RunInfo): string =>
  `${JSON.stringify(
    {
      format: info.format,
      runId: info.runId,
      createdAt: info.createdAt,
      workflow: {
        name: info.workflow.name,
        file: info.workflow.file,
        fingerprint: info.workflow.fingerprint,
      },
      inputs: info.inputs,
      plan: {
        fingerprint: info.plan.fingerprint,
        sha256: info.plan.sha256,
        createdAt: info.plan.createdAt,
      },
      meta: {
        invokedWith: info.meta.invokedWith,
        environment: info.meta.environment,
        transflowVersion: info.meta.transflowVersion,
      },
      layout: {
        steps: info.layout.steps.map((step) => ({
          id: step.id,
          action: step.action,
          batches: step.batches,
        })),
      },
    },
    null,
    2,
  )}\n`;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

const strings = <K extends string>(
  value: unknown,
  keys: readonly K[],
): value is Record<K, string> & Record<string, unknown> =>
  isObject(value) && keys.every((key) => typeof value[key] === "string");

const ACTIONS: readonly string[] = ["transfer", "delete", "mkdir"];

/** The run.json `text` holds, or why it does not hold one. */
export const decodeRunInfo = (text: string): RunInfo | string => {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return "not JSON";
  }
  if (!isObject(json) || json.format !== RUN_FORMAT) {
    return `expected "format": "${RUN_FORMAT}"`;
  }
  if (!strings(json, ["runId", "createdAt"])) return "runId or createdAt missing";
  if (!strings(json.workflow, ["name", "file", "fingerprint"])) return "workflow is incomplete";
  if (!strings(json.plan, ["fingerprint", "sha256", "createdAt"])) return "plan is incomplete";
  if (!strings(json.meta, ["invokedWith", "environment", "transflowVersion"])) {
    return "meta is incomplete";
  }
  const inputs = json.inputs;
  if (
    !isObject(inputs) ||
    !Object.values(inputs).every((v) => ["string", "number", "boolean"].includes(typeof v))
  ) {
    return "inputs is not an object of strings, numbers and booleans";
  }
  const steps = isObject(json.layout) ? json.layout.steps : undefined;
  const layoutOk =
    Array.isArray(steps) &&
    steps.every(
      (step: unknown) =>
        strings(step, ["id", "action"]) &&
        ACTIONS.includes(step.action) &&
        Array.isArray(step.batches) &&
        step.batches.every((fingerprint: unknown) => typeof fingerprint === "string"),
    );
  if (!layoutOk) return "layout is incomplete";
  const { workflow, plan, meta } = json;
  return {
    format: RUN_FORMAT,
    runId: json.runId,
    createdAt: json.createdAt,
    workflow: { name: workflow.name, file: workflow.file, fingerprint: workflow.fingerprint },
    inputs: inputs as Record<string, InputValue>,
    plan: { fingerprint: plan.fingerprint, sha256: plan.sha256, createdAt: plan.createdAt },
    meta: {
      invokedWith: meta.invokedWith,
      environment: meta.environment,
      transflowVersion: meta.transflowVersion,
    },
    layout: { steps: steps as RunLayout["steps"] },
  };
};

/** Makes `dir` (and missing parents) with mode 0700; an existing folder is left as it is. */
export const ensurePrivateFolder = async (dir: string): Promise<void> => {
  await mkdir(dir, { recursive: true, mode: 0o700 });
};

/** fsyncs a folder, so a file created or renamed in it survives a crash. */
export const syncFolder = async (dir: string): Promise<void> => {
  // Some file systems cannot fsync a folder; the data itself is already synced then.
  const folder = await open(dir, "r").catch(() => undefined);
  await folder?.sync().catch(() => undefined);
  await folder?.close();
};

/**
 * Writes `text` (a string, or chunks of one) to `path` so that a reader sees all of it or no file:
 * a temporary file (0600) beside it, fsync, rename, fsync of the folder. Resolves to `sha256:` and
 * the SHA-256 of the bytes written.
 */
export const writeFileAtomically = async (
  path: string,
  text: string | Iterable<string>,
): Promise<string> => {
  const temporary = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const hash = createHash("sha256");
  const handle = await open(temporary, "wx", 0o600);
  try {
    for (const chunk of typeof text === "string" ? [text] : text) {
      const bytes = Buffer.from(chunk, "utf8");
      hash.update(bytes);
      let written = 0;
      while (written < bytes.length) {
        written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
      }
    }
    await handle.sync();
    await handle.close();
    await rename(temporary, path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temporary, { force: true });
    throw error;
  }
  await syncFolder(dirname(path));
  return `sha256:${hash.digest("hex")}`;
};

/** `sha256:` and the SHA-256 of a file's bytes, read a piece at a time. */
export const fileSha256 = async (path: string): Promise<string> => {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return `sha256:${hash.digest("hex")}`;
};
