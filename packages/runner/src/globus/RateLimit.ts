/**
 * Request spacing for one client: callers take evenly spaced start slots (`1 / rate` apart), so
 * no window of one second ever holds more than `rate` starts. Time comes only from Effect's Clock,
 * so TestClock drives it in tests. Owns no I/O: the caller sends its request after `take`.
 */
import { Clock, Duration, Effect, Ref } from "effect";

/**
 * Globus Transfer's rate limit: 20 requests/s per authenticated user (metered over 10 s windows).
 * @see globus-api.md §5.14
 */
export const TRANSFER_MAX_REQUESTS_PER_SECOND = 20;

export interface RequestSpacing {
  /**
   * Waits for the caller's slot: at once when the previous slot is at least `1 / rate` ago, else
   * until then. Slots are handed out in call order; an interrupted wait leaves its slot unused.
   */
  readonly take: Effect.Effect<void>;
}

/** Spacing that never waits (for benchmarks against a local sandbox). */
export const noSpacing: RequestSpacing = { take: Effect.void };

/**
 * Spacing for at most `maxPerSecond` request starts per second, or none when `undefined`. Unlike
 * a token bucket, it allows no burst: 41 requests take at least 2 s.
 * @param maxPerSecond a positive number of requests per second; `undefined` turns spacing off
 */
export const makeRequestSpacing = (
  maxPerSecond: number | undefined,
): Effect.Effect<RequestSpacing> => {
  if (maxPerSecond === undefined) return Effect.succeed(noSpacing);
  if (!(maxPerSecond > 0) || !Number.isFinite(maxPerSecond)) {
    return Effect.dieMessage(
      `maxRequestsPerSecond must be a positive number, got ${String(maxPerSecond)}`,
    );
  }
  const intervalMillis = 1000 / maxPerSecond;
  return Effect.map(Ref.make(Number.NEGATIVE_INFINITY), (next) => ({
    take: Effect.gen(function* () {
      const now = yield* Clock.currentTimeMillis;
      // The slot is reserved atomically, so concurrent callers never share one.
      const slot = yield* Ref.modify(next, (at) => {
        const start = Math.max(now, at);
        return [start, start + intervalMillis] as const;
      });
      if (slot > now) yield* Effect.sleep(Duration.millis(slot - now));
    }),
  }));
};
