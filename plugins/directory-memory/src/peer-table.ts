import { DEFAULT_NAME_TTL_MS, type ClaimResult, type Directory, type PeerRecord } from '@pinhole/core';
import { copyCandidate, copyRecord } from './copy';
import { ExpiryHeap } from './expiry-heap';

export type RecordPatch = Parameters<Directory['update']>[1];

/** Stale heap entries tolerated per live record before the heap is rebuilt from the map. */
const STALE_FACTOR = 2;
const STALE_SLACK = 1024;

/** A name's owner and the last time the name was used (claimed, touched, or its record lived). */
export interface Binding {
  key: string;
  usedAt: number;
}

/**
 * The directory table itself: one Map of live records plus an expiry heap, and the name→key
 * bindings beside them. Every method is synchronous, which is what makes claim's
 * check-and-write atomic in a single process. Records go in and come out as copies.
 *
 * A binding outlives its record: it lapses `nameTtlMs` after the name was last used. Only
 * records touch the heap on every keep-alive; a binding gets a heap entry when its record goes
 * away, so idle names are released without a scan and without per-keep-alive work.
 */
export class PeerTable {
  private readonly records = new Map<string, PeerRecord>();
  private readonly bindings = new Map<string, Binding>();
  private readonly expiry = new ExpiryHeap();
  private readonly lapse = new ExpiryHeap();

  /** `onChange` runs after every mutation (the snapshot writer listens). */
  constructor(
    private readonly nameTtlMs = DEFAULT_NAME_TTL_MS,
    private readonly onChange: () => void = () => undefined,
  ) {}

  /** Puts records and bindings back as they were saved (at start, from a snapshot). */
  restore(records: PeerRecord[], bindings: Array<[string, Binding]>): void {
    for (const [peerId, b] of bindings) {
      this.bindings.set(peerId, { key: b.key, usedAt: b.usedAt });
      this.lapse.push(b.usedAt + this.nameTtlMs, peerId);
    }
    for (const r of records) {
      this.records.set(r.peerId, copyRecord(r));
      this.expiry.push(r.expiresAt, r.peerId);
    }
  }

  /** Copies of every record and binding (for a snapshot). */
  all(): { records: PeerRecord[]; bindings: Array<[string, Binding]> } {
    return {
      records: [...this.records.values()].map(copyRecord),
      bindings: [...this.bindings].map(([id, b]) => [id, { key: b.key, usedAt: b.usedAt }]),
    };
  }

  get size(): number {
    return this.records.size;
  }

  get boundNames(): number {
    return this.bindings.size;
  }

  claim(record: PeerRecord, now: number): ClaimResult {
    const bound = this.liveBinding(record.peerId, now);
    const current = this.records.get(record.peerId);
    if (bound && bound.key !== record.publicKey) {
      const holder = current && current.expiresAt > now ? copyRecord(current) : undefined;
      return holder ? { ok: false, boundKey: bound.key, holder } : { ok: false, boundKey: bound.key };
    }
    this.bindings.set(record.peerId, { key: record.publicKey, usedAt: now });
    this.records.set(record.peerId, copyRecord(record));
    this.schedule(record.peerId, record.expiresAt);
    this.onChange();
    // A record left over from a lapsed binding of another key is not this key's "previous".
    return current && current.publicKey === record.publicKey ? { ok: true, previous: copyRecord(current) } : { ok: true };
  }

  get(peerId: string): PeerRecord | undefined {
    const r = this.records.get(peerId);
    return r && copyRecord(r);
  }

  binding(peerId: string, now: number): string | undefined {
    return this.liveBinding(peerId, now)?.key;
  }

  touch(peerId: string, now: number, ttlMs: number): boolean {
    const r = this.records.get(peerId);
    if (!r) return false;
    r.lastSeen = now;
    r.expiresAt = now + ttlMs;
    const b = this.bindings.get(peerId);
    if (b && b.key === r.publicKey) b.usedAt = now;
    this.schedule(peerId, r.expiresAt);
    this.onChange();
    return true;
  }

  /** Applies the keys present in `patch` (only the three mutable ones); `reflexive: undefined` clears it. */
  update(peerId: string, patch: RecordPatch): boolean {
    const r = this.records.get(peerId);
    if (!r) return false;
    if (patch.candidates) r.candidates = patch.candidates.map(copyCandidate);
    if (patch.node !== undefined) r.node = patch.node;
    if ('reflexive' in patch) {
      if (patch.reflexive) r.reflexive = copyCandidate(patch.reflexive);
      else delete r.reflexive;
    }
    this.onChange();
    return true;
  }

  /** The record goes (its heap entry goes stale and is dropped when it surfaces); the binding stays. */
  remove(peerId: string, ifPublicKey: string | undefined, now: number): boolean {
    const r = this.records.get(peerId);
    if (!r || (ifPublicKey !== undefined && r.publicKey !== ifPublicKey)) return false;
    this.records.delete(peerId);
    this.retire(peerId, now);
    this.onChange();
    return true;
  }

  /** Pops due entries only: O(expired + stale) · log n, never a scan of the whole table. */
  expire(now: number): string[] {
    const expired: string[] = [];
    for (let t = this.expiry.peekTime(); t !== undefined && t <= now; t = this.expiry.peekTime()) {
      const id = this.expiry.pop()!;
      const r = this.records.get(id);
      // The entry is current only if the record still expires at that time; otherwise it was
      // renewed, touched or removed since it was pushed.
      if (r && r.expiresAt === t) {
        this.records.delete(id);
        this.retire(id, r.lastSeen);
        expired.push(id);
      }
    }
    let lapsed = 0;
    for (let t = this.lapse.peekTime(); t !== undefined && t <= now; t = this.lapse.peekTime()) {
      const id = this.lapse.pop()!;
      const b = this.bindings.get(id);
      if (b && !this.records.has(id) && b.usedAt + this.nameTtlMs <= now) this.bindings.delete(id), lapsed++;
    }
    if (expired.length || lapsed) this.onChange();
    return expired;
  }

  private liveBinding(peerId: string, now: number): Binding | undefined {
    const b = this.bindings.get(peerId);
    if (!b) return undefined;
    if (this.records.has(peerId) || b.usedAt + this.nameTtlMs > now) return b;
    this.bindings.delete(peerId);
    return undefined;
  }

  /** The name's record is gone: its binding lapses nameTtlMs after it was last used. */
  private retire(peerId: string, usedAt: number): void {
    const b = this.bindings.get(peerId);
    if (!b) return;
    b.usedAt = Math.max(b.usedAt, usedAt);
    this.lapse.push(b.usedAt + this.nameTtlMs, peerId);
  }

  private schedule(peerId: string, expiresAt: number): void {
    this.expiry.push(expiresAt, peerId);
    // Keep-alives push an entry each; if nobody sweeps for a long time, rebuild rather than grow.
    if (this.expiry.size > STALE_FACTOR * this.records.size + STALE_SLACK)
      this.expiry.rebuild([...this.records].map(([id, r]) => [r.expiresAt, id] as const));
  }
}
