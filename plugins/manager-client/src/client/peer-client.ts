import { EventEmitter } from 'events';
import {
  formatHostPort,
  fromCandidateMsg,
  toNatMsg,
  PinholeError,
  SecurityError,
  SignalError,
  toDisposable,
  type CallOptions,
  type Candidate,
  type Disposable,
  type EstablishedCall,
  type CallPolicy,
  type Hooks,
  type Identity,
  type KnownPeers,
  type Logger,
  type NatInfo,
  type SessionSecurity,
  type MediaTransport,
  type PeerClient,
  type RegisteredInfo,
  formatAddress,
} from '@pinhole/core';
import type { ClientOptions } from '../options';
import type { Msg, ReadyMsg, Received } from '../protocol';
import { Backoff } from './backoff';
import type { CallContext } from './call-context';
import { CallTable, type CallEnded } from './call-table';
import { CallerBudget } from './caller-budget';
import { answerCall } from './callee';
import { placeCall } from './caller';
import { ControlConnection, type ManagerTrust } from './connection';
import { managerTrust } from './manager-trust';
import type { ManagerAddress } from './manager-address';
import { ManagerList, worthRetrying } from './manager-list';
import { registerOn } from './registration';

export interface PeerClientParams {
  peerId: string;
  /** HOST:PORT or tls://HOST:PORT, wss://HOST:PORT (tcp:// and ws:// only when insecure); several (a list or comma-separated) = nodes to fail over between. */
  manager: string | string[];
  payloadTypes?: string[];
  /** Registration meta; `why-not.<type>` tells callers why a payload type is not offered. */
  meta?: Record<string, string>;
  /** Who may call this peer (default: nobody). */
  policy?: CallPolicy;
  /** PEM CA certificate(s) for the manager's certificate (--ca). */
  ca?: string | Buffer;
  /** The manager certificate's pin, sha256:… (--manager-fingerprint). */
  managerFingerprint?: string;
  /** Plain control channel, unencrypted sessions (--insecure). */
  insecure?: boolean;
}

export interface PeerClientDeps {
  hooks: Hooks;
  log: Logger;
  media: MediaTransport;
  options: ClientOptions;
  /** This peer's identity key: what it registers and authenticates sessions with. */
  identity: Identity;
  /** Pins of peer keys and manager certificates (known_peers). */
  knownPeers: KnownPeers;
  /** Handshakes and session protection (secure-noise); required unless insecure. */
  security?: SessionSecurity;
  /** Close the media transport with the client (true when the factory made it). */
  ownsMedia: boolean;
  /** The punch strategies to try, in order (their plugins activated). */
  strategies(): Promise<string[]>;
  /** Which of them relay (a TURN allocation: slow to prepare); none when not given. */
  relayed?(): Set<string>;
}

/** Call lifecycle events beyond the PeerClient interface (the `peer` command prints them). */
export interface PeerClientEvents {
  /** An OpenWindow arrived: someone is calling. */
  incoming: { callId: string; peer: string };
  /** A call ended (or its setup failed), with its datagram counts. */
  ended: CallEnded;
  /** Registered (again, after a reconnect). */
  registered: RegisteredInfo & { reconnected: boolean };
  /** The manager connection was lost; `reconnect` says whether the client tries again. */
  disconnected: { reason: string; reconnect: boolean };
  /** Reconnecting gave up for good (the manager refused us: id taken, replaced …). */
  stopped: { code: string; message: string };
}

/** Manager refusals after which reconnecting cannot help. */
const FINAL = new Set(['E_REPLACED', 'E_ID_TAKEN', 'E_PROTOCOL_VERSION', 'E_REGISTER_INVALID']);
/** A keep-alive unanswered this long means the manager is gone (≥ 1 s, so a loaded loopback does not trip it). */
const ackWaitMs = (keepaliveMs: number) => Math.max(keepaliveMs / 2, 1000);

/**
 * The peer side of the manager (spec ¶29, ¶35–¶40, Figure 6): registers over TCP or WebSocket,
 * learns its reflexive address by a STUN probe from the media socket, keeps the registration
 * alive, reconnects with backoff (re-registering with its secret), and runs call control.
 * Direct sessions do not depend on the manager connection: they survive its loss.
 */
