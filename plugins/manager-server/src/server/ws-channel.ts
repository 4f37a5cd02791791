import type { WebSocket } from 'ws';
import { encodeControl, type ControlEnvelope } from '@pinhole/core';
import { MAX_UNREAD_BYTES, type Channel, type ChannelHandler } from './channel';

/** One control message per binary WebSocket message; `ws` enforces the size cap (maxPayload). */
export class WsChannel implements Channel {
  readonly transport = 'ws' as const;
  private handler?: ChannelHandler;
  private ended = false;

  constructor(private readonly ws: WebSocket, readonly remoteAddress: string) {
    ws.on('message', (data, isBinary) => this.onData(data as Buffer | Buffer[] | ArrayBuffer, isBinary));
    ws.on('error', () => undefined); // oversize (1009) and protocol errors: 'close' follows
    ws.on('close', () => {
      this.ended = true;
      this.handler?.onClose();
    });
  }

  get closed(): boolean {
    return this.ended || this.ws.readyState !== this.ws.OPEN;
  }

  attach(handler: ChannelHandler): void {
    this.handler = handler;
  }

  send(env: ControlEnvelope): void {
    if (this.closed) return;
    if (this.ws.bufferedAmount > MAX_UNREAD_BYTES) {
      this.ws.terminate();
      return;
    }
    this.ws.send(encodeControl(env), { binary: true });
  }

  fail(code: string, message: string): void {
    if (this.closed) return;
    this.send({ error: { code, message, fatal: true } });
    this.ended = true;
    // 1008 = policy violation; the reason is capped at 123 bytes by the protocol.
    this.ws.close(1008, code.slice(0, 120));
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  close(): void {
    if (this.closed) return;
    this.ended = true;
    this.ws.close(1000);
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  private onData(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    if (this.ended) return;
    if (!isBinary) return this.handler?.onRefused('E_WS_TEXT', 'control messages are binary WebSocket messages (protobuf Envelope); text frames are refused');
    const bytes = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    this.handler?.onMessage(bytes);
  }
}
