import { formatHostPort, SignalError, toDisposable, type DatagramAddress, type Disposable, type OwnedDatagramSocket } from '@pinhole/core';

/**
 * The hard callee's many sockets seen as one (WindowResult.socket): what arrives on any of them
 * reaches the listeners, and an answer goes out through the socket that heard that peer, because
 * only that socket's NAT mapping is open toward it. The first answer latches the group onto that
 * socket (the path) and closes the others; from then on it is that socket. Unlatched after
 * `timeoutMs`, or when `signal` aborts, every socket is closed.
 */
export class SocketGroup implements OwnedDatagramSocket {
  private readonly heardOn = new Map<string, OwnedDatagramSocket>();
  private readonly handlers = new Set<(data: Buffer, from: DatagramAddress) => void>();
  private readonly subscriptions: Disposable[] = [];
  private winner?: OwnedDatagramSocket;
  private winnerAt?: number;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private sockets: OwnedDatagramSocket[], timeoutMs: number, signal: AbortSignal) {
    for (const s of sockets) {
      this.subscriptions.push(
        s.onDatagram((data, from) => {
          if (this.winner && s !== this.winner) return;
          this.heardOn.set(formatHostPort(from.address, from.port), s);
          for (const h of this.handlers) h(data, from);
        }),
      );
    }
    this.timer = setTimeout(() => void (this.winner || this.close()), timeoutMs);
    this.timer.unref();
    signal.addEventListener('abort', () => void (this.winner || this.close()), { once: true });
  }

  /** Index of the socket the group latched onto (undefined until the first answer). */
  get winnerIndex(): number | undefined {
    return this.winnerAt;
  }

  get localPort(): number {
    return (this.winner ?? this.sockets[0])?.localPort ?? 0;
  }

  async send(data: Buffer, port: number, address: string, opts?: { ttl?: number }): Promise<void> {
    if (this.closed) throw new SignalError('E_TRANSPORT_CLOSED', 'the birthday sockets are closed (no probe reached them in time)');
    const via = this.winner ?? this.heardOn.get(formatHostPort(address, port));
    if (!via) throw new SignalError('E_NO_PATH', `no birthday socket has heard from ${formatHostPort(address, port)}; nothing can reach it yet`);
    if (!this.winner) this.latch(via);
    await via.send(data, port, address, opts);
  }

  onDatagram(handler: (data: Buffer, from: DatagramAddress) => void): Disposable {
    this.handlers.add(handler);
    return toDisposable(() => void this.handlers.delete(handler));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    for (const d of this.subscriptions) d.dispose();
    this.handlers.clear();
    await Promise.all(this.sockets.map((s) => s.close()));
  }

  private latch(s: OwnedDatagramSocket): void {
    this.winner = s;
    this.winnerAt = this.sockets.indexOf(s);
    clearTimeout(this.timer);
    const losers = this.sockets.filter((x) => x !== s);
    this.sockets = [s];
    void Promise.all(losers.map((x) => x.close()));
  }
}
