/**
 * Estimates for progress events: a smoothed transfer rate, a task's total bytes and the time left.
 * Globus's task document gives no total bytes, only the files found so far (a number that grows
 * while recursive items are expanded) and the bytes moved, so every total here is an estimate from
 * the files done so far. Pure: times are passed in (milliseconds), nothing reads the clock.
 */
import type { TaskCounters, TaskStatus } from "./RunEvents.ts";

/**
 * How fast the smoothed rate follows a change of throughput: after this long at a new rate it has
 * moved about two thirds of the way there. Long enough that one quiet or busy poll interval does
 * not swing the ETA, short enough that a real change shows within a minute or so.
 */
export const RATE_TIME_CONSTANT_MS = 20_000;

/** A smoothed rate and the observation it was last updated from. */
export interface RateEstimate {
  /** When `bytes` was observed, in milliseconds. */
  readonly at: number;
  readonly bytes: number;
  /** Null until bytes have moved between two observations. */
  readonly bytesPerSecond: number | null;
}

/** Bytes per second between `previous` and an observation of `bytes` at `at` ms; null at first. */
export const instantRate = (
  previous: Pick<RateEstimate, "at" | "bytes"> | undefined,
  at: number,
  bytes: number,
): number | null =>
  previous === undefined || at <= previous.at
    ? null
    : Math.max(0, ((bytes - previous.bytes) * 1000) / (at - previous.at));

/**
 * Folds an observation (`bytes` moved so far, at `at` ms) into the rate: an exponentially
 * weighted mean of the rates between observations, each weighted by how long it lasted (polls
 * come every 2 to 30 s, so a per-observation weight would favour the busy stretches). The rate
 * stays null while nothing has moved yet (a task queued at Globus is not a task moving 0 B/s).
 */
export const observeRate = (
  previous: RateEstimate | undefined,
  at: number,
  bytes: number,
  timeConstantMs: number = RATE_TIME_CONSTANT_MS,
): RateEstimate => {
  if (previous === undefined) return { at, bytes, bytesPerSecond: null };
  // No time has passed: keep the older point, so the next interval sees these bytes.
  if (at <= previous.at) return previous;
  const elapsed = at - previous.at;
  const instant = instantRate(previous, at, bytes) ?? 0;
  if (previous.bytesPerSecond === null) {
    return { at, bytes, bytesPerSecond: bytes > previous.bytes ? instant : null };
  }
  const weight = 1 - Math.exp(-elapsed / timeConstantMs);
  return {
    at,
    bytes,
    bytesPerSecond: previous.bytesPerSecond + weight * (instant - previous.bytesPerSecond),
  };
};

/** Files Globus is done with: transferred, or skipped by the sync level. */
export const filesDone = (counters: TaskCounters): number =>
  counters.filesTransferred + counters.filesSkipped;

/**
 * A task's total bytes: the bytes moved plus the files still to do times the mean size of the
 * files transferred so far. Null before Globus found a file, and before any file was transferred
 * (unless none is left). A lower
 * bound while Globus is still expanding recursive items (`files` grows), and rough when file
 * sizes vary a lot; `bytesTransferred` counts files in flight too, so it errs high early on.
 */
export const estimatedTaskBytes = (counters: TaskCounters): number | null => {
  if (counters.files === 0) return null;
  const left = Math.max(0, counters.files - filesDone(counters));
  if (left === 0) return counters.bytesTransferred;
  if (counters.filesTransferred === 0) return null;
  return Math.round(
    counters.bytesTransferred + (left * counters.bytesTransferred) / counters.filesTransferred,
  );
};

/**
 * Seconds until `estimatedBytes` are moved at `bytesPerSecond`, rounded up: 0 when nothing is
 * left; null when the total is unknown, or bytes are left but nothing is moving (a rate of 0 gives
 * no finite answer).
 */
export const etaSeconds = (
  estimatedBytes: number | null,
  bytesTransferred: number,
  bytesPerSecond: number | null,
): number | null => {
  if (estimatedBytes === null) return null;
  const left = Math.max(0, estimatedBytes - bytesTransferred);
  if (left === 0) return 0;
  return bytesPerSecond !== null && bytesPerSecond > 0 ? Math.ceil(left / bytesPerSecond) : null;
};

/** The estimates a `task-progress` event carries. */
export interface TaskEstimate {
  readonly estimatedBytes: number | null;
  readonly etaSeconds: number | null;
}

/**
 * The estimates for a task in `status` with `counters`, moving at the smoothed `bytesPerSecond`.
 * A SUCCEEDED task has nothing left; a FAILED or INACTIVE one will not finish by itself, so it has
 * no ETA.
 */
export const taskEstimate = (
  status: TaskStatus,
  counters: TaskCounters,
  bytesPerSecond: number | null,
): TaskEstimate => {
  const estimatedBytes = estimatedTaskBytes(counters);
  switch (status) {
    case "SUCCEEDED":
      return { estimatedBytes: counters.bytesTransferred, etaSeconds: 0 };
    case "FAILED":
    case "INACTIVE":
      return { estimatedBytes, etaSeconds: null };
    case "ACTIVE":
      return {
        estimatedBytes,
        etaSeconds: etaSeconds(estimatedBytes, counters.bytesTransferred, bytesPerSecond),
      };
  }
};
