// Shared by the engine tests: real temporary collections, a recorder for the engines' hooks, and
// a transfer job builder with Globus's defaults.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach } from "vitest";
import type {
  Counters,
  EngineEvent,
  FaultContext,
  SkippedErrorRecord,
  SuccessfulTransferRecord,
  TransferHooks,
  TransferJob,
} from "../../src/transfer/CopyEngine.ts";
import type { DeleteJob } from "../../src/transfer/DeleteEngine.ts";

const made: string[] = [];

/** A fresh directory, removed after the test. */
export const tempDir = async (prefix = "transflow-sandbox-"): Promise<string> => {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
};

afterEach(async () => {
  for (const dir of made.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** Writes a file, creating its folders. */
export const put = async (
  root: string,
  rel: string,
  content: string | Uint8Array,
): Promise<string> => {
  const path = join(root, rel);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, content);
  return path;
};

export const text = (root: string, rel: string): Promise<string> =>
  readFile(join(root, rel), "utf8");

/** Two collections, each rooted in its own temporary folder, home `/`. */
export const collections = async () => {
  const src = await tempDir("transflow-src-");
  const dst = await tempDir("transflow-dst-");
  return { src, dst, source: { root: src, home: "/" }, destination: { root: dst, home: "/" } };
};

/** What the engines reported, with counter deltas summed as a task document would. */
export interface Recorded {
  readonly events: EngineEvent[];
  readonly counters: Counters;
  readonly successful: SuccessfulTransferRecord[];
  readonly skipped: SkippedErrorRecord[];
  readonly faultCalls: FaultContext[];
}

export const zeroCounters = (): Counters => ({
  files: 0,
  directories: 0,
  symlinks: 0,
  files_skipped: 0,
  files_transferred: 0,
  bytes_transferred: 0,
  bytes_checksummed: 0,
  faults: 0,
  subtasks_total: 0,
  subtasks_pending: 0,
  subtasks_retrying: 0,
  subtasks_succeeded: 0,
  subtasks_failed: 0,
  subtasks_skipped_errors: 0,
});

/**
 * Hooks that record everything. `inject` decides each attempt's fault; `onEvent` sees each event
 * as it happens (tests use it to abort a run that would otherwise retry until a deadline).
 */
export const recorder = (
  options: {
    readonly inject?: (context: FaultContext) => string | undefined;
    readonly onEvent?: (event: EngineEvent) => void;
  } = {},
): { readonly hooks: TransferHooks; readonly recorded: Recorded } => {
  const recorded: Recorded = {
    events: [],
    counters: zeroCounters(),
    successful: [],
    skipped: [],
    faultCalls: [],
  };
  const inject = options.inject;
  const hooks: TransferHooks = {
    onEvent: (event) => {
      recorded.events.push(event);
      options.onEvent?.(event);
    },
    onCounters: (delta) => {
      for (const key of Object.keys(delta) as (keyof Counters)[]) {
        recorded.counters[key] += delta[key] ?? 0;
      }
    },
    onSuccessfulTransfer: (record) => {
      recorded.successful.push(record);
    },
    onSkippedError: (record) => {
      recorded.skipped.push(record);
    },
    ...(inject === undefined
      ? {}
      : {
          injectFault: (context: FaultContext) => {
            recorded.faultCalls.push(context);
            return inject(context);
          },
        }),
  };
  return { hooks, recorded };
};

/** A transfer job with Globus's defaults for every option the test does not set. */
export const transferJob = (
  base: Pick<TransferJob, "source" | "destination" | "items">,
  options: Partial<Omit<TransferJob, "source" | "destination" | "items">> = {},
): TransferJob => ({
  verifyChecksum: false,
  preserveTimestamp: false,
  deleteDestinationExtra: false,
  skipSourceErrors: false,
  failOnQuotaErrors: false,
  filterRules: [],
  retryDelayMs: 1,
  ...base,
  ...options,
});

/** An abort signal that never fires. */
export const never = (): AbortSignal => new AbortController().signal;

/** A delete job with Globus's defaults, for the delete engine tests. */
export const deleteJob = (
  root: string,
  paths: readonly string[],
  options: Partial<Omit<DeleteJob, "collection" | "items">> = {},
): DeleteJob => ({
  collection: { root, home: "/" },
  items: paths.map((path) => ({ path })),
  recursive: false,
  ignoreMissing: false,
  interpretGlobs: false,
  retryDelayMs: 1,
  ...options,
});
