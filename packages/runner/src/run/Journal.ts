/**
 * The durable state of a run: one folder per run under `<state>/runs/<run id>/` holding run.json
 * (what the run is), plan.json (the exact plan it executes) and journal.jsonl (what happened, one
 * checksummed record per line, each fsync'd before `append` resolves). A batch's submission id is
 * appended before its submit request, so a retry or a resumed run reuses it (at most once per
 * batch). One process drives a run at a time (`RunLock.ts`). Format: docs/journal-format.md.
 */
import { createHash } from "node:crypto";
import { type FileHandle, mkdir, open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { InputValue, Plan } from "@transflow/core";
import {
  Clock,
  Config,
  Context,
  Data,
  Effect,
  Layer,
  Option,
  Random,
  Record,
  type Scope,
} from "effect";
import { decodeLine, decodeRecord, encodeLine, parseJournal } from "./JournalLines.ts";
import {
  decodeRunInfo,
  encodeRunInfo,
  ensurePrivateFolder,
  fileSha256,
  inputsKey,
  JOURNAL_FILE,
  makeRunId,
  PLAN_FILE,
  planFingerprint,
  RUN_FILE,
  RUN_FORMAT,
  RUN_ID_PATTERN,
  RUNS_FOLDER,
  type RunInfo,
  type RunMeta,
  stateDirectory,
  syncFolder,
  writeFileAtomically,
} from "./RunFiles.ts";
import { acquireRunLock, type HeldRunLock, LOCK_FOLDER } from "./RunLock.ts";
import {
  type JournalEntry,
  type JournalRecord,
  type JournalRunOutcome,
  type RunCounts,
  type RunState,
  RunStateBuilder,
  runCounts,
  runLayout,
} from "./RunState.ts";

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * A run's files say something that cannot be trusted: a bad journal line (not the torn last one),
 * a checksum mismatch, a record that contradicts the plan, or a changed run.json or plan.json.
 */
export class JournalCorruptError extends Data.TaggedError("JournalCorruptError")<{
  readonly file: string;
  /** 1-based; absent for a whole-file problem (run.json, plan.json). */
  readonly line?: number;
  readonly reason: string;
}> {
  override get message(): string {
    const at = this.line === undefined ? this.file : `${this.file}:${this.line}`;
    return (
      `${at}: ${this.reason}. transflow will not guess what this run submitted: look at the ` +
      "file (a backup may have the line intact), or start a new run with `transflow run --fresh`, " +
      "which may submit again batches this run already submitted."
    );
  }
}

/** A run's files could not be created, read or written. */
export class JournalIoError extends Data.TaggedError("JournalIoError")<{
  readonly path: string;
  readonly action: "create" | "read" | "write" | "lock";
  readonly detail: string;
}> {
  override get message(): string {
    return `Could not ${this.action} ${this.path}: ${this.detail}`;
  }
}

/** No run has this id in the state folder. */
export class RunNotFoundError extends Data.TaggedError("RunNotFoundError")<{
  readonly runId: string;
  readonly location: string;
}> {
  override get message(): string {
    return `No run ${JSON.stringify(this.runId)} in ${this.location}: \`transflow runs\` lists the runs.`;
  }
}

/** Another process (or another fiber of this one) drives the run, or took it from this one. */
export class RunLockedError extends Data.TaggedError("RunLockedError")<{
  readonly runId: string;
  /** The holder's pid and host, when its lock file says. */
  readonly pid: number | undefined;
  readonly hostname: string | undefined;
  /** True when this process held the lock and lost it (it went stale and was taken over). */
  readonly lost: boolean;
}> {
  override get message(): string {
    const holder =
      this.pid === undefined
        ? "another transflow process"
        : `transflow process ${this.pid}${this.hostname === undefined ? "" : ` on ${this.hostname}`}`;
    return this.lost
      ? `Run ${this.runId} was taken over by ${holder} while this one ran; stopped writing to it. Follow it with \`transflow status ${this.runId}\`.`
      : `Run ${this.runId} is being driven by ${holder}. See it with \`transflow status ${this.runId}\`, and run again once that process has ended.`;
  }
}

export type JournalError = JournalCorruptError | JournalIoError | RunNotFoundError | RunLockedError;

// ---------------------------------------------------------------------------------------------
// Shapes

/** Something reading a run found and set aside: a torn last line (a crash mid-append). */
export interface JournalWarning {
  readonly file: string;
  readonly line: number;
  readonly reason: string;
}

/** A run this process holds (its lock included) until the scope it was opened in closes. */
export interface RunHandle {
  readonly runId: string;
  /** The run's folder (`(memory)/<id>` in memory). */
  readonly dir: string;
  /** The run's own copy of the plan: a resume executes exactly this. */
  readonly planFile: string;
  readonly info: RunInfo;
  /** What opening set aside (a torn last line, cut off the file before any new append). */
  readonly warnings: readonly JournalWarning[];
}

/** A run read without taking it: for `transflow status`. */
export interface RunSnapshot {
  readonly info: RunInfo;
  readonly state: RunState;
  readonly warnings: readonly JournalWarning[];
}

/** One line of `transflow runs`. */
export interface RunSummary {
  readonly runId: string;
  readonly createdAt: string;
  readonly workflow: RunInfo["workflow"];
  readonly inputs: RunInfo["inputs"];
  readonly environment: string;
  readonly planFingerprint: string;
  readonly outcome: JournalRunOutcome | "unfinished";
  readonly counts: RunCounts;
}

/** A run `list` found but cannot read: run.json or the journal is corrupt. */
export interface UnreadableRun {
  readonly runId: string;
  readonly outcome: "unreadable";
  /** The error's message: which file (and line), and why. */
  readonly problem: string;
}

export interface JournalShape {
  /** Where runs live (a folder, or `(memory)`), for messages. */
  readonly location: string;
  /**
   * Starts a run of `plan`: a new run id (Clock + Random), the folder (0700), plan.json (exactly
   * `planJson`: the text, or its chunks), an empty journal, then run.json; holds the run's lock
   * until the scope closes. `planJson` must be the canonical plan.json of `plan`.
   */
  readonly create: (
    plan: Plan,
    planJson: string | Iterable<string>,
    meta: RunMeta,
  ) => Effect.Effect<RunHandle, JournalError, Scope.Scope>;
  /** Takes an existing run to drive it further (a resume): its lock, and its replayed journal. */
  readonly open: (runId: string) => Effect.Effect<RunHandle, JournalError, Scope.Scope>;
  /** Reads a run without taking its lock. */
  readonly inspect: (runId: string) => Effect.Effect<RunSnapshot, JournalError>;
  /**
   * The run to resume for this workflow and inputs: the newest run of them (and of
   * `environment`, when given), if it has no `run-done`. A newer finished run (say, after
   * `--fresh`) means there is nothing to resume, however many older runs were left unfinished.
   */
  readonly findUnfinished: (
    workflowFingerprint: string,
    inputs: Readonly<Record<string, InputValue>>,
    options?: { readonly environment?: string },
  ) => Effect.Effect<Option.Option<RunSummary>, JournalError>;
  /** Every run, newest first; one whose files are corrupt is listed as unreadable. */
  readonly list: () => Effect.Effect<readonly (RunSummary | UnreadableRun)[], JournalError>;
  /**
   * Appends `entry`, stamped with the time, and resolves once it is on disk (write + fdatasync).
   * A `task-status` equal to the batch's last one is not written. An entry that contradicts the
   * plan or the journal (see `replayJournal`) is a bug in the caller: a defect, and not written.
   */
  readonly append: (handle: RunHandle, entry: JournalEntry) => Effect.Effect<void, JournalError>;
  /** The run's state now: every record folded in. */
  readonly state: (handle: RunHandle) => Effect.Effect<RunState>;
}

// ---------------------------------------------------------------------------------------------
// Shared between the layers

/** An open run: the fold so far, and how to make a line durable. */
interface Session {
  readonly builder: RunStateBuilder;
  readonly permit: Effect.Semaphore;
  readonly write: (line: string) => Effect.Effect<void, JournalError>;
  readonly lost: () => Error | undefined;
}

const nowIso = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis).toISOString());

