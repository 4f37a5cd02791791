import { SignalError, type Candidate, type Hooks, type PinholeError, type Registration } from '@pinhole/core';
import { PROTOCOL_VERSION, toCandidateMsg, type Msg } from '../protocol';
import type { ControlConnection } from './connection';

export interface RegisterParams {
  peerId: string;
  secret?: string;
  payloadTypes: string[];
  candidates: Candidate[];
}

/**
 * The registration exchange on a fresh connection (spec ¶35–¶36): the client-side `register`
 * hook builds the Registration (candidate gatherers add to it, a tap may refuse), then
 * Register goes out and Registered (or the manager's Error) comes back.
 */
export async function registerOn(conn: ControlConnection, p: RegisterParams, hooks: Hooks, timeoutMs: number): Promise<{ registration: Registration; registered: Msg<'registered'> }> {
  let registration: Registration = { peerId: p.peerId, protocolVersion: PROTOCOL_VERSION, candidates: p.candidates, payloadTypes: p.payloadTypes, meta: {} };
  try {
    registration = await hooks.register.promise(registration, { side: 'client', transport: conn.transport });
  } catch (err) {
    // A tap's error (TapError) keeps the tap's code; its message names the plugin.
    const e = err as PinholeError;
    throw new SignalError(e?.code ?? 'E_REGISTER_REFUSED', `a register hook refused to build the registration: ${e?.message ?? String(e)}`);
  }
  conn.send({
    register: {
      peerId: registration.peerId,
      protocolVersion: registration.protocolVersion,
      candidates: registration.candidates.map(toCandidateMsg),
      payloadTypes: registration.payloadTypes,
      meta: registration.meta,
      secret: p.secret ?? '',
    },
  });
  const reply = await conn.next(timeoutMs, 'Registered');
  if (reply.kind === 'registered') return { registration, registered: reply.registered! };
  if (reply.kind === 'error') throw new SignalError(reply.error!.code, `the manager refused the registration of "${registration.peerId}": ${reply.error!.message}`, { fromManager: true });
  throw new SignalError('E_OUT_OF_ORDER', `the manager answered Register with ${reply.kind}; is this a Pinhole manager of the same protocol version?`);
}
