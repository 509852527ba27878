/**
 * The file work of one transfer task: walks its items and copies, verifies, retries, skips and
 * mirrors as Globus does, reporting through hooks. No HTTP and no task bookkeeping (documents,
 * queueing, deadlines): the task manager owns those and ends a run through the abort signal.
 */
import { randomBytes } from "node:crypto";
import type { Dirent, Stats } from "node:fs";
import * as fs from "node:fs";
import { dirname, join, sep } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { promisify } from "node:util";
import {
  type CollectionRoot,
  errnoCode,
  isInsideRoot,
  resolveCollectionPath,
} from "../storage/CollectionFs.ts";
import {
  type ChecksumAlgorithm,
  checksumFile,
  createHasher,
  defaultChecksumAlgorithm,
  type Hasher,
  parseChecksumAlgorithm,
  sameChecksum,
} from "./Checksum.ts";
import { compileFilterRules, type FilterRule, type FilterRuleSet } from "./FilterRules.ts";

// The callback API, promisified, for every call made per file: on Node 20 it costs about half
// the main-thread time per call of `fs/promises` (measured copying 20,000 small files), and
// per-call overhead is what a tree of small files is made of.
const access = promisify(fs.access);
const close = promisify(fs.close);
const copyFile = promisify(fs.copyFile);
const fchmod = promisify(fs.fchmod);
const lstat = promisify(fs.lstat);
const mkdir = promisify(fs.mkdir);
const open = promisify(fs.open);
const read = promisify(fs.read);
const readdir = promisify(fs.readdir);
const realpath = promisify(fs.realpath.native);
const rename = promisify(fs.rename);
const rm = promisify(fs.rm);
const stat = promisify(fs.stat);
const unlink = promisify(fs.unlink);
const utimes = promisify(fs.utimes);
const write = promisify(fs.write);
const { constants } = fs;

// ---------------------------------------------------------------------------------------------
// What both engines share with the task manager: counters, events, hooks, outcomes.

/**
 * The task document counters an engine moves. Deltas are reported as work happens (batched, at
 * most every {@link COUNTER_FLUSH_MS}) so a task document's counters move while it runs.
 * @see globus-api.md §5.9
 */
export interface Counters {
  files: number;
  directories: number;
  symlinks: number;
  files_skipped: number;
  files_transferred: number;
  bytes_transferred: number;
  bytes_checksummed: number;
  faults: number;
  subtasks_total: number;
  subtasks_pending: number;
  subtasks_retrying: number;
  subtasks_succeeded: number;
  subtasks_failed: number;
  subtasks_skipped_errors: number;
}

/** One task event; `description` is the code's words in lower case, as Globus writes it. */
export interface EngineEvent {
  readonly code: string;
  readonly description: string;
  readonly details: string;
  readonly isError: boolean;
}

/** What a fault injector is told about the attempt it may fail. */
export interface FaultContext {
  /** Source path of a transfer attempt, or the path a delete attempt removes (Globus path). */
  readonly path: string;
  /** Destination path of a transfer attempt. */
  readonly destinationPath?: string;
  /** 0 for the first attempt at this path, then 1, 2, … */
  readonly attempt: number;
}

/** Hooks both engines call. Calls are synchronous and in order; a hook that throws is a defect. */
export interface EngineHooks {
  readonly onEvent: (event: EngineEvent) => void;
  readonly onCounters: (delta: Partial<Counters>) => void;
  /**
   * Called before each attempt at one file (transfer) or path (delete). An event code such as
   * `CONNECTION_RESET` makes that attempt a transient failure (event, fault, wait, retry);
   * `VERIFY_CHECKSUM` in a transfer with `verifyChecksum` copies the file and then reports a
   * checksum mismatch. The hook may abort the run's signal (e.g. consent lost).
   */
  readonly injectFault?: (context: FaultContext) => string | undefined;
}

/** A file a transfer actually copied (not a directory, not sync-skipped, not a skipped error). */
export type SuccessfulTransferRecord = {
  readonly source_path: string;
  readonly destination_path: string;
  readonly size: number;
};

/** A path skipped under `skip_source_errors`; the task manager adds `DATA_TYPE` and the time. */
export type SkippedErrorRecord = {
  readonly error_code: string;
  readonly error_details: string;
  readonly source_path: string;
  readonly destination_path: string;
  readonly is_directory: boolean;
  readonly is_symlink: boolean;
  readonly is_delete_destination_extra: boolean;
  readonly external_checksum: string | null;
  readonly checksum_algorithm: string | null;
};

export interface TransferHooks extends EngineHooks {
  readonly onSuccessfulTransfer: (record: SuccessfulTransferRecord) => void;
  readonly onSkippedError: (record: SkippedErrorRecord) => void;
}

/**
 * How a run ended. `aborted` means the signal stopped it (cancel, deadline, consent: the task
 * manager knows which); `failed` carries the task's `fatal_error`.
 */
export type TaskOutcome =
  | { readonly kind: "succeeded" }
  | {
      readonly kind: "failed";
      readonly fatal: { readonly code: string; readonly description: string };
    }
  | { readonly kind: "aborted" };
export type TransferOutcome = TaskOutcome;

/** Counter deltas are sent at most this often (and before every event and at the end). */
export const COUNTER_FLUSH_MS = 100;

/** `FILE_NOT_FOUND` → `file not found`, as Globus writes event descriptions. */
export const describeCode = (code: string): string => code.toLowerCase().replace(/_/g, " ");

/** Accumulates counter deltas and hands them to the hook in batches. */
export class CounterBatch {
  private readonly sink: (delta: Partial<Counters>) => void;
  private pending: Partial<Counters> = {};
  private dirty = false;
  private last = performance.now();

  constructor(sink: (delta: Partial<Counters>) => void) {
    this.sink = sink;
  }

  add(delta: Partial<Counters>): void {
    for (const name in delta) {
      const key = name as keyof Counters;
      this.pending[key] = (this.pending[key] ?? 0) + (delta[key] ?? 0);
    }
    this.dirty = true;
    if (performance.now() - this.last >= COUNTER_FLUSH_MS) this.flush();
  }

  flush(): void {
    if (!this.dirty) return;
    const delta = this.pending;
    this.pending = {};
    this.dirty = false;
    this.last = performance.now();
    this.sink(delta);
  }
}

/** Waits `ms`, or less if `signal` aborts; true when the wait ran to its end. */
export const abortableDelay = async (ms: number, signal: AbortSignal): Promise<boolean> => {
  if (signal.aborted) return false;
  if (ms <= 0) return true;
  try {
    await sleep(ms, undefined, { signal });
    return true;
  } catch {
    return false;
  }
};

