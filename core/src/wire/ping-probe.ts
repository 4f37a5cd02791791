import { randomBytes } from 'crypto';
import type { DatagramAddress, WindowProbe } from '../hooks/types';
import { decodeDatagram, DatagramType, encodeDatagram } from './datagram';

/**
 * The insecure window probe (DESIGN.md §B): a PING with this call's endpoint ids and a random
 * nonce; the answer is the callee session's PONG echoing the nonce with the ids swapped. What
 * manager-client builds when sessions are not encrypted, and what a strategy uses when the
 * request carries no probe.
 */
export function createPingProbe(localEndpoint: number, remoteEndpoint: number): WindowProbe {
  const nonce = randomBytes(4);
  return {
    datagram: encodeDatagram(DatagramType.PING, remoteEndpoint, localEndpoint, nonce),
    accept(datagram: Buffer, _from: DatagramAddress): boolean {
      try {
        const d = decodeDatagram(datagram);
        return d.type === DatagramType.PONG && d.dst === localEndpoint && d.src === remoteEndpoint && d.payload.equals(nonce);
      } catch {
        return false;
      }
    },
  };
}
