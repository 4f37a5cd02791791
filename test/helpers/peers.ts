import * as path from 'path';
import type { CallPolicy, ManagerServer, PeerClientOptions } from '@pinhole/core';

/** Takes calls from every authenticated caller (what test callees and the demo use). */
export const ANY_CALLER: CallPolicy = { mode: 'any', allow: [], optimistic: false };

/** Where a test peer named `id` keeps its key and pins: its own files under the suite's PINHOLE_HOME. */
export function peerFiles(id: string): { identity: string; knownPeers: string } {
  const dir = path.join(process.env.PINHOLE_HOME!, 'peers');
  return { identity: path.join(dir, `${id}.pem`), knownPeers: path.join(dir, `${id}.known_peers`) };
}

/**
 * Options for a test peer on loopback: its own identity, the manager's certificate pinned
 * from the running manager (as `--manager-fingerprint` does), calls from anyone accepted.
 */
export function peerOptions(id: string, manager: ManagerServer | { tcp: string; pin?: string }, extra: Partial<PeerClientOptions> = {}): PeerClientOptions {
  const where = 'address' in manager ? manager.address() : undefined;
  return {
    peerId: id,
    manager: where ? `127.0.0.1:${where.tcp.port}` : (manager as { tcp: string }).tcp,
    managerFingerprint: where ? where.tls?.pin : (manager as { pin?: string }).pin,
    udpHost: '127.0.0.1',
    policy: ANY_CALLER,
    ...peerFiles(id),
    ...extra,
  };
}