const sha256Text = (text: string | Iterable<string>): string => {
  const hash = createHash("sha256");
  for (const chunk of typeof text === "string" ? [text] : text) hash.update(chunk, "utf8");
  return `sha256:${hash.digest("hex")}`;
};

const newRunInfo = (
  runId: string,
  createdAt: string,
  plan: Plan,
  planSha256: string,
  meta: RunMeta,
): RunInfo => {
  const layout = runLayout(plan);
  return {
    format: RUN_FORMAT,
    runId,
    createdAt,
    workflow: {
      name: plan.workflow.name,
      file: plan.workflow.file,
      fingerprint: plan.workflow.fingerprint,
    },
    inputs: plan.inputs,
    plan: {
      fingerprint: planFingerprint(plan.workflow.fingerprint, layout),
      sha256: planSha256,
      createdAt: plan.createdAt,
    },
    // Picked field by field: meta is an allowlist, whatever else the object carries.
    meta: {
      invokedWith: meta.invokedWith,
      environment: meta.environment,
      transflowVersion: meta.transflowVersion,
    },
    layout,
  };
};

const newRunId = (plan: Plan) =>
  Effect.zipWith(Clock.currentTimeMillis, Random.nextIntBetween(0, 0x1000000), (now, random) => ({
    runId: makeRunId(now, plan.workflow.name, random),
    createdAt: new Date(now).toISOString(),
  }));

