import type { ReliableStream } from '@pinhole/core';

/** The part of udx-native (no bundled types) this transport uses. */
export interface UdxSocket {
  bind(port: number, host: string): void;
  address(): { host: string; port: number } | null;
  on(event: 'message', h: (buf: Buffer, rinfo: { host: string; port: number }) => void): void;
  send(buf: Buffer, port: number, host: string, ttl?: number): Promise<boolean>;
  trySend(buf: Buffer, port: number, host: string, ttl?: number): void;
  setRecvBufferSize(n: number): number;
  setSendBufferSize(n: number): number;
  close(): Promise<void>;
}
export interface Udx {
  createSocket(opts?: object): UdxSocket;
  createStream(id: number, opts?: object): ReliableStream & { connect(socket: UdxSocket, remoteId: number, port: number, host: string): void };
}
type UdxConstructor = new () => Udx;

// eslint-disable-next-line @typescript-eslint/no-require-imports
export const UDX = require('udx-native') as UdxConstructor;
