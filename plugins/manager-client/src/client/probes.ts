import { randomBytes } from 'crypto';
import {
  DatagramType,
  decodeDatagram,
  encodeDatagram,
  type DatagramAddress,
  type DatagramSocket,
  type HandshakeResult,
  type Identity,
  type SessionSecurity,
  type WindowProbe,
} from '@pinhole/core';

/** A caller's probe and, once an answer was accepted, what keys the session (undefined: insecure). */
export interface CallerProbe {
  probe: WindowProbe;
  handshake(): HandshakeResult | undefined;
}

interface Ids {
  callId: string;
  localEndpoint: number;
  remoteEndpoint: number;
}

/**
 * The secure probe: Noise message 1 (IK with the callee's key; XX when none is known), sent by
 * the strategies to every target until message 2 comes back. XX's message 3 goes straight back
 * to where message 2 came from. The handshake rides the window-opening probes: no extra round trip.
 */
export function secureProbe(security: SessionSecurity, socket: DatagramSocket, identity: Identity, ids: Ids, remotePublicKey?: Uint8Array): CallerProbe {
  const initiator = security.initiator({ ...ids, identity, remotePublicKey });
  return {
    probe: {
      datagram: initiator.message,
      accept(datagram: Buffer, from: DatagramAddress): boolean {
        const step = initiator.receive(datagram);
        if (step.reply) socket.send(step.reply, from.port, from.address).catch(() => undefined);
        return !!step.result;
      },
    },
    handshake: () => initiator.result,
  };
}

/** The --insecure probe: a PING with a random nonce; its PONG (this call's ids, same nonce) is the answer. */
export function insecureProbe(ids: Ids): CallerProbe {
  const nonce = randomBytes(4);
  return {
    probe: {
      datagram: encodeDatagram(DatagramType.PING, ids.remoteEndpoint, ids.localEndpoint, nonce),
      accept(datagram: Buffer): boolean {
        try {
          const d = decodeDatagram(datagram);
          return d.type === DatagramType.PONG && d.dst === ids.localEndpoint && d.src === ids.remoteEndpoint && d.payload.equals(nonce);
        } catch {
          return false;
        }
      },
    },
    handshake: () => undefined,
  };
}
