export interface RestartLimits {
  /** Restarts allowed within `stableMs`; one more crash and the sandbox stays down. */
  maxRestarts: number;
  /** First restart delay; each further crash within `stableMs` doubles it, up to maxBackoffMs. */
  backoffMs: number;
  maxBackoffMs: number;
  /** Crashes older than this are forgotten (a worker that ran this long was healthy). */
  stableMs: number;
}

/** Counts crashes in a sliding window and says when (or whether) to restart. */
export class RestartPolicy {
  private crashes: number[] = [];

  constructor(private readonly limits: RestartLimits) {}

  /** Records a crash at `now`; returns the delay before the restart, or undefined to give up. */
  crashed(now: number): number | undefined {
    this.crashes = this.crashes.filter((t) => now - t < this.limits.stableMs);
    this.crashes.push(now);
    const n = this.crashes.length;
    if (n > this.limits.maxRestarts) return undefined;
    return Math.min(this.limits.backoffMs * 2 ** (n - 1), this.limits.maxBackoffMs);
  }

  /** Crashes within the window. */
  get recent(): number {
    return this.crashes.length;
  }
}
