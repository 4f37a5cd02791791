import * as core from '@pinhole/core';
import {
  SignalError,
  toDisposable,
  type Candidate,
  type DatagramAddress,
  type DatagramSocket,
  type Disposable,
  type Hooks,
  type Logger,
  type MediaTransport,
  type MediaTransportOptions,
  type NatClassifyOptions,
  type NatInfo,
  type OwnedDatagramSocket,
  formatHostPort,
  type SessionParams,
} from '@pinhole/core';
import { hostCandidates } from './candidates';
import { classifyNat } from './nat-classifier';
import { RelayedLink, UdxLink, type PathLink } from './path-link';
import { UdpDatagramSession } from './session';
import { MAX_INBOUND, SiblingSocket } from './sibling-socket';
import { StunClient, type StunRequestOptions } from './stun-client';
import { UDX, type Udx, type UdxSocket } from './udx';

/** Read once (see session.ts): per-datagram code must not go through @pinhole/core's export getters. */
const { DatagramType, decodeDatagram, isPinholeDatagram, isSealedDatagram, isStunPacket, MAX_DATAGRAM_BYTES } = core;

/**
 * The peer's one media socket, a udx-native socket so that reliable udx streams (file
 * transfer) share the very port the null packet opened, and so each send can carry its own TTL.
 * Incoming datagrams are demultiplexed by their first byte
 * (STUN 0–3, Pinhole 0x5_, udx 0xff), size-capped before any decoding, and Pinhole datagrams
 * go to the session whose endpoint ids match; unclaimed ones go to raw listeners (punch
 * strategies waiting for a first answer). Nothing invalid is ever answered.
 */
export class UdpMediaTransport implements MediaTransport {
  readonly socket: DatagramSocket;
  private readonly stun: StunClient;
  /** Sessions by their local endpoint id (the datagram's destination): one lookup per datagram, no scan. */
  private readonly sessions = new Map<number, UdpDatagramSession[]>();
  private readonly raw = new Set<(data: Buffer, from: DatagramAddress) => void>();
  private readonly otherHandlers = new Set<(data: Buffer, from: DatagramAddress) => void>();
  private readonly siblings = new Set<SiblingSocket>();
  /** The media socket's link, and the links of other sockets sessions run on, with how many sessions hold each. */
  private readonly mediaLink: UdxLink;
  private readonly links = new Map<DatagramSocket, { link: PathLink; holders: number; dispose(): void }>();
  private closed = false;

  /**
   * Binds the media socket: on `host` if given, else dual-stack on `::` (IPv4 and IPv6 on one
   * port), falling back to 0.0.0.0 where IPv6 is off.
   */
  static async bind(opts: MediaTransportOptions, hooks: Hooks, log: Logger): Promise<UdpMediaTransport> {
    const udx = new UDX();
    for (const host of opts.host ? [opts.host] : ['::', '0.0.0.0']) {
      const sock = udx.createSocket();
      try {
        sock.bind(opts.port ?? 0, host);
      } catch (err) {
        await sock.close().catch(() => undefined);
        if (opts.host || host === '0.0.0.0') throw new SignalError('E_UDP_BIND', `cannot bind UDP ${formatHostPort(host, opts.port ?? 0)}: ${(err as Error).message}; pick another --udp-port`);
        continue;
      }
      sock.setRecvBufferSize(1 << 20);
      sock.setSendBufferSize(1 << 20);
      return new UdpMediaTransport(udx, sock, host, hooks, log);
    }
    throw new SignalError('E_UDP_BIND', 'no address to bind the media socket on');
  }

  private constructor(
    /** The udx instance owning the socket; streams for this port are created from it. */
    readonly udx: Udx,
    readonly udxSocket: UdxSocket,
    private readonly host: string,
    private readonly hooks: Hooks,
    private readonly log: Logger,
  ) {
    this.stun = new StunClient((d, p, a) => this.sendRaw(d, p, a));
    udxSocket.on('message', (msg, rinfo) => this.onMessage(msg, { address: rinfo.host, port: rinfo.port }));
    const self = this;
    this.socket = {
      get localPort() {
        return self.localPort;
      },
      send: (data, port, address, o) => this.sendRaw(data, port, address, o?.ttl),
      onDatagram: (h) => {
        this.raw.add(h);
        return toDisposable(() => void this.raw.delete(h));
      },
    };
    this.mediaLink = new UdxLink(this.socket, udx, udxSocket, () => !this.closed);
  }