const appendTo = (
  handle: RunHandle,
  session: Session,
  entry: JournalEntry,
): Effect.Effect<void, JournalError> =>
  session.permit.withPermits(1)(
    Effect.gen(function* () {
      if (session.lost() !== undefined) {
        return yield* new RunLockedError({
          runId: handle.runId,
          pid: undefined,
          hostname: undefined,
          lost: true,
        });
      }
      const record = decodeRecord({ ...entry, v: 1, t: yield* nowIso });
      if (typeof record === "string") {
        return yield* Effect.dieMessage(`Journal.append(${entry.type}): ${record}`);
      }
      if (session.builder.isRepeat(record)) return;
      const problem = session.builder.check(record);
      if (problem !== undefined) {
        return yield* Effect.dieMessage(`Journal.append(${entry.type}) refused: ${problem}`);
      }
      // Not cut short by an interrupt: a line on disk that the fold never saw would let a
      // second, different submission id through on the next append for that batch.
      yield* Effect.uninterruptible(
        Effect.tap(session.write(encodeLine(record)), () => session.builder.apply(record)),
      );
    }),
  );

/** Replays `records` (with their line numbers) over `info`'s layout, or names the bad line. */
const replay = (
  info: RunInfo,
  file: string,
  records: readonly JournalRecord[],
  lines: readonly number[],
): Effect.Effect<RunStateBuilder, JournalCorruptError> => {
  const builder = new RunStateBuilder(info.layout);
  for (const [index, record] of records.entries()) {
    const reason = builder.check(record);
    if (reason !== undefined) {
      return Effect.fail(
        new JournalCorruptError({ file, line: lines[index] ?? index + 1, reason }),
      );
    }
    builder.apply(record);
  }
  return Effect.succeed(builder);
};

const summaryOf = (info: RunInfo, state: RunState): RunSummary => ({
  runId: info.runId,
  createdAt: info.createdAt,
  workflow: info.workflow,
  inputs: info.inputs,
  environment: info.meta.environment,
  planFingerprint: info.plan.fingerprint,
  outcome: state.outcome,
  counts: runCounts(state),
});

const newestFirst = (a: RunInfo, b: RunInfo): number =>
  a.createdAt === b.createdAt
    ? b.runId.localeCompare(a.runId)
    : b.createdAt.localeCompare(a.createdAt);

/** The newest run of the workflow, inputs (and environment), if unfinished. */
const findUnfinishedIn = (
  infos: readonly RunInfo[],
  workflowFingerprint: string,
  inputs: Readonly<Record<string, InputValue>>,
  environment: string | undefined,
  stateOf: (info: RunInfo) => Effect.Effect<RunState, JournalError>,
): Effect.Effect<Option.Option<RunSummary>, JournalError> => {
  const key = inputsKey(inputs);
  const newest = infos
    .filter(
      (info) =>
        info.workflow.fingerprint === workflowFingerprint &&
        inputsKey(info.inputs) === key &&
        (environment === undefined || info.meta.environment === environment),
    )
    .sort(newestFirst)[0];
  if (newest === undefined) return Effect.succeedNone;
  return Effect.map(stateOf(newest), (state) =>
    state.outcome === "unfinished" ? Option.some(summaryOf(newest, state)) : Option.none(),
  );
};

