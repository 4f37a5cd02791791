import { crc32 } from 'zlib';
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
  type DatagramSocket,
  type SessionParams,
  type SessionPath,
  type SessionProtection,
  type SessionStats,
  type SessionStreamContext,
  type StreamContext,
} from '@pinhole/core';

import type { PathLink, RawStream } from './path-link';

/**
 * What the per-datagram code uses from @pinhole/core, read once: the core's re-exports are
 * getters (tsc's `export *`), and a getter call with a megamorphic lookup per datagram cost more
 * than the session's own work.
 */
const { DatagramType, encodeDatagram } = core;

export const DEFAULT_KEEPALIVE_MS = 15000;
const key = (a: DatagramAddress) => `${a.address}:${a.port}`;
const same = (a: DatagramAddress, b: DatagramAddress) => a.port === b.port && a.address === b.address;
/** Path probes remembered per session (older ones are forgotten: their answers no longer move the session). */
const MAX_PATH_PROBES = 64;
/** udx stream ids: per endpoint and channel, never 0, the same on both sides by construction. */
const streamId = (endpoint: number, channel: number) => (Math.imul(endpoint ^ 0x5bd1e995, 0x9e3779b1) ^ (channel + 1)) >>> 0 || 1;

export interface SessionOwner {
  /** The link for a socket (the media socket when none is given); the session holds it until it closes. */
  link(socket?: DatagramSocket): PathLink;
  /** The session closed: it no longer holds `links`. */
  release(session: UdpDatagramSession, links: Iterable<PathLink>): void;
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
  /** Where datagrams and streams go: the link (socket) and `remote`, and whether that is a relay. */
  private link: PathLink;
  private kind: SessionPath['kind'];
  private latched = false;
  /** Sources before the first datagram: the remote and the peer's other candidates. */
  private readonly allowed: Set<string>;
  /** IPs any port of which may be the peer before the first datagram (a hard NAT's random mappings), for this session only. */
  private readonly anyPortFrom: Set<string>;
  /** Addresses the peer has been on (past remotes) or that we probed as a path: accepted after the latch too. */
  private readonly known = new Set<string>();
  private readonly links = new Set<PathLink>();
  private readonly pathProbes = new Map<number, { link: PathLink; to: DatagramAddress; at: number }>();
  private readonly pathHandlers = new Set<(now: SessionPath, before: SessionPath) => void>();
  private readonly rawStreams = new Map<RawStream, number>();
  /** What each link the session may latch onto is (the callee's prepared windows): relay or direct. */
  private readonly pathKinds = new Map<PathLink, SessionPath['kind']>();
  private readonly dataHandlers = new Set<(p: Buffer) => void>();
  private readonly closeHandlers = new Set<(reason: string) => void>();
  private readonly pings = new Map<number, (rtt: number) => void>();
  private readonly firstWaiters: Array<() => void> = [];
  private readonly channels = new Map<number, ChannelContext>();
  private readonly streams = new Set<ReliableStream>();
  private protection?: SessionProtection;
  private lastSent = Date.now();
  private keepalive?: NodeJS.Timeout;
  private closed = false;
  private pingSeq = 0;

  /** Opens a session: runs the `stream:session` taps (protection), then starts keep-alives. */
  static async open(params: SessionParams, owner: SessionOwner, hooks: Hooks): Promise<UdpDatagramSession> {
    const s = new UdpDatagramSession(params, owner, hooks, owner.link(params.socket));
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
    link: PathLink,
  ) {
    this.remote = params.remote;
    this.link = link;
    this.links.add(link);
    this.kind = params.path ?? 'direct';
    this.allowed = new Set([params.remote, ...(params.alternates ?? [])].map(key));
    this.anyPortFrom = new Set(params.anyPortFrom ?? []);
    this.known.add(key(params.remote));
    this.pathKinds.set(link, this.kind);
    for (const x of params.listen ?? []) this.pathKinds.set(this.holdLink(x.socket), x.path);
  }

  get remoteAddress(): DatagramAddress {
    return this.remote;
  }

