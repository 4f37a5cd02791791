import type { ClaimResult, Directory, PeerRecord } from '@pinhole/core';
import { copyCandidate, copyRecord } from './copy';
import { ExpiryHeap } from './expiry-heap';

export type RecordPatch = Parameters<Directory['update']>[1];

/** Stale heap entries tolerated per live record before the heap is rebuilt from the map. */
const STALE_FACTOR = 2;
const STALE_SLACK = 1024;

/**
 * The directory table itself: one Map of records plus an expiry heap. Every method is
 * synchronous, which is what makes claim's check-and-write atomic in a single process.
 * Records go in and come out as copies.
 */
export class PeerTable {
  private readonly records = new Map<string, PeerRecord>();
  private readonly expiry = new ExpiryHeap();

  /** `onChange` runs after every mutation (the snapshot writer listens). */
  constructor(private readonly onChange: () => void = () => undefined) {}

  /** Puts records back as they were saved (at start, from a snapshot). */
  restore(records: PeerRecord[]): void {
    for (const r of records) {
      this.records.set(r.peerId, copyRecord(r));
      this.expiry.push(r.expiresAt, r.peerId);
    }
  }

  /** Copies of every record (for a snapshot). */
  all(): PeerRecord[] {
    return [...this.records.values()].map(copyRecord);
  }

  get size(): number {
    return this.records.size;
  }

  claim(record: PeerRecord, now: number): ClaimResult {
    const current = this.records.get(record.peerId);
    if (current && current.expiresAt > now && current.secretHash !== record.secretHash)
      return { ok: false, holder: copyRecord(current) };
    this.records.set(record.peerId, copyRecord(record));
    this.schedule(record.peerId, record.expiresAt);
    this.onChange();
    return current ? { ok: true, previous: copyRecord(current) } : { ok: true };
  }

  get(peerId: string): PeerRecord | undefined {
    const r = this.records.get(peerId);
    return r && copyRecord(r);
  }

  touch(peerId: string, now: number, ttlMs: number): boolean {
    const r = this.records.get(peerId);
    if (!r) return false;
    r.lastSeen = now;
    r.expiresAt = now + ttlMs;
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

  /** Its heap entry goes stale and is dropped when it surfaces. */
  remove(peerId: string, ifSecretHash?: string): boolean {
    const r = this.records.get(peerId);
    if (!r || (ifSecretHash !== undefined && r.secretHash !== ifSecretHash)) return false;
    this.records.delete(peerId);
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
        expired.push(id);
      }
    }
    if (expired.length) this.onChange();
    return expired;
  }

  private schedule(peerId: string, expiresAt: number): void {
    this.expiry.push(expiresAt, peerId);
    // Keep-alives push an entry each; if nobody sweeps for a long time, rebuild rather than grow.
    if (this.expiry.size > STALE_FACTOR * this.records.size + STALE_SLACK)
      this.expiry.rebuild([...this.records].map(([id, r]) => [r.expiresAt, id] as const));
  }
}