const notOpen = (handle: RunHandle) =>
  Effect.dieMessage(`Journal: run ${handle.runId} is not open here (its scope closed?)`);

/** `append` and `state` over the runs this process has open (both layers keep them alike). */
const sessionAccess = (
  sessions: ReadonlyMap<string, Session>,
): Pick<JournalShape, "append" | "state"> => ({
  append: (handle, entry) => {
    const session = sessions.get(handle.runId);
    return session === undefined ? notOpen(handle) : appendTo(handle, session, entry);
  },
  state: (handle) => {
    const session = sessions.get(handle.runId);
    return session === undefined ? notOpen(handle) : Effect.sync(() => session.builder.snapshot());
  },
});

// ---------------------------------------------------------------------------------------------
// Files

const errorText = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

const isMissing = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | undefined)?.code === "ENOENT";

const isJournalError = (error: unknown): error is JournalError =>
  error instanceof JournalCorruptError ||
  error instanceof JournalIoError ||
  error instanceof RunNotFoundError ||
  error instanceof RunLockedError;

/** `run` as an Effect: our errors pass through, anything else becomes a `JournalIoError`. */
const io = <A>(
  path: string,
  action: JournalIoError["action"],
  run: () => Promise<A>,
): Effect.Effect<A, JournalError> =>
  Effect.tryPromise({
    try: run,
    catch: (error) =>
      isJournalError(error)
        ? error
        : new JournalIoError({ path, action, detail: errorText(error) }),
  });

/** Writes all of `bytes` at the end of the file `handle` was opened on for appending. */
const writeAll = async (handle: FileHandle, bytes: Uint8Array): Promise<void> => {
  let written = 0;
  while (written < bytes.length) {
    written += (await handle.write(bytes, written, bytes.length - written)).bytesWritten;
  }
};

