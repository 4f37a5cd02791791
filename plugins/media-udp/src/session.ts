import { crc32 } from 'zlib';
import {
  DatagramType,
  SignalError,
  toDisposable,
  type DatagramAddress,
  type DatagramSession,
  type DatagramTypeId,
  type Datagram,
  type Disposable,
  type Hooks,
  type PacketTransform,
  type ReliableStream,
  type SessionParams,
  type SessionStats,
  type StreamContext,
} from '@pinhole/core';

export const DEFAULT_KEEPALIVE_MS = 15000;
const key = (a: DatagramAddress) => `${a.address}:${a.port}`;
/** udx stream ids: per endpoint and channel, never 0, the same on both sides by construction. */
const streamId = (endpoint: number, channel: number) => (Math.imul(endpoint ^ 0x5bd1e995, 0x9e3779b1) ^ (channel + 1)) >>> 0 || 1;

export interface SessionOwner {
  /** A udx stream with this local id, connected to remoteId at `to` over the media socket. */
  connectStream(localId: number, remoteId: number, to: DatagramAddress): ReliableStream;
  sendDatagram(type: DatagramTypeId, dst: number, src: number, payload: Buffer, to: DatagramAddress, channel?: number): void;
  release(session: UdpDatagramSession): void;
}

/**
 * One direct session on the media socket. Only datagrams carrying its endpoint ids and coming
 * from its remote (or, before the first one, from one of the peer's candidates) reach it; the
 * first valid source latches and all others are dropped without reply.
 */
export class UdpDatagramSession implements DatagramSession {
  readonly stats: SessionStats = { sent: 0, received: 0, dropped: 0, bytesSent: 0, bytesReceived: 0 };
  private remote: DatagramAddress;
  private latched = false;
  private readonly allowed: Set<string>;
  private readonly dataHandlers = new Set<(p: Buffer) => void>();
  private readonly closeHandlers = new Set<(reason: string) => void>();
  private readonly pings = new Map<number, (rtt: number) => void>();
  private readonly firstWaiters: Array<() => void> = [];
  private readonly channels = new Map<number, StreamContext>();
  private readonly streams = new Set<ReliableStream>();
  private lastSent = Date.now();
  private keepalive?: NodeJS.Timeout;
  private closed = false;
  private pingSeq = 0;

  constructor(
    readonly params: SessionParams,
    private readonly owner: SessionOwner,
    private readonly hooks: Hooks,
  ) {
    this.remote = params.remote;
    this.allowed = new Set([params.remote, ...(params.alternates ?? [])].map(key));
    const every = params.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
    if (every > 0) {
      this.keepalive = setInterval(() => {
        if (Date.now() - this.lastSent >= every - 5) this.send(Buffer.alloc(0), DatagramType.KEEPALIVE);
      }, every);
      this.keepalive.unref();
    }
  }

  get remoteAddress(): DatagramAddress {
    return this.remote;
  }

  /** Whether a datagram with these ids from this source belongs here (called by the transport). */
  accepts(d: Datagram, from: DatagramAddress): boolean {
    if (d.dst !== this.params.localEndpoint || d.src !== this.params.remoteEndpoint) return false;
    const k = key(from);
    if (this.latched ? k !== key(this.remote) : !this.allowed.has(k)) {
      this.stats.dropped++; // right ids, wrong source: spoofed or a stale path
      return false;
    }
    return true;
  }

  deliver(d: Datagram, from: DatagramAddress): void {
    if (this.closed) return;
    if (!this.latched) {
      this.latched = true;
      this.remote = { address: from.address, port: from.port };
    }
    this.stats.received++;
    this.stats.bytesReceived += d.payload.length;
    if (this.firstWaiters.length) for (const w of this.firstWaiters.splice(0)) w();
    switch (d.type) {
      case DatagramType.DATA:
        this.onDataDatagram(d.payload);
        break;
      case DatagramType.PING:
        this.send(d.payload, DatagramType.PONG);
        break;
      case DatagramType.PONG:
        if (d.payload.length >= 4) this.pings.get(d.payload.readUInt32BE(0))?.(0);
        break;
      case DatagramType.HANGUP:
        void this.shutdown('remote hung up', false);
        break;
      default:
        break; // NULL and KEEPALIVE only refresh the path
    }
  }

  send(payload: Buffer, type: DatagramTypeId = DatagramType.DATA, channel?: number): void {
    if (this.closed) throw new SignalError('E_SESSION_CLOSED', `session ${this.params.callId} is closed; start a new call`);
    this.owner.sendDatagram(type, this.params.remoteEndpoint, this.params.localEndpoint, payload, this.remote, channel);
    this.lastSent = Date.now();
    this.stats.sent++;
    this.stats.bytesSent += payload.length;
  }

