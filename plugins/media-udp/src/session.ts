import { crc32 } from 'zlib';
import { Buffer } from 'buffer'; // the module's, not the global Buffer: that one is an accessor, read on every use
import * as core from '@pinhole/core';
import {
  SecurityErrors,
  SESSION_STREAM,
  SignalError,
  toDisposable,
  type DatagramAddress,
  type DatagramSession,
  type DatagramTypeId,
  type Disposable,
  type Hooks,
  type PacketTransform,
  type ReliableStream,
  type SessionParams,
  type SessionProtection,
  type SessionStats,
  type SessionStreamContext,
  type StreamContext,
} from '@pinhole/core';

/**
 * What the per-datagram code uses from @pinhole/core, read once: the core's re-exports are
 * getters (tsc's `export *`), and a getter call with a megamorphic lookup per datagram cost more
 * than the session's own work.
 */
const { DatagramType, encodeDatagram } = core;
const { DATA, KEEPALIVE, HANGUP, PING, PONG, NULL } = DatagramType;

export const DEFAULT_KEEPALIVE_MS = 15000;
const key = (a: DatagramAddress) => `${a.address}:${a.port}`;
/** udx stream ids: per endpoint and channel, never 0, the same on both sides by construction. */
const streamId = (endpoint: number, channel: number) => (Math.imul(endpoint ^ 0x5bd1e995, 0x9e3779b1) ^ (channel + 1)) >>> 0 || 1;

export interface SessionOwner {
  /** A udx stream with this local id, connected to remoteId at `to` over the media socket. */
  connectStream(localId: number, remoteId: number, to: DatagramAddress): ReliableStream;
  /** Sends one finished datagram (no promise per packet). */
  sendBytes(datagram: Buffer, to: DatagramAddress): void;
  release(session: UdpDatagramSession): void;
}

type ChannelContext = StreamContext & { deliver(p: Buffer): void };

