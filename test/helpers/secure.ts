import { IdentityStore, SessionSecurity, type HandshakeResult, type Identity } from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { peerFiles } from './peers';

/** The identity of test peer `id` (its own key file under the suite's PINHOLE_HOME). */
export async function identityOf(host: Host, id: string): Promise<Identity> {
  await host.plugins.activate('identity-ed25519');
  return (await (await host.services.load<IdentityStore>(IdentityStore)).load(peerFiles(id).identity)).identity;
}

/**
 * A real Noise handshake (secure-noise, IK) between test peers `callerId` and `calleeId` for one
 * call, its messages passed in memory instead of inside window-opening probes: what the call
 * flow hands media-udp when it opens the two sessions.
 */
export async function handshakePair(
  host: Host,
  ids: { callId: string; callerEndpoint: number; calleeEndpoint: number },
  callerId = 'caller',
  calleeId = 'callee',
): Promise<{ caller: HandshakeResult; callee: HandshakeResult }> {
  await host.plugins.activate('secure-noise');
  const security = (await host.services.load<SessionSecurity>(SessionSecurity));
  const [a, b] = [await identityOf(host, callerId), await identityOf(host, calleeId)];
  const initiator = security.initiator({ callId: ids.callId, localEndpoint: ids.callerEndpoint, remoteEndpoint: ids.calleeEndpoint, identity: a, remotePublicKey: b.publicKey });
  const responder = security.responder({ callId: ids.callId, localEndpoint: ids.calleeEndpoint, remoteEndpoint: ids.callerEndpoint, identity: b, checkInitiator: () => true });
  const step = responder.receive(initiator.message);
  if (!step.reply || !step.result) throw new Error(`the responder did not answer message 1 (${step.dropped})`);
  const done = initiator.receive(step.reply);
  if (!done.result) throw new Error(`the initiator did not accept message 2 (${done.dropped})`);
  return { caller: done.result, callee: step.result };
}
