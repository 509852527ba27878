/**
 * The progress estimates on plain numbers: the smoothed rate, a task's total bytes, the ETA.
 */
import { describe, expect, it } from "vitest";
import {
  estimatedTaskBytes,
  etaSeconds,
  observeRate,
  RATE_TIME_CONSTANT_MS,
  type RateEstimate,
  taskEstimate,
} from "../../src/execute/ProgressEstimate.ts";
import { counters } from "./support.ts";

/** Folds (ms, bytes) observations into a rate, from none. */
const rateOf = (observations: readonly (readonly [number, number])[]): RateEstimate | undefined =>
  observations.reduce<RateEstimate | undefined>(
    (rate, [at, bytes]) => observeRate(rate, at, bytes),
    undefined,
  );

describe("observeRate", () => {
  it("has no rate from one observation, nor while nothing has moved (a queued task)", () => {
    expect(rateOf([[0, 0]])?.bytesPerSecond).toBeNull();
    expect(rateOf([[0, 500]])?.bytesPerSecond).toBeNull();
    expect(
      rateOf([
        [0, 0],
        [2000, 0],
        [4000, 0],
      ])?.bytesPerSecond,
    ).toBeNull();
  });

  it("starts from the first interval in which bytes moved", () => {
    expect(
      rateOf([
        [0, 0],
        [2000, 0],
        [4000, 2000],
      ])?.bytesPerSecond,
    ).toBe(1000);
  });

  it("stays put at a steady rate, whatever the poll intervals", () => {
    // 1000 B/s, polled after 2 s, 3 s, 4.5 s, 30 s.
    const rate = rateOf([
      [0, 0],
      [2000, 2000],
      [5000, 5000],
      [9500, 9500],
      [39_500, 39_500],
    ]);
    expect(rate?.bytesPerSecond).toBeCloseTo(1000, 9);
  });

  it("moves towards a new rate by 1 - e^(-t/τ) of the way: one fast poll does not swing it", () => {
    const steady = rateOf([
      [0, 0],
      [2000, 2000],
    ]);
    // Ten times faster for 2 s.
    const next = observeRate(steady, 4000, 22_000);
    const weight = 1 - Math.exp(-2000 / RATE_TIME_CONSTANT_MS);
    expect(next.bytesPerSecond).toBeCloseTo(1000 + weight * 9000, 6);
    expect(next.bytesPerSecond).toBeLessThan(2000);
    // After a long stretch at the new rate it is (almost) there.
    const later = observeRate(next, 4000 + 10 * RATE_TIME_CONSTANT_MS, 22_000 + 2_000_000);
    expect(later.bytesPerSecond).toBeCloseTo(10_000, 0);
  });

  it("keeps the older point when no time passed, so the next interval counts those bytes", () => {
    const first = rateOf([
      [0, 0],
      [1000, 1000],
    ]);
    const same = observeRate(first, 1000, 5000);
    expect(same).toBe(first);
    // 4000 B more over the next second: the instant rate is 4000 B/s, not 0.
    const next = observeRate(same, 2000, 5000);
    const weight = 1 - Math.exp(-1000 / RATE_TIME_CONSTANT_MS);
    expect(next.bytesPerSecond).toBeCloseTo(1000 + weight * 3000, 6);
  });

  it("treats a drop in bytes as no progress, never a negative rate", () => {
    const rate = rateOf([
      [0, 0],
      [1000, 1000],
      [2000, 500],
    ]);
    expect(rate?.bytesPerSecond).toBeGreaterThan(0);
    expect(rate?.bytesPerSecond).toBeLessThan(1000);
  });
});

describe("estimatedTaskBytes", () => {
  it("is unknown before Globus found a file, or before a file was transferred", () => {
    expect(estimatedTaskBytes(counters({}))).toBeNull();
    expect(estimatedTaskBytes(counters({ files: 10, bytesTransferred: 300 }))).toBeNull();
  });

  it("is the bytes moved plus the files left times the mean transferred file size", () => {
    // 4 of 10 files at 250 B each so far: 6 more of them.
    expect(
      estimatedTaskBytes(counters({ files: 10, filesTransferred: 4, bytesTransferred: 1000 })),
    ).toBe(2500);
  });

  it("leaves skipped files out of the mean and out of what is left", () => {
    // 2 transferred (500 B each), 3 skipped by the sync level, 5 left.
    expect(
      estimatedTaskBytes(
        counters({ files: 10, filesTransferred: 2, filesSkipped: 3, bytesTransferred: 1000 }),
      ),
    ).toBe(3500);
  });

  it("is what moved once every file found is done (more may be found: a lower bound)", () => {
    expect(
      estimatedTaskBytes(counters({ files: 3, filesTransferred: 3, bytesTransferred: 900 })),
    ).toBe(900);
    expect(estimatedTaskBytes(counters({ files: 3, filesSkipped: 3 }))).toBe(0);
  });
});

describe("etaSeconds", () => {
  it("is the bytes left over the rate, rounded up", () => {
    expect(etaSeconds(2500, 1000, 1000)).toBe(2);
    expect(etaSeconds(2500, 1000, 400)).toBe(4);
  });

  it("is 0 with nothing left, even with no rate", () => {
    expect(etaSeconds(1000, 1000, null)).toBe(0);
    expect(etaSeconds(900, 1000, 5)).toBe(0);
  });

  it("is unknown without a total, a rate, or with nothing moving", () => {
    expect(etaSeconds(null, 0, 1000)).toBeNull();
    expect(etaSeconds(2500, 1000, null)).toBeNull();
    expect(etaSeconds(2500, 1000, 0)).toBeNull();
  });
});

describe("taskEstimate", () => {
  const halfway = counters({ files: 10, filesTransferred: 5, bytesTransferred: 5000 });

  it("gives an ACTIVE task its total and time left", () => {
    expect(taskEstimate("ACTIVE", halfway, 1000)).toEqual({
      estimatedBytes: 10_000,
      etaSeconds: 5,
    });
    expect(taskEstimate("ACTIVE", halfway, null)).toEqual({
      estimatedBytes: 10_000,
      etaSeconds: null,
    });
  });

  it("gives a SUCCEEDED task nothing left, and a FAILED or INACTIVE one no ETA", () => {
    expect(taskEstimate("SUCCEEDED", halfway, null)).toEqual({
      estimatedBytes: 5000,
      etaSeconds: 0,
    });
    expect(taskEstimate("FAILED", halfway, 1000).etaSeconds).toBeNull();
    expect(taskEstimate("INACTIVE", halfway, 1000)).toEqual({
      estimatedBytes: 10_000,
      etaSeconds: null,
    });
  });
});