  get path(): SessionPath {
    return { kind: this.kind, remote: { ...this.remote }, socket: this.link.socket };
  }

  onPathChange(handler: (now: SessionPath, before: SessionPath) => void): Disposable {
    this.pathHandlers.add(handler);
    return toDisposable(() => void this.pathHandlers.delete(handler));
  }

  /**
   * Path upgrade (a relayed session going direct): an authenticated PING to `to` through
   * `socket` (default the media socket). Its PONG coming back on that very path proves it works
   * both ways; the session then moves there — datagrams at once, reliable streams with udx's
   * changeRemote — and onPathChange fires. Until then nothing changes; unanswered probes cost
   * nothing but the datagram.
   */
  probePath(to: DatagramAddress, socket?: DatagramSocket): void {
    if (this.closed) return;
    const link = this.holdLink(socket);
    const id = (this.pingSeq = (this.pingSeq + 1) >>> 0);
    this.pathProbes.set(id, { link, to: { address: to.address, port: to.port }, at: Date.now() });
    if (this.pathProbes.size > MAX_PATH_PROBES) this.pathProbes.delete(this.pathProbes.keys().next().value!);
    this.known.add(key(to));
    const payload = Buffer.alloc(4);
    payload.writeUInt32BE(id, 0);
    this.sendOn(link, to, payload, DatagramType.PING);
  }

  get security(): DatagramSession['security'] {
    const p = this.protection;
    return p && { remoteFingerprint: p.remoteFingerprint, remotePublicKey: p.remotePublicKey, pattern: this.params.handshake!.pattern };
  }

  get secure(): boolean {
    return this.protection !== undefined;
  }

  /** The link of `socket` (the media socket's when absent), held once per session. */
  private holdLink(socket?: DatagramSocket): PathLink {
    if (socket) for (const l of this.links) if (l.socket === socket) return l;
    const link = this.owner.link(socket);
    this.links.add(link);
    return link;
  }

  /**
   * Whether a datagram from `from` may be this session's (ids already matched by the transport):
   * before the first one, the remote, the peer's candidates and any port of `anyPortFrom`; after
   * it, the path it latched onto, past paths and the addresses this side probed as paths.
   */
  acceptsSource(from: DatagramAddress): boolean {
    // Per datagram: the current path is a comparison, no string built.
    if (from.port === this.remote.port && from.address === this.remote.address) return true;
    const k = key(from);
    if (k === key(this.remote) || (this.latched ? this.known.has(k) : this.allowed.has(k) || this.anyPortFrom.has(from.address))) return true;
    this.stats.dropped++; // right ids, wrong source: spoofed or a stale path
    return false;
  }

  /** A v1 (plaintext, CRC-checked) datagram with this session's ids: only an --insecure session takes it. */
  deliverPlain(type: DatagramTypeId, payload: Buffer, from: DatagramAddress, link: PathLink): void {
    if (this.closed) return;
    if (this.protection) {
      // Plaintext on a sealed session is never trusted (a forged HANGUP, say). A late null packet
      // of the window opening carries nothing and is no attack: ignored without counting.
      if (type !== DatagramType.NULL) this.stats.dropped++;
      return;
    }
    this.dispatch(type, payload, from, link);
  }

  /** A sealed (v2) datagram with this session's ids: authenticated and decrypted in place, or dropped. */
  deliverSealed(datagram: Buffer, from: DatagramAddress, link: PathLink): void {
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
    this.dispatch(r.type, r.payload, from, link);
  }

  send(payload: Buffer, type: DatagramTypeId = DatagramType.DATA, channel?: number): void {
    if (this.closed) throw new SignalError('E_SESSION_CLOSED', `session ${this.params.callId} is closed; start a new call`);
    this.sendOn(this.link, this.remote, payload, type, channel);
  }