const makeFileJournal = (stateDir: string): Effect.Effect<JournalShape> =>
  Effect.sync(() => {
    const runsDir = join(stateDir, RUNS_FOLDER);
    const runDir = (runId: string) => join(runsDir, runId);
    const sessions = new Map<string, Session>();

    const readInfo = (runId: string): Effect.Effect<RunInfo, JournalError> => {
      // The id becomes a path: anything but a run id's shape is no run of ours.
      if (!RUN_ID_PATTERN.test(runId)) {
        return Effect.fail(new RunNotFoundError({ runId, location: runsDir }));
      }
      const file = join(runDir(runId), RUN_FILE);
      return Effect.flatMap(
        io(file, "read", async () => {
          try {
            return await readFile(file, "utf8");
          } catch (error) {
            if (isMissing(error)) throw new RunNotFoundError({ runId, location: runsDir });
            throw error;
          }
        }),
        (text) => {
          const info = decodeRunInfo(text);
          if (typeof info === "string") {
            return Effect.fail(new JournalCorruptError({ file, reason: info }));
          }
          return info.runId === runId
            ? Effect.succeed(info)
            : Effect.fail(new JournalCorruptError({ file, reason: `it names run ${info.runId}` }));
        },
      );
    };

    /** The run's journal, replayed; `validBytes` < `size` when a torn last line must go. */
    const readJournal = (info: RunInfo) =>
      Effect.gen(function* () {
        const file = join(runDir(info.runId), JOURNAL_FILE);
        const bytes = yield* io(file, "read", () => readFile(file));
        const parsed = parseJournal(bytes);
        if ("corrupt" in parsed) {
          return yield* new JournalCorruptError({ file, ...parsed.corrupt });
        }
        const builder = yield* replay(info, file, parsed.records, parsed.lines);
        const warnings: JournalWarning[] =
          parsed.torn === undefined ? [] : [{ file, ...parsed.torn }];
        return { builder, warnings, validBytes: parsed.validBytes, size: bytes.length };
      });

    /** Takes the run's lock until the scope closes, or fails saying who holds it. */
    const takeLock = (runId: string): Effect.Effect<HeldRunLock, JournalError, Scope.Scope> =>
      Effect.gen(function* () {
        const dir = runDir(runId);
        const since = yield* nowIso;
        const attempt = yield* Effect.acquireRelease(
          io(join(dir, LOCK_FOLDER), "lock", () => acquireRunLock(dir, since)),
          (attempt) =>
            "held" in attempt ? Effect.promise(() => attempt.held.release()) : Effect.void,
        );
        if ("lockedBy" in attempt) {
          return yield* new RunLockedError({
            runId,
            pid: attempt.lockedBy.pid,
            hostname: attempt.lockedBy.hostname,
            lost: false,
          });
        }
        return attempt.held;
      });

    /** An append handle on the run's journal until the scope closes (the lock already held). */
    const startSession = (
      runId: string,
      lock: HeldRunLock,
      builder: RunStateBuilder,
    ): Effect.Effect<void, JournalError, Scope.Scope> =>
      Effect.gen(function* () {
        const file = join(runDir(runId), JOURNAL_FILE);
        const handle = yield* Effect.acquireRelease(
          io(file, "write", () => open(file, "a")),
          (h) => Effect.promise(() => h.close().catch(() => undefined)),
        );
        let size = (yield* io(file, "read", () => handle.stat())).size;
        let broken: string | undefined;
        const write = (line: string) =>
          io(file, "write", async () => {
            if (broken !== undefined) throw new Error(`an earlier append failed: ${broken}`);
            const bytes = Buffer.from(line, "utf8");
            try {
              await writeAll(handle, bytes);
              await handle.datasync();
            } catch (error) {
              // Cut a half-written line off, so the next append starts on a line of its own.
              await handle.truncate(size).catch(() => {
                broken = errorText(error);
              });
              throw error;
            }
            size += bytes.length;
          });
        const permit = yield* Effect.makeSemaphore(1);
        sessions.set(runId, { builder, permit, write, lost: lock.lost });
        yield* Effect.addFinalizer(() => Effect.sync(() => sessions.delete(runId)));
      });

    const handleOf = (info: RunInfo, warnings: readonly JournalWarning[]): RunHandle => ({
      runId: info.runId,
      dir: runDir(info.runId),
      planFile: join(runDir(info.runId), PLAN_FILE),
      info,
      warnings,
    });

    /** A new, empty run folder (0700) under a fresh run id. */
    const makeRunFolder = (plan: Plan) =>
      Effect.gen(function* () {
        yield* io(runsDir, "create", () => ensurePrivateFolder(runsDir));
        // A clash needs two runs of one workflow in one second drawing the same 24 bits.
        for (let tries = 1; ; tries += 1) {
          const made = yield* newRunId(plan);
          const fresh = yield* io(runDir(made.runId), "create", async () => {
            try {
              await mkdir(runDir(made.runId), { mode: 0o700 });
              return true;
            } catch (error) {
              if ((error as NodeJS.ErrnoException).code === "EEXIST" && tries < 5) return false;
              throw error;
            }
          });
          if (fresh) return made;
        }
      });

    const create = Effect.fn("Journal.create")(function* (
      plan: Plan,
      planJson: string | Iterable<string>,
      meta: RunMeta,
    ) {
      const { runId, createdAt } = yield* makeRunFolder(plan);
      const dir = runDir(runId);
      const lock = yield* takeLock(runId);
      const info = yield* io(dir, "create", async () => {
        const planSha256 = await writeFileAtomically(join(dir, PLAN_FILE), planJson);
        const journal = await open(join(dir, JOURNAL_FILE), "wx", 0o600);
        await journal.sync();
        await journal.close();
        const info = newRunInfo(runId, createdAt, plan, planSha256, meta);
        // run.json last: a folder without it is a run whose creation never finished.
        await writeFileAtomically(join(dir, RUN_FILE), encodeRunInfo(info));
        await syncFolder(runsDir);
        return info;
      });
      yield* startSession(runId, lock, new RunStateBuilder(info.layout));
      return handleOf(info, []);
    });

    const openRun = Effect.fn("Journal.open")(function* (runId: string) {
      const info = yield* readInfo(runId);
      const lock = yield* takeLock(runId);
      const planFile = join(runDir(runId), PLAN_FILE);
      const planSha256 = yield* io(planFile, "read", () => fileSha256(planFile));
      if (planSha256 !== info.plan.sha256) {
        return yield* new JournalCorruptError({
          file: planFile,
          reason: `its SHA-256 is ${planSha256}, not the ${info.plan.sha256} in run.json: it changed after the run started`,
        });
      }
      const read = yield* readJournal(info);
      if (read.validBytes < read.size) {
        // The torn bytes were never acknowledged; the next record must start on a line of its own.
        const file = join(runDir(runId), JOURNAL_FILE);
        yield* io(file, "write", async () => {
          const handle = await open(file, "r+");
          try {
            await handle.truncate(read.validBytes);
            await handle.sync();
          } finally {
            await handle.close();
          }
        });
      }
      yield* startSession(runId, lock, read.builder);
      return handleOf(info, read.warnings);
    });

    const inspect = Effect.fn("Journal.inspect")(function* (runId: string) {
      const info = yield* readInfo(runId);
      const read = yield* readJournal(info);
      return { info, state: read.builder.snapshot(), warnings: read.warnings };
    });

    /** run.json of every run whose creation finished (or the error reading it), by run id. */
    const readAll = Effect.gen(function* () {
      const names = yield* io(runsDir, "read", async () => {
        try {
          return await readdir(runsDir);
        } catch (error) {
          if (isMissing(error)) return [];
          throw error;
        }
      });
      const out: { readonly runId: string; readonly info: RunInfo | JournalError }[] = [];
      for (const runId of names.filter((name) => RUN_ID_PATTERN.test(name)).sort()) {
        const info = yield* Effect.either(readInfo(runId));
        if (info._tag === "Right") out.push({ runId, info: info.right });
        else if (info.left._tag !== "RunNotFoundError") out.push({ runId, info: info.left });
      }
      return out;
    });

    const findUnfinished = Effect.fn("Journal.findUnfinished")(function* (
      workflowFingerprint: string,
      inputs: Readonly<Record<string, InputValue>>,
      options?: { readonly environment?: string },
    ) {
      const all = yield* readAll;
      // A run whose run.json cannot be read cannot be resumed either; `list` shows it.
      const infos = all.flatMap(({ info }) => (isJournalError(info) ? [] : [info]));
      return yield* findUnfinishedIn(
        infos,
        workflowFingerprint,
        inputs,
        options?.environment,
        (info) => Effect.map(readJournal(info), (read) => read.builder.snapshot()),
      );
    });

    const list = Effect.fn("Journal.list")(function* () {
      const summaries: (RunSummary | UnreadableRun)[] = [];
      for (const { runId, info } of yield* readAll) {
        if (isJournalError(info)) {
          summaries.push({ runId, outcome: "unreadable", problem: info.message });
          continue;
        }
        const read = yield* Effect.either(readJournal(info));
        summaries.push(
          read._tag === "Right"
            ? summaryOf(info, read.right.builder.snapshot())
            : { runId, outcome: "unreadable", problem: read.left.message },
        );
      }
      return summaries.reverse();
    });

    return {
      location: runsDir,
      create,
      open: openRun,
      inspect,
      findUnfinished,
      list,
      ...sessionAccess(sessions),
    } satisfies JournalShape;
  });

