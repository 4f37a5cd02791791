/**
 * What a file peer in its own process (file-sender-child, file-receiver-child) shares: a host
 * with payload-file, a media socket whose port it tells the parent ({bound}), and on the
 * parent's {go} the call's session, keyed by this side's half of the handshake.
 */
import type { DatagramSession, HandshakeResult, MediaTransport } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { transport } from './media';
import { fileHost } from './file-peers';

export interface SessionGo {
  type: 'go';
  callId: string;
  /** This side's half of the call's handshake (done by the parent with both test identities). */
  handshake: HandshakeResult;
  remotePort: number;
  localEndpoint: number;
  remoteEndpoint: number;
}

export const tell = <M>(m: M): void => void process.send!(m);

/** Starts the child; `run` gets the session once the parent says go. */
export async function fileChild<G extends SessionGo>(role: 'caller' | 'callee', run: (session: DatagramSession, go: G, host: Host, t: MediaTransport) => Promise<void>): Promise<void> {
  const host = await fileHost();
  const t = await transport(host);
  process.once('message', async (m: G) => {
    const session = await t.openSession({ callId: m.callId, role, localEndpoint: m.localEndpoint, remoteEndpoint: m.remoteEndpoint, remote: { address: '127.0.0.1', port: m.remotePort }, keepaliveMs: 0, handshake: m.handshake });
    await run(session, m, host, t);
  });
  tell({ type: 'bound', port: t.socket.localPort });
}
