import type { Directory, Logger } from '@pinhole/core';
import type { LocalPeers } from './local-peers';

/**
 * Expires peers that went silent (spec ¶29, ¶40: peers keep their registration alive) and
 * closes their connections if this node holds them. Sweeps never overlap.
 */
export function startExpirySweep(d: { directory: Directory; peers: LocalPeers; everyMs: number; expiryMs: number; log: Logger; onExpired?(ids: string[]): void }): () => void {
  let running = false;
  const timer = setInterval(async () => {
    if (running) return;
    running = true;
    try {
      const ids = await d.directory.expire(Date.now());
      for (const id of ids) d.peers.get(id)?.fail('E_EXPIRED', `no keep-alive from "${id}" within ${d.expiryMs} ms: registration expired; reconnect and register again`);
      if (ids.length) d.onExpired?.(ids);
    } catch (err) {
      d.log.warn('expiry sweep failed', { error: (err as Error).message });
    } finally {
      running = false;
    }
  }, d.everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
