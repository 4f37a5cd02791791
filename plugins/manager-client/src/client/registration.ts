import { SignalError, toPolicyMsg, type CallPolicy, type Candidate, type Hooks, type Identity, type PinholeError, type Registration } from '@pinhole/core';
import { PROTOCOL_VERSION, toCandidateMsg, type Msg } from '../protocol';
import type { ControlConnection } from './connection';

export interface RegisterParams {
  peerId: string;
  payloadTypes: string[];
  candidates: Candidate[];
  policy: CallPolicy;
}

/**
 * The registration exchange on a fresh connection (spec ¶35–¶36): the manager's Hello brings a
 * nonce; the client-side `register` hook builds the Registration (candidate gatherers add to
 * it, the identity plugin signs it over the nonce, a tap may refuse), then Register goes out and
 * Registered (or the manager's Error) comes back.
 */
export async function registerOn(conn: ControlConnection, p: RegisterParams, hooks: Hooks, timeoutMs: number, identity: Identity): Promise<{ registration: Registration; registered: Msg<'registered'> }> {
  let hello;
  try {
    hello = await conn.next(timeoutMs, 'Hello');
  } catch (err) {
    // A manager that hangs up before saying Hello most likely speaks the other TLS setting.
    if ((err as PinholeError).code !== 'E_MANAGER_LOST') throw err;
    throw new SignalError(
      'E_MANAGER_UNREACHABLE',
      `${(err as Error).message}: ${conn.tls ? 'is the manager running with --insecure? then both ends must use it; better, run it with TLS' : 'the manager probably speaks TLS: drop --insecure'}`,
    );
  }
  if (hello.kind === 'error') throw new SignalError(hello.error!.code, `the manager refused the connection: ${hello.error!.message}`, { fromManager: true });
  if (hello.kind !== 'hello' || hello.hello!.nonce.length < 16)
    throw new SignalError('E_OUT_OF_ORDER', `the manager opened with ${hello.kind} instead of Hello; is this a Pinhole manager of protocol version ${PROTOCOL_VERSION}?`);
  if (hello.hello!.protocolVersion !== PROTOCOL_VERSION)
    throw new SignalError('E_PROTOCOL_VERSION', `the manager speaks protocol version ${hello.hello!.protocolVersion}, this peer ${PROTOCOL_VERSION}; upgrade the older side`);

  let registration: Registration = { peerId: p.peerId, protocolVersion: PROTOCOL_VERSION, candidates: p.candidates, payloadTypes: p.payloadTypes, meta: {}, policy: p.policy };
  try {
    registration = await hooks.register.promise(registration, { side: 'client', transport: conn.transport, challenge: hello.hello!.nonce, identity });
  } catch (err) {
    // A tap's error (TapError) keeps the tap's code; its message names the plugin.
    const e = err as PinholeError;
    throw new SignalError(e?.code ?? 'E_REGISTER_REFUSED', `a register hook refused to build the registration: ${e?.message ?? String(e)}`);
  }
  if (!registration.identity?.signature)
    throw new SignalError('E_REGISTER_AUTH', 'no plugin signed the registration with an identity key; enable the identity-ed25519 plugin');
  conn.send({
    register: {
      peerId: registration.peerId,
      protocolVersion: registration.protocolVersion,
      candidates: registration.candidates.map(toCandidateMsg),
      payloadTypes: registration.payloadTypes,
      meta: registration.meta,
      publicKey: registration.identity.publicKey,
      signature: registration.identity.signature,
      policy: registration.policy ? toPolicyMsg(registration.policy) : undefined,
    },
  });
  const reply = await conn.next(timeoutMs, 'Registered');
  if (reply.kind === 'registered') return { registration, registered: reply.registered! };
  if (reply.kind === 'error') throw new SignalError(reply.error!.code, `the manager refused the registration of "${registration.peerId}": ${reply.error!.message}`, { fromManager: true });
  throw new SignalError('E_OUT_OF_ORDER', `the manager answered Register with ${reply.kind}; is this a Pinhole manager of the same protocol version?`);
}
