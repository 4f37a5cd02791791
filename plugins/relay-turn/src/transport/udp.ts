import * as dgram from 'dgram';
import { formatHostPort, ipFamily } from '@pinhole/core';
import { TurnError } from '../errors';
import type { TurnServerAddress } from '@pinhole/core';
import type { TurnTransport } from './types';

/**
 * TURN over UDP: a socket connected to the server, so the kernel drops datagrams from anyone
 * else. Oversize datagrams are dropped before anything looks at them.
 */
export async function openUdp(server: TurnServerAddress, maxMessageBytes: number): Promise<TurnTransport> {
  const sock = dgram.createSocket({ type: ipFamily(server.host) === 'IPv6' ? 'udp6' : 'udp4' });
  const name = formatHostPort(server.host, server.port);
  await new Promise<void>((resolve, reject) => {
    const failed = (err: Error) => {
      sock.close();
      reject(TurnError.CONNECT(name, err.message));
    };
    sock.once('error', failed);
    // Only while connecting: left on, a later ICMP port unreachable (a server gone) closed the
    // socket under a pending retransmission, whose send then threw out of its timer.
    sock.connect(server.port, server.host, () => (sock.off('error', failed), resolve()));
  });
  const frameHandlers: Array<(f: Buffer) => void> = [];
  const closeHandlers: Array<(r: string) => void> = [];
  let closed = false;
  sock.on('message', (msg) => {
    if (msg.length > maxMessageBytes) return;
    for (const h of frameHandlers) h(msg);
  });
  // ICMP port unreachable surfaces as ECONNREFUSED on a connected socket: UDP has no connection to lose, keep going.
  sock.on('error', () => undefined);
  return {
    kind: 'udp',
    reliable: false,
    send: (frame) => {
      if (closed) return;
      try {
        sock.send(frame, () => undefined);
      } catch {
        // the socket is gone: the transaction times out and says so
      }
    },
    onFrame: (h) => void frameHandlers.push(h),
    onClose: (h) => void closeHandlers.push(h),
    close: () => {
      if (closed) return;
      closed = true;
      sock.close();
      for (const h of closeHandlers) h('closed');
    },
  };
}