  get localPort(): number {
    return this.udxSocket.address()?.port ?? 0;
  }

  hostCandidates(): Candidate[] {
    return hostCandidates(this.host, this.localPort);
  }

  discoverReflexive(server: DatagramAddress, opts?: { username?: string; timeoutMs?: number }): Promise<Candidate> {
    return this.stun.discover(server, opts);
  }

  /**
   * Classifies the NAT in front of the media socket (nat-classifier.ts). The mapping test runs on
   * a spare socket of the same address (mapping behaviour is the NAT's), in parallel with the
   * filtering tests, so `onMapping` has the result a call needs within a few round trips.
   */
  async classifyNat(server: DatagramAddress, opts?: NatClassifyOptions): Promise<NatInfo> {
    if (this.closed) throw new SignalError('E_TRANSPORT_CLOSED', 'media socket is closed');
    const media = { request: (to: DatagramAddress, o: StunRequestOptions) => this.stun.request(to, o), local: this.hostCandidates() };
    const spare = this.udx.createSocket();
    try {
      spare.bind(0, this.host);
    } catch {
      await spare.close().catch(() => undefined);
      return classifyNat(media, server, opts);
    }
    const stun = new StunClient((d, p, a) => spare.send(d, p, a).then(() => undefined));
    spare.on('message', (msg, rinfo) => void (isStunPacket(msg) && stun.handle(msg, { address: rinfo.host, port: rinfo.port })));
    try {
      return await classifyNat(media, server, opts, { request: (to, o) => stun.request(to, o), local: hostCandidates(this.host, spare.address()?.port ?? 0) });
    } finally {
      await spare.close().catch(() => undefined);
    }
  }

  /** A sibling socket (same udx instance and address, new port); see SiblingSocket. */
  async openSocket(): Promise<SiblingSocket> {
    if (this.closed) throw new SignalError('E_TRANSPORT_CLOSED', 'media socket is closed');
    const s = SiblingSocket.open(this.udx, this.host, (x) => this.siblings.delete(x));
    this.siblings.add(s);
    return s;
  }

  /**
   * Opens a session on the media socket, or on `params.socket` — a sibling socket (birthday) or
   * a group standing for several (resolved to the one that reached the remote), or any other
   * socket such as a TURN relay, whose traffic is then routed to sessions like the media
   * socket's (see RelayedLink).
   */
  async openSession(params: SessionParams): Promise<UdpDatagramSession> {
    if (this.closed) throw new SignalError('E_TRANSPORT_CLOSED', 'media socket is closed');
    const resolve = (x: DatagramSocket): DatagramSocket | undefined => {
      const group = x as OwnedDatagramSocket;
      return group.socketFor ? group.socketFor(params.remote) : x;
    };
    const socket = params.socket && (resolve(params.socket) ?? params.socket);
    // A group that has not heard from the peer cannot be where its first datagram comes by.
    const listen = (params.listen ?? []).flatMap((x) => {
      const socket = resolve(x.socket);
      return socket ? [{ socket, path: x.path }] : [];
    });
    const s = await UdpDatagramSession.open({ ...params, socket, listen }, { link: (x) => this.hold(x), release: (x, links) => this.forget(x, links) }, this.hooks);
    const list = this.sessions.get(params.localEndpoint);
    if (list) list.push(s);
    else this.sessions.set(params.localEndpoint, [s]);
    return s;
  }

