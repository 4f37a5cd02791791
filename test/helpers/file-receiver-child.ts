/**
 * A receiving peer in its own process, for tests that kill it for real (SIGKILL mid-transfer).
 * IPC: child → {bound, port}; parent → {go, …}; child → {progress, bytes}* then {done} | {failed, code}.
 */
import { fileChild, tell, type SessionGo } from './file-child';
import { filePayload } from './file-peers';

export interface ReceiveMessage extends SessionGo {
  inbox: string;
}
export type ReceiverChildMessage = { type: 'bound'; port: number } | { type: 'progress'; bytes: number } | { type: 'done' } | { type: 'failed'; code: string };

void fileChild<ReceiveMessage>('callee', async (session, m, host) => {
  const ep = filePayload(host).attach(session, { inbox: m.inbox });
  ep.onProgress((p) => p.phase === 'transfer' && tell<ReceiverChildMessage>({ type: 'progress', bytes: p.bytes }));
  ep.onReceived(() => tell<ReceiverChildMessage>({ type: 'done' }));
  ep.onError((e) => tell<ReceiverChildMessage>({ type: 'failed', code: e.code }));
});
