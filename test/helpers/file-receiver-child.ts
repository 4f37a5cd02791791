/**
 * A receiving peer in its own process, for tests that kill it for real (SIGKILL mid-transfer).
 * IPC: child → {bound, port}; parent → {go, …}; child → {progress, bytes}* then {done} | {failed, code}.
 */
import type { HandshakeResult } from '@pinhole/core';
import { transport } from './media';
import { fileHost, filePayload } from './file-peers';

export interface ReceiveMessage {
  type: 'go';
  callId: string;
  /** This side's half of the call's handshake (done by the parent with both test identities). */
  handshake: HandshakeResult;
  remotePort: number;
  localEndpoint: number;
  remoteEndpoint: number;
  inbox: string;
}
export type ReceiverChildMessage = { type: 'bound'; port: number } | { type: 'progress'; bytes: number } | { type: 'done' } | { type: 'failed'; code: string };

const tell = (m: ReceiverChildMessage) => process.send!(m);

async function main(): Promise<void> {
  const host = await fileHost();
  const t = await transport(host);
  process.once('message', async (m: ReceiveMessage) => {
    const session = await t.openSession({ callId: m.callId, role: 'callee', localEndpoint: m.localEndpoint, remoteEndpoint: m.remoteEndpoint, remote: { address: '127.0.0.1', port: m.remotePort }, keepaliveMs: 0, handshake: m.handshake });
    const ep = filePayload(host).attach(session, { inbox: m.inbox });
    ep.onProgress((p) => p.phase === 'transfer' && tell({ type: 'progress', bytes: p.bytes }));
    ep.onReceived(() => tell({ type: 'done' }));
    ep.onError((e) => tell({ type: 'failed', code: e.code }));
  });
  tell({ type: 'bound', port: t.socket.localPort });
}

void main();