/** The Globus event code for a local filesystem error. */
export const globusCodeOfErrno = (code: string | undefined): string => {
  switch (code) {
    case "ENOENT":
      return "FILE_NOT_FOUND";
    case "EACCES":
    case "EPERM":
    case "EROFS":
      return "PERMISSION_DENIED";
    case "ENOSPC":
      return "NO_SPACE_LEFT";
    case "EDQUOT":
      return "QUOTA_EXCEEDED";
    case "EISDIR":
      return "IS_A_DIRECTORY";
    case "ENOTDIR":
      return "NOT_A_DIRECTORY";
    case "ELOOP":
      return "INVALID_SYMLINK";
    case "ENAMETOOLONG":
      return "INVALID_PATH_NAME";
    default:
      return "UNKNOWN";
  }
};

/** An error's message without a stack, for event details. */
const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * One engine run's control: an inner signal that the outer one (task manager) and a fatal error
 * both abort, the counter batch, events, and the wait between attempts.
 */
export class TaskControl {
  readonly counters: CounterBatch;
  private readonly hooks: EngineHooks;
  private readonly outer: AbortSignal;
  private readonly inner = new AbortController();
  private readonly onOuterAbort = (): void => this.inner.abort();
  private fatal: { readonly code: string; readonly description: string } | undefined;

  constructor(hooks: EngineHooks, outer: AbortSignal) {
    this.hooks = hooks;
    this.outer = outer;
    this.counters = new CounterBatch(hooks.onCounters);
    if (outer.aborted) this.inner.abort();
    else outer.addEventListener("abort", this.onOuterAbort, { once: true });
  }

  /** Aborted by the task manager or by a fatal error: start nothing new. */
  get signal(): AbortSignal {
    return this.inner.signal;
  }

  get stopped(): boolean {
    return this.inner.signal.aborted;
  }

  event(code: string, details: string, isError: boolean): void {
    this.counters.flush();
    this.hooks.onEvent({ code, description: describeCode(code), details, isError });
  }

  /** Records the first fatal error (with its event) and stops the run; later ones are dropped. */
  fail(code: string, details: string): void {
    if (this.stopped) return;
    this.fatal = { code, description: describeCode(code) };
    this.event(code, details, true);
    this.inner.abort();
  }

  /**
   * A transient failure of one pending subtask: error event, one more fault, then a wait during
   * which the subtask counts as retrying. False when the run stopped meanwhile.
   */
  async retryAfter(code: string, details: string, delayMs: number): Promise<boolean> {
    this.counters.add({ faults: 1, subtasks_pending: -1, subtasks_retrying: 1 });
    this.event(code, details, true);
    const waited = await abortableDelay(delayMs, this.signal);
    this.counters.add({ subtasks_pending: 1, subtasks_retrying: -1 });
    return waited && !this.stopped;
  }

  /** Ends the run: last counters out, listener removed, outcome decided. */
  finish(): TaskOutcome {
    this.outer.removeEventListener("abort", this.onOuterAbort);
    this.counters.flush();
    if (this.fatal !== undefined) return { kind: "failed", fatal: this.fatal };
    return this.outer.aborted ? { kind: "aborted" } : { kind: "succeeded" };
  }
}

/**
 * Runs work items on `concurrency` workers; work may push more work. Stops taking work once
 * `stopped()` says so; a defect (an exception from `run`) stops the rest and is rethrown.
 */
export class WorkQueue<W> {
  private readonly run: (work: W) => Promise<void>;
  private readonly stopped: () => boolean;
  private readonly pending: W[] = [];
  private readonly waiting: (() => void)[] = [];
  private active = 0;
  private defect: { readonly error: unknown } | undefined;

  constructor(run: (work: W) => Promise<void>, stopped: () => boolean) {
    this.run = run;
    this.stopped = stopped;
  }

  push(work: W): void {
    this.pending.push(work);
    this.waiting.shift()?.();
  }