  onData(handler: (payload: Buffer) => void): Disposable {
    this.dataHandlers.add(handler);
    return toDisposable(() => void this.dataHandlers.delete(handler));
  }

  ping(timeoutMs = 2000): Promise<number> {
    const id = (this.pingSeq = (this.pingSeq + 1) >>> 0);
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(id, 0);
    const started = process.hrtime.bigint();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pings.delete(id);
        reject(new SignalError('E_PING_TIMEOUT', `no PONG within ${timeoutMs} ms on call ${this.params.callId}; the direct path may have closed`));
      }, timeoutMs);
      this.pings.set(id, () => {
        clearTimeout(timer);
        this.pings.delete(id);
        resolve(Number(process.hrtime.bigint() - started) / 1e6);
      });
      this.send(payload, DatagramType.PING);
    });
  }

  firstDatagram(timeoutMs = 5000): Promise<void> {
    if (this.stats.received > 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new SignalError('E_SESSION_SILENT', `no datagram from the peer within ${timeoutMs} ms on call ${this.params.callId}`)), timeoutMs);
      this.firstWaiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * Runs the `stream` taps for a payload type once; they attach handlers and transforms to the
   * context, which are then applied per packet without touching the hooks again. DATA payloads
   * carry a one-byte channel derived from the payload type so several streams share a session.
   */
  async openStream(payloadType: string): Promise<StreamContext> {
    const channel = crc32(payloadType) & 0xff;
    const existing = this.channels.get(channel);
    if (existing) {
      if (existing.payloadType === payloadType) return existing;
      throw new SignalError('E_STREAM_CHANNEL', `payload types "${existing.payloadType}" and "${payloadType}" share channel ${channel}; rename one`);
    }
    const handlers = new Set<(p: Buffer) => void>();
    const outbound: PacketTransform[] = [];
    const inbound: PacketTransform[] = [];
    const ctx: StreamContext = {
      callId: this.params.callId,
      payloadType,
      role: this.params.role,
      remote: this.remote,
      outbound,
      inbound,
      send: (payload) => {
        let p = payload;
        for (const t of outbound) p = t(p);
        this.send(p, DatagramType.DATA, channel);
      },
      onPayload: (h) => {
        handlers.add(h);
        return toDisposable(() => void handlers.delete(h));
      },
    };
    (ctx as StreamContext & { deliver(p: Buffer): void }).deliver = (p: Buffer) => {
      for (const t of inbound) p = t(p);
      for (const h of handlers) h(p);
    };
    this.channels.set(channel, ctx);
    await this.hooks.stream.for(payloadType).promise(ctx);
    return ctx;
  }

  openReliableStream(channel: number): ReliableStream {
    if (this.closed) throw new SignalError('E_SESSION_CLOSED', `session ${this.params.callId} is closed; start a new call`);
    if (!Number.isInteger(channel) || channel < 0 || channel > 0xffff) throw new SignalError('E_STREAM_CHANNEL', `reliable stream channel must be an integer 0–65535, got ${channel}`);
    const stream = this.owner.connectStream(streamId(this.params.localEndpoint, channel), streamId(this.params.remoteEndpoint, channel), this.remote);
    this.streams.add(stream);
    stream.once('close', () => this.streams.delete(stream));
    return stream;
  }

  onClose(handler: (reason: string) => void): Disposable {
    this.closeHandlers.add(handler);
    return toDisposable(() => void this.closeHandlers.delete(handler));
  }

  close(reason = 'hangup'): Promise<void> {
    return this.shutdown(reason, true);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  private onDataDatagram(payload: Buffer): void {
    for (const h of this.dataHandlers) h(payload);
    if (payload.length === 0 || this.channels.size === 0) return;
    const ctx = this.channels.get(payload[0]) as (StreamContext & { deliver(p: Buffer): void }) | undefined;
    ctx?.deliver(payload.subarray(1));
  }

  private async shutdown(reason: string, notifyPeer: boolean): Promise<void> {
    if (this.closed) return;
    if (notifyPeer) {
      try {
        this.send(Buffer.alloc(0), DatagramType.HANGUP);
      } catch {
        // socket already gone: the manager's Hangup still tells the peer
      }
    }
    this.closed = true;
    clearInterval(this.keepalive);
    for (const s of this.streams) s.destroy();
    this.owner.release(this);
    for (const h of this.closeHandlers) h(reason);
  }
}
