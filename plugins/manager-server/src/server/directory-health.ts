import { isDirectoryOutage, type ClaimResult, type Directory, type Disposable, type Logger, type PeerRecord } from '@pinhole/core';

/**
 * What this node knows of its directory's availability. The backend logs an outage itself
 * (once); the manager counts it and, once the directory is back, holds expiry sweeps for one
 * keep-alive interval so every live peer refreshes its record before anything is expired: a
 * blip shorter than the expiry drops nobody, on any node.
 */
export class DirectoryHealth {
  readonly stats = { outages: 0, failedOps: 0, keepAlivesInOutage: 0 };
  private downSince?: number;
  private holdSweepsUntil = 0;

  constructor(private readonly holdMs: number, private readonly log: Logger) {}

  get down(): boolean {
    return this.downSince !== undefined;
  }

  ok(): void {
    if (this.downSince === undefined) return;
    this.log.info('directory available again; expiry sweeps wait one keep-alive interval', { downMs: Date.now() - this.downSince });
    this.downSince = undefined;
    this.holdSweepsUntil = Date.now() + this.holdMs;
  }

  failed(err: unknown): void {
    if (!isDirectoryOutage(err)) return;
    this.stats.failedOps++;
    if (this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.stats.outages++;
  }

  sweepAllowed(now: number): boolean {
    return !this.down && now >= this.holdSweepsUntil;
  }
}

/** The directory with every operation's outcome reported to `health`. */
export function observedDirectory(d: Directory, health: DirectoryHealth): Directory {
  const watch = async <T>(p: Promise<T>): Promise<T> => {
    try {
      const v = await p;
      health.ok();
      return v;
    } catch (err) {
      health.failed(err);
      throw err;
    }
  };
  return {
    claim: (r: PeerRecord, now: number): Promise<ClaimResult> => watch(d.claim(r, now)),
    get: (id) => watch(d.get(id)),
    binding: (id) => watch(d.binding(id)),
    touch: (id, now, ttl) => watch(d.touch(id, now, ttl)),
    update: (id, patch) => watch(d.update(id, patch)),
    remove: (id, ifPublicKey) => watch(d.remove(id, ifPublicKey)),
    expire: (now) => watch(d.expire(now)),
    count: () => watch(d.count()),
    publish: (node, m) => watch(d.publish(node, m)),
    subscribe: (node, h): Promise<Disposable> => watch(d.subscribe(node, h)),
    close: () => d.close(),
  };
}
