/**
 * The file work of one delete task: expands globs, removes files, symlinks (never followed) and,
 * with `recursive`, whole directories, reporting counters and events through hooks. No HTTP and
 * no task bookkeeping; it never deletes outside the collection root, nor the root itself.
 */
import type { Dirent } from "node:fs";
import { lstat, readdir, rmdir, unlink } from "node:fs/promises";
import { join } from "node:path";
import { type CollectionRoot, errnoCode, resolveCollectionPath } from "../storage/CollectionFs.ts";
import {
  type AttemptFailure,
  DEFAULT_CONCURRENCY,
  type EngineHooks,
  globusCodeOfErrno,
  TaskControl,
  type TaskOutcome,
} from "./CopyEngine.ts";
import { compileGlob, hasGlobMagic, unescapeGlob } from "./FilterRules.ts";

/** A delete task's file work, with the documented defaults already applied. @see globus-api.md §5.7 */
export interface DeleteJob {
  readonly collection: CollectionRoot;
  readonly items: readonly { readonly path: string }[];
  /** Directories are deleted only with this (with their contents). */
  readonly recursive: boolean;
  /** A missing path is not an error. */
  readonly ignoreMissing: boolean;
  /** Expand `* ? [ ]` in each path's last component; a backslash escapes them. */
  readonly interpretGlobs: boolean;
  /** Wait between attempts after a transient failure. */
  readonly retryDelayMs: number;
  /** Entries of one directory removed at once. @default 16 */
  readonly concurrency?: number;
}

export type DeleteHooks = EngineHooks;

type Step<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly failure: AttemptFailure };

const ok = <T>(value: T): Step<T> => ({ ok: true, value });
const failed = (kind: AttemptFailure["kind"], code: string, message: string): Step<never> => ({
  ok: false,
  failure: { kind, code, message },
});

/** Thrown inside a tree removal to unwind it when the run stops; never reported. */
class Stopped extends Error {}

/** One delete task's run; see {@link runDelete}. */
class DeleteRun {
  private readonly job: DeleteJob;
  private readonly hooks: DeleteHooks;
  private readonly control: TaskControl;
  private readonly concurrency: number;

  constructor(job: DeleteJob, hooks: DeleteHooks, signal: AbortSignal) {
    this.job = job;
    this.hooks = hooks;
    this.control = new TaskControl(hooks, signal);
    this.concurrency = Math.max(1, job.concurrency ?? DEFAULT_CONCURRENCY);
  }

  /**
   * Items run one after another, in order: items may overlap (`/a` then `/a/b`), and running
   * them at once would make the second one's FILE_NOT_FOUND depend on timing.
   */
  async run(): Promise<TaskOutcome> {
    for (const item of this.job.items) {
      if (this.control.stopped) break;
      await this.runItem(item.path);
    }
    return this.control.finish();
  }

  /** One item is one subtask: its glob expansion and every path it names. */
  private async runItem(path: string): Promise<void> {
    this.control.counters.add({ subtasks_total: 1, subtasks_pending: 1 });
    for (let n = 0; ; n++) {
      if (this.control.stopped) return;
      const step = await this.attempt(path, n);
      if (this.control.stopped) return;
      if (step.ok) {
        this.control.counters.add({ subtasks_pending: -1, subtasks_succeeded: 1 });
        return;
      }
      const { failure } = step;
      const details = `${failure.message}\npath: ${path}`;
      if (failure.kind === "fatal") {
        this.control.counters.add({ subtasks_pending: -1, subtasks_failed: 1 });
        this.control.fail(failure.code, details);
        return;
      }
      if (!(await this.control.retryAfter(failure.code, details, this.job.retryDelayMs))) return;
    }
  }

  /** Expands the item and deletes what it names; a retry starts over with what is left. */
  private async attempt(path: string, n: number): Promise<Step<undefined>> {
    const injected = this.hooks.injectFault?.({ path, attempt: n });
    if (this.control.stopped) return ok(undefined);
    if (injected !== undefined) return failed("transient", injected, "injected fault");
    const expanded = await this.expand(path);
    if (!expanded.ok) return expanded;
    if (expanded.value.length === 0) {
      return this.job.ignoreMissing
        ? ok(undefined)
        : failed("fatal", "FILE_NOT_FOUND", "no path matches the pattern");
    }
    for (const target of expanded.value) {
      const done = await this.deletePath(target);
      if (!done.ok) return done;
    }
    return ok(undefined);
  }

