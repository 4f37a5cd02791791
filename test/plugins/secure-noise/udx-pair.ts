import * as dgram from 'dgram';
import type { ReliableStream } from '@pinhole/core';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const UDX = require('udx-native') as new () => {
  createSocket(): UdxSocket;
  createStream(id: number): ReliableStream & { connect(s: UdxSocket, remoteId: number, port: number, host: string): void };
};
interface UdxSocket {
  bind(port: number, host: string): void;
  address(): { port: number };
  close(): Promise<void>;
}

export interface UdxPair {
  a: ReliableStream;
  b: ReliableStream;
  close(): Promise<void>;
}

/**
 * Two real udx streams on loopback (as media-udp makes them: one udx socket per peer). With
 * `relay`, every UDP packet goes through a forwarder that may rewrite it on the way (a
 * man in the middle on the path).
 */
export async function udxPair(relay?: (packet: Buffer, fromA: boolean) => Buffer): Promise<UdxPair> {
  const udx = new UDX();
  const sa = udx.createSocket();
  const sb = udx.createSocket();
  sa.bind(0, '127.0.0.1');
  sb.bind(0, '127.0.0.1');
  let mitm: dgram.Socket | undefined;
  let toA = sa.address().port;
  let toB = sb.address().port;
  if (relay) {
    const m = (mitm = dgram.createSocket('udp4'));
    await new Promise<void>((resolve) => m.bind(0, '127.0.0.1', resolve));
    const [pa, pb] = [toA, toB];
    m.on('message', (msg, r) => {
      const fromA = r.port === pa;
      m.send(relay(msg, fromA), fromA ? pb : pa, '127.0.0.1');
    });
    toA = toB = m.address().port;
  }
  const a = udx.createStream(1);
  const b = udx.createStream(2);
  a.connect(sa, 2, toB, '127.0.0.1');
  b.connect(sb, 1, toA, '127.0.0.1');
  return {
    a,
    b,
    close: async () => {
      a.destroy();
      b.destroy();
      await sa.close();
      await sb.close();
      mitm?.close();
    },
  };
}
