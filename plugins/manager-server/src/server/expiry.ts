import { isDirectoryOutage, type Directory, type Logger } from '@pinhole/core';
import type { PeerConnection } from './connection';
import type { DirectoryHealth } from './directory-health';
import type { LocalPeers } from './local-peers';

export interface ExpirySweepDeps {
  directory: Directory;
  peers: LocalPeers;
  health: DirectoryHealth;
  everyMs: number;
  expiryMs: number;
  /** Claims a live local connection's record again; false if another peer holds the id now. */
  reclaim(conn: PeerConnection, now: number): Promise<boolean>;
  log: Logger;
  onExpired?(ids: string[]): void;
}

/**
 * Expires peers that went silent (spec ¶29, ¶40: peers keep their registration alive) and
 * closes their connections if this node holds them. A peer this node heard from within the
 * expiry keeps its registration (its refreshes were lost to a directory outage). Sweeps never
 * overlap, and wait while the directory is down or has just come back (DirectoryHealth).
 */
export function startExpirySweep(d: ExpirySweepDeps): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running || !d.health.sweepAllowed(Date.now())) return;
    running = true;
    try {
      const now = Date.now();
      const ids = await d.directory.expire(now);
      const expired: string[] = [];
      for (const id of ids) {
        const conn = d.peers.get(id);
        if (conn && now - conn.lastHeard < d.expiryMs && (await d.reclaim(conn, now))) continue;
        conn?.fail('E_EXPIRED', `no keep-alive from "${id}" within ${d.expiryMs} ms: registration expired; reconnect and register again`);
        expired.push(id);
      }
      if (expired.length) d.onExpired?.(expired);
    } catch (err) {
      // An outage is logged by the backend once; anything else is a fault worth a line each time.
      if (!isDirectoryOutage(err)) d.log.warn('expiry sweep failed', { error: (err as Error).message });
    } finally {
      running = false;
    }
  }, d.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
