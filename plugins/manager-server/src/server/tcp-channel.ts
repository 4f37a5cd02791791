import type { Socket } from 'net';
import { encodeControl, encodeFrame, FrameDecoder, WireError, type ControlEnvelope } from '@pinhole/core';
import { MAX_UNREAD_BYTES, type Channel, type ChannelHandler } from './channel';

/** Length-prefixed protobuf frames on a raw TCP (or TLS) socket. */
export class TcpChannel implements Channel {
  readonly transport = 'tcp' as const;
  readonly remoteAddress: string;
  private readonly decoder: FrameDecoder;
  private handler?: ChannelHandler;
  private ended = false;

  constructor(private readonly socket: Socket, maxFrameBytes: number) {
    this.remoteAddress = socket.remoteAddress ?? '';
    this.decoder = new FrameDecoder(maxFrameBytes);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => undefined); // 'close' follows every error
    socket.on('close', () => {
      this.ended = true;
      this.handler?.onClose();
    });
  }

  get closed(): boolean {
    return this.ended || this.socket.destroyed;
  }

  attach(handler: ChannelHandler): void {
    this.handler = handler;
  }

  send(env: ControlEnvelope): void {
    if (this.closed) return;
    if (this.socket.writableLength > MAX_UNREAD_BYTES) {
      this.socket.destroy();
      return;
    }
    this.socket.write(encodeFrame(encodeControl(env)));
  }

  fail(code: string, message: string): void {
    if (this.closed) return;
    this.send({ error: { code, message, fatal: true } });
    this.ended = true;
    this.socket.end();
    // A peer that never reads our FIN must not hold the socket open.
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  close(): void {
    if (this.closed) return;
    this.ended = true;
    this.socket.end();
    setTimeout(() => this.socket.destroy(), 1000).unref();
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      const e = err as WireError;
      this.handler?.onRefused(e.code ?? 'E_WIRE_DECODE', e.message);
      return;
    }
    for (const f of frames) {
      if (this.ended) return;
      this.handler?.onMessage(f);
    }
  }
}
