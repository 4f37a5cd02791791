/** Token bucket: `rate` tokens per second, holding at most `burst`. One token per message. */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  take(): boolean {
    const t = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** Counts open connections per remote address so one host cannot exhaust the manager. */
export class AddressLimiter {
  private readonly open = new Map<string, number>();

  constructor(private readonly max: number) {}

  /** True and counted if under the limit; the caller must release() exactly once. */
  acquire(address: string): boolean {
    const n = this.open.get(address) ?? 0;
    if (n >= this.max) return false;
    this.open.set(address, n + 1);
    return true;
  }

  release(address: string): void {
    const n = (this.open.get(address) ?? 0) - 1;
    if (n > 0) this.open.set(address, n);
    else this.open.delete(address);
  }

  get total(): number {
    let t = 0;
    for (const n of this.open.values()) t += n;
    return t;
  }
}

/**
 * One token bucket per peer (calls per second). Buckets of peers that left are forgotten, and the
 * map is capped so a flood of ids cannot grow it without bound.
 */
export class CallerBuckets {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly rate: number, private readonly max = 100_000) {}

  take(peerId: string): boolean {
    let b = this.buckets.get(peerId);
    if (!b) {
      if (this.buckets.size >= this.max) this.buckets.delete(this.buckets.keys().next().value!);
      this.buckets.set(peerId, (b = new TokenBucket(this.rate, Math.max(2, this.rate * 2))));
    }
    return b.take();
  }

  forget(peerId: string): void {
    this.buckets.delete(peerId);
  }
}
