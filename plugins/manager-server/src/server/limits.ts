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