  /** Seals (or, insecure, encodes) one datagram and sends it on `link` to `to`. */
  private sendOn(link: PathLink, to: DatagramAddress, payload: Buffer, type: DatagramTypeId, channel?: number): void {
    const datagram = this.protection
      ? this.protection.datagrams.seal(type, payload, channel)
      : encodeDatagram(type, this.params.remoteEndpoint, this.params.localEndpoint, payload, channel);
    link.send(datagram, to);
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
        this.send(p, DatagramType.DATA, channel);
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
    const remoteId = streamId(this.params.remoteEndpoint, channel);
    const raw = this.link.connectStream(streamId(this.params.localEndpoint, channel), remoteId, this.remote);
    this.rawStreams.set(raw, remoteId);
    raw.once('close', () => this.rawStreams.delete(raw));
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
      if (Date.now() - this.lastSent >= every - 5) this.send(Buffer.alloc(0), DatagramType.KEEPALIVE);
    }, every);
    this.keepalive.unref();
  }

  private dispatch(type: DatagramTypeId, payload: Buffer, from: DatagramAddress, link: PathLink): void {
    if (!this.latched) {
      // The first valid datagram names the path (the caller's first sealed datagram goes on the path it chose).
      this.latched = true;
      this.link = link;
      this.kind = this.pathKinds.get(link) ?? 'direct';
      this.remote = { address: from.address, port: from.port };
      this.known.add(key(from));
    }
    this.stats.received++;
    this.stats.bytesReceived += payload.length;
    if (this.firstWaiters.length) for (const w of this.firstWaiters.splice(0)) w();
    switch (type) {
      case DatagramType.DATA:
        this.onDataDatagram(payload);
        break;
      case DatagramType.PING:
        // Answered on the path it came by: that is how the peer validates a path it probes.
        this.sendOn(link, from, payload.length <= 64 ? payload : payload.subarray(0, 64), DatagramType.PONG);
        // A relayed session probed directly by the peer probes back at once, so both sides move within a round trip.
        if (this.kind === 'relay' && !(link === this.link && same(from, this.remote)) && !this.probing(link, from)) this.probePath(from, link.socket);
        break;
      case DatagramType.PONG:
        if (payload.length >= 4) this.onPong(payload.readUInt32BE(0), from, link);
        break;
      case DatagramType.HANGUP:
        void this.shutdown('remote hung up', false);
        break;
      default:
        break; // NULL and KEEPALIVE only refresh the path
    }
  }

  /** Whether a probe of that path is out and still fresh (sent within the last second). */
  private probing(link: PathLink, to: DatagramAddress): boolean {
    const since = Date.now() - 1000;
    for (const p of this.pathProbes.values()) if (p.at > since && p.link === link && same(p.to, to)) return true;
    return false;
  }

  private onPong(id: number, from: DatagramAddress, link: PathLink): void {
    const probe = this.pathProbes.get(id);
    if (!probe) return this.pings.get(id)?.(0);
    this.pathProbes.delete(id);
    if (probe.link === link && same(probe.to, from)) this.moveTo(link, probe.to, 'direct');
  }

  /** Moves datagrams and reliable streams to a validated path (no-op if already there). */
  private moveTo(link: PathLink, to: DatagramAddress, kind: SessionPath['kind']): void {
    if (this.closed || (link === this.link && same(to, this.remote))) return;
    const before = this.path;
    const left = this.link;
    this.link = link;
    this.remote = { address: to.address, port: to.port };
    this.kind = kind;
    for (const [raw, remoteId] of this.rawStreams) link.moveStream(raw, remoteId, to).catch(() => undefined);
    if (left !== link) left.retarget?.(link);
    const now = this.path;
    for (const h of this.pathHandlers) h(now, before);
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
        this.send(Buffer.alloc(0), DatagramType.HANGUP);
      } catch {
        // socket already gone: the manager's Hangup still tells the peer
      }
    }
    this.closed = true;
    clearInterval(this.keepalive);
    for (const s of this.streams) s.destroy();
    this.protection?.destroy();
    this.pathHandlers.clear();
    this.owner.release(this, this.links);
    for (const h of this.closeHandlers) h(reason);
  }
}