// ---------------------------------------------------------------------------------------------
// Memory

/** A run kept in memory: run.json and the journal's lines, as the files would hold them. */
interface MemoryRun {
  readonly info: RunInfo;
  readonly lines: string[];
  held: boolean;
}

const MEMORY = "(memory)";

const makeMemoryJournal = (): Effect.Effect<JournalShape> =>
  Effect.sync(() => {
    const runs = new Map<string, MemoryRun>();
    const sessions = new Map<string, Session>();

    const runOf = (runId: string) => {
      const run = runs.get(runId);
      return run === undefined
        ? Effect.fail(new RunNotFoundError({ runId, location: MEMORY }))
        : Effect.succeed(run);
    };

    // The lines go through the same decoder as a file's, so both layers accept the same records.
    const replayRun = (run: MemoryRun) => {
      const records: JournalRecord[] = [];
      for (const line of run.lines) {
        const record = decodeLine(line.slice(0, -1));
        if (typeof record === "string") return Effect.dieMessage(`Journal (memory): ${record}`);
        records.push(record);
      }
      return replay(
        run.info,
        `${MEMORY}/${run.info.runId}/${JOURNAL_FILE}`,
        records,
        records.map((_, index) => index + 1),
      );
    };

    const hold = (run: MemoryRun, builder: RunStateBuilder) =>
      Effect.gen(function* () {
        const runId = run.info.runId;
        if (run.held) {
          return yield* new RunLockedError({
            runId,
            pid: process.pid,
            hostname: undefined,
            lost: false,
          });
        }
        run.held = true;
        const permit = yield* Effect.makeSemaphore(1);
        const write = (line: string) => Effect.sync(() => void run.lines.push(line));
        sessions.set(runId, { builder, permit, write, lost: () => undefined });
        yield* Effect.addFinalizer(() =>
          Effect.sync(() => {
            run.held = false;
            sessions.delete(runId);
          }),
        );
        return {
          runId,
          dir: `${MEMORY}/${runId}`,
          planFile: `${MEMORY}/${runId}/${PLAN_FILE}`,
          info: run.info,
          warnings: [],
        } satisfies RunHandle;
      });

    const create = Effect.fn("Journal.create")(function* (
      plan: Plan,
      planJson: string | Iterable<string>,
      meta: RunMeta,
    ) {
      let made = yield* newRunId(plan);
      while (runs.has(made.runId)) made = yield* newRunId(plan);
      const info = newRunInfo(made.runId, made.createdAt, plan, sha256Text(planJson), meta);
      // Through run.json's own encoding, so memory keeps exactly what a file would.
      const stored = decodeRunInfo(encodeRunInfo(info));
      if (typeof stored === "string") return yield* Effect.dieMessage(stored);
      const run: MemoryRun = { info: stored, lines: [], held: false };
      runs.set(made.runId, run);
      return yield* hold(run, new RunStateBuilder(stored.layout));
    });

    const openRun = Effect.fn("Journal.open")(function* (runId: string) {
      const run = yield* runOf(runId);
      if (run.held) return yield* hold(run, new RunStateBuilder(run.info.layout));
      return yield* hold(run, yield* replayRun(run));
    });

    const stateOf = (info: RunInfo) =>
      Effect.flatMap(runOf(info.runId), (run) =>
        Effect.map(replayRun(run), (builder) => builder.snapshot()),
      );

    return {
      location: MEMORY,
      create,
      open: openRun,
      inspect: (runId) =>
        Effect.flatMap(runOf(runId), (run) =>
          Effect.map(replayRun(run), (builder) => ({
            info: run.info,
            state: builder.snapshot(),
            warnings: [],
          })),
        ),
      findUnfinished: (workflowFingerprint, inputs, options) =>
        findUnfinishedIn(
          [...runs.values()].map((run) => run.info),
          workflowFingerprint,
          inputs,
          options?.environment,
          stateOf,
        ),
      list: () =>
        Effect.forEach(
          [...runs.values()].sort((a, b) => newestFirst(a.info, b.info)),
          (run) => Effect.map(stateOf(run.info), (state) => summaryOf(run.info, state)),
        ),
      ...sessionAccess(sessions),
    } satisfies JournalShape;
  });

