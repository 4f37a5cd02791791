import type { DatagramAddress, DatagramSocket, Disposable, ReliableStream } from '@pinhole/core';
import type { Udx, UdxSocket } from './udx';

/** A udx stream as the session drives it: connected once, moved when the session changes path. */
export type RawStream = ReliableStream & {
  connect(socket: UdxSocket, remoteId: number, port: number, host: string): void;
  /** Resolves once the move is done; null when it completed at once (nothing in flight). */
  changeRemote(socket: UdxSocket, remoteId: number, port: number, host: string): Promise<void> | null;
};

/** First byte of every udx stream packet (the magic byte of its header). */
export const UDX_MAGIC = 0xff;

/**
 * One way out for a session: a socket to send through and to carry reliable streams on. The
 * media socket and the birthday sibling sockets are udx sockets of the transport's own udx
 * instance (`UdxLink`); anything else — a TURN relay — is a `RelayedLink`.
 */
export interface PathLink {
  /** The socket as strategies and manager-client know it (what SessionParams.socket names). */
  readonly socket: DatagramSocket;
  /** Sends one finished datagram (no promise per packet on the hot path). */
  send(datagram: Buffer, to: DatagramAddress): void;
  connectStream(localId: number, remoteId: number, to: DatagramAddress): RawStream;
  /** Moves a stream onto this link toward `to` (a path change). */
  moveStream(stream: RawStream, remoteId: number, to: DatagramAddress): Promise<void>;
  /** The session's streams left this link for `now` (see RelayedLink). */
  retarget?(now: PathLink): void;
}

/** A udx socket of the transport's udx instance: datagrams and streams go out on it natively. */
export class UdxLink implements PathLink {
  constructor(
    readonly socket: DatagramSocket,
    private readonly udx: Udx,
    readonly udxSocket: UdxSocket,
    private readonly isOpen: () => boolean,
  ) {}

  send(datagram: Buffer, to: DatagramAddress): void {
    // Send errors surface as socket 'error' events, not as a promise per packet.
    if (this.isOpen()) this.udxSocket.trySend(datagram, to.port, to.address);
  }

  connectStream(localId: number, remoteId: number, to: DatagramAddress): RawStream {
    const stream = this.udx.createStream(localId) as RawStream;
    stream.connect(this.udxSocket, remoteId, to.port, to.address);
    return stream;
  }

  async moveStream(stream: RawStream, remoteId: number, to: DatagramAddress): Promise<void> {
    await stream.changeRemote(this.udxSocket, remoteId, to.port, to.address);
  }
}

/**
 * A socket that is not ours to send udx packets from (a TURN relay: what it sends is wrapped
 * for the relay server). Datagrams go through its `send`; what arrives on it is routed to the
 * sessions like the media socket's traffic. Reliable streams ride a local shim: a udx socket of
 * our instance on the loopback address whose packets a pump socket forwards through the relay,
 * and whose inbound packets the pump hands back. After the session moves its streams to a
 * direct path (`retarget`), the pump hands late relayed stream packets to the socket where
 * the moved streams now live (the media socket), so nothing in flight on the relay is lost.
 */
export class RelayedLink implements PathLink {
  private shim?: { local: UdxSocket; pump: UdxSocket };
  /** Where the relayed peer is (the stream packets' destination through the relay). */
  private peer?: DatagramAddress;
  /** Where inbound relayed stream packets go: the shim, or after a move the media socket. */
  private inboundTo?: DatagramAddress;
  private readonly sub: Disposable;
  private closed = false;

  constructor(
    readonly socket: DatagramSocket,
    private readonly udx: Udx,
    /** The loopback (or bind) address the shim sockets use; the transport's udx sockets are reachable on it. */
    private readonly local: { host: string },
    route: (datagram: Buffer, from: DatagramAddress, link: PathLink) => void,
  ) {
    this.sub = socket.onDatagram((data, from) => {
      if (data.length > 0 && data[0] === UDX_MAGIC) return this.inbound(data);
      route(data, from, this);
    });
  }

  send(datagram: Buffer, to: DatagramAddress): void {
    if (!this.closed) this.socket.send(datagram, to.port, to.address).catch(() => undefined);
  }

  connectStream(localId: number, remoteId: number, to: DatagramAddress): RawStream {
    const { local, pump } = this.openShim(to);
    const stream = this.udx.createStream(localId) as RawStream;
    stream.connect(local, remoteId, pump.address()!.port, this.local.host);
    return stream;
  }

  async moveStream(stream: RawStream, remoteId: number, to: DatagramAddress): Promise<void> {
    const { local, pump } = this.openShim(to);
    await stream.changeRemote(local, remoteId, pump.address()!.port, this.local.host);
  }

  /** The streams moved to another udx socket of ours: relayed stream packets still in flight follow them there. */
  retarget(now: PathLink): void {
    this.inboundTo = { address: this.local.host, port: now.socket.localPort };
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sub.dispose();
    const shim = this.shim;
    this.shim = undefined;
    if (shim) await Promise.all([shim.local.close(), shim.pump.close()]).catch(() => undefined);
  }

  private openShim(peer: DatagramAddress): { local: UdxSocket; pump: UdxSocket } {
    this.peer = peer;
    if (this.shim) return this.shim;
    const local = this.udx.createSocket();
    const pump = this.udx.createSocket();
    local.bind(0, this.local.host);
    pump.bind(0, this.local.host);
    const shimPort = local.address()!.port;
    // What the shim's streams send arrives at the pump (it has no streams of its own): out through the relay.
    pump.on('message', (msg, rinfo) => {
      if (rinfo.port === shimPort && this.peer) this.send(msg, this.peer);
    });
    this.inboundTo = { address: this.local.host, port: shimPort };
    this.shim = { local, pump };
    return this.shim;
  }

  private inbound(packet: Buffer): void {
    if (this.shim && this.inboundTo) this.shim.pump.trySend(packet, this.inboundTo.port, this.inboundTo.address);
  }
}
