import { DEFAULT_NAME_TTL_MS, PinholeError, type ClaimResult, type Directory, type Disposable, type PeerRecord } from '@pinhole/core';

/** The shared state: every Directory connected to one Table sees the same records, name bindings and messages. */
export class Table {
  readonly records = new Map<string, PeerRecord>();
  /** Each name's key and when the name was last used: a name belongs to the key that first claimed it. */
  readonly bindings = new Map<string, { key: string; usedAt: number }>();
  readonly subscribers = new Map<string, Set<(message: Uint8Array) => void>>();
  constructor(readonly nameTtlMs = DEFAULT_NAME_TTL_MS) {}
}

const copy = (r: PeerRecord): PeerRecord => structuredClone(r);

/**
 * One manager node's view of a Table. A plain Map scan for expiry keeps it short; a backend
 * for many peers would keep an expiry heap (see directory-memory).
 */
export class TableDirectory implements Directory {
  private closed = false;
  private readonly subscriptions = new Set<Disposable>();

  constructor(private readonly table: Table) {}

  /** Another node on the same table (what the compliance suite's "across nodes" uses). */
  connect(): TableDirectory {
    return new TableDirectory(this.table);
  }

  private open(): void {
    if (this.closed) throw new PinholeError('E_DIRECTORY_CLOSED', 'this directory was closed; create a new one from the backend');
  }

  /** The name's binding, unless it lapsed (no record, unused for nameTtlMs). */
  private bound(peerId: string, now: number): { key: string; usedAt: number } | undefined {
    const b = this.table.bindings.get(peerId);
    if (b && !this.table.records.has(peerId) && b.usedAt + this.table.nameTtlMs <= now) {
      this.table.bindings.delete(peerId);
      return undefined;
    }
    return b;
  }

  async claim(record: PeerRecord, now: number): Promise<ClaimResult> {
    this.open();
    const held = this.table.records.get(record.peerId);
    const b = this.bound(record.peerId, now);
    if (b && b.key !== record.publicKey) {
      const live = held && held.expiresAt > now ? copy(held) : undefined;
      return live ? { ok: false, boundKey: b.key, holder: live } : { ok: false, boundKey: b.key };
    }
    this.table.bindings.set(record.peerId, { key: record.publicKey, usedAt: now });
    this.table.records.set(record.peerId, copy(record));
    return held && held.publicKey === record.publicKey ? { ok: true, previous: copy(held) } : { ok: true };
  }

  async binding(peerId: string): Promise<string | undefined> {
    this.open();
    return this.bound(peerId, Date.now())?.key;
  }

  async get(peerId: string): Promise<PeerRecord | undefined> {
    this.open();
    const r = this.table.records.get(peerId);
    return r && copy(r);
  }

  async touch(peerId: string, now: number, ttlMs: number): Promise<boolean> {
    this.open();
    const r = this.table.records.get(peerId);
    if (!r) return false;
    r.lastSeen = now;
    r.expiresAt = now + ttlMs;
    const b = this.table.bindings.get(peerId);
    if (b) b.usedAt = now;
    return true;
  }

  async update(peerId: string, patch: Partial<Pick<PeerRecord, 'reflexive' | 'candidates' | 'node'>>): Promise<boolean> {
    this.open();
    const r = this.table.records.get(peerId);
    if (!r) return false;
    if ('candidates' in patch && patch.candidates) r.candidates = structuredClone(patch.candidates);
    if ('node' in patch && patch.node !== undefined) r.node = patch.node;
    if ('reflexive' in patch) {
      if (patch.reflexive === undefined) delete r.reflexive;
      else r.reflexive = structuredClone(patch.reflexive);
    }
    return true;
  }

  /** The live record goes; the name stays bound to its key. */
  async remove(peerId: string, ifPublicKey?: string): Promise<boolean> {
    this.open();
    const r = this.table.records.get(peerId);
    if (!r || (ifPublicKey !== undefined && r.publicKey !== ifPublicKey)) return false;
    return this.table.records.delete(peerId);
  }

  async expire(now: number): Promise<string[]> {
    this.open();
    const gone: string[] = [];
    for (const [id, r] of this.table.records)
      if (r.expiresAt <= now) {
        this.table.records.delete(id);
        gone.push(id);
      }
    for (const id of [...this.table.bindings.keys()]) this.bound(id, now);
    return gone;
  }

  async count(): Promise<number> {
    this.open();
    return this.table.records.size;
  }

  async publish(node: string, message: Uint8Array): Promise<void> {
    this.open();
    const bytes = Uint8Array.from(message); // the sender may reuse its buffer
    const handlers = [...(this.table.subscribers.get(node) ?? [])];
    for (const h of handlers)
      setImmediate(() => {
        try {
          h(bytes);
        } catch {
          // one failing subscriber must not stop the others
        }
      });
  }

  async subscribe(node: string, handler: (message: Uint8Array) => void): Promise<Disposable> {
    this.open();
    let set = this.table.subscribers.get(node);
    if (!set) this.table.subscribers.set(node, (set = new Set()));
    const h = (m: Uint8Array): void => handler(m);
    set.add(h);
    const sub: Disposable = {
      dispose: () => {
        set!.delete(h);
        if (set!.size === 0 && this.table.subscribers.get(node) === set) this.table.subscribers.delete(node);
        this.subscriptions.delete(sub);
      },
    };
    this.subscriptions.add(sub);
    return sub;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.subscriptions]) s.dispose();
  }
}
