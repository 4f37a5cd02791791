import { DirectoryError, DisposableSet, type ClaimResult, type Directory, type Disposable, type Logger, type PeerRecord } from '@pinhole/core';
import { NodeChannels, type MessageHandler } from './channels';
import { KeySpace } from './keys';
import { describe, type RedisLink } from './link';
import { BACKEND_NAME } from './options';
import { decodeRecord, encodePatch, encodeRecord } from './record-codec';

/** Ids one expiry script call removes at most (keeps each script short; a sweep loops). */
const EXPIRE_BATCH = 1000;

/**
 * The directory on Redis: one instance is one manager node's handle (its own connections).
 * Every node with the same prefix shares the table; see keys.ts for the layout and scripts.ts
 * for the atomic steps. Operations fail with E_DIRECTORY_UNAVAILABLE during an outage (after
 * commandTimeoutMs), which the manager rides out; E_DIRECTORY_CLOSED after close().
 */
export class RedisDirectory implements Directory {
  private readonly channels: NodeChannels;
  private readonly subscriptions = new DisposableSet();
  private closed = false;

  constructor(
    private readonly link: RedisLink,
    private readonly keys: KeySpace,
    /** graceMs: TTL a record keeps in Redis beyond its expiresAt; nameTtlMs: how long an unused name stays bound. */
    private readonly times: { graceMs: number; nameTtlMs: number },
    log: Logger,
  ) {
    this.channels = new NodeChannels(link.sub, link.cmd, link.cluster, (err, channel) =>
      log.error('a directory subscriber threw while handling a message', { channel, error: (err as Error)?.message ?? String(err) }),
    );
  }

  get prefix(): string {
    return this.keys.prefix;
  }

  async claim(record: PeerRecord, now: number): Promise<ClaimResult> {
    const { peerId } = record;
    const [won, fields, boundKey] = (await this.run(() =>
      this.link.cmd.phDirClaim(
        this.keys.record(peerId), this.keys.binding(peerId), this.keys.expiryOf(peerId),
        now, peerId, record.publicKey, record.expiresAt, this.ttl(record.expiresAt, now), this.times.nameTtlMs, this.bindingTtl(record.expiresAt, now),
        ...encodeRecord(record),
      ),
    )) as [number, string[], string?];
    const other = decodeRecord(peerId, fields);
    if (won === 1) return other ? { ok: true, previous: other } : { ok: true };
    return other ? { ok: false, boundKey: boundKey!, holder: other } : { ok: false, boundKey: boundKey! };
  }

  async binding(peerId: string): Promise<string | undefined> {
    const key = await this.run(() => this.link.cmd.phDirBinding(this.keys.record(peerId), this.keys.binding(peerId), Date.now(), this.times.nameTtlMs));
    return (key as string | null) ?? undefined;
  }

  async get(peerId: string): Promise<PeerRecord | undefined> {
    const h = await this.run(() => this.link.cmd.hgetall(this.keys.record(peerId)));
    return decodeRecord(peerId, h);
  }

  async touch(peerId: string, now: number, ttlMs: number): Promise<boolean> {
    const expiresAt = now + ttlMs;
    const done = await this.run(() =>
      this.link.cmd.phDirTouch(this.keys.record(peerId), this.keys.expiryOf(peerId), this.keys.binding(peerId), peerId, now, expiresAt, this.ttl(expiresAt, now), this.bindingTtl(expiresAt, now)),
    );
    return done === 1;
  }

  async update(peerId: string, patch: Parameters<Directory['update']>[1]): Promise<boolean> {
    const ops = encodePatch(patch);
    const done = await this.run(() => this.link.cmd.phDirUpdate(this.keys.record(peerId), ...ops));
    return done === 1;
  }

  async remove(peerId: string, ifPublicKey?: string): Promise<boolean> {
    const check = ifPublicKey === undefined ? ['0', ''] : ['1', ifPublicKey];
    const now = Date.now();
    const done = await this.run(() =>
      this.link.cmd.phDirRemove(this.keys.record(peerId), this.keys.expiryOf(peerId), this.keys.binding(peerId), peerId, ...check, now, this.bindingTtl(now, now)),
    );
    return done === 1;
  }

  /** Every bucket in parallel (different slots, maybe different cluster masters), each drained in batches. */
  async expire(now: number): Promise<string[]> {
    this.open();
    const perShard = await Promise.all(
      Array.from({ length: this.keys.shards }, async (_, shard) => {
        const ids: string[] = [];
        for (;;) {
          const batch = (await this.run(() =>
            this.link.cmd.phDirExpire(this.keys.expiry(shard), now, this.keys.recordPrefix(shard), this.keys.bindingPrefix(shard), EXPIRE_BATCH, this.bindingTtl(now, now)),
          )) as string[];
          ids.push(...batch);
          if (batch.length < EXPIRE_BATCH) return ids;
        }
      }),
    );
    return perShard.flat();
  }

  async count(): Promise<number> {
    this.open();
    const sizes = await Promise.all(Array.from({ length: this.keys.shards }, (_, shard) => this.run(() => this.link.cmd.zcard(this.keys.expiry(shard)))));
    return sizes.reduce((a, b) => a + b, 0);
  }

  async publish(node: string, message: Uint8Array): Promise<void> {
    await this.run(() => this.channels.publish(this.keys.channel(node), message));
  }

  async subscribe(node: string, handler: MessageHandler): Promise<Disposable> {
    return this.subscriptions.track(await this.run(() => this.channels.subscribe(this.keys.channel(node), handler)));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.subscriptions.disposeAll(); // errors collected, not thrown: Redis may be gone, closing must not fail
    await this.link.close();
  }

  /** The Redis TTL of a record: relative (immune to clock skew), past its expiresAt by the grace. */
  private ttl(expiresAt: number, now: number): number {
    return Math.max(0, expiresAt - now) + this.times.graceMs;
  }

  /** A binding's Redis TTL: past the last moment its name can still be in use (the logical lapse is checked in the scripts). */
  private bindingTtl(expiresAt: number, now: number): number {
    return Math.max(0, expiresAt - now) + this.times.nameTtlMs + this.times.graceMs;
  }

  /** One operation: refused after close(); a Redis failure becomes E_DIRECTORY_UNAVAILABLE and starts (or continues) an outage. */
  private async run<T>(op: () => Promise<T>): Promise<T> {
    this.open();
    try {
      const result = await op();
      this.link.recovered();
      return result;
    } catch (err) {
      if (this.closed) throw DirectoryError.CLOSED();
      const why = describe(err as Error);
      this.link.failed(why);
      throw DirectoryError.UNAVAILABLE(BACKEND_NAME, why);
    }
  }

  private open(): void {
    if (this.closed) throw DirectoryError.CLOSED();
  }
}