export class ManagerPeerClient implements PeerClient {
  private readonly emitter = new EventEmitter();
  private readonly managers: ManagerList;
  /** The manager of the current (or last) connection. */
  private addr: ManagerAddress;
  private readonly calls: CallTable;
  private readonly backoff: Backoff;
  private readonly incomingHandlers = new Set<(call: EstablishedCall) => void>();
  private readonly ctx: CallContext;
  private conn?: ControlConnection;
  private info?: RegisteredInfo;
  private readonly trust: Map<ManagerAddress, ManagerTrust>;
  private readonly policy: CallPolicy;
  private starting?: Promise<RegisteredInfo>;
  private keepaliveTimer?: NodeJS.Timeout;
  private ackTimer?: NodeJS.Timeout;
  private reconnectTimer?: NodeJS.Timeout;
  private lastFatal?: Msg<'error'>;
  private lastHeard = 0;
  private natSettled: Promise<void> = Promise.resolve();
  private seq = 0;
  private dispatching: Promise<void> = Promise.resolve();
  private closing = false;

  constructor(private readonly params: PeerClientParams, private readonly deps: PeerClientDeps) {
    this.managers = new ManagerList(params.manager, params.insecure);
    this.addr = this.managers.current;
    this.policy = params.policy ?? { mode: 'none', allow: [], optimistic: false };
    if (!params.insecure && !deps.security)
      throw new SecurityError('E_SESSION_UNPROTECTED', 'no session security is installed: enable the secure-noise plugin (or, for debugging only, run both ends with --insecure)');
    if (params.insecure) deps.log.warn(`INSECURE: "${params.peerId}" talks to the manager in clear and its calls are unencrypted and unauthenticated (--insecure is for debugging only)`);
    // Each manager has its own certificate (and pin): one trust per address.
    this.trust = new Map(this.managers.all.map((a) => [a, managerTrust(a, params, deps)]));
    this.backoff = new Backoff(deps.options.reconnectMinMs, deps.options.reconnectMaxMs);
    this.calls = new CallTable(
      (callId, reason) => this.trySend({ hangup: { callId, reason } }),
      (e) => this.emitter.emit('ended', e),
    );
    this.ctx = {
      peerId: params.peerId,
      hooks: deps.hooks,
      media: deps.media,
      options: deps.options,
      strategies: deps.strategies,
      relayed: () => deps.relayed?.() ?? new Set<string>(),
      ownNat: () => this.info?.nat,
      natKnown: () => this.natKnown(deps.options.stunTimeoutMs),
      calls: this.calls,
      log: deps.log,
      identity: deps.identity,
      knownPeers: deps.knownPeers,
      security: deps.security,
      insecure: !!params.insecure,
      policy: this.policy,
      budget: new CallerBudget(deps.options.callsPerMinutePerCaller),
      send: (env) => {
        if (!this.conn) throw new SignalError('E_MANAGER_LOST', `not connected to the manager at ${this.addr.text} (reconnecting); try again after peer.registered`);
        this.conn.send(env);
      },
      offered: (info) => this.emitter.emit('incoming', info),
      established: (call) => {
        for (const h of this.incomingHandlers) h(call);
      },
    };
  }

  get peerId(): string {
    return this.params.peerId;
  }

  get registered(): boolean {
    return !!this.conn && !this.conn.closed;
  }

  /** The key this peer registers and authenticates its sessions with. */
  get identity(): Identity {
    return this.deps.identity;
  }

  /** The media transport this client registered (its socket is the one windows are opened for). */
  get media(): MediaTransport {
    return this.deps.media;
  }

  /** The last registration, if any. */
  get registration(): RegisteredInfo | undefined {
    return this.info;
  }

  on<K extends keyof PeerClientEvents>(event: K, handler: (e: PeerClientEvents[K]) => void): Disposable {
    this.emitter.on(event, handler);
    return toDisposable(() => void this.emitter.off(event, handler));
  }

  start(): Promise<RegisteredInfo> {
    if (this.closing) return Promise.reject(new SignalError('E_CLIENT_CLOSED', `peer client "${this.peerId}" is closed; create a new one`));
    this.starting ??= this.connect(false).catch((err) => {
      this.starting = undefined;
      throw err;
    });
    return this.starting;
  }