// ---------------------------------------------------------------------------------------------
// Service

/** The durable state of runs. */
export class Journal extends Context.Tag("transflow/Journal")<Journal, JournalShape>() {
  /** Runs under `<stateDir>/runs/`. */
  static readonly layerAt = (stateDir: string): Layer.Layer<Journal> =>
    Layer.effect(Journal, makeFileJournal(stateDir));

  /** Runs in the state folder an environment record names (see `stateDirectory`). */
  static readonly layerFromEnv = (
    env: Readonly<Record<string, string | undefined>>,
  ): Layer.Layer<Journal> => Journal.layerAt(stateDirectory(env));

  /**
   * Runs in the state folder named by `TRANSFLOW_HOME`, `XDG_STATE_HOME` and `HOME` as Effect's
   * ConfigProvider gives them (the process environment unless a test provides another).
   */
  static readonly layer: Layer.Layer<Journal> = Layer.unwrapEffect(
    Effect.map(
      Config.all({
        TRANSFLOW_HOME: Config.option(Config.string("TRANSFLOW_HOME")),
        XDG_STATE_HOME: Config.option(Config.string("XDG_STATE_HOME")),
        HOME: Config.option(Config.string("HOME")),
      }),
      (env) => Journal.layerFromEnv(Record.map(env, Option.getOrUndefined)),
    ).pipe(Effect.orDie),
  );

  /** In memory, for executor tests: the same records, checks and locking, no files. */
  static readonly layerMemory: Layer.Layer<Journal> = Layer.effect(Journal, makeMemoryJournal());
}
