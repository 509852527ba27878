/**
 * The per-identity request limit Globus applies (20 requests/s metered over 10 s windows, so
 * bursts pass): a sliding window of request times per key, answering how long to wait.
 */
export class RateLimiter {
  private readonly windows = new Map<string, number[]>();
  private readonly limit: number;
  private readonly windowMs: number;

  constructor(requestsPerSecond: number, windowSeconds: number) {
    this.limit = Math.max(1, Math.floor(requestsPerSecond * windowSeconds));
    this.windowMs = windowSeconds * 1000;
  }

  /** Records a request at `now`; returns 0 when allowed, else the seconds to wait (≥ 1). */
  take(key: string, now: number): number {
    const times = (this.windows.get(key) ?? []).filter((t) => now - t < this.windowMs);
    if (times.length >= this.limit) {
      this.windows.set(key, times);
      const oldest = times[0] ?? now;
      return Math.max(1, Math.ceil((oldest + this.windowMs - now) / 1000));
    }
    times.push(now);
    this.windows.set(key, times);
    return 0;
  }
}
