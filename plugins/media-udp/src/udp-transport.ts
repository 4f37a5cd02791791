import * as dgram from 'dgram';
import {
  decodeDatagram,
  encodeDatagram,
  isPinholeDatagram,
  isStunPacket,
  MAX_DATAGRAM_BYTES,
  SignalError,
  toDisposable,
  type Candidate,
  type DatagramAddress,
  type DatagramSocket,
  type DatagramTypeId,
  type Disposable,
  type Hooks,
  type Logger,
  type MediaTransport,
  type MediaTransportOptions,
  type SessionParams,
} from '@pinhole/core';
import { hostCandidates } from './candidates';
import { UdpDatagramSession } from './session';
import { StunClient } from './stun-client';

const DEFAULT_TTL = 64;
/** Larger than any datagram we accept, so oversize input is seen and dropped, never truncated silently. */
const MAX_INBOUND = 2048;

/**
 * The peer's one media socket. Incoming datagrams are demultiplexed by their first byte
 * (STUN 0–3, Pinhole 0x5_, udx 0xff), size-capped before any decoding, and Pinhole datagrams
 * go to the session whose endpoint ids match; unclaimed ones go to raw listeners (punch
 * strategies waiting for a first answer). Nothing invalid is ever answered.
 */
export class UdpMediaTransport implements MediaTransport {
  readonly socket: DatagramSocket;
  private readonly stun: StunClient;
  private readonly sessions = new Set<UdpDatagramSession>();
  private readonly raw = new Set<(data: Buffer, from: DatagramAddress) => void>();
  private readonly otherHandlers = new Set<(data: Buffer, from: DatagramAddress) => void>();
  /** Sends with a non-default TTL are serialised: TTL is a socket-wide option. */
  private ttlChain: Promise<void> = Promise.resolve();
  private closed = false;

  static async bind(opts: MediaTransportOptions, hooks: Hooks, log: Logger): Promise<UdpMediaTransport> {
    const sock = dgram.createSocket({ type: 'udp4', recvBufferSize: 1 << 20, sendBufferSize: 1 << 20 });
    await new Promise<void>((resolve, reject) => {
      sock.once('error', (err) => reject(new SignalError('E_UDP_BIND', `cannot bind UDP ${opts.host ?? '0.0.0.0'}:${opts.port ?? 0}: ${err.message}; pick another --udp-port`)));
      sock.bind(opts.port ?? 0, opts.host ?? '0.0.0.0', () => resolve());
    });
    return new UdpMediaTransport(sock, opts.host ?? '0.0.0.0', hooks, log);
  }

  private constructor(
    private readonly sock: dgram.Socket,
    private readonly host: string,
    private readonly hooks: Hooks,
    private readonly log: Logger,
  ) {
    this.stun = new StunClient((d, p, a) => this.sendRaw(d, p, a));
    sock.on('message', (msg, rinfo) => this.onMessage(msg, { address: rinfo.address, port: rinfo.port }));
    sock.on('error', (err) => this.log.warn('media socket error', { error: err.message }));
    const self = this;
    this.socket = {
      get localPort() {
        return self.sock.address().port;
      },
      send: (data, port, address, o) => (o?.ttl ? this.sendWithTtl(data, port, address, o.ttl) : this.sendRaw(data, port, address)),
      onDatagram: (h) => {
        this.raw.add(h);
        return toDisposable(() => void this.raw.delete(h));
      },
    };
  }

  get localPort(): number {
    return this.sock.address().port;
  }

  hostCandidates(): Candidate[] {
    return hostCandidates(this.host, this.localPort);
  }

  discoverReflexive(server: DatagramAddress, opts?: { username?: string; timeoutMs?: number }): Promise<Candidate> {
    return this.stun.discover(server, opts);
  }

  openSession(params: SessionParams): UdpDatagramSession {
    const s = new UdpDatagramSession(
      params,
      {
        sendDatagram: (type: DatagramTypeId, dst, src, payload, to, channel) => {
          // Hot path: no promise per packet; send errors surface as socket 'error' events.
          if (!this.closed) this.sock.send(encodeDatagram(type, dst, src, payload, channel), to.port, to.address);
        },
        release: (x) => void this.sessions.delete(x),
      },
      this.hooks,
    );
    this.sessions.add(s);
    return s;
  }

  /** Datagrams that are neither STUN nor Pinhole (udx streams share the socket). */
  onOtherDatagram(h: (data: Buffer, from: DatagramAddress) => void): Disposable {
    this.otherHandlers.add(h);
    return toDisposable(() => void this.otherHandlers.delete(h));
  }

  /** The underlying dgram socket, for transports that must share the port (udx). */
  get dgramSocket(): dgram.Socket {
    return this.sock;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.sessions]) await s.close('transport closed');
    await new Promise<void>((resolve) => this.sock.close(() => resolve()));
  }

  private onMessage(msg: Buffer, from: DatagramAddress): void {
    if (msg.length > MAX_INBOUND) return;
    if (isStunPacket(msg)) return this.stun.handle(msg);
    if (!isPinholeDatagram(msg)) {
      for (const h of this.otherHandlers) h(msg, from);
      return;
    }
    if (msg.length > MAX_DATAGRAM_BYTES) return;
    let d;
    try {
      d = decodeDatagram(msg);
    } catch {
      return; // bad CRC, size, version: dropped without reply
    }
    for (const s of this.sessions) {
      if (s.accepts(d, from)) return s.deliver(d, from);
    }
    for (const h of this.raw) h(msg, from);
  }

  private sendRaw(data: Buffer, port: number, address: string): Promise<void> {
    if (this.closed) return Promise.reject(new SignalError('E_TRANSPORT_CLOSED', 'media socket is closed'));
    return new Promise((resolve, reject) => this.sock.send(data, port, address, (err) => (err ? reject(err) : resolve())));
  }

  private sendWithTtl(data: Buffer, port: number, address: string, ttl: number): Promise<void> {
    const run = async () => {
      this.sock.setTTL(ttl);
      try {
        await this.sendRaw(data, port, address);
      } finally {
        if (!this.closed) this.sock.setTTL(DEFAULT_TTL);
      }
    };
    const p = this.ttlChain.then(run, run);
    this.ttlChain = p.catch(() => undefined);
    return p;
  }
}
