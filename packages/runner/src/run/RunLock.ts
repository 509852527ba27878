/**
 * One process drives a run at a time: a proper-lockfile lock (the folder `lock` in the run's
 * folder, its mtime refreshed while held, taken over by others once stale) plus `lock.owner.json`
 * naming the holder. On the same host a holder that died without releasing (kill -9) is seen at
 * once from its pid, so a resume right after a crash does not wait for the lock to go stale.
 */
import { readFile, rm } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { lock } from "proper-lockfile";
import { writeFileAtomically } from "./RunFiles.ts";

export const LOCK_FOLDER = "lock";
export const LOCK_OWNER_FILE = "lock.owner.json";

/**
 * Another host's holder that stopped refreshing is taken over after this long. A sleeping laptop
 * keeps its lock on waking unless someone took it meanwhile (proper-lockfile checks the mtime).
 */
const STALE_MS = 30_000;
const UPDATE_MS = 5_000;

/** Who holds a run's lock, as far as `lock.owner.json` says. */
export interface LockOwner {
  readonly pid?: number;
  readonly hostname?: string;
  readonly since?: string;
}

export interface HeldRunLock {
  readonly release: () => Promise<void>;
  /** Set when the lock was taken from us (it went stale and another process took it). */
  readonly lost: () => Error | undefined;
}

export type RunLockAttempt = { readonly held: HeldRunLock } | { readonly lockedBy: LockOwner };

const readOwner = async (runDir: string): Promise<LockOwner | undefined> => {
  try {
    const json: unknown = JSON.parse(await readFile(join(runDir, LOCK_OWNER_FILE), "utf8"));
    if (typeof json !== "object" || json === null) return undefined;
    const { pid, hostname: host, since } = json as Record<string, unknown>;
    return {
      ...(typeof pid === "number" ? { pid } : {}),
      ...(typeof host === "string" ? { hostname: host } : {}),
      ...(typeof since === "string" ? { since } : {}),
    };
  } catch {
    return undefined;
  }
};

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, it is someone else's.
    return (error as NodeJS.ErrnoException).code !== "ESRCH";
  }
};

const isLocked = (error: unknown): boolean =>
  (error as NodeJS.ErrnoException | undefined)?.code === "ELOCKED";

/**
 * Takes the run's lock, or says who holds it. `now` (ISO) is recorded as `since`. No waiting: a
 * second `transflow run` of the same run is refused at once.
 */
export const acquireRunLock = async (runDir: string, now: string): Promise<RunLockAttempt> => {
  let lost: Error | undefined;
  const attempt = () =>
    lock(runDir, {
      realpath: false,
      lockfilePath: join(runDir, LOCK_FOLDER),
      stale: STALE_MS,
      update: UPDATE_MS,
      retries: 0,
      // The default throws from a timer, which would crash the process.
      onCompromised: (error) => {
        lost = error;
      },
    });
  let release: () => Promise<void>;
  try {
    release = await attempt();
  } catch (error) {
    if (!isLocked(error)) throw error;
    const owner = await readOwner(runDir);
    const dead =
      owner?.pid !== undefined &&
      owner.pid !== process.pid &&
      owner.hostname === hostname() &&
      !isAlive(owner.pid);
    if (!dead) return { lockedBy: owner ?? {} };
    // Two processes taking over the same dead holder at the same instant could both get here;
    // the one whose mkdir comes second fails below. The window is a few system calls wide.
    await rm(join(runDir, LOCK_OWNER_FILE), { force: true });
    await rm(join(runDir, LOCK_FOLDER), { recursive: true, force: true });
    try {
      release = await attempt();
    } catch (again) {
      if (!isLocked(again)) throw again;
      return { lockedBy: (await readOwner(runDir)) ?? {} };
    }
  }
  try {
    await writeFileAtomically(
      join(runDir, LOCK_OWNER_FILE),
      `${JSON.stringify({ pid: process.pid, hostname: hostname(), since: now })}\n`,
    );
  } catch (error) {
    await release().catch(() => undefined);
    throw error;
  }
  return {
    held: {
      // The owner file goes first, so a file naming a live pid never outlives its lock.
      release: async () => {
        await rm(join(runDir, LOCK_OWNER_FILE), { force: true });
        await release().catch(() => undefined);
      },
      lost: () => lost,
    },
  };
};