/**
 * One direct session on the media socket. Only datagrams carrying its endpoint ids and coming
 * from its remote (or, before the first one, from one of the peer's candidates) reach it; the
 * first valid source latches and all others are dropped without reply.
 *
 * A secure session (the normal case) is protected by what the `stream:session` taps installed
 * from the call's handshake: every datagram is sealed (AEAD, replay window), every reliable
 * stream wrapped; a plaintext datagram for a secure session — a forged HANGUP, say — is dropped
 * and counted. An --insecure session speaks the v1 layout with its CRC.
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
  private readonly channels = new Map<number, ChannelContext>();
  private readonly streams = new Set<ReliableStream>();
  private protection?: SessionProtection;
  /** Nothing sent since the last keep-alive tick (a flag, not a clock read per datagram). */
  private idle = false;
  private keepalive?: NodeJS.Timeout;
  private closed = false;
  private pingSeq = 0;

  /** Opens a session: runs the `stream:session` taps (protection), then starts keep-alives. */
  static async open(params: SessionParams, owner: SessionOwner, hooks: Hooks): Promise<UdpDatagramSession> {
    const s = new UdpDatagramSession(params, owner, hooks);
    if (params.handshake || !params.insecure) {
      const ctx = s.sessionContext();
      await hooks.stream.for(SESSION_STREAM).promise(ctx);
      if (!ctx.protection || !params.handshake) throw SecurityErrors.SESSION_UNPROTECTED(params.callId);
      s.protection = ctx.protection;
    }
    s.startKeepalive();
    return s;
  }

  private constructor(
    readonly params: SessionParams,
    private readonly owner: SessionOwner,
    private readonly hooks: Hooks,
  ) {
    this.remote = params.remote;
    this.allowed = new Set([params.remote, ...(params.alternates ?? [])].map(key));
  }

  get remoteAddress(): DatagramAddress {
    return this.remote;
  }

  get security(): DatagramSession['security'] {
    const p = this.protection;
    return p && { remoteFingerprint: p.remoteFingerprint, remotePublicKey: p.remotePublicKey, pattern: this.params.handshake!.pattern };
  }

  get secure(): boolean {
    return this.protection !== undefined;
  }

  /**
   * Whether a datagram from address:port may be this session's (ids already matched by the
   * transport). Once latched, a comparison per datagram, no string built.
   */
  acceptsSource(address: string, port: number): boolean {
    if (this.latched ? port === this.remote.port && address === this.remote.address : this.allowed.has(`${address}:${port}`)) return true;
    this.stats.dropped++; // right ids, wrong source: spoofed or a stale path
    return false;
  }

  /** A v1 (plaintext, CRC-checked) datagram with this session's ids: only an --insecure session takes it. */
  deliverPlain(type: DatagramTypeId, payload: Buffer, from: DatagramAddress): void {
    if (this.closed) return;
    if (this.protection) {
      // Plaintext on a sealed session is never trusted (a forged HANGUP, say). A late null packet
      // of the window opening carries nothing and is no attack: ignored without counting.
      if (type !== NULL) this.stats.dropped++;
      return;
    }
    this.dispatch(type, payload, from.address, from.port);
  }

  /** A sealed (v2) datagram with this session's ids: authenticated and decrypted in place, or dropped. */
  deliverSealed(datagram: Buffer, address: string, port: number): void {
    if (this.closed) return;
    const cipher = this.protection?.datagrams;
    if (!cipher) {
      this.stats.dropped++;
      return;
    }
    const r = cipher.open(datagram);
    if (!r.ok) {
      this.stats.dropped++;
      return;
    }
    this.dispatch(r.type, r.payload, address, port);
  }

  send(payload: Buffer, type: DatagramTypeId = DATA, channel?: number): void {
    if (this.closed) throw new SignalError('E_SESSION_CLOSED', `session ${this.params.callId} is closed; start a new call`);
    const datagram = this.protection
      ? this.protection.datagrams.seal(type, payload, channel)
      : encodeDatagram(type, this.params.remoteEndpoint, this.params.localEndpoint, payload, channel);
    this.owner.sendBytes(datagram, this.remote);
    this.idle = false;
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
      this.send(payload, PING);
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
    if (payloadType === SESSION_STREAM) throw new SignalError('E_STREAM_CHANNEL', `"${SESSION_STREAM}" is the session itself, not a payload type`);
    const channel = crc32(payloadType) & 0xff;
    const existing = this.channels.get(channel);
    if (existing) {
      if (existing.payloadType === payloadType) return existing;
      throw new SignalError('E_STREAM_CHANNEL', `payload types "${existing.payloadType}" and "${payloadType}" share channel ${channel}; rename one`);
    }
    const handlers = new Set<(p: Buffer) => void>();
    const outbound: PacketTransform[] = [];
    const inbound: PacketTransform[] = [];
    const ctx: ChannelContext = {
      callId: this.params.callId,
      payloadType,
      role: this.params.role,
      remote: this.remote,
      outbound,
      inbound,
      send: (payload) => {
        let p = payload;
        for (const t of outbound) p = t(p);
        this.send(p, DATA, channel);
      },
      onPayload: (h) => {
        handlers.add(h);
        return toDisposable(() => void handlers.delete(h));
      },
      deliver: (p: Buffer) => {
        for (const t of inbound) p = t(p);
        for (const h of handlers) h(p);
      },
    };
    this.channels.set(channel, ctx);
    await this.hooks.stream.for(payloadType).promise(ctx);
    return ctx;
  }

  openReliableStream(channel: number): ReliableStream {
    if (this.closed) throw new SignalError('E_SESSION_CLOSED', `session ${this.params.callId} is closed; start a new call`);
    if (!Number.isInteger(channel) || channel < 0 || channel > 0xffff) throw new SignalError('E_STREAM_CHANNEL', `reliable stream channel must be an integer 0–65535, got ${channel}`);
    const raw = this.owner.connectStream(streamId(this.params.localEndpoint, channel), streamId(this.params.remoteEndpoint, channel), this.remote);
    const stream = this.protection ? this.protection.protectStream(raw, channel) : raw;
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

  /** The context of the `stream:session` taps: who the session is with and the handshake that keys it. */
  private sessionContext(): SessionStreamContext {
    const p = this.params;
    return {
      callId: p.callId,
      payloadType: SESSION_STREAM,
      role: p.role,
      remote: this.remote,
      localEndpoint: p.localEndpoint,
      remoteEndpoint: p.remoteEndpoint,
      handshake: p.handshake,
      outbound: [],
      inbound: [],
      send: () => {
        throw new SignalError('E_STREAM_CHANNEL', 'the session context carries no payload; open a payload stream');
      },
      onPayload: () => toDisposable(() => undefined),
    };
  }

  private startKeepalive(): void {
    const every = this.params.keepaliveMs ?? DEFAULT_KEEPALIVE_MS;
    if (every <= 0) return;
    this.keepalive = setInterval(() => {
      if (this.idle) this.send(Buffer.alloc(0), KEEPALIVE);
      this.idle = true;
    }, every);
    this.keepalive.unref();
  }

  private dispatch(type: DatagramTypeId, payload: Buffer, address: string, port: number): void {
    if (!this.latched) {
      this.latched = true;
      this.remote = { address, port };
    }
    this.stats.received++;
    this.stats.bytesReceived += payload.length;
    if (this.firstWaiters.length) for (const w of this.firstWaiters.splice(0)) w();
    switch (type) {
      case DATA:
        this.onDataDatagram(payload);
        break;
      case PING:
        this.send(payload.length <= 64 ? payload : payload.subarray(0, 64), PONG);
        break;
      case PONG:
        if (payload.length >= 4) this.pings.get(payload.readUInt32BE(0))?.(0);
        break;
      case HANGUP:
        void this.shutdown('remote hung up', false);
        break;
      default:
        break; // NULL and KEEPALIVE only refresh the path
    }
  }

  private onDataDatagram(payload: Buffer): void {
    if (this.dataHandlers.size) for (const h of this.dataHandlers) h(payload);
    if (payload.length === 0 || this.channels.size === 0) return;
    // A plain view past the channel byte: cheaper than Buffer#subarray, once per datagram.
    this.channels.get(payload[0])?.deliver(Buffer.from(payload.buffer, payload.byteOffset + 1, payload.length - 1));
  }

  private async shutdown(reason: string, notifyPeer: boolean): Promise<void> {
    if (this.closed) return;
    if (notifyPeer) {
      try {
        this.send(Buffer.alloc(0), HANGUP);
      } catch {
        // socket already gone: the manager's Hangup still tells the peer
      }
    }
    this.closed = true;
    clearInterval(this.keepalive);
    for (const s of this.streams) s.destroy();
    this.protection?.destroy();
    this.owner.release(this);
    for (const h of this.closeHandlers) h(reason);
  }
}
