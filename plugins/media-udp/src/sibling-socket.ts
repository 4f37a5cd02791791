import { isPinholeDatagram, SignalError, toDisposable, type DatagramAddress, type OwnedDatagramSocket } from '@pinhole/core';
import type { Udx, UdxSocket } from './udx';

/** Larger than any datagram we accept, so oversize input is seen and dropped, never truncated silently. */
export const MAX_INBOUND = 2048;

/**
 * Another socket of the media transport (same udx instance and bind address, a new port), for
 * strategies that need several local ports: birthday probing opens many and keeps the one a
 * peer's probe reached. Being a udx socket of the same instance, the winner can carry the
 * session and its reliable streams exactly like the media socket. Only Pinhole datagrams are
 * delivered (size-capped); STUN and strays are dropped.
 */
export class SiblingSocket implements OwnedDatagramSocket {
  private readonly handlers = new Set<(data: Buffer, from: DatagramAddress) => void>();
  private closed = false;

  static open(udx: Udx, host: string, onClose: (s: SiblingSocket) => void): SiblingSocket {
    const sock = udx.createSocket();
    try {
      sock.bind(0, host);
    } catch (err) {
      void sock.close().catch(() => undefined);
      throw new SignalError('E_UDP_BIND', `cannot bind another UDP socket on ${host}: ${(err as Error).message}`);
    }
    return new SiblingSocket(sock, onClose);
  }

  private constructor(
    readonly udxSocket: UdxSocket,
    private readonly onClose: (s: SiblingSocket) => void,
  ) {
    udxSocket.on('message', (msg, rinfo) => {
      if (msg.length > MAX_INBOUND || !isPinholeDatagram(msg)) return;
      const from = { address: rinfo.host, port: rinfo.port };
      for (const h of this.handlers) h(msg, from);
    });
  }

  get localPort(): number {
    return this.udxSocket.address()?.port ?? 0;
  }

  async send(data: Buffer, port: number, address: string, opts?: { ttl?: number }): Promise<void> {
    if (this.closed) throw new SignalError('E_TRANSPORT_CLOSED', 'this socket is closed');
    await this.udxSocket.send(data, port, address, opts?.ttl);
  }

  onDatagram(handler: (data: Buffer, from: DatagramAddress) => void) {
    this.handlers.add(handler);
    return toDisposable(() => void this.handlers.delete(handler));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.handlers.clear();
    this.onClose(this);
    await this.udxSocket.close();
  }
}
