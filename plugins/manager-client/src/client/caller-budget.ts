/**
 * How many calls one caller key may start per minute at this callee (a fixed window per key).
 * Each call costs the callee null packets and a handshake, so a caller must not be able to make
 * it spend them without limit. Keys not seen for a minute are forgotten; the table is capped.
 */
export class CallerBudget {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {}

  take(callerKey: string): boolean {
    const t = this.now();
    let w = this.windows.get(callerKey);
    if (!w || t - w.start >= 60_000) {
      if (!w && this.windows.size >= this.maxKeys) this.sweep(t);
      w = { start: t, count: 0 };
      this.windows.set(callerKey, w);
    }
    if (w.count >= this.perMinute) return false;
    w.count++;
    return true;
  }

  private sweep(t: number): void {
    for (const [k, w] of this.windows) if (t - w.start >= 60_000) this.windows.delete(k);
    // Still full: drop the oldest entry rather than grow.
    if (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
  }
}