  /** Wakes idle workers so they notice a stop. */
  wake(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  async drain(concurrency: number): Promise<void> {
    const workers = Array.from({ length: Math.max(1, concurrency) }, () => this.worker());
    await Promise.all(workers);
    if (this.defect !== undefined) throw this.defect.error;
  }

  private async worker(): Promise<void> {
    for (;;) {
      if (this.stopped() || this.defect !== undefined) return this.wake();
      // Last in, first out: a walk goes depth first, so the queue stays small on deep trees.
      const work = this.pending.pop();
      if (work === undefined) {
        if (this.active === 0) return this.wake();
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        continue;
      }
      this.active++;
      try {
        await this.run(work);
      } catch (error) {
        this.defect ??= { error };
      } finally {
        this.active--;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Failures of one attempt and what the run does with them.

/**
 * Why one attempt failed. `source`: a source path is missing or unreadable (skippable under
 * skip_source_errors; FILE_NOT_FOUND and INVALID_SYMLINK are otherwise fatal, PERMISSION_DENIED
 * retried). `extra`: a mirror deletion failed (skippable, else retried). `quota`: fatal with
 * fail_on_quota_errors, else retried. `transient`: retried after the delay (`immediate`: at once).
 */
export type AttemptFailure = {
  readonly kind: "source" | "extra" | "quota" | "transient" | "fatal";
  readonly code: string;
  readonly message: string;
  readonly immediate?: boolean;
};

type Step<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: AttemptFailure };

const ok = <T>(value: T): Step<T> => ({ ok: true, value });
const failed = (
  kind: AttemptFailure["kind"],
  code: string,
  message: string,
): { readonly ok: false; readonly failure: AttemptFailure } => ({
  ok: false,
  failure: { kind, code, message },
});

/** What stopped an attempt that noticed the run was stopping; never reported. */
const STOPPED = failed("transient", "CANCELED", "the run is stopping");

/** A source-side `fs` error: missing and unreadable paths are source errors, others transient. */
const sourceFailure = (error: unknown, what: string): Step<never> => {
  const errno = errnoCode(error);
  if (errno === undefined) throw error;
  const code = globusCodeOfErrno(errno === "ENOTDIR" ? "ENOENT" : errno);
  const kind =
    code === "FILE_NOT_FOUND" || code === "PERMISSION_DENIED" || code === "INVALID_SYMLINK";
  return failed(kind ? "source" : "transient", code, `${what}: ${messageOf(error)}`);
};

/** A destination-side `fs` error: type conflicts are fatal, quota is quota, the rest transient. */
const destinationFailure = (error: unknown, what: string): Step<never> => {
  const errno = errnoCode(error);
  if (errno === undefined) throw error;
  const code = globusCodeOfErrno(errno);
  const kind =
    code === "QUOTA_EXCEEDED"
      ? "quota"
      : code === "IS_A_DIRECTORY" || code === "NOT_A_DIRECTORY" || code === "INVALID_PATH_NAME"
        ? "fatal"
        : "transient";
  return failed(kind, code, `${what}: ${messageOf(error)}`);
};

// ---------------------------------------------------------------------------------------------
// The transfer job.

/** A collection as a transfer sees it. */
export interface TransferCollection extends CollectionRoot {
  /** Bytes the collection may hold; only the destination's is enforced. Absent: unlimited. */
  readonly quotaBytes?: number;
}

/** One `transfer_item`. @see globus-api.md §5.6 */
export interface TransferJobItem {
  readonly sourcePath: string;
  readonly destinationPath: string;
  /** true: copy a directory's contents; false: the source must be a file; absent: detect. */
  readonly recursive?: boolean;
  /** Expected checksum of a source file (hex, any case). */
  readonly externalChecksum?: string;
  /** Overrides the job's algorithm for this item. */
  readonly checksumAlgorithm?: string;
}

/** A transfer task's file work, with the documented defaults already applied. */
export interface TransferJob {
  readonly source: TransferCollection;
  readonly destination: TransferCollection;
  readonly items: readonly TransferJobItem[];
  /** 0 exists, 1 size, 2 mtime (copy when the source is newer), 3 checksum; absent: always copy. */
  readonly syncLevel?: 0 | 1 | 2 | 3;
  readonly verifyChecksum: boolean;
  readonly preserveTimestamp: boolean;
  readonly deleteDestinationExtra: boolean;
  readonly skipSourceErrors: boolean;
  readonly failOnQuotaErrors: boolean;
  readonly filterRules: readonly FilterRule[];
  /** For verify_checksum, sync_level 3 and external checksums. @default "MD5" */
  readonly checksumAlgorithm?: string;
  /** Wait between attempts after a transient failure. */
  readonly retryDelayMs: number;
  /** Files worked on at once. @default 32 */
  readonly concurrency?: number;
}

/** Files worked on at once unless the job says otherwise: enough to keep libuv's pool busy. */
export const DEFAULT_CONCURRENCY = 32;

/**
 * A checksum mismatch after copying re-sends the file at once this many times in a row; later
 * mismatches wait `retryDelayMs` like any transient fault. Every mismatch is a fault.
 */
export const QUICK_RESENDS = 3;

const STREAM_CHUNK_BYTES = 1024 * 1024;

/** What a listing says is at a destination name. */
type Kind = "absent" | "file" | "dir" | "symlink" | "other";

const kindOfDirent = (d: Dirent): Kind =>
  d.isFile() ? "file" : d.isDirectory() ? "dir" : d.isSymbolicLink() ? "symlink" : "other";

const kindOfStats = (s: Stats): Kind =>
  s.isFile() ? "file" : s.isDirectory() ? "dir" : s.isSymbolicLink() ? "symlink" : "other";

const childPath = (parent: string, name: string): string =>
  parent === "/" ? `/${name}` : `${parent}/${name}`;

/**
 * A listed name under a local folder. Both are already normal, so this skips `path.join`'s
 * normalising pass, which showed up in profiles of large trees.
 */
const childLocal = (parent: string, name: string): string =>
  parent.endsWith(sep) ? parent + name : parent + sep + name;

/** What one item resolved to; shared by every work unit under it. */
interface ItemContext {
  readonly algorithm: ChecksumAlgorithm;
  readonly externalChecksum: string | undefined;
  readonly srcRealRoot: string;
  readonly dstRealRoot: string;
  readonly dstRoot: CollectionRoot;
}

/** The paths of one unit of work, for events and skipped-error records. */
interface Subject {
  readonly srcPath: string;
  readonly dstPath: string;
  readonly isDirectory: boolean;
  readonly isSymlink: boolean;
  readonly isDeleteDestinationExtra: boolean;
}

interface FileWork extends Subject {
  readonly kind: "file";
  readonly item: ItemContext;
  readonly src: string;
  readonly dst: string;
  readonly dstKind: Kind;
  /** Known when the caller already stat-ed the source (item roots, followed links). */
  readonly srcStats: Stats | undefined;
  /**
   * The item's own path, not one met in a walk: its destination folders may be missing (they are
   * created), and a directory in its way is never replaced, even in mirror mode.
   */
  readonly isItemRoot: boolean;
}

interface DirWork extends Subject {
  readonly kind: "dir";
  readonly item: ItemContext;
  readonly src: string;
  readonly dst: string;
  readonly dstKind: Kind;
  /** Real paths of the item root and of every followed directory symlink above: loop check. */
  readonly chain: readonly string[];
  /** The item's own path: folders above it are created; a file in its way is never replaced. */
  readonly isItemRoot: boolean;
}

interface LinkWork extends Subject {
  readonly kind: "link";
  readonly item: ItemContext;
  readonly name: string;
  readonly src: string;
  readonly dst: string;
  readonly dstKind: Kind;
  readonly chain: readonly string[];
}

interface ExtraWork extends Subject {
  readonly kind: "extra";
  readonly dst: string;
}

interface ItemWork {
  readonly kind: "item";
  readonly index: number;
}

type Work = ItemWork | DirWork | FileWork | LinkWork | ExtraWork;

type Settled<T> =
  | { readonly kind: "ok"; readonly value: T }
  | { readonly kind: "skipped" | "stopped" };

/** Bytes in regular files under `dir`, symlinks not followed; unreadable parts count as empty. */
const diskUsage = async (dir: string): Promise<number> => {
  let entries: Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  const sizes = await Promise.all(
    entries.map(async (entry) => {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) return diskUsage(path);
      if (!entry.isFile()) return 0;
      try {
        return (await lstat(path)).size;
      } catch {
        return 0;
      }
    }),
  );
  return sizes.reduce((a, b) => a + b, 0);
};

/**
 * The destination's quota: usage is measured by walking its root once, then tracked as copies
 * reserve and commit bytes. When a reservation would exceed the quota the root is measured
 * again, so space freed meanwhile (by the user, another task) lets a retried copy through.
 */
class QuotaMeter {
  private readonly limit: number;
  private readonly root: string;
  private base: Promise<number> | undefined;
  private committed = 0;
  private inFlight = 0;

  constructor(limit: number, root: string) {
    this.limit = limit;
    this.root = root;
  }

  async reserve(bytes: number): Promise<boolean> {
    if (bytes <= 0) {
      this.inFlight += bytes;
      return true;
    }
    this.base ??= diskUsage(this.root);
    if ((await this.base) + this.committed + this.inFlight + bytes > this.limit) {
      const fresh = diskUsage(this.root);
      this.base = fresh;
      // Files committed so far are on disk now, so the fresh measure holds them.
      this.committed = 0;
      if ((await fresh) + this.inFlight + bytes > this.limit) return false;
    }
    this.inFlight += bytes;
    return true;
  }

  commit(bytes: number): void {
    this.inFlight -= bytes;
    this.committed += bytes;
  }

  release(bytes: number): void {
    this.inFlight -= bytes;
  }
}

/** Removes a temporary file; it may never have been created. */
const discard = async (path: string): Promise<void> => {
  try {
    await unlink(path);
  } catch {
    // nothing to clean up
  }
};

const exists = async (path: string, mode: number): Promise<boolean> => {
  try {
    await access(path, mode);
    return true;
  } catch {
    return false;
  }
};

type StreamResult =
  | { readonly ok: true; readonly bytes: number; readonly readBack: string | undefined }
  | { readonly ok: false; readonly side: "source" | "destination"; readonly error: unknown }
  | { readonly ok: false; readonly side: "stopped" };

const writeAll = async (fd: number, buffer: Buffer, length: number): Promise<void> => {
  let offset = 0;
  while (offset < length) {
    const { bytesWritten } = await write(fd, buffer, offset, length - offset, null);
    offset += bytesWritten;
  }
};

/**
 * Copies `src` into a new file `tmp`, feeding every byte read to `hasher`; with `readBack`, then
 * reads the written file back through the same descriptor and returns that checksum too. `size`
 * (from stat) only sizes the buffers, so a small file does not cost two fresh megabytes.
 */
const streamCopy = async (
  src: string,
  tmp: string,
  stats: Stats,
  hasher: Hasher,
  readBack: ChecksumAlgorithm | undefined,
  signal: AbortSignal,
): Promise<StreamResult> => {
  let input: number;
  try {
    input = await open(src, "r");
  } catch (error) {
    return { ok: false, side: "source", error };
  }
  let output: number | undefined;
  // A read still running when we return early must finish before its descriptor is closed.
  let next: Promise<{ bytesRead: number }> | undefined;
  try {
    try {
      output = await open(tmp, "wx+", stats.mode & 0o777);
    } catch (error) {
      return { ok: false, side: "destination", error };
    }
    // Two buffers: the next chunk is read while the current one is hashed and written.
    const chunk = Math.min(STREAM_CHUNK_BYTES, stats.size + 1);
    let current = Buffer.allocUnsafe(chunk);
    let spare = Buffer.allocUnsafe(chunk);
    let bytes = 0;
    next = read(input, current, 0, chunk, null);
    for (;;) {
      let count: number;
      try {
        count = (await next).bytesRead;
      } catch (error) {
        next = undefined;
        return { ok: false, side: "source", error };
      }
      next = undefined;
      if (count === 0) break;
      if (signal.aborted) return { ok: false, side: "stopped" };
      next = read(input, spare, 0, chunk, null);
      hasher.update(current.subarray(0, count));
      try {
        await writeAll(output, current, count);
      } catch (error) {
        return { ok: false, side: "destination", error };
      }
      bytes += count;
      [current, spare] = [spare, current];
    }
    try {
      // open() applied the umask; the copy gets the source's permission bits, as copyFile does.
      await fchmod(output, stats.mode & 0o7777);
    } catch (error) {
      return { ok: false, side: "destination", error };
    }
    if (readBack === undefined) return { ok: true, bytes, readBack: undefined };
    const again = createHasher(readBack);
    for (let position = 0; ; ) {
      if (signal.aborted) return { ok: false, side: "stopped" };
      let count: number;
      try {
        count = (await read(output, current, 0, chunk, position)).bytesRead;
      } catch (error) {
        return { ok: false, side: "destination", error };
      }
      if (count === 0) break;
      again.update(current.subarray(0, count));
      position += count;
    }
    return { ok: true, bytes, readBack: again.digest() };
  } finally {
    await next?.catch(() => undefined);
    await close(input).catch(() => undefined);
    if (output !== undefined) await close(output).catch(() => undefined);
  }
};

/** One transfer task's run; see {@link runTransfer}. */
class TransferRun {
  private readonly job: TransferJob;
  private readonly hooks: TransferHooks;
  private readonly control: TaskControl;
  private readonly filters: FilterRuleSet;
  private readonly queue: WorkQueue<Work>;
  private readonly quota: QuotaMeter | undefined;
  private skipped = 0;

  constructor(job: TransferJob, hooks: TransferHooks, signal: AbortSignal) {
    this.job = job;
    this.hooks = hooks;
    this.control = new TaskControl(hooks, signal);
    this.filters = compileFilterRules(job.filterRules);
    this.queue = new WorkQueue(
      (work) => this.perform(work),
      () => this.control.stopped,
    );
    this.control.signal.addEventListener("abort", () => this.queue.wake(), { once: true });
    const limit = job.destination.quotaBytes;
    this.quota = limit === undefined ? undefined : new QuotaMeter(limit, job.destination.root);
  }

  async run(): Promise<TaskOutcome> {
    for (const item of this.job.items) {
      const name = item.checksumAlgorithm ?? this.job.checksumAlgorithm ?? defaultChecksumAlgorithm;
      if (parseChecksumAlgorithm(name) === undefined) {
        // A server should refuse such a request; an engine given one fails before copying.
        this.control.fail(
          "UNSUPPORTED_CHECKSUM_ALGORITHM",
          `unsupported checksum algorithm '${name}'`,
        );
        return this.control.finish();
      }
    }
    for (let index = this.job.items.length - 1; index >= 0; index--) {
      this.queue.push({ kind: "item", index });
    }
    let defect: { readonly error: unknown } | undefined;
    try {
      await this.queue.drain(this.job.concurrency ?? DEFAULT_CONCURRENCY);
    } catch (error) {
      defect = { error };
    }
    // One summary event rather than one per path: the paths are in skipped_errors.
    if (this.skipped > 0) {
      this.control.event(
        "SKIPPED_ERRORS",
        `${this.skipped} path(s) with skippable errors were skipped; see skipped_errors`,
        false,
      );
    }
    const outcome = this.control.finish();
    if (defect !== undefined) throw defect.error;
    return outcome;
  }

  private perform(work: Work): Promise<void> {
    switch (work.kind) {
      case "item":
        return this.runItem(work.index);
      case "dir":
        return this.runDir(work);
      case "file":
        return this.runFile(work);
      case "link":
        return this.runLink(work);
      case "extra":
        return this.runExtra(work);
    }
  }

  // --- subtasks and the attempt loop ---

  private startSubtasks(n: number): void {
    if (n > 0) this.control.counters.add({ subtasks_total: n, subtasks_pending: n });
  }

  private succeeded(): void {
    this.control.counters.add({ subtasks_pending: -1, subtasks_succeeded: 1 });
  }

  /**
   * Runs `attempt` until it succeeds, is skipped, fails fatally or the run stops. Each transient
   * failure is an error event and a fault, followed by a wait of `retryDelayMs`.
   */
  private async settle<T>(
    subject: Subject,
    attempt: (n: number) => Promise<Step<T>>,
    item?: ItemContext,
  ): Promise<Settled<T>> {
    for (let n = 0; ; n++) {
      if (this.control.stopped) return { kind: "stopped" };
      const step = await attempt(n);
      if (step.ok) return { kind: "ok", value: step.value };
      if (this.control.stopped) return { kind: "stopped" };
      const { failure } = step;
      const details = `${failure.message}\nsource: ${subject.srcPath}\ndestination: ${subject.dstPath}`;
      const skippable =
        this.job.skipSourceErrors && (failure.kind === "source" || failure.kind === "extra");
      if (skippable) {
        this.skip(subject, failure, item);
        return { kind: "skipped" };
      }
      const fatal =
        failure.kind === "fatal" ||
        (failure.kind === "quota" && this.job.failOnQuotaErrors) ||
        (failure.kind === "source" && failure.code !== "PERMISSION_DENIED");
      if (fatal) {
        this.control.counters.add({ subtasks_pending: -1, subtasks_failed: 1 });
        this.control.fail(failure.code, details);
        return { kind: "stopped" };
      }
      const delay = failure.immediate === true ? 0 : this.job.retryDelayMs;
      if (!(await this.control.retryAfter(failure.code, details, delay)))
        return { kind: "stopped" };
    }
  }

  private skip(subject: Subject, failure: AttemptFailure, item: ItemContext | undefined): void {
    this.skipped++;
    this.control.counters.add({ subtasks_pending: -1, subtasks_skipped_errors: 1 });
    const external = subject.isDirectory ? undefined : item?.externalChecksum;
    this.hooks.onSkippedError({
      error_code: failure.code,
      error_details: failure.message,
      source_path: subject.srcPath,
      destination_path: subject.dstPath,
      is_directory: subject.isDirectory,
      is_symlink: subject.isSymlink,
      is_delete_destination_extra: subject.isDeleteDestinationExtra,
      external_checksum: external ?? null,
      checksum_algorithm: external === undefined || item === undefined ? null : item.algorithm,
    });
  }

  // --- items ---

  private async runItem(index: number): Promise<void> {
    const item = this.job.items[index];
    if (item === undefined) return;
    this.startSubtasks(1);
    const subject: Subject = {
      srcPath: item.sourcePath,
      dstPath: item.destinationPath,
      isDirectory: item.recursive === true,
      isSymlink: false,
      isDeleteDestinationExtra: false,
    };
    const algorithm =
      parseChecksumAlgorithm(
        item.checksumAlgorithm ?? this.job.checksumAlgorithm ?? defaultChecksumAlgorithm,
      ) ?? defaultChecksumAlgorithm;
    const settled = await this.settle(subject, async () => {
      const src = await resolveCollectionPath(this.job.source, item.sourcePath);
      if (!src.ok) {
        return src.reason === "invalid"
          ? failed("fatal", "INVALID_PATH_NAME", `invalid source path '${item.sourcePath}'`)
          : failed("source", "PERMISSION_DENIED", "the source path leads outside the collection");
      }
      let stats: Stats;
      let isSymlink: boolean;
      let real: string;
      try {
        isSymlink = (await lstat(src.local)).isSymbolicLink();
        stats = await stat(src.local);
        real = await realpath(src.local);
      } catch (error) {
        return sourceFailure(error, "cannot read the source");
      }
      const isDir = stats.isDirectory();
      if (isDir && item.recursive === false) {
        return failed(
          "fatal",
          "IS_A_DIRECTORY",
          "the source is a directory but recursive is false",
        );
      }
      if (!isDir && item.recursive === true) {
        return failed(
          "fatal",
          "NOT_A_DIRECTORY",
          "recursive is true but the source is not a directory",
        );
      }
      if (!isDir && !stats.isFile()) {
        return failed("fatal", "NOT_A_FILE", "the source is neither a file nor a directory");
      }
      if (isDir && item.externalChecksum !== undefined) {
        return failed("fatal", "IS_A_DIRECTORY", "external_checksum applies to files only");
      }
      // A destination folder may be a symlink inside the collection; a file is never written
      // through one (the link is replaced), so only the parents are checked for files.
      const dst = await resolveCollectionPath(this.job.destination, item.destinationPath, {
        followSymlink: isDir,
      });
      if (!dst.ok) {
        return dst.reason === "invalid"
          ? failed(
              "fatal",
              "INVALID_PATH_NAME",
              `invalid destination path '${item.destinationPath}'`,
            )
          : failed(
              "transient",
              "PERMISSION_DENIED",
              "the destination path leads outside the collection",
            );
      }
      let dstKind: Kind;
      try {
        dstKind = kindOfStats(await lstat(dst.local));
      } catch (error) {
        const errno = errnoCode(error);
        if (errno !== "ENOENT") {
          return destinationFailure(error, "cannot inspect the destination");
        }
        dstKind = "absent";
      }
      return ok({ src, dst, stats, isSymlink, real, isDir, dstKind });
    });
    if (settled.kind !== "ok") return;
    const { src, dst, stats, isSymlink, real, isDir, dstKind } = settled.value;
    const context: ItemContext = {
      algorithm,
      externalChecksum: item.externalChecksum,
      srcRealRoot: src.realRoot,
      dstRealRoot: dst.realRoot,
      dstRoot: this.job.destination,
    };
    const paths = {
      srcPath: src.globusPath,
      dstPath: dst.globusPath,
      isSymlink,
      isDeleteDestinationExtra: false,
      src: src.local,
      dst: dst.local,
      dstKind,
      item: context,
    };
    this.control.counters.add(isDir ? { directories: 1 } : { files: 1 });
    if (isSymlink) this.control.counters.add({ symlinks: 1 });
    if (isDir) {
      await this.runDir({
        kind: "dir",
        ...paths,
        isDirectory: true,
        chain: [real],
        isItemRoot: true,
      });
    } else {
      await this.runFile({
        kind: "file",
        ...paths,
        isDirectory: false,
        srcStats: stats,
        isItemRoot: true,
      });
    }
  }

  // --- directories ---

  /**
   * Makes the destination folder (replacing a file in its way only in mirror mode), lists both
   * sides once, then queues the children and the mirror deletions. The source is listed first
   * so an unreadable source changes nothing at the destination.
   */
  private async runDir(work: DirWork): Promise<void> {
    const settled = await this.settle(
      work,
      async (n) => {
        let entries: Dirent[];
        try {
          entries = await readdir(work.src, { withFileTypes: true });
        } catch (error) {
          return sourceFailure(error, "cannot list the source directory");
        }
        let kind = work.dstKind;
        if (n > 0) {
          try {
            kind = kindOfStats(await lstat(work.dst));
          } catch (error) {
            if (errnoCode(error) !== "ENOENT")
              return destinationFailure(error, "cannot inspect the destination");
            kind = "absent";
          }
        }
        const made = await this.destinationDirectory(work, kind);
        if (!made.ok) return made;
        let existing: Map<string, Kind> | undefined;
        if (made.value === "existing") {
          try {
            const listed = await readdir(work.dst, { withFileTypes: true });
            existing = new Map(listed.map((d) => [d.name, kindOfDirent(d)]));
          } catch (error) {
            return destinationFailure(error, "cannot list the destination directory");
          }
        }
        return ok({ entries, existing });
      },
      work.item,
    );
    if (settled.kind === "skipped" && this.job.deleteDestinationExtra) {
      this.control.event(
        "DELETE_DESTINATION_EXTRA_SKIPPED",
        `destination extras under ${work.dstPath} were kept: the source directory was skipped`,
        false,
      );
    }
    if (settled.kind !== "ok") return;
    this.succeeded();
    const { entries, existing } = settled.value;
    this.queueChildren(work, entries, existing);
  }

  /** Ensures the destination folder of a directory exists: "created" or "existing". */
  private async destinationDirectory(
    work: DirWork,
    kind: Kind,
  ): Promise<Step<"created" | "existing">> {
    // Mirror mode replaces an entry of the wrong type inside the tree, never the item's own
    // destination: that is the user's target, and deleting it is not what mirroring asked for.
    const mirror = this.job.deleteDestinationExtra && !work.isItemRoot;
    const replace = async (): Promise<Step<"created">> => {
      try {
        await rm(work.dst, { recursive: true, force: true });
        await mkdir(work.dst);
        return ok("created");
      } catch (error) {
        return destinationFailure(error, "cannot replace the destination with a directory");
      }
    };
    switch (kind) {
      case "absent":
        try {
          await mkdir(work.dst, { recursive: work.isItemRoot });
          return ok("created");
        } catch (error) {
          return destinationFailure(error, "cannot create the destination directory");
        }
      case "dir":
        return ok("existing");
      case "symlink": {
        let target: Stats | undefined;
        try {
          const real = await realpath(work.dst);
          if (!isInsideRoot(work.item.dstRealRoot, real)) {
            return failed(
              "transient",
              "PERMISSION_DENIED",
              "a destination symlink leads outside the collection",
            );
          }
          target = await stat(real);
        } catch {
          target = undefined;
        }
        if (target?.isDirectory() === true) return ok("existing");
        if (mirror) return replace();
        return failed("fatal", "NOT_A_DIRECTORY", "the destination is a symlink, not a directory");
      }
      case "file":
      case "other":
        if (mirror) return replace();
        return failed("fatal", "NOT_A_DIRECTORY", "the destination exists and is not a directory");
    }
  }

  private queueChildren(
    work: DirWork,
    entries: readonly Dirent[],
    existing: ReadonlyMap<string, Kind> | undefined,
  ): void {
    const files: FileWork[] = [];
    const dirs: DirWork[] = [];
    const links: LinkWork[] = [];
    const names = new Set<string>();
    for (const entry of entries) {
      const name = entry.name;
      names.add(name);
      const common = {
        item: work.item,
        src: childLocal(work.src, name),
        dst: childLocal(work.dst, name),
        srcPath: childPath(work.srcPath, name),
        dstPath: childPath(work.dstPath, name),
        dstKind: existing?.get(name) ?? "absent",
        isDeleteDestinationExtra: false,
      };
      if (entry.isFile()) {
        if (!this.filters.includes(name, "file")) continue;
        files.push({
          kind: "file",
          ...common,
          isDirectory: false,
          isSymlink: false,
          srcStats: undefined,
          isItemRoot: false,
        });
      } else if (entry.isDirectory()) {
        if (!this.filters.includes(name, "dir")) continue;
        dirs.push({
          kind: "dir",
          ...common,
          isDirectory: true,
          isSymlink: false,
          chain: work.chain,
          isItemRoot: false,
        });
      } else if (entry.isSymbolicLink()) {
        // Excluded whatever it points to: no need to resolve it.
        if (!this.filters.includes(name, "file") && !this.filters.includes(name, "dir")) continue;
        links.push({
          kind: "link",
          ...common,
          name,
          isDirectory: false,
          isSymlink: true,
          chain: work.chain,
        });
      }
      // Sockets, FIFOs and devices are not data: skipped without a trace (reading a FIFO blocks).
    }
    const extras: ExtraWork[] = [];
    if (this.job.deleteDestinationExtra && existing !== undefined) {
      for (const [name, kind] of existing) {
        if (names.has(name)) continue;
        // Entries the filter rules exclude are left alone: they are outside what this transfer
        // mirrors, and deleting them would make a filtered sync destroy data it never looked at.
        if (!this.filters.includes(name, kind === "dir" ? "dir" : "file")) continue;
        extras.push({
          kind: "extra",
          dst: childLocal(work.dst, name),
          srcPath: childPath(work.srcPath, name),
          dstPath: childPath(work.dstPath, name),
          isDirectory: kind === "dir",
          isSymlink: kind === "symlink",
          isDeleteDestinationExtra: true,
        });
      }
    }
    this.control.counters.add({ files: files.length, directories: dirs.length });
    this.startSubtasks(files.length + dirs.length + links.length + extras.length);
    // Last in, first out: files of this folder are copied before its subfolders are walked.
    for (const w of extras) this.queue.push(w);
    for (const w of dirs) this.queue.push(w);
    for (const w of links) this.queue.push(w);
    for (const w of files) this.queue.push(w);
  }

  // --- symlinks met while walking ---

  /**
   * Follows a source symlink: it must lead inside the source collection (else PERMISSION_DENIED)
   * and to something that exists (else FILE_NOT_FOUND); a directory link back onto the walk's
   * own path is INVALID_SYMLINK. Then it is copied as what it points to.
   */
  private async runLink(work: LinkWork): Promise<void> {
    const settled = await this.settle(
      work,
      async () => {
        let real: string;
        let target: Stats;
        try {
          real = await realpath(work.src);
          target = await stat(real);
        } catch (error) {
          if (!this.filters.includes(work.name, "file")) return ok(undefined);
          const errno = errnoCode(error);
          return errno === "ENOENT"
            ? failed("source", "FILE_NOT_FOUND", "the source is a dangling symlink")
            : sourceFailure(error, "cannot follow the source symlink");
        }
        if (!isInsideRoot(work.item.srcRealRoot, real)) {
          if (!this.filters.includes(work.name, "file")) return ok(undefined);
          return failed(
            "source",
            "PERMISSION_DENIED",
            "the source symlink leads outside the collection",
          );
        }
        const kind = target.isDirectory() ? "dir" : target.isFile() ? "file" : undefined;
        if (kind === undefined || !this.filters.includes(work.name, kind)) return ok(undefined);
        if (kind === "dir" && work.chain.some((x) => x === real || x.startsWith(real + sep))) {
          return failed(
            "source",
            "INVALID_SYMLINK",
            "the source symlink loops back onto its own directory",
          );
        }
        return ok({ real, target, kind });
      },
      work.item,
    );
    if (settled.kind !== "ok") return;
    const resolved = settled.value;
    if (resolved === undefined) {
      // Filtered out once its type was known: it never was a subtask.
      this.control.counters.add({ subtasks_total: -1, subtasks_pending: -1 });
      return;
    }
    const { real, target, kind } = resolved;
    this.control.counters.add(
      kind === "dir" ? { directories: 1, symlinks: 1 } : { files: 1, symlinks: 1 },
    );
    const { name: _name, chain, ...rest } = work;
    if (kind === "dir") {
      await this.runDir({
        ...rest,
        kind: "dir",
        isDirectory: true,
        chain: [...chain, real],
        isItemRoot: false,
      });
    } else {
      await this.runFile({ ...rest, kind: "file", srcStats: target, isItemRoot: false });
    }
  }

  // --- mirror deletions ---

  private async runExtra(work: ExtraWork): Promise<void> {
    const settled = await this.settle(work, async () => {
      try {
        await rm(work.dst, { recursive: true, force: true });
        return ok(undefined);
      } catch (error) {
        const errno = errnoCode(error);
        if (errno === undefined) throw error;
        return failed(
          "extra",
          globusCodeOfErrno(errno),
          `cannot delete a destination extra: ${messageOf(error)}`,
        );
      }
    });
    if (settled.kind === "ok") this.succeeded();
  }

  // --- files ---

  private async runFile(work: FileWork): Promise<void> {
    const state = { verifyFailures: 0 };
    const settled = await this.settle(work, (n) => this.copyOnce(work, n, state), work.item);
    if (settled.kind !== "ok") return;
    this.succeeded();
    if (settled.value === "copied") this.control.counters.add({ files_transferred: 1 });
  }

  /** Makes sure a file's destination folder exists, inside the collection. */
  private async ensureParent(work: FileWork): Promise<Step<undefined>> {
    const parentPath = work.dstPath.slice(0, work.dstPath.lastIndexOf("/")) || "/";
    const parent = await resolveCollectionPath(work.item.dstRoot, parentPath);
    if (!parent.ok) {
      return parent.reason === "invalid"
        ? failed("fatal", "INVALID_PATH_NAME", `invalid destination path '${parentPath}'`)
        : failed(
            "transient",
            "PERMISSION_DENIED",
            "the destination path leads outside the collection",
          );
    }
    try {
      await mkdir(parent.local, { recursive: true });
      return ok(undefined);
    } catch (error) {
      // mkdir -p over an existing file says EEXIST or ENOTDIR: either way a file is in the way.
      const errno = errnoCode(error);
      if (errno === "EEXIST" || errno === "ENOTDIR") {
        return failed("fatal", "NOT_A_DIRECTORY", "a destination folder exists as a file");
      }
      return destinationFailure(error, "cannot create the destination folder");
    }
  }

  /** One attempt at one file: "copied", "skipped" (sync level says it is up to date). */
  private async copyOnce(
    work: FileWork,
    n: number,
    state: { verifyFailures: number },
  ): Promise<Step<"copied" | "skipped">> {
    const injected = this.hooks.injectFault?.({
      path: work.srcPath,
      destinationPath: work.dstPath,
      attempt: n,
    });
    if (this.control.stopped) return STOPPED;
    const simulateMismatch = injected === "VERIFY_CHECKSUM" && this.job.verifyChecksum;
    if (injected !== undefined && !simulateMismatch) {
      return failed("transient", injected, "injected fault");
    }
    let src: Stats;
    if (n === 0 && work.srcStats !== undefined) {
      src = work.srcStats;
    } else {
      try {
        src = await stat(work.src);
      } catch (error) {
        return sourceFailure(error, "cannot read the source file");
      }
    }
    if (!src.isFile()) {
      return failed(
        "fatal",
        src.isDirectory() ? "IS_A_DIRECTORY" : "NOT_A_FILE",
        "the source is no longer a file",
      );
    }
    if (n > 0 || work.isItemRoot) {
      const parent = await this.ensureParent(work);
      if (!parent.ok) return parent;
    }
    // What is at the destination: the listing's word on a first attempt (no stat per file on
    // a fresh tree), a fresh lstat when sizes or times matter or on a retry.
    let kind = work.dstKind;
    let dstStats: Stats | undefined;
    const needStats = this.job.syncLevel !== undefined || this.quota !== undefined;
    if (n > 0 || work.isItemRoot || (needStats && kind === "file")) {
      try {
        dstStats = await lstat(work.dst);
        kind = kindOfStats(dstStats);
      } catch (error) {
        if (errnoCode(error) !== "ENOENT")
          return destinationFailure(error, "cannot inspect the destination");
        kind = "absent";
        dstStats = undefined;
      }
    }
    if (kind === "dir") {
      if (!this.job.deleteDestinationExtra || work.isItemRoot) {
        return failed("fatal", "IS_A_DIRECTORY", "the destination is a directory");
      }
      try {
        await rm(work.dst, { recursive: true, force: true });
      } catch (error) {
        return destinationFailure(error, "cannot replace the destination directory");
      }
      kind = "absent";
      dstStats = undefined;
    }
    if (this.job.syncLevel !== undefined && kind === "file" && dstStats !== undefined) {
      const current = await this.upToDate(work, src, dstStats);
      if (!current.ok) return current;
      if (current.value) {
        this.control.counters.add({ files_skipped: 1 });
        return ok("skipped");
      }
    }
    const delta = src.size - (kind === "file" && dstStats !== undefined ? dstStats.size : 0);
    if (this.quota !== undefined && !(await this.quota.reserve(delta))) {
      return failed(
        "quota",
        "QUOTA_EXCEEDED",
        `copying ${src.size} bytes would exceed the destination quota`,
      );
    }
    const copied =
      this.job.verifyChecksum || work.item.externalChecksum !== undefined
        ? await this.copyChecked(work, src, state, simulateMismatch)
        : await this.copyPlain(work, src, kind);
    if (!copied.ok) {
      this.quota?.release(delta);
      return copied;
    }
    this.quota?.commit(delta);
    this.hooks.onSuccessfulTransfer({
      source_path: work.srcPath,
      destination_path: work.dstPath,
      size: copied.value,
    });
    return ok("copied");
  }

  /** Whether sync_level says the destination file is already current. */
  private async upToDate(work: FileWork, src: Stats, dst: Stats): Promise<Step<boolean>> {
    switch (this.job.syncLevel) {
      case 0:
        return ok(true);
      case 1:
        return ok(src.size === dst.size);
      case 2:
        // Whole seconds, as GridFTP's MDTM reports them: a copy made with preserve_timestamp
        // is current even where the filesystem keeps finer times than the copy could set.
        return ok(Math.floor(src.mtimeMs / 1000) <= Math.floor(dst.mtimeMs / 1000));
      case 3: {
        if (src.size !== dst.size) return ok(false);
        const algorithm = work.item.algorithm;
        let a: string;
        let b: string;
        try {
          a = (await checksumFile(work.src, algorithm, this.control.signal, src.size)).checksum;
        } catch (error) {
          if (this.control.stopped) return STOPPED;
          return sourceFailure(error, "cannot checksum the source file");
        }
        try {
          b = (await checksumFile(work.dst, algorithm, this.control.signal, dst.size)).checksum;
        } catch (error) {
          if (this.control.stopped) return STOPPED;
          return destinationFailure(error, "cannot checksum the destination file");
        }
        this.control.counters.add({ bytes_checksummed: src.size + dst.size });
        return ok(a === b);
      }
      default:
        return ok(false);
    }
  }

  /** Tells a failed copyFile's side apart: copyFile's errors do not say which path failed. */
  private async copyFileFailure(work: FileWork, error: unknown): Promise<Step<never>> {
    const errno = errnoCode(error);
    if (errno === "ENOENT" && !(await exists(work.src, constants.F_OK))) {
      return sourceFailure(error, "cannot read the source file");
    }
    if ((errno === "EACCES" || errno === "EPERM") && !(await exists(work.src, constants.R_OK))) {
      return sourceFailure(error, "cannot read the source file");
    }
    return destinationFailure(error, "cannot write the destination file");
  }

  /**
   * The fast path: the kernel copies (a reflink where the filesystem can, else
   * copy_file_range/sendfile), as `cp` does. A symlink or special file in the way is removed
   * first so a write never goes through a link; a new file is created exclusively so one that
   * appeared since the listing is noticed.
   */
  private async copyPlain(work: FileWork, src: Stats, kind: Kind): Promise<Step<number>> {
    if (kind === "symlink" || kind === "other") {
      try {
        await unlink(work.dst);
      } catch (error) {
        if (errnoCode(error) !== "ENOENT")
          return destinationFailure(error, "cannot replace the destination");
      }
    }
    const exclusive = kind !== "file";
    try {
      await copyFile(
        work.src,
        work.dst,
        constants.COPYFILE_FICLONE | (exclusive ? constants.COPYFILE_EXCL : 0),
      );
    } catch (error) {
      if (exclusive && errnoCode(error) === "EEXIST") {
        // Something appeared since the listing: look again and copy over it the safe way.
        let now: Kind;
        try {
          now = kindOfStats(await lstat(work.dst));
        } catch {
          now = "absent";
        }
        if (now === "dir")
          return failed("fatal", "IS_A_DIRECTORY", "the destination is a directory");
        if (now !== "absent") return this.copyPlain(work, src, now === "file" ? "file" : "symlink");
      }
      return this.copyFileFailure(work, error);
    }
    this.control.counters.add({ bytes_transferred: src.size });
    if (this.job.preserveTimestamp) {
      try {
        await utimes(work.dst, src.atimeMs / 1000, src.mtimeMs / 1000);
      } catch (error) {
        return destinationFailure(error, "cannot set the destination's modification time");
      }
    }
    return ok(src.size);
  }

  /**
   * The checked path: the source is hashed while it is copied into a temporary file next to the
   * destination, compared with the external checksum, and (verify_checksum) with a re-read of the
   * copy. Only a good copy is renamed into place, so a mismatch or a stop never leaves a half
   * file or clobbers the previous one.
   */
  private async copyChecked(
    work: FileWork,
    src: Stats,
    state: { verifyFailures: number },
    simulateMismatch: boolean,
  ): Promise<Step<number>> {
    const algorithm = work.item.algorithm;
    const tmp = join(dirname(work.dst), `.transflow-${randomBytes(6).toString("hex")}.part`);
    const hasher = createHasher(algorithm);
    const verify = this.job.verifyChecksum ? algorithm : undefined;
    const copied = await streamCopy(work.src, tmp, src, hasher, verify, this.control.signal);
    if (!copied.ok) {
      await discard(tmp);
      if (copied.side === "stopped") return STOPPED;
      return copied.side === "source"
        ? sourceFailure(copied.error, "cannot read the source file")
        : destinationFailure(copied.error, "cannot write the destination file");
    }
    const { bytes, readBack } = copied;
    this.control.counters.add({
      bytes_transferred: bytes,
      bytes_checksummed: readBack === undefined ? bytes : 2 * bytes,
    });
    const digest = hasher.digest();
    const external = work.item.externalChecksum;
    if (external !== undefined && !sameChecksum(external, digest)) {
      await discard(tmp);
      return failed(
        "fatal",
        "EXTERNAL_CHECKSUM_MISMATCH",
        `${algorithm} of the source is ${digest}, the external checksum is ${external.trim()}`,
      );
    }
    if (readBack !== undefined && (simulateMismatch || readBack !== digest)) {
      await discard(tmp);
      state.verifyFailures++;
      return {
        ok: false,
        failure: {
          kind: "transient",
          code: "VERIFY_CHECKSUM",
          message: `${algorithm} of the copy is ${simulateMismatch ? "(injected mismatch)" : readBack}, the source's is ${digest}`,
          immediate: state.verifyFailures <= QUICK_RESENDS,
        },
      };
    }
    try {
      if (this.job.preserveTimestamp) await utimes(tmp, src.atimeMs / 1000, src.mtimeMs / 1000);
      // rename replaces a file or a symlink itself, never a link's target.
      await rename(tmp, work.dst);
    } catch (error) {
      await discard(tmp);
      return destinationFailure(error, "cannot move the copy into place");
    }
    return ok(bytes);
  }
}

/**
 * Runs a transfer task's items until done, fatally failed, or `signal` aborts (cancel, deadline:
 * the caller knows which). Copies only inside the collections' roots: paths and symlinks leading
 * out are PERMISSION_DENIED. Rejects only on defects, never for a file problem.
 *
 * @see globus-api.md §5.6 (options), §5.9–5.10 (counters, events, records), §5.13 (behaviour)
 */
export const runTransfer = (
  job: TransferJob,
  hooks: TransferHooks,
  signal: AbortSignal,
): Promise<TransferOutcome> => new TransferRun(job, hooks, signal).run();
