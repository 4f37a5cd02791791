import * as dgram from 'dgram';
import { sameBytes, type HandshakeInitiator, type HandshakeResponder, type HandshakeResult, type Identity } from '@pinhole/core';
import { NoiseSessionSecurity } from '@pinhole/secure-noise';
import { memoryIdentity } from '../../helpers/identities';

export const security = new NoiseSessionSecurity();
export const CALLER_EP = 0x1111;
export const CALLEE_EP = 0x2222;

export interface Parties {
  alice: Identity;
  bob: Identity;
  ini: HandshakeInitiator;
  res: HandshakeResponder;
}

/** Alice (caller) and Bob (callee) about to run call `callId`; IK when Alice knows Bob's key. */
export function parties(pattern: 'IK' | 'XX', callId = 'call-1'): Parties {
  const alice = memoryIdentity('alice');
  const bob = memoryIdentity('bob');
  return {
    alice,
    bob,
    ini: security.initiator({
      callId,
      localEndpoint: CALLER_EP,
      remoteEndpoint: CALLEE_EP,
      identity: alice,
      remotePublicKey: pattern === 'IK' ? bob.publicKey : undefined,
      checkResponder: (k) => sameBytes(k, bob.publicKey),
    }),
    res: security.responder({ callId, localEndpoint: CALLEE_EP, remoteEndpoint: CALLER_EP, identity: bob, checkInitiator: (k) => sameBytes(k, alice.publicKey) }),
  };
}

/** Runs the handshake by direct calls (no network) and returns both results. */
export function handshake(p: Parties): { a: HandshakeResult; b: HandshakeResult } {
  const s1 = p.res.receive(p.ini.message);
  const s2 = p.ini.receive(s1.reply!);
  if (s2.reply) p.res.receive(s2.reply);
  if (!p.ini.result || !p.res.result) throw new Error(`handshake did not complete: ${JSON.stringify([s1.dropped, s2.dropped])}`);
  return { a: p.ini.result, b: p.res.result };
}

export async function udpSocket(): Promise<dgram.Socket> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
  return s;
}

export const portOf = (s: dgram.Socket) => s.address().port;

export async function until(test: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