  call(calleeId: string, opts?: CallOptions): Promise<EstablishedCall> {
    if (!this.registered)
      return Promise.reject(new SignalError('E_NOT_REGISTERED', `"${this.peerId}" is not registered with the manager; call start() first (or wait for peer.registered after a reconnect)`));
    return placeCall(this.ctx, calleeId, opts);
  }

  onIncomingCall(handler: (call: EstablishedCall) => void): Disposable {
    this.incomingHandlers.add(handler);
    return toDisposable(() => void this.incomingHandlers.delete(handler));
  }

  hangup(callId: string, reason = 'hangup'): Promise<void> {
    return this.calls.end(callId, reason, { tellManager: true });
  }

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.keepaliveTimer);
    clearTimeout(this.ackTimer);
    for (const e of this.calls.all()) await this.calls.end(e.callId, 'client closed', { tellManager: true });
    this.conn?.bye('client closed');
    this.conn = undefined;
    if (this.deps.ownsMedia) await this.deps.media.close();
  }

  // ---- connection -----------------------------------------------------------------------

  /** Registers with the current manager, or the next ones in turn if it cannot be reached. */
  private connect(reconnected: boolean): Promise<RegisteredInfo> {
    return this.managers.firstWorking((addr) => this.connectTo(addr, reconnected));
  }

  private async connectTo(addr: ManagerAddress, reconnected: boolean): Promise<RegisteredInfo> {
    const conn = await ControlConnection.connect(addr, this.deps.options.connectTimeoutMs, addr.tls ? this.trust.get(addr) : undefined);
    try {
      const { registration, registered } = await registerOn(
        conn,
        { peerId: this.params.peerId, payloadTypes: this.params.payloadTypes ?? [], meta: this.params.meta, candidates: this.deps.media.hostCandidates(), policy: this.policy },
        this.deps.hooks,
        this.deps.options.connectTimeoutMs,
        this.deps.identity,
      );
      const nat = this.startNat(registered, conn.remoteAddress);
      const { reflexive, blocked } = await this.probe(conn, registered);
      if (this.closing) throw new SignalError('E_CLIENT_CLOSED', `peer client "${this.peerId}" was closed while registering`);
      const failover = reconnected && addr !== this.addr;
      this.addr = addr;
      this.conn = conn;
      this.lastHeard = Date.now();
      conn.setHandler((env) => this.onMessage(env));
      conn.onClose((reason) => this.onDisconnect(conn, reason));
      this.info = { peerId: registered.peerId, reflexive, candidates: registration.candidates, keepaliveMs: registered.keepaliveMs, expiryMs: registered.expiryMs };
      this.startKeepalive(registered.keepaliveMs || 25000);
      this.backoff.reset();
      this.deps.log.event('peer.registered', {
        id: registered.peerId,
        manager: this.addr.text,
        transport: conn.transport,
        reflexive: reflexive && formatHostPort(reflexive.address, reflexive.port),
        candidates: registration.candidates.map((c) => formatHostPort(c.address, c.port)),
        fingerprint: this.deps.identity.fingerprint,
        tls: this.addr.tls,
        accepts: this.policy.mode === 'list' ? this.policy.allow.join(',') : this.policy.mode,
        reconnected,
        ...(failover ? { failover: true } : {}),
      });
      void this.observe('registered', undefined, registered);
      this.reportNat(conn, nat, blocked);
      this.emitter.emit('registered', { ...this.info, reconnected });
      return this.info;
    } catch (err) {
      conn.close();
      throw err;
    }
  }

  /** STUN from the media socket to the manager with the probe token: the manager records where it came from. */
  private async probe(conn: ControlConnection, registered: Msg<'registered'>): Promise<{ reflexive?: Candidate; blocked: boolean }> {
    if (!registered.stunPort || !registered.probeToken) return { blocked: false };
    try {
      const reflexive = await this.deps.media.discoverReflexive(
        { address: conn.remoteAddress, port: registered.stunPort },
        { username: registered.probeToken, timeoutMs: this.deps.options.stunTimeoutMs },
      );
      return { reflexive, blocked: false };
    } catch (err) {
      this.deps.log.warn('reflexive address unknown: the STUN probe failed; callers behind NAT may not reach us', { error: (err as Error).message });
      return { blocked: (err as PinholeError).code === 'E_STUN_TIMEOUT' };
    }
  }

  /**
   * Mapping and filtering behaviour of the NAT in front of the media socket, against the manager's
   * STUN ports (RFC 5780 style), started as soon as Registered names them: its Bindings go out
   * beside the registration probe's, and with the alternate named too the mapping test goes with
   * them, so the mapping is known one round trip after Registered (a fresh caller waits for it).
   */
  private startNat(registered: Msg<'registered'>, server: string): NatRun | undefined {
    const media = this.deps.media;
    if (!this.deps.options.classifyNat || !media.classifyNat || !registered.stunPort) return undefined;
    const other = registered.stunAltPort ? { port: registered.stunAltPort, ...(registered.stunAltAddress ? { address: registered.stunAltAddress } : {}) } : undefined;
    let early!: (nat: NatInfo) => void;
    const mapping = new Promise<NatInfo>((r) => (early = r));
    const final = media.classifyNat({ address: server, port: registered.stunPort }, { onMapping: early, ...(other ? { other } : {}) });
    final.catch(() => undefined); // reported once the registration is in place (reportNat)
    return { mapping, final };
  }

  /**
   * Each classification result goes to the manager (NatReport), which picks each call's strategies
   * from both sides' NATs: the mapping as soon as it is known, the full result (`peer.nat`) later.
   * A probe that got no STUN answer at all means UDP is blocked: that is reported at once.
   */
  private reportNat(conn: ControlConnection, run: NatRun | undefined, blocked: boolean): void {
    let settle!: () => void;
    this.natSettled = new Promise<void>((r) => (settle = r));
    if (!run) return settle();
    let finished = false;
    const report = (nat: NatInfo, final: boolean) => {
      if (finished || this.closing || this.conn !== conn) return settle();
      finished = final;
      if (this.info) this.info.nat = nat;
      this.trySend({ natReport: { nat: toNatMsg(nat) } });
      settle();
      if (!final) return this.deps.log.debug('NAT mapping classified', { id: this.peerId, mapping: nat.mapping, hard: nat.hard });
      const { reflexive: _r, ...fields } = nat;
      this.deps.log.event('peer.nat', { id: this.peerId, ...fields });
    };
    if (blocked) return report({ natted: false, mapping: 'unknown', filtering: 'unknown', hard: false, tested: 'none', udpBlocked: true }, true);
    void run.mapping.then((early) => report(early, false));
    run.final.then(
      (nat) => report(nat, true),
      (err) => {
        settle();
        this.deps.log.debug('NAT classification failed', { error: (err as Error).message });
      },
    );
  }

  /** Resolves once the NAT is classified enough to pick a call's strategies (or that failed), at most `ms` from now. */
  natKnown(ms: number): Promise<void> {
    return Promise.race([this.natSettled, new Promise<void>((r) => setTimeout(r, ms).unref())]);
  }

  private startKeepalive(everyMs: number): void {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = setInterval(() => {
      const conn = this.conn;
      if (!conn) return;
      const sentAt = Date.now();
      this.trySend({ keepAlive: { seq: ++this.seq } });
      // No answer soon after a keep-alive: the manager (or the path) is dead even if TCP has not
      // noticed. Found within 1.5 intervals of its last answer, so failover fits in two.
      clearTimeout(this.ackTimer);
      this.ackTimer = setTimeout(() => {
        if (this.conn === conn && this.lastHeard < sentAt) conn.markDead(`no answer to a keep-alive within ${ackWaitMs(everyMs)} ms`);
      }, ackWaitMs(everyMs));
      this.ackTimer.unref();
    }, everyMs);
    this.keepaliveTimer.unref();
  }

  private onDisconnect(conn: ControlConnection, reason: string): void {
    if (this.conn !== conn) return;
    this.conn = undefined;
    clearInterval(this.keepaliveTimer);
    clearTimeout(this.ackTimer);
    this.managers.advance(); // with several managers, the next attempt goes to another node first
    // Setups in flight need the manager; established sessions do not.
    for (const e of this.calls.all())
      if (!e.session) void this.calls.end(e.callId, 'manager connection lost', { tellManager: false, abortWith: new SignalError('E_MANAGER_LOST', `lost the manager connection during call setup (${reason}); try again`) });
    if (this.closing) return;
    const fatal = this.lastFatal;
    this.lastFatal = undefined;
    const reconnect = !(fatal && FINAL.has(fatal.code));
    this.deps.log.event('peer.disconnected', { id: this.peerId, reason: fatal ? `${fatal.code}: ${fatal.message}` : reason, reconnect });
    this.emitter.emit('disconnected', { reason: fatal ? `${fatal.code}: ${fatal.message}` : reason, reconnect });
    if (reconnect) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = this.backoff.next();
    this.reconnectTimer = setTimeout(async () => {
      try {
        await this.connect(true);
      } catch (err) {
        if (this.closing) return;
        const e = err as PinholeError;
        const retry = worthRetrying(e);
        this.deps.log.debug('reconnect failed', { code: e.code, message: e.message, retry });
        if (retry) return this.scheduleReconnect();
        this.deps.log.event('peer.stopped', { id: this.peerId, code: e.code, message: e.message });
        this.emitter.emit('stopped', { code: e.code, message: e.message });
      }
    }, delay);
  }

  private trySend(env: Parameters<ControlConnection['send']>[0]): void {
    try {
      this.conn?.send(env);
    } catch {
      // closed under us: the reconnect re-registers and the manager has ended our calls
    }
  }

  // ---- messages from the manager --------------------------------------------------------

  private onMessage(env: Received): void {
    this.lastHeard = Date.now();
    if (env.kind === 'keepAliveAck') return;
    // Noted at once: the connection's close may be handled before the queued dispatch runs.
    if (env.error?.fatal) this.lastFatal = env.error;
    // In order, one at a time: a Hangup must not overtake the Ready before it.
    this.dispatching = this.dispatching
      .then(() => this.dispatch(env))
      .catch((err) => this.deps.log.error('fault while handling a manager message', { kind: env.kind, error: (err as Error)?.stack ?? String(err) }));
  }

  private async dispatch(env: Received): Promise<void> {
    if (env.openWindow) {
      // Runs alongside later messages: a Hangup for this call must be able to stop it.
      void answerCall(this.ctx, env.openWindow).catch((err) => this.deps.log.error('fault while answering a call', { error: (err as Error)?.stack }));
      return;
    }
    const body = env[env.kind] as { callId?: string } | undefined;
    await this.observe(env.kind, body?.callId, body);
    if (env.ready) this.calls.get(env.ready.callId)?.onReady(env.ready as ReadyMsg);
    else if (env.windowOpened) {
      const entry = this.calls.get(env.windowOpened.callId);
      entry?.mark('windowOpened');
      entry?.addOpened((env.windowOpened.candidates ?? []).map(fromCandidateMsg));
    }
    else if (env.reject) {
      const { callId = '', code, reason } = env.reject;
      await this.calls.end(callId, `rejected: ${code}`, { tellManager: false, abortWith: new SignalError(code, reason || `the call was rejected (${code})`, { callId, fromManager: true }) });
    } else if (env.hangup) {
      const { callId, reason } = env.hangup;
      const peer = this.calls.get(callId)?.remotePeerId ?? 'the other side';
      await this.calls.end(callId, reason ? `remote hung up: ${reason}` : 'remote hung up', {
        tellManager: false,
        abortWith: new SignalError('E_HUNG_UP', `"${peer}" hung up${reason ? `: ${reason}` : ''}`, { callId }),
      });
    } else if (env.error) {
      this.deps.log.warn('the manager reported an error', { code: env.error.code, message: env.error.message, fatal: env.error.fatal });
    }
  }

  /** notify hook observers; their faults are logged, never fatal to the client. */
  private async observe(kind: string, callId: string | undefined, body: unknown): Promise<void> {
    try {
      await this.deps.hooks.notify.for(kind).promise({ kind, callId, body });
    } catch (err) {
      this.deps.log.warn(`a notify:${kind} tap failed`, { error: (err as Error).message });
    }
  }
}

/** A NAT classification under way: its early mapping result (when the transport tests mapping apart) and the full one. */
interface NatRun {
  mapping: Promise<NatInfo>;
  final: Promise<NatInfo>;
}