  /** Datagrams that are neither STUN nor Pinhole nor udx stream packets (udx consumes its own). */
  onOtherDatagram(h: (data: Buffer, from: DatagramAddress) => void): Disposable {
    this.otherHandlers.add(h);
    return toDisposable(() => void this.otherHandlers.delete(h));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const list of [...this.sessions.values()]) for (const s of [...list]) await s.close('transport closed');
    for (const l of this.links.values()) l.dispose();
    this.links.clear();
    await Promise.all([...this.siblings].map((s) => s.close()));
    await this.udxSocket.close();
  }

  private onMessage(msg: Buffer, from: DatagramAddress): void {
    if (msg.length > MAX_INBOUND) return;
    if (isStunPacket(msg)) return this.stun.handle(msg, from);
    if (!isPinholeDatagram(msg)) {
      for (const h of this.otherHandlers) h(msg, from);
      return;
    }
    if (!this.route(msg, from, this.mediaLink)) for (const h of this.raw) h(msg, from);
  }

  /**
   * Hands a Pinhole datagram that arrived on `link` to the session with its ids; false when no
   * session claims it (the media socket's raw listeners get it then: strategies, the responder).
   */
  private route(msg: Buffer, from: DatagramAddress, link: PathLink): boolean {
    if (msg.length > MAX_DATAGRAM_BYTES || !isPinholeDatagram(msg)) return true;
    if (isSealedDatagram(msg)) {
      // Only the ids are read before the session's cipher authenticates the whole datagram.
      const s = this.session(msg.readUInt32BE(4), msg.readUInt32BE(8));
      if (s && s.acceptsSource(from)) s.deliverSealed(msg, from, link);
      return true; // a sealed datagram nobody can open is dropped without reply
    }
    let d;
    try {
      d = decodeDatagram(msg);
    } catch {
      return true; // bad CRC, size, version: dropped without reply
    }
    // Handshake messages go to whoever is setting up that call (strategies, the callee's responder).
    if (d.type === DatagramType.HANDSHAKE_INIT || d.type === DatagramType.HANDSHAKE_RESP) return false;
    const s = this.session(d.dst, d.src);
    if (!s) return false;
    if (s.acceptsSource(from)) s.deliverPlain(d.type, d.payload, from, link);
    return true;
  }

  /**
   * The link for `socket` (the media socket's by default), held once more. A sibling socket is a
   * udx socket of ours (its traffic reaches sessions through a subscription); anything else is
   * relayed (RelayedLink subscribes itself).
   */
  private hold(socket?: DatagramSocket): PathLink {
    if (!socket || socket === this.socket) return this.mediaLink;
    let entry = this.links.get(socket);
    if (!entry) {
      if (socket instanceof SiblingSocket) {
        const link = new UdxLink(socket, this.udx, socket.udxSocket, () => !this.closed);
        const sub = socket.onDatagram((msg, from) => void this.route(msg, from, link));
        entry = { link, holders: 0, dispose: () => sub.dispose() };
      } else {
        const link = new RelayedLink(socket, this.udx, { host: this.loopbackHost }, (msg, from, l) => void this.route(msg, from, l));
        entry = { link, holders: 0, dispose: () => void link.close() };
      }
      this.links.set(socket, entry);
    }
    entry.holders++;
    return entry.link;
  }

  /** Where shim sockets bind: the media socket's own address, or loopback when it is a wildcard. */
  private get loopbackHost(): string {
    return this.host === '0.0.0.0' || this.host === '::' ? '127.0.0.1' : this.host;
  }

  private session(dst: number, src: number): UdpDatagramSession | undefined {
    const list = this.sessions.get(dst);
    if (!list) return undefined;
    for (const s of list) if (s.params.remoteEndpoint === src) return s;
    return undefined;
  }

  private forget(s: UdpDatagramSession, links: Iterable<PathLink>): void {
    for (const link of links) {
      const entry = this.links.get(link.socket);
      if (entry && --entry.holders <= 0) {
        entry.dispose();
        this.links.delete(link.socket);
      }
    }
    const list = this.sessions.get(s.params.localEndpoint);
    if (!list) return;
    const rest = list.filter((x) => x !== s);
    if (rest.length) this.sessions.set(s.params.localEndpoint, rest);
    else this.sessions.delete(s.params.localEndpoint);
  }

  private async sendRaw(data: Buffer, port: number, address: string, ttl?: number): Promise<void> {
    if (this.closed) throw new SignalError('E_TRANSPORT_CLOSED', 'media socket is closed');
    // udx sets the TTL on this one send only: no socket-wide state, no race with other sends.
    await this.udxSocket.send(data, port, address, ttl);
  }
}