  /**
   * The paths an item names: itself, or with interpret_globs the names in its parent folder that
   * its last component matches (sorted). `*` and `?` do not match a leading `.`, as in a shell: a
   * glob delete never sweeps up hidden files unless the pattern starts with a `.`.
   */
  private async expand(path: string): Promise<Step<readonly string[]>> {
    if (!this.job.interpretGlobs) return ok([path]);
    const trimmed = path.replace(/\/+$/, "");
    const slash = trimmed.lastIndexOf("/");
    const last = trimmed.slice(slash + 1);
    if (slash < 0 || last === "." || last === "..") return ok([path]);
    const parentPath = trimmed.slice(0, slash) || "/";
    if (!hasGlobMagic(last, { backslashEscapes: true })) {
      return ok([`${parentPath === "/" ? "" : parentPath}/${unescapeGlob(last)}`]);
    }
    const parent = await resolveCollectionPath(this.job.collection, parentPath);
    if (!parent.ok) return this.unresolved(parent.reason, parentPath);
    let names: string[];
    try {
      names = await readdir(parent.local);
    } catch (error) {
      const errno = errnoCode(error);
      if (errno === "ENOENT" || errno === "ENOTDIR") return ok([]);
      return this.fsFailure(error, "cannot list the folder to expand the pattern");
    }
    const pattern = compileGlob(last, { backslashEscapes: true, matchLeadingDot: false });
    const base = parent.globusPath === "/" ? "" : parent.globusPath;
    return ok(
      names
        .filter((name) => pattern.test(name))
        .sort()
        .map((name) => `${base}/${name}`),
    );
  }

  private unresolved(reason: "invalid" | "escape", path: string): Step<never> {
    return reason === "invalid"
      ? failed("fatal", "INVALID_PATH_NAME", `invalid path '${path}'`)
      : failed("transient", "PERMISSION_DENIED", "the path leads outside the collection");
  }

  private fsFailure(error: unknown, what: string): Step<never> {
    const errno = errnoCode(error);
    if (errno === undefined) throw error;
    const code = globusCodeOfErrno(errno);
    return failed(
      code === "INVALID_PATH_NAME" ? "fatal" : "transient",
      code,
      `${what}: ${error instanceof Error ? error.message : String(error)}`,
    );
  }

  /**
   * Deletes one path. The last component is not followed: a symlink is removed as a link. The
   * collection root is PERMISSION_DENIED (retried like any denial, so the task ends at its
   * deadline or on cancel, as with Globus). A directory without `recursive` is fatal
   * IS_A_DIRECTORY: `rm` reports EISDIR, and no retry can change it.
   */
  private async deletePath(path: string): Promise<Step<undefined>> {
    const resolved = await resolveCollectionPath(this.job.collection, path, {
      followSymlink: false,
    });
    if (!resolved.ok) return this.unresolved(resolved.reason, path);
    if (resolved.globusPath === "/") {
      return failed("transient", "PERMISSION_DENIED", "the collection root cannot be deleted");
    }
    let isDir: boolean;
    let isLink: boolean;
    try {
      const stats = await lstat(resolved.local);
      isDir = stats.isDirectory();
      isLink = stats.isSymbolicLink();
    } catch (error) {
      const errno = errnoCode(error);
      if (errno === "ENOENT" || errno === "ENOTDIR") {
        return this.job.ignoreMissing
          ? ok(undefined)
          : failed("fatal", "FILE_NOT_FOUND", `no such file or directory: ${resolved.globusPath}`);
      }
      return this.fsFailure(error, "cannot inspect the path");
    }
    try {
      if (!isDir) {
        await unlink(resolved.local);
        this.control.counters.add(isLink ? { symlinks: 1 } : { files: 1 });
      } else if (!this.job.recursive) {
        return failed("fatal", "IS_A_DIRECTORY", "a directory needs recursive to be deleted");
      } else {
        await this.removeTree(resolved.local);
      }
      return ok(undefined);
    } catch (error) {
      if (error instanceof Stopped) return ok(undefined);
      const errno = errnoCode(error);
      // Gone meanwhile (another task, the user): what was asked for is done.
      if (errno === "ENOENT") return ok(undefined);
      return this.fsFailure(error, "cannot delete");
    }
  }

  /**
   * Removes a directory depth first without following symlinks (readdir's types come from
   * lstat), several entries at once, and counts what it removed. Throws `fs` errors.
   */
  private async removeTree(dir: string): Promise<void> {
    let entries: Dirent[];
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return;
      throw error;
    }
    for (let i = 0; i < entries.length; i += this.concurrency) {
      if (this.control.stopped) throw new Stopped();
      await Promise.all(
        entries.slice(i, i + this.concurrency).map(async (entry) => {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) {
            await this.removeTree(path);
            return;
          }
          try {
            await unlink(path);
          } catch (error) {
            if (errnoCode(error) === "ENOENT") return;
            throw error;
          }
          this.control.counters.add(entry.isSymbolicLink() ? { symlinks: 1 } : { files: 1 });
        }),
      );
    }
    try {
      await rmdir(dir);
    } catch (error) {
      if (errnoCode(error) === "ENOENT") return;
      throw error;
    }
    this.control.counters.add({ directories: 1 });
  }
}

/**
 * Runs a delete task's items in order until done, fatally failed, or `signal` aborts. A missing
 * path is fatal FILE_NOT_FOUND unless `ignoreMissing`; permission problems are retried every
 * `retryDelayMs`. Rejects only on defects.
 * @see globus-api.md §5.7, §5.13
 */
export const runDelete = (
  job: DeleteJob,
  hooks: DeleteHooks,
  signal: AbortSignal,
): Promise<TaskOutcome> => new DeleteRun(job, hooks, signal).run();
