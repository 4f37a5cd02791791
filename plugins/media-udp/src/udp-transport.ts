// eslint-disable-next-line @typescript-eslint/no-require-imports
const UDX = require('udx-native') as UdxConstructor;
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
  type ReliableStream,
  type SessionParams,
} from '@pinhole/core';
import { hostCandidates } from './candidates';
import { UdpDatagramSession } from './session';
import { StunClient } from './stun-client';

/** The part of udx-native (no bundled types) this transport uses. */
interface UdxSocket {
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

/** Read once (see session.ts): per-datagram code must not go through @pinhole/core's export getters. */
const { DatagramType, decodeDatagram, isPinholeDatagram, isSealedDatagram, isStunPacket, MAX_DATAGRAM_BYTES } = core;
const { HANDSHAKE_INIT, HANDSHAKE_RESP } = DatagramType;

/** Larger than any datagram we accept, so oversize input is seen and dropped, never truncated silently. */
const MAX_INBOUND = 2048;

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
  private closed = false;

  static async bind(opts: MediaTransportOptions, hooks: Hooks, log: Logger): Promise<UdpMediaTransport> {
    const udx = new UDX();
    const sock = udx.createSocket();
    const host = opts.host ?? '0.0.0.0';
    try {
      sock.bind(opts.port ?? 0, host);
    } catch (err) {
      await sock.close().catch(() => undefined);
      throw new SignalError('E_UDP_BIND', `cannot bind UDP ${host}:${opts.port ?? 0}: ${(err as Error).message}; pick another --udp-port`);
    }
    sock.setRecvBufferSize(1 << 20);
    sock.setSendBufferSize(1 << 20);
    return new UdpMediaTransport(udx, sock, host, hooks, log);
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
    udxSocket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.host, rinfo.port));
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

  async openSession(params: SessionParams): Promise<UdpDatagramSession> {
    if (this.closed) throw new SignalError('E_TRANSPORT_CLOSED', 'media socket is closed');
    const s = await UdpDatagramSession.open(
      params,
      {
        sendBytes: (datagram, to) => {
          // Hot path: no promise per packet; send errors surface as socket 'error' events.
          if (!this.closed) this.udxSocket.trySend(datagram, to.port, to.address);
        },
        release: (x) => this.forget(x),
        connectStream: (localId, remoteId, to) => {
          const stream = this.udx.createStream(localId);
          stream.connect(this.udxSocket, remoteId, to.port, to.address);
          return stream;
        },
      },
      this.hooks,
    );
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
    await this.udxSocket.close();
  }

  /** Per datagram: no object is made for the sender's address unless the datagram leaves the sealed path. */
  private onMessage(msg: Buffer, host: string, port: number): void {
    if (msg.length > MAX_INBOUND) return;
    if (isStunPacket(msg)) return this.stun.handle(msg);
    if (!isPinholeDatagram(msg)) {
      const from = { address: host, port };
      for (const h of this.otherHandlers) h(msg, from);
      return;
    }
    if (msg.length > MAX_DATAGRAM_BYTES) return;
    if (isSealedDatagram(msg)) {
      // Only the ids are read before the session's cipher authenticates the whole datagram.
      const s = this.session(msg.readUInt32BE(4), msg.readUInt32BE(8));
      if (s && s.acceptsSource(host, port)) s.deliverSealed(msg, host, port);
      return; // a sealed datagram nobody can open is dropped without reply
    }
    let d;
    try {
      d = decodeDatagram(msg);
    } catch {
      return; // bad CRC, size, version: dropped without reply
    }
    const from = { address: host, port };
    // Handshake messages go to whoever is setting up that call (strategies, the callee's responder).
    if (d.type !== HANDSHAKE_INIT && d.type !== HANDSHAKE_RESP) {
      const s = this.session(d.dst, d.src);
      if (s) {
        if (s.acceptsSource(host, port)) s.deliverPlain(d.type, d.payload, from);
        return;
      }
    }
    for (const h of this.raw) h(msg, from);
  }

  /** The session for a datagram's ids: one map lookup, then (rarely more than one) sessions sharing a local id. */
  private session(dst: number, src: number): UdpDatagramSession | undefined {
    const list = this.sessions.get(dst);
    if (!list) return undefined;
    for (let i = 0; i < list.length; i++) if (list[i].params.remoteEndpoint === src) return list[i];
    return undefined;
  }

  private forget(s: UdpDatagramSession): void {
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
