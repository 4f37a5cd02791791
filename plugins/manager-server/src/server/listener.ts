import * as http from 'http';
import * as net from 'net';
import * as tls from 'tls';
import { WebSocketServer } from 'ws';
import { encodeControl, encodeFrame, SignalError, type Logger } from '@pinhole/core';
import type { ManagerLimits } from '../options';
import type { Channel } from './channel';
import { AddressLimiter } from './limits';
import { TcpChannel } from './tcp-channel';
import { WsChannel } from './ws-channel';

export interface ListenerOptions {
  host: string;
  port: number;
  tls?: { cert: string | Buffer; key: string | Buffer };
  maxFrameBytes: number;
  limits: ManagerLimits;
  log: Logger;
  /** The operator's HTTP side (dashboard, /metrics …) on the same port; without it plain HTTP gets 426. */
  admin?: AdminRoutes;
}

/** What the listener hands the operator's side: plain HTTP requests, and upgrades to its live path. */
export interface AdminRoutes {
  isLivePath(url: string | undefined): boolean;
  request(req: http.IncomingMessage, res: http.ServerResponse): void;
  upgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void;
}

/** Called for each admitted control channel; `helloDeadline` is when its first message must have arrived. */
export type OnChannel = (channel: Channel, helloDeadline: number) => void;

interface Pending {
  deadline: number;
  timer: NodeJS.Timeout;
}

/**
 * One TCP port (optionally TLS) for both control transports. The first byte decides: an
 * HTTP request line starts with an upper-case method letter, which as the first byte of a
 * 4-byte frame length would announce over 1 GB, so it can never be a valid frame. HTTP goes
 * to an http.Server: WebSocket upgrades (peers' control channels, the dashboard's live view) and the
 * operator's requests (dashboard, /metrics); anything else is framed protobuf.
 */
export class ControlListener {
  readonly stats = { accepted: 0, refusedByLimit: 0, helloTimeouts: 0 };
  private readonly server: net.Server;
  private readonly http: http.Server;
  private readonly wss: WebSocketServer;
  private readonly limiter: AddressLimiter;
  private readonly sockets = new Set<net.Socket>();
  private readonly pending = new WeakMap<net.Socket, Pending>();

  static async listen(opts: ListenerOptions, onChannel: OnChannel): Promise<ControlListener> {
    const l = new ControlListener(opts, onChannel);
    await new Promise<void>((resolve, reject) => {
      l.server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new SignalError('E_LISTEN', `cannot listen on tcp ${opts.host}:${opts.port}: ${err.code ?? err.message}; pick another --listen address or port`)),
      );
      l.server.listen(opts.port, opts.host, () => resolve());
    });
    l.server.on('error', (err) => opts.log.error('control listener error', { error: err.message }));
    return l;
  }

  private constructor(private readonly opts: ListenerOptions, private readonly onChannel: OnChannel) {
    this.limiter = new AddressLimiter(opts.limits.maxConnectionsPerAddress);
    this.server = opts.tls
      ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: opts.limits.helloTimeoutMs }, (s) => this.onSocket(s))
      : net.createServer((s) => this.onSocket(s));
    if (opts.tls) this.server.on('tlsClientError', () => undefined); // failed handshakes: the socket is already gone

    this.http = http.createServer((req, res) => {
      // A served request ends the hello deadline of its socket: keep-alive takes over.
      const p = this.pending.get(req.socket);
      if (p) clearTimeout(p.timer);
      if (opts.admin) return opts.admin.request(req, res);
      res.writeHead(426, { Upgrade: 'websocket', Connection: 'close', 'Content-Type': 'text/plain' });
      res.end('Pinhole manager: open a WebSocket here (binary protobuf Envelopes), or speak length-prefixed frames on raw TCP\n');
    });
    this.http.headersTimeout = opts.limits.helloTimeoutMs;
    this.http.requestTimeout = opts.limits.helloTimeoutMs;
    this.wss = new WebSocketServer({ noServer: true, maxPayload: opts.maxFrameBytes, perMessageDeflate: false });
    this.http.on('upgrade', (req: http.IncomingMessage, socket: net.Socket, head: Buffer) => this.onUpgrade(req, socket, head));
    this.http.on('clientError', (_err, socket: net.Socket) => socket.destroy());
  }

  address(): { host: string; port: number } {
    const a = this.server.address() as net.AddressInfo;
    return { host: a.address, port: a.port };
  }

  get connections(): number {
    return this.sockets.size;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    this.wss.close();
    this.http.close();
    await closed;
  }

  private onSocket(socket: net.Socket): void {
    this.stats.accepted++;
    this.sockets.add(socket);
    socket.on('error', () => undefined); // resets and the like; 'close' follows
    socket.once('close', () => this.sockets.delete(socket));
    socket.setNoDelay(true);
    const address = socket.remoteAddress ?? '';
    const admitted = this.limiter.acquire(address);
    if (admitted) socket.once('close', () => this.limiter.release(address));

    const deadline = Date.now() + this.opts.limits.helloTimeoutMs;
    const timer = setTimeout(() => {
      this.stats.helloTimeouts++;
      socket.destroy(); // nothing, or no WebSocket upgrade, within the hello time
    }, this.opts.limits.helloTimeoutMs);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));

    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      const isHttp = chunk[0] >= 0x41 && chunk[0] <= 0x5a;
      if (!admitted) return this.refuse(socket, isHttp, address);
      if (isHttp) {
        this.pending.set(socket, { deadline, timer });
        this.http.emit('connection', socket);
        socket.resume();
        return;
      }
      clearTimeout(timer);
      const channel = new TcpChannel(socket, this.opts.maxFrameBytes);
      this.onChannel(channel, deadline);
      socket.resume();
    });
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    const p = this.pending.get(socket);
    if (this.opts.admin?.isLivePath(req.url)) {
      if (p) clearTimeout(p.timer);
      return this.opts.admin.upgrade(req, socket, head);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      if (p) clearTimeout(p.timer);
      this.onChannel(new WsChannel(ws, socket.remoteAddress ?? ''), p?.deadline ?? Date.now() + this.opts.limits.helloTimeoutMs);
    });
  }

  private refuse(socket: net.Socket, isHttp: boolean, address: string): void {
    this.stats.refusedByLimit++;
    const message = `too many connections from ${address} (limit ${this.opts.limits.maxConnectionsPerAddress}); close some or raise limits.maxConnectionsPerAddress`;
    this.opts.log.warn('connection refused', { address, reason: 'per-address limit' });
    if (isHttp) {
      socket.end(`HTTP/1.1 429 Too Many Requests\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(message) + 1}\r\n\r\n${message}\n`);
    } else {
      socket.end(encodeFrame(encodeControl({ error: { code: 'E_TOO_MANY_CONNECTIONS', message, fatal: true } })));
    }
    socket.resume(); // read (and discard) until the peer's FIN, so the socket closes promptly
    setTimeout(() => socket.destroy(), 1000).unref();
  }
}
