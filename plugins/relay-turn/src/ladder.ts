import { parseTurnUri, type RelayServer } from '@pinhole/core';
import type { TurnAllocator, TurnServerSpec } from './allocator';
import { TurnError } from './errors';
import type { RelayDatagramSocket } from './relay-socket';

/**
 * The allocation attempts for the advertised servers, cheapest first: every server over UDP,
 * then over TCP (a `turn:` URI's port speaks both), then TLS (`turns:`). Without UDP (the NAT
 * classification found none) the UDP attempts are skipped: TCP/TLS is the last resort for
 * networks that block UDP.
 */
export function attempts(servers: RelayServer[], udpBlocked: boolean): TurnServerSpec[] {
  const out: Array<TurnServerSpec & { rank: number }> = [];
  for (const s of servers) {
    let addr;
    try {
      addr = parseTurnUri(s.uri);
    } catch {
      continue; // the manager checks what it advertises; a bad entry is skipped, not fatal
    }
    const spec = { username: s.username, password: s.password, ...(s.ca ? { ca: s.ca } : {}) };
    const host = addr.host.includes(':') ? `[${addr.host}]` : addr.host;
    if (addr.transport === 'udp') {
      if (!udpBlocked) out.push({ ...spec, uri: `turn:${host}:${addr.port}`, rank: 0 });
      out.push({ ...spec, uri: `turn:${host}:${addr.port}?transport=tcp`, rank: 1 });
    } else out.push({ ...spec, uri: addr.text, rank: addr.transport === 'tcp' ? 1 : 2 });
  }
  return out.sort((a, b) => a.rank - b.rank).map(({ rank: _r, ...spec }) => spec);
}

/** Allocates on the first attempt that works, within `budgetMs` in all; the last failure otherwise. */
export async function allocateFirst(allocator: TurnAllocator, specs: TurnServerSpec[], attemptMs: number, budgetMs: number, signal: AbortSignal): Promise<RelayDatagramSocket> {
  const deadline = Date.now() + budgetMs;
  let last: unknown;
  for (const spec of specs) {
    const left = deadline - Date.now();
    if (left <= 0 || signal.aborted) break;
    try {
      const socket = await allocator.socket(spec, Math.min(attemptMs, left));
      if (signal.aborted) {
        await socket.close();
        break;
      }
      return socket;
    } catch (err) {
      last = err;
    }
  }
  if (signal.aborted) throw signal.reason;
  throw last ?? TurnError.CONNECT(specs.map((s) => s.uri).join(', ') || 'no TURN server', `no allocation within ${budgetMs} ms`);
}
