import { randomBytes } from 'crypto';
import {
  CHANNEL_MAX,
  CHANNEL_MIN,
  decodeChannelData,
  decodeStun,
  encodeChannelData,
  encodeStun,
  formatHostPort,
  ipFamily,
  isChannelData,
  StunClass,
  StunMethod,
  toDisposable,
  TRANSPORT_UDP,
  type DatagramAddress,
  type Disposable,
  type StunFields,
  type StunMessage,
} from '@pinhole/core';
import { LongTermAuth, type TurnCredentials } from './auth';
import { TurnError } from './errors';
import type { RelayTurnOptions } from './options';
import { Transactions } from './transactions';
import type { TurnTransport } from './transport/types';
import type { TurnServerAddress } from '@pinhole/core';

/** RFC 8656 §9 and §12: fixed by the protocol, not by the server. */
const PERMISSION_LIFETIME_S = 300;
const CHANNEL_LIFETIME_S = 600;
const key = (a: DatagramAddress) => formatHostPort(a.address, a.port);

interface PeerState {
  peer: DatagramAddress;
  /** Resolves once the permission (and channel, when used) exists; sends wait on it. */
  ready: Promise<void>;
  channel?: number;
  bound: boolean;
  timer?: NodeJS.Timeout;
}

export interface TurnClientStats {
  sent: number;
  received: number;
  /** Frames from the server that were malformed, oversize, or for no known channel/transaction. */
  dropped: number;
  refreshes: number;
  staleNonces: number;
}

/**
 * One TURN allocation (RFC 8656) on one connection to the server: Allocate with long-term
 * credentials (401 → realm/nonce → signed retry; 438 → fresh nonce), Refresh before the lifetime
 * lapses, a permission and (by default) a channel per peer, kept fresh while the allocation lives,
 * and data both ways as ChannelData or Send/Data indications. Nothing the server sends is trusted
 * blindly: frames are size-capped and decoded strictly, and a bad one is dropped and counted.
 */
export class TurnClient {
  readonly stats: TurnClientStats = { sent: 0, received: 0, dropped: 0, refreshes: 0, staleNonces: 0 };
  relayed!: DatagramAddress;
  mapped?: DatagramAddress;
  /** Seconds the server granted at the last Allocate/Refresh. */
  lifetime = 0;
  private readonly tx: Transactions;
  private readonly auth: LongTermAuth;
  private readonly peers = new Map<string, PeerState>();
  private readonly permits = new Map<string, Promise<void>>();
  private readonly permitTimers = new Set<NodeJS.Timeout>();
  private readonly byChannel = new Map<number, DatagramAddress>();
  private readonly dataHandlers = new Set<(data: Buffer, from: DatagramAddress) => void>();
  private readonly closeHandlers = new Set<(reason: string) => void>();
  private nextChannel = CHANNEL_MIN;
  private refreshTimer?: NodeJS.Timeout;
  private closed = false;

  /** Allocates a relayed UDP address on `server` over `transport`; the client owns the transport from here on. */
  static async allocate(server: TurnServerAddress, transport: TurnTransport, credentials: TurnCredentials, o: RelayTurnOptions): Promise<TurnClient> {
    const client = new TurnClient(server, transport, credentials, o);
    try {
      await client.allocateNow();
    } catch (err) {
      client.shutdown('allocation failed', false);
      throw err;
    }
    return client;
  }

