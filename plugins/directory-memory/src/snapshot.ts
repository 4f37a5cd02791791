import { promises as fsp, readFileSync } from 'fs';
import { DirectoryError, type Candidate, type PeerRecord } from '@pinhole/core';
import type { Binding } from './peer-table';

/** The file's shape; `pinholeDirectory` is its format version (2: names bound to public keys). */
interface SnapshotJson {
  pinholeDirectory: 2;
  savedAt: number;
  /** name → { key, usedAt }: what keeps a name its owner's across restarts. */
  bindings: Record<string, Binding>;
  records: PeerRecord[];
}

export interface Snapshot {
  records: PeerRecord[];
  bindings: Array<[string, Binding]>;
}

/**
 * Reads a snapshot written by SnapshotWriter. A missing file is an empty table (first start);
 * anything unreadable or malformed stops the manager with the file named (never a silent reset
 * that would give every name away).
 */
export function loadSnapshot(file: string): Snapshot {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], bindings: [] };
    throw DirectoryError.SNAPSHOT(file, `cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); fix its permissions or point directoryOptions.file elsewhere`);
  }
  let json: SnapshotJson;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw DirectoryError.SNAPSHOT(file, `is not JSON (${(err as Error).message}); restore it from a backup or remove it to start empty`);
  }
  if (json?.pinholeDirectory !== 2 || !Array.isArray(json.records) || !json.bindings || typeof json.bindings !== 'object')
    throw DirectoryError.SNAPSHOT(file, 'is not a Pinhole directory snapshot (format 2); restore it from a backup or remove it to start empty');
  json.records.forEach((r, i) => {
    const fault = recordFault(r);
    if (fault) throw DirectoryError.SNAPSHOT(file, `records[${i}] ${fault}; restore it from a backup or remove it to start empty`);
  });
  const bindings = Object.entries(json.bindings);
  for (const [name, b] of bindings)
    if (!b || typeof b.key !== 'string' || !b.key || !Number.isFinite(b.usedAt))
      throw DirectoryError.SNAPSHOT(file, `bindings["${name.slice(0, 64)}"] has no key or usedAt; restore it from a backup or remove it to start empty`);
  return { records: json.records, bindings };
}

const isCandidate = (c: Candidate) => !!c && typeof c.address === 'string' && Number.isInteger(c.port) && typeof c.kind === 'string';
const isStrings = (a: unknown) => Array.isArray(a) && a.every((s) => typeof s === 'string');

function recordFault(r: PeerRecord): string | undefined {
  if (!r || typeof r !== 'object') return 'is not an object';
  if (typeof r.peerId !== 'string' || !r.peerId) return 'has no peerId';
  if (typeof r.publicKey !== 'string' || !r.publicKey) return 'has no publicKey';
  if (!r.policy || typeof r.policy !== 'object' || !isStrings(r.policy.allow) || typeof r.policy.mode !== 'string') return 'has a malformed policy';
  if (typeof r.node !== 'string') return 'has no node';
  if (!Array.isArray(r.candidates) || !r.candidates.every(isCandidate)) return 'has malformed candidates';
  if (r.reflexive !== undefined && !isCandidate(r.reflexive)) return 'has a malformed reflexive';
  if (!isStrings(r.payloadTypes)) return 'has malformed payloadTypes';
  if (!r.meta || typeof r.meta !== 'object' || !isStrings(Object.values(r.meta))) return 'has malformed meta';
  for (const k of ['registeredAt', 'lastSeen', 'expiresAt'] as const) if (!Number.isFinite(r[k])) return `has no ${k}`;
  return undefined;
}

/**
 * Writes the table to `file` after changes, at most once per `delayMs`, atomically: a temp
 * file beside it, flushed to disk, then renamed over it, so a crash leaves the old snapshot or
 * the new one, never half of one. A failing write is reported once until a write succeeds.
 */
export class SnapshotWriter {
  private timer?: NodeJS.Timeout;
  private dirty = false;
  private failing = false;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly delayMs: number,
    private readonly read: () => Snapshot,
    private readonly onError: (err: DirectoryError) => void,
  ) {}

  changed(): void {
    this.dirty = true;
    if (this.timer) return;
    this.timer = setTimeout(() => void this.flush(), this.delayMs);
    this.timer.unref();
  }

  /** Writes now if anything changed; resolves when every write so far is on disk. */
  flush(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const { records, bindings } = this.read();
    const json: SnapshotJson = { pinholeDirectory: 2, savedAt: Date.now(), bindings: Object.fromEntries(bindings), records };
    this.writing = this.writing.then(() => this.write(JSON.stringify(json)));
    return this.writing;
  }

  private async write(text: string): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`;
    try {
      const fh = await fsp.open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await fsp.rename(tmp, this.file);
      this.failing = false;
    } catch (err) {
      await fsp.rm(tmp, { force: true }).catch(() => undefined);
      this.dirty = true; // try again with the next change
      if (!this.failing) this.onError(DirectoryError.SNAPSHOT(this.file, `cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); names will not survive a restart until it can`));
      this.failing = true;
    }
  }
}
