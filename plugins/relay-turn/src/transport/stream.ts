import * as net from 'net';
import * as tls from 'tls';
import { formatHostPort } from '@pinhole/core';
import { TurnError } from '../errors';
import type { TurnServerAddress } from '@pinhole/core';
import { TurnStreamFramer } from './stream-framer';
import type { TurnTransport } from './types';

export interface StreamOptions {
  maxMessageBytes: number;
  connectTimeoutMs: number;
  /** TLS: trust these CA certificates (PEM) instead of the system's; the server name is still verified. */
  ca?: string | Buffer;
  /** TLS: the name the certificate must carry (default: the host, unless it is an IP address). */
  servername?: string;
}

/**
 * TURN over TCP or TLS (RFC 8656 §3.1, the last resort where UDP is blocked): one stream, framed
 * by TurnStreamFramer. Certificates are verified (secure by default); a garbage or oversize frame
 * closes the connection with a reason.
 */
export async function openStream(server: TurnServerAddress, o: StreamOptions): Promise<TurnTransport> {
  const name = formatHostPort(server.host, server.port);
  const secure = server.transport === 'tls';
  const sock: net.Socket = secure
    ? // SNI cannot carry an IP address; node then checks the certificate's IP SANs against the host.
      tls.connect({ host: server.host, port: server.port, ca: o.ca, servername: o.servername ?? (net.isIP(server.host) ? undefined : server.host) })
    : net.connect({ host: server.host, port: server.port });
  sock.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`no connection within ${o.connectTimeoutMs} ms`)), o.connectTimeoutMs);
    const fail = (err: Error) => {
      clearTimeout(timer);
      sock.destroy();
      reject(TurnError.CONNECT(`${secure ? 'turns:' : 'turn:'}${name}`, err.message));
    };
    sock.once('error', fail);
    sock.once(secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      sock.off('error', fail);
      resolve();
    });
  });

  const framer = new TurnStreamFramer(o.maxMessageBytes);
  const frameHandlers: Array<(f: Buffer) => void> = [];
  const closeHandlers: Array<(r: string) => void> = [];
  let closed = false;
  const end = (reason: string) => {
    if (closed) return;
    closed = true;
    sock.destroy();
    for (const h of closeHandlers) h(reason);
  };
  sock.on('data', (chunk: Buffer) => {
    let frames: Buffer[];
    try {
      frames = framer.push(chunk);
    } catch (err) {
      return end(TurnError.BAD_FRAME(name, (err as Error).message).message);
    }
    for (const f of frames) for (const h of frameHandlers) h(f);
  });
  sock.on('error', (err) => end(err.message));
  sock.on('close', () => end('the server closed the connection'));
  return {
    kind: server.transport,
    reliable: true,
    send: (frame) => {
      if (!closed) sock.write(frame);
    },
    onFrame: (h) => void frameHandlers.push(h),
    onClose: (h) => void closeHandlers.push(h),
    close: () => end('closed'),
  };
}
