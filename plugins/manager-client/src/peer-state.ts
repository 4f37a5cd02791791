import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { pinholeHome } from '@pinhole/core';

/** What a running `pinhole peer` tells `pinhole status` on the same machine about itself. */
export interface PeerState {
  id: string;
  pid: number;
  manager: string;
  fingerprint: string;
  registered: boolean;
  /** When the current registration (or the wait for one) began. */
  since: number;
  reflexive?: string;
  candidates: string[];
  accepts: string;
  payloadTypes: string[];
  calls: number;
  /** Why it is not registered right now (manager unreachable, refused …). */
  problem?: string;
  updatedAt: number;
}

/** Where running peers keep their state: $PINHOLE_HOME/running/<id>.json. */
export function peerStateDir(home = pinholeHome()): string | undefined {
  return home && path.join(home, 'running');
}

/**
 * One running peer's state file, rewritten atomically (temp file + rename) on every change and
 * removed when the peer stops. A file whose process is gone is reported as stale, not trusted.
 */
export class PeerStateFile {
  private state: PeerState;
  private readonly file?: string;

  constructor(init: Omit<PeerState, 'pid' | 'updatedAt' | 'since' | 'registered' | 'calls' | 'candidates'>, dir = peerStateDir()) {
    this.file = dir && path.join(dir, `${init.id}.json`);
    this.state = { ...init, pid: process.pid, registered: false, since: Date.now(), calls: 0, candidates: [], updatedAt: Date.now() };
  }

  update(change: Partial<PeerState>): void {
    this.state = { ...this.state, ...change, updatedAt: Date.now() };
    if (!this.file) return;
    try {
      fs.mkdirSync(path.dirname(this.file), { recursive: true, mode: 0o700 });
      const tmp = `${this.file}.${randomBytes(4).toString('hex')}.tmp`;
      fs.writeFileSync(tmp, JSON.stringify(this.state), { mode: 0o600 });
      fs.renameSync(tmp, this.file);
    } catch {
      // status is a convenience: a read-only home must not stop the peer
    }
  }

  get current(): PeerState {
    return this.state;
  }

  remove(): void {
    if (this.file) fs.rmSync(this.file, { force: true });
  }
}

/** The state files of peers on this machine, each marked live or stale (its process is gone). */
export function readPeerStates(dir = peerStateDir()): Array<PeerState & { live: boolean }> {
  if (!dir || !fs.existsSync(dir)) return [];
  const out: Array<PeerState & { live: boolean }> = [];
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
    try {
      const s = JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as PeerState;
      out.push({ ...s, live: alive(s.pid) });
    } catch {
      // half-written or foreign: skip
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
