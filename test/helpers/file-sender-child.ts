/**
 * A sending peer in its own process, for tests that kill it for real (SIGKILL mid-transfer).
 * IPC: child → {bound, port}; parent → {go, …}; child → {progress, bytes}* then {done, sent} | {failed, code}.
 */
import type { HandshakeResult } from '@pinhole/core';
import { transport } from './media';
import { fileHost, filePayload } from './file-peers';

export interface GoMessage {
  type: 'go';
  callId: string;
  /** This side's half of the call's handshake (done by the parent with both test identities). */
  handshake: HandshakeResult;
  remotePort: number;
  localEndpoint: number;
  remoteEndpoint: number;
  file: string;
}
export type ChildMessage =
  | { type: 'bound'; port: number }
  | { type: 'progress'; bytes: number }
  | { type: 'done'; sent: { resumedFrom: number; transferred: number; wireBytes: number; hash: string; streams: number } }
  | { type: 'failed'; code: string; message: string };

const tell = (m: ChildMessage) => process.send!(m);

async function main(): Promise<void> {
  const host = await fileHost();
  const t = await transport(host);
  process.once('message', async (m: GoMessage) => {
    const session = await t.openSession({ callId: m.callId, role: 'caller', localEndpoint: m.localEndpoint, remoteEndpoint: m.remoteEndpoint, remote: { address: '127.0.0.1', port: m.remotePort }, keepaliveMs: 0, handshake: m.handshake });
    await session.ping();
    const ep = filePayload(host).attach(session);
    ep.onProgress((p) => p.phase === 'transfer' && tell({ type: 'progress', bytes: p.bytes }));
    try {
      const sent = await ep.send({ path: m.file });
      tell({ type: 'done', sent: { resumedFrom: sent.resumedFrom, transferred: sent.transferred, wireBytes: sent.wireBytes, hash: sent.hash, streams: sent.streams } });
    } catch (err) {
      tell({ type: 'failed', code: (err as { code?: string }).code ?? 'E_INTERNAL', message: (err as Error).message });
    }
    await ep.close();
    await t.close();
    await host.dispose();
    process.disconnect();
  });
  tell({ type: 'bound', port: t.socket.localPort });
}

void main();
