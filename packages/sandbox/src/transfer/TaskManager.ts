/**
 * Transfer and delete tasks: the task documents, queueing (per identity 3 transfer + 3 delete
 * tasks work at once, the rest are Queued), deadlines, cancel, consent loss (INACTIVE), events,
 * successful transfers and skipped errors. The file work itself is CopyEngine's / DeleteEngine's.
 */
import { randomUUID } from "node:crypto";
import type { AuthService } from "../auth/AuthTypes.ts";
import type { ResolvedCollection, SandboxContext } from "../server/Context.ts";
import { type Counters as EngineCounters, runTransfer, type TransferJob } from "./CopyEngine.ts";
import { runDelete } from "./DeleteEngine.ts";

export type TaskType = "TRANSFER" | "DELETE";
export type TaskStatus = "ACTIVE" | "INACTIVE" | "SUCCEEDED" | "FAILED";

export interface TaskEvent {
  readonly code: string;
  readonly description: string;
  readonly details: string;
  readonly isError: boolean;
  readonly time: number;
}

/** The engines' counters plus the two only the task manager moves (cancel, deadline). */
export interface Counters extends EngineCounters {
  subtasks_canceled: number;
  subtasks_expired: number;
}

const zeroCounters = (): Counters => ({
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
  subtasks_canceled: 0,
  subtasks_expired: 0,
  subtasks_skipped_errors: 0,
});

/** Options of a transfer task as the service applies them (documented defaults filled in). */
export interface TransferTaskOptions {
  readonly syncLevel: 0 | 1 | 2 | 3 | null;
  readonly verifyChecksum: boolean;
  readonly preserveTimestamp: boolean;
  readonly encryptData: boolean;
  readonly skipSourceErrors: boolean;
  readonly failOnQuotaErrors: boolean;
  readonly deleteDestinationExtra: boolean;
  readonly filterRules:
    | readonly { method: "include" | "exclude"; name: string; type?: "file" | "dir" }[]
    | null;
  readonly checksumAlgorithm: string | undefined;
  readonly items: readonly {
    sourcePath: string;
    destinationPath: string;
    recursive?: boolean;
    externalChecksum?: string;
    checksumAlgorithm?: string;
  }[];
}

export interface DeleteTaskOptions {
  readonly recursive: boolean;
  readonly ignoreMissing: boolean;
  readonly interpretGlobs: boolean;
  readonly items: readonly { path: string }[];
}

export interface TaskSpec {
  readonly type: TaskType;
  readonly ownerId: string;
  readonly clientId: string;
  readonly username: string;
  readonly submissionId: string;
  readonly label: string | null;
  /** Milliseconds since the epoch. */
  readonly deadline: number;
  readonly source: ResolvedCollection;
  /** Null for delete tasks. */
  readonly destination: ResolvedCollection | null;
  readonly transfer?: TransferTaskOptions;
  readonly delete?: DeleteTaskOptions;
  readonly notify: { succeeded: boolean; failed: boolean; inactive: boolean };
}

export interface Task {
  readonly taskId: string;
  readonly spec: TaskSpec;
  readonly requestTime: number;
  status: TaskStatus;
  queued: boolean;
  startedAt: number | undefined;
  completionTime: number | undefined;
  fatalError: { code: string; description: string } | null;
  niceStatus: string | null;
  counters: Counters;
  /** Oldest first; listed newest first. */
  readonly events: TaskEvent[];
  readonly successfulTransfers: { source_path: string; destination_path: string; size: number }[];
  readonly skippedErrors: Record<string, unknown>[];
  controller: AbortController | undefined;
}

type StopReason = "cancel" | "deadline" | "inactive";

const describe = (code: string): string => code.toLowerCase().replace(/_/g, " ");

/** Fault injection for task file work: "the next N file attempts fail with CODE". */
export interface TaskFaultBudget {
  take(): string | undefined;
}

export class TaskManager {
  private readonly tasks = new Map<string, Task>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly running = new Set<Promise<void>>();

  private readonly ctx: SandboxContext;
  private readonly auth: AuthService;
  private readonly taskFaults: TaskFaultBudget;

  constructor(ctx: SandboxContext, auth: AuthService, taskFaults: TaskFaultBudget) {
    this.ctx = ctx;
    this.auth = auth;
    this.taskFaults = taskFaults;
  }

  get(taskId: string): Task | undefined {
    return this.tasks.get(taskId);
  }

  /** Every task, oldest first. */
  all(): Task[] {
    return [...this.tasks.values()];
  }

