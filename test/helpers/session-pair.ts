import type { DatagramSession, MediaTransport } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { transport } from './media';
import { handshakePair } from './secure';

/** Two media sockets on loopback with one direct session between them, path up both ways. */
export interface SessionPair {
  a: MediaTransport;
  b: MediaTransport;
  /** a's session (the caller's side). */
  as: DatagramSession;
  /** b's session (the callee's side). */
  bs: DatagramSession;
  close(): Promise<void>;
}

let nextEndpoint = 0x7000;

/**
 * What a call sets up: matching endpoint ids, each side aimed at the other, and — unless
 * `insecure` — the sessions keyed by a real Noise handshake between two test identities, so
 * every datagram is sealed and every reliable stream encrypted, as in production.
 */
export async function sessionPair(host: Host, o: { insecure?: boolean } = {}): Promise<SessionPair> {
  const a = await transport(host);
  const b = await transport(host);
  const ids = [nextEndpoint++, nextEndpoint++];
  const addr = (t: MediaTransport) => ({ address: '127.0.0.1', port: t.socket.localPort });
  const callId = `pair-${ids[0]}`;
  const hs = o.insecure ? undefined : await handshakePair(host, { callId, callerEndpoint: ids[0], calleeEndpoint: ids[1] });
  const as = await a.openSession({ callId, role: 'caller', localEndpoint: ids[0], remoteEndpoint: ids[1], remote: addr(b), keepaliveMs: 0, handshake: hs?.caller, insecure: o.insecure });
  const bs = await b.openSession({ callId, role: 'callee', localEndpoint: ids[1], remoteEndpoint: ids[0], remote: addr(a), keepaliveMs: 0, handshake: hs?.callee, insecure: o.insecure });
  await as.ping();
  await bs.ping();
  return {
    a,
    b,
    as,
    bs,
    close: async () => {
      await a.close();
      await b.close();
    },
  };
}
