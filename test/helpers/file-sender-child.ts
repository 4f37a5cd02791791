/**
 * A sending peer in its own process, for tests that kill it for real (SIGKILL mid-transfer).
 * IPC: child → {bound, port}; parent → {go, …}; child → {progress, bytes}* then {done, sent} | {failed, code}.
 */
import { fileChild, tell, type SessionGo } from './file-child';
import { filePayload } from './file-peers';

export interface GoMessage extends SessionGo {
  file: string;
}
export type ChildMessage =
  | { type: 'bound'; port: number }
  | { type: 'progress'; bytes: number }
  | { type: 'done'; sent: { resumedFrom: number; transferred: number; wireBytes: number; hash: string; streams: number } }
  | { type: 'failed'; code: string; message: string };

void fileChild<GoMessage>('caller', async (session, m, host, t) => {
  await session.ping();
  const ep = filePayload(host).attach(session);
  ep.onProgress((p) => p.phase === 'transfer' && tell<ChildMessage>({ type: 'progress', bytes: p.bytes }));
  try {
    const sent = await ep.send({ path: m.file });
    tell<ChildMessage>({ type: 'done', sent: { resumedFrom: sent.resumedFrom, transferred: sent.transferred, wireBytes: sent.wireBytes, hash: sent.hash, streams: sent.streams } });
  } catch (err) {
    tell<ChildMessage>({ type: 'failed', code: (err as { code?: string }).code ?? 'E_INTERNAL', message: (err as Error).message });
  }
  await ep.close();
  await t.close();
  await host.dispose();
  process.disconnect();
});