  submit(spec: TaskSpec): Task {
    const now = this.ctx.now();
    const task: Task = {
      taskId: randomUUID(),
      spec,
      requestTime: now,
      status: "ACTIVE",
      queued: true,
      startedAt: undefined,
      completionTime: undefined,
      fatalError: null,
      niceStatus: "Queued",
      counters: zeroCounters(),
      events: [],
      successfulTransfers: [],
      skippedErrors: [],
      controller: undefined,
    };
    this.tasks.set(task.taskId, task);
    this.armDeadline(task);
    this.schedule();
    return task;
  }

  /** Cancels a task: "Canceled", or "TaskComplete" when it had already finished. */
  cancel(task: Task): "Canceled" | "TaskComplete" {
    if (task.status === "SUCCEEDED" || task.status === "FAILED") return "TaskComplete";
    this.stop(task, "cancel");
    return "Canceled";
  }

  /** Stops every task and timer (sandbox shutdown); waits for engines to let go of files. */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    for (const task of this.tasks.values()) task.controller?.abort("shutdown");
    await Promise.allSettled([...this.running]);
  }

  private armDeadline(task: Task): void {
    const delay = Math.max(0, task.spec.deadline - this.ctx.now());
    // setTimeout holds at most ~24.8 days; a later deadline is re-armed when that passes.
    const timer = setTimeout(
      () => {
        this.timers.delete(timer);
        if (task.status !== "ACTIVE" && task.status !== "INACTIVE") return;
        if (this.ctx.now() < task.spec.deadline) this.armDeadline(task);
        else this.stop(task, "deadline");
      },
      Math.min(delay, 2_000_000_000),
    );
    timer.unref();
    this.timers.add(timer);
  }

  private stop(task: Task, reason: StopReason): void {
    if (task.controller) {
      task.controller.abort(reason);
      return;
    }
    // Queued or INACTIVE: nothing is running, finish it here.
    this.finish(task, reason);
  }

  private addEvent(task: Task, code: string, details: string, isError: boolean): void {
    task.events.push({ code, description: describe(code), details, isError, time: this.ctx.now() });
  }

  private finish(
    task: Task,
    outcome: StopReason | "succeeded" | { code: string; description: string },
  ): void {
    const now = this.ctx.now();
    task.controller = undefined;
    if (outcome === "inactive") {
      task.status = "INACTIVE";
      task.niceStatus = "AUTH";
      this.schedule();
      return;
    }
    task.completionTime = now;
    task.niceStatus = null;
    task.queued = false;
    if (outcome === "succeeded") {
      task.status = "SUCCEEDED";
      this.addEvent(task, "SUCCEEDED", "", false);
    } else {
      task.status = "FAILED";
      if (outcome === "cancel") {
        task.fatalError = { code: "CANCELED", description: "canceled" };
        this.addEvent(task, "CANCELED", "Canceled by the task owner", true);
        task.counters.subtasks_canceled += task.counters.subtasks_pending;
      } else if (outcome === "deadline") {
        task.fatalError = { code: "EXPIRED", description: "deadline expired" };
        this.addEvent(task, "EXPIRED", "The task deadline was reached before it completed", true);
        task.counters.subtasks_expired += task.counters.subtasks_pending;
      } else {
        task.fatalError = outcome;
        task.counters.subtasks_failed += task.counters.subtasks_pending;
      }
      task.counters.subtasks_pending = 0;
      task.counters.subtasks_retrying = 0;
    }
    this.schedule();
  }

  /** Starts queued tasks while the owner has free slots of that type, oldest first. */
  private schedule(): void {
    const limits = this.ctx.config.concurrentTasks;
    const busy = new Map<string, number>();
    const key = (t: Task) => `${t.spec.ownerId}/${t.spec.type}`;
    for (const t of this.tasks.values()) {
      if (t.status === "ACTIVE" && !t.queued) busy.set(key(t), (busy.get(key(t)) ?? 0) + 1);
    }
    for (const t of this.tasks.values()) {
      if (t.status !== "ACTIVE" || !t.queued) continue;
      const limit = t.spec.type === "TRANSFER" ? limits.transfer : limits.delete;
      const used = busy.get(key(t)) ?? 0;
      if (used >= limit) continue;
      busy.set(key(t), used + 1);
      this.start(t);
    }
  }

  private start(task: Task): void {
    task.queued = false;
    task.niceStatus = "OK";
    task.startedAt = this.ctx.now();
    const controller = new AbortController();
    task.controller = controller;
    const spec = task.spec;
    this.addEvent(
      task,
      "STARTED",
      JSON.stringify(
        {
          type: spec.type === "TRANSFER" ? "GridFTP Transfer" : "Delete",
          concurrency: 2,
          parallelism: 4,
          pipelining: 20,
        },
        null,
        2,
      ),
      false,
    );
    const hooks = {
      onEvent: (e: { code: string; description: string; details: string; isError: boolean }) => {
        task.events.push({ ...e, time: this.ctx.now() });
        if (e.isError) task.niceStatus = e.code;
      },
      onCounters: (delta: Partial<Counters>) => {
        for (const [name, value] of Object.entries(delta)) {
          const field = name as keyof Counters;
          if (typeof value === "number" && field in task.counters) task.counters[field] += value;
        }
        if (task.niceStatus !== "OK" && (delta.files_transferred ?? 0) > 0) task.niceStatus = "OK";
      },
      onSuccessfulTransfer: (t: {
        source_path: string;
        destination_path: string;
        size: number;
      }) => {
        task.successfulTransfers.push(t);
      },
      onSkippedError: (e: Record<string, unknown>) => {
        task.skippedErrors.push({
          DATA_TYPE: "skipped_error",
          error_time: isoTime(this.ctx.now()),
          external_checksum: null,
          checksum_algorithm: null,
          ...e,
        });
      },
      injectFault: () => {
        if (!this.stillConsented(task)) {
          controller.abort("inactive");
          return undefined;
        }
        return this.taskFaults.take();
      },
    };
    const retryDelayMs = this.ctx.config.taskRetryDelayMs;
    const work =
      spec.type === "TRANSFER" && spec.transfer && spec.destination
        ? runTransfer(this.transferJob(spec, retryDelayMs), hooks, controller.signal)
        : runDelete(
            {
              collection: collectionRoot(spec.source),
              items: [...(spec.delete?.items ?? [])],
              recursive: spec.delete?.recursive ?? false,
              ignoreMissing: spec.delete?.ignoreMissing ?? false,
              interpretGlobs: spec.delete?.interpretGlobs ?? false,
              retryDelayMs,
            },
            hooks,
            controller.signal,
          );
    const done = work
      .then((outcome) => {
        if (controller.signal.aborted) {
          const reason = controller.signal.reason;
          if (reason === "cancel" || reason === "deadline" || reason === "inactive") {
            this.finish(task, reason);
          }
          return;
        }
        if (outcome.kind === "succeeded") this.finish(task, "succeeded");
        else if (outcome.kind === "failed") this.finish(task, outcome.fatal);
      })
      .catch((error: unknown) => {
        // An engine bug must not take the sandbox down: fail the task like Globus's INTERNAL_ERROR.
        const message = error instanceof Error ? error.message : String(error);
        this.addEvent(task, "INTERNAL_ERROR", message, true);
        this.finish(task, { code: "INTERNAL_ERROR", description: "internal error" });
      })
      .finally(() => {
        this.running.delete(done);
      });
    this.running.add(done);
  }

  private transferJob(spec: TaskSpec, retryDelayMs: number): TransferJob {
    const t = spec.transfer;
    const destination = spec.destination;
    if (!t || !destination) throw new Error("transfer task without transfer options");
    return {
      source: collectionRoot(spec.source),
      destination: collectionRoot(destination),
      items: t.items.map((i) => ({ ...i })),
      ...(t.syncLevel === null ? {} : { syncLevel: t.syncLevel }),
      verifyChecksum: t.verifyChecksum,
      preserveTimestamp: t.preserveTimestamp,
      deleteDestinationExtra: t.deleteDestinationExtra,
      skipSourceErrors: t.skipSourceErrors,
      failOnQuotaErrors: t.failOnQuotaErrors,
      filterRules: (t.filterRules ?? []).map((r) => ({ ...r })),
      ...(t.checksumAlgorithm === undefined ? {} : { checksumAlgorithm: t.checksumAlgorithm }),
      retryDelayMs,
    };
  }

  /** A task touching a mapped collection needs its data_access consent for as long as it runs. */
  private stillConsented(task: Task): boolean {
    const { spec } = task;
    for (const c of [spec.source, spec.destination]) {
      if (!c || !needsDataAccess(c)) continue;
      if (!this.auth.hasDataAccessConsent(spec.clientId, spec.ownerId, c.id)) {
        this.addEvent(
          task,
          "AUTH",
          `Missing required data_access consent for collection ${c.displayName} (${c.id})`,
          true,
        );
        return false;
      }
    }
    return true;
  }
}

export const needsDataAccess = (c: ResolvedCollection): boolean =>
  c.entityType === "GCSv5_mapped_collection" && !c.highAssurance;

const collectionRoot = (c: ResolvedCollection) => ({
  root: c.localRoot ?? "",
  home: c.home,
  ...(c.quotaBytes === undefined ? {} : { quotaBytes: c.quotaBytes }),
});

/** ISO 8601 with `T` and `+00:00`, as task documents and events carry times. */
export const isoTime = (ms: number): string => `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