  private constructor(
    readonly server: TurnServerAddress,
    private readonly transport: TurnTransport,
    credentials: TurnCredentials,
    private readonly o: RelayTurnOptions,
  ) {
    this.auth = new LongTermAuth(credentials);
    this.tx = new Transactions(transport, server.text, o.requestTimeoutMs);
    transport.onFrame((f) => this.onFrame(f));
    transport.onClose((reason) => this.shutdown(reason, false));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Data a peer sent to our relayed address. */
  onData(handler: (data: Buffer, from: DatagramAddress) => void): Disposable {
    this.dataHandlers.add(handler);
    return toDisposable(() => void this.dataHandlers.delete(handler));
  }

  /** The allocation ended (closed, expired, refused a refresh, or the connection dropped). */
  onClose(handler: (reason: string) => void): Disposable {
    this.closeHandlers.add(handler);
    return toDisposable(() => void this.closeHandlers.delete(handler));
  }

  /**
   * Installs a permission for the peer's address (and binds a channel when `channels` is on), and
   * keeps them fresh. Resolves when the server confirmed; sends to the peer wait for this.
   */
  connect(peer: DatagramAddress): Promise<void> {
    if (this.closed) return Promise.reject(TurnError.CLOSED(this.server.text, 'closed'));
    if (ipFamily(peer.address) !== ipFamily(this.relayed.address)) {
      return Promise.reject(TurnError.PEER(peer, `the relayed address ${key(this.relayed)} is ${ipFamily(this.relayed.address)}`));
    }
    const k = key(peer);
    let st = this.peers.get(k);
    if (!st) {
      st = { peer: { address: peer.address, port: peer.port }, ready: Promise.resolve(), bound: false };
      this.peers.set(k, st);
      const s = st;
      s.ready = this.install(s).catch((err) => {
        this.peers.delete(k);
        throw err;
      });
      s.ready.catch(() => undefined); // a failed peer surfaces through connect()/send callers
    }
    return st.ready;
  }

  /**
   * A permission for every port of `address` (RFC 8656 permissions are per IP): whatever a peer
   * sends from there reaches us (as Data indications until we bind it a channel by sending to
   * it). For a peer behind a port-randomising NAT, whose port toward the relay is unknown.
   * Kept fresh while the allocation lives.
   */
  permit(address: string): Promise<void> {
    if (this.closed) return Promise.reject(TurnError.CLOSED(this.server.text, 'closed'));
    if (ipFamily(address) !== ipFamily(this.relayed.address)) return Promise.reject(TurnError.PEER({ address, port: 0 }, `the relayed address ${key(this.relayed)} is ${ipFamily(this.relayed.address)}`));
    const existing = this.permits.get(address);
    if (existing) return existing;
    const peer = toStun({ address, port: 0 });
    const keep = async (): Promise<void> => {
      await this.request(StunMethod.CreatePermission, { xorPeerAddress: peer }, `a permission for ${address}`);
      const t: NodeJS.Timeout = setTimeout(() => {
        this.permitTimers.delete(t);
        void keep().catch(() => this.permits.delete(address));
      }, this.refreshDelay(PERMISSION_LIFETIME_S));
      t.unref();
      this.permitTimers.add(t);
    };
    const done = keep().catch((err) => {
      this.permits.delete(address);
      throw err;
    });
    this.permits.set(address, done);
    return done;
  }

  /** Relays one datagram to the peer (installing its permission/channel first if needed). */
  send(peer: DatagramAddress, data: Buffer): void {
    if (this.closed) throw TurnError.CLOSED(this.server.text, 'closed');
    const st = this.peers.get(key(peer));
    if (st?.bound) return this.sendFrame(encodeChannelData(st.channel!, data, this.transport.reliable));
    void this.connect(peer).then(
      () => this.sendNow(this.peers.get(key(peer)), peer, data),
      () => void this.stats.dropped++,
    );
  }

  /** Releases the allocation (Refresh with lifetime 0, best effort) and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    const bye = this.request(StunMethod.Refresh, { lifetime: 0 }, 'the release (Refresh 0)').catch(() => undefined);
    await Promise.race([bye, new Promise((r) => setTimeout(r, 500).unref())]);
    this.shutdown('closed', true);
  }

  // ---- allocation lifecycle -------------------------------------------------------------

  private async allocateNow(): Promise<void> {
    const res = await this.request(StunMethod.Allocate, { requestedTransport: TRANSPORT_UDP, lifetime: this.o.lifetimeSeconds, dontFragment: this.transport.kind === 'udp' }, 'Allocate');
    if (!res.xorRelayedAddress) throw TurnError.BAD_FRAME(this.server.text, 'an Allocate success without XOR-RELAYED-ADDRESS');
    this.relayed = { address: res.xorRelayedAddress.address, port: res.xorRelayedAddress.port };
    if (res.xorMappedAddress) this.mapped = { address: res.xorMappedAddress.address, port: res.xorMappedAddress.port };
    this.granted(res.lifetime ?? this.o.lifetimeSeconds);
  }

  private granted(lifetime: number): void {
    this.lifetime = lifetime;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = setTimeout(() => void this.refresh(), this.refreshDelay(lifetime));
    this.refreshTimer.unref();
  }

  private refreshDelay(lifetimeS: number): number {
    return Math.max(1, lifetimeS - this.o.refreshMarginSeconds, lifetimeS / 2) * 1000;
  }

  private async refresh(): Promise<void> {
    try {
      const res = await this.request(StunMethod.Refresh, { lifetime: this.o.lifetimeSeconds }, 'Refresh');
      this.stats.refreshes++;
      this.granted(res.lifetime ?? this.o.lifetimeSeconds);
    } catch (err) {
      this.shutdown(`the refresh failed: ${(err as Error).message}`, false);
    }
  }

  /** CreatePermission, then ChannelBind (which also refreshes the permission), and their refresh timers. */
  private async install(st: PeerState): Promise<void> {
    const what = `a permission for ${key(st.peer)}`;
    await this.request(StunMethod.CreatePermission, { xorPeerAddress: toStun(st.peer) }, what);
    if (this.o.channels && this.nextChannel <= CHANNEL_MAX) {
      st.channel = this.nextChannel++;
      await this.request(StunMethod.ChannelBind, { channelNumber: st.channel, xorPeerAddress: toStun(st.peer) }, `channel 0x${st.channel.toString(16)} for ${key(st.peer)}`);
      this.byChannel.set(st.channel, st.peer);
      st.bound = true;
    }
    const every = this.refreshDelay(st.bound ? CHANNEL_LIFETIME_S : PERMISSION_LIFETIME_S);
    const keep = async () => {
      try {
        if (st.bound) await this.request(StunMethod.ChannelBind, { channelNumber: st.channel, xorPeerAddress: toStun(st.peer) }, 'a channel refresh');
        // A bound channel keeps the permission only as long as its own lifetime; refresh both.
        await this.request(StunMethod.CreatePermission, { xorPeerAddress: toStun(st.peer) }, 'a permission refresh');
        st.timer = setTimeout(keep, Math.min(every, this.refreshDelay(PERMISSION_LIFETIME_S)));
        st.timer.unref();
      } catch {
        if (!this.closed) this.peers.delete(key(st.peer)); // the next send installs it again
      }
    };
    st.timer = setTimeout(keep, Math.min(every, this.refreshDelay(PERMISSION_LIFETIME_S)));
    st.timer.unref();
  }

  /**
   * One signed request with long-term credentials: the first 401 brings realm and nonce, a 438
   * brings a fresh nonce (up to nonceRetries times); any other error is a TurnError naming it.
   */
  private async request(method: number, fields: StunFields, what: string): Promise<StunMessage> {
    for (let stale = 0; ; ) {
      const signed = this.auth.fields();
      const res = await this.tx.request(
        (transactionId) => encodeStun({ method, cls: StunClass.Request, transactionId, ...fields, ...signed, fingerprint: true }),
        what,
        signed.integrityKey,
      );
      if (res.cls === StunClass.Success) return res;
      const code = res.errorCode?.code;
      if (code === 401 && !signed.integrityKey && this.auth.challenge(res)) continue; // the challenge: sign and retry
      if (code === 401) throw TurnError.AUTH(this.server.text, this.auth.credentials.username, res.errorCode?.reason ?? 'Unauthorized');
      if (code === 438 && stale++ < this.o.nonceRetries && this.auth.challenge(res)) {
        this.stats.staleNonces++;
        continue;
      }
      throw TurnError.REFUSED(this.server.text, what, res.errorCode ?? { code: 500, reason: 'error without ERROR-CODE' });
    }
  }

  // ---- data -----------------------------------------------------------------------------

  private sendNow(st: PeerState | undefined, peer: DatagramAddress, data: Buffer): void {
    if (this.closed) return;
    if (st?.bound) return this.sendFrame(encodeChannelData(st.channel!, data, this.transport.reliable));
    this.sendFrame(encodeStun({ method: StunMethod.Send, cls: StunClass.Indication, transactionId: randomBytes(12), xorPeerAddress: toStun(peer), data }));
  }

  private sendFrame(frame: Buffer): void {
    this.transport.send(frame);
    this.stats.sent++;
  }

  private onFrame(frame: Buffer): void {
    if (frame.length > this.o.maxMessageBytes) return void this.stats.dropped++;
    if (isChannelData(frame)) {
      let cd;
      try {
        cd = decodeChannelData(frame);
      } catch {
        return void this.stats.dropped++;
      }
      const peer = this.byChannel.get(cd.channel);
      return peer ? this.deliver(Buffer.from(cd.data), peer) : void this.stats.dropped++;
    }
    let msg: StunMessage;
    try {
      msg = decodeStun(frame, { maxSize: this.o.maxMessageBytes });
    } catch {
      return void this.stats.dropped++;
    }
    if (msg.cls === StunClass.Success || msg.cls === StunClass.Error) {
      if (!this.tx.handle(msg, frame)) this.stats.dropped++;
      return;
    }
    if (msg.cls === StunClass.Indication && msg.method === StunMethod.Data && msg.xorPeerAddress && msg.data) {
      return this.deliver(msg.data, { address: msg.xorPeerAddress.address, port: msg.xorPeerAddress.port });
    }
    this.stats.dropped++;
  }

  private deliver(data: Buffer, from: DatagramAddress): void {
    this.stats.received++;
    for (const h of this.dataHandlers) h(data, from);
  }

  private shutdown(reason: string, local: boolean): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.refreshTimer);
    for (const st of this.peers.values()) clearTimeout(st.timer);
    for (const t of this.permitTimers) clearTimeout(t);
    this.tx.failAll(TurnError.CLOSED(this.server.text, reason));
    this.transport.close();
    for (const h of this.closeHandlers) h(local ? 'closed' : reason);
  }
}

function toStun(a: DatagramAddress): NonNullable<StunFields['xorPeerAddress']> {
  return { family: ipFamily(a.address) ?? 'IPv4', address: a.address, port: a.port };
}
