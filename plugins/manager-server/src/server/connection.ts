import { randomBytes } from 'crypto';
import { CONTROL_PROTOCOL_VERSION, decodeControl, PinholeError, type ControlEnvelope, type Logger, type PeerRecord } from '@pinhole/core';
import type { ManagerLimits } from '../options';
import type { Msg } from '../protocol';
import type { Channel } from './channel';
import { fatal, isFatal } from './faults';
import { TokenBucket } from './limits';

/** What a connection delegates to once a message is decoded and allowed. */
export interface ConnectionHandlers {
  register(conn: PeerConnection, msg: Msg<'register'>): Promise<void>;
  keepAlive(conn: PeerConnection, msg: Msg<'keepAlive'>): Promise<void>;
  callRequest(conn: PeerConnection, msg: Msg<'callRequest'>): Promise<void>;
  windowOpened(conn: PeerConnection, msg: Msg<'windowOpened'>): Promise<void>;
  reject(conn: PeerConnection, msg: Msg<'reject'>): Promise<void>;
  hangup(conn: PeerConnection, msg: Msg<'hangup'>): Promise<void>;
  bye(conn: PeerConnection, msg: Msg<'bye'>): Promise<void>;
  closed(conn: PeerConnection): void;
}

const MANAGER_ONLY = new Set(['registered', 'keepAliveAck', 'openWindow', 'ready']);

/**
 * One peer's control connection on the manager: enforces the hello deadline, idle timeout and
 * message rate, decodes, checks message order, and hands each message to the handlers one at
 * a time. Nothing thrown by a handler escapes: a fault becomes an Error message (closing the
 * connection when it is a protocol violation), so one bad peer never disturbs the others.
 */
export class PeerConnection {
  state: 'hello' | 'registering' | 'registered' | 'closed' = 'hello';
  peerId?: string;
  /** The registered key (base64url), once admitted. */
  publicKey?: string;
  probeToken?: string;
  /** What this connection registered (kept so the record can be claimed again if the directory lost it). */
  record?: PeerRecord;
  /** When the peer last sent anything: proof it is alive, whatever the directory says. */
  lastHeard = Date.now();
  /** This connection's Hello nonce: a registration must sign it (so it cannot be replayed). */
  readonly challenge = randomBytes(32);
  private queue: Promise<void> = Promise.resolve();
  private readonly bucket: TokenBucket;
  private helloTimer?: NodeJS.Timeout;
  private helloSeen = false;
  private idleTimer?: NodeJS.Timeout;

  constructor(
    readonly channel: Channel,
    helloDeadline: number,
    private readonly limits: ManagerLimits,
    private readonly handlers: ConnectionHandlers,
    private readonly log: Logger,
  ) {
    const rate = limits.messagesPerSecondPerConnection;
    this.bucket = new TokenBucket(rate, Math.max(2, rate * 2));
    this.helloTimer = setTimeout(
      () => this.fail('E_HELLO_TIMEOUT', `not registered within ${limits.helloTimeoutMs} ms of connecting; answer Hello with Register at once`),
      Math.max(0, helloDeadline - Date.now()),
    );
    this.helloTimer.unref();
    this.resetIdle();
    channel.attach({
      onMessage: (bytes) => this.onMessage(bytes),
      onRefused: (code, message) => this.fail(code, message),
      onClose: () => this.onClose(),
    });
    // The manager speaks first: the nonce the peer's Register signs.
    this.send({ hello: { protocolVersion: CONTROL_PROTOCOL_VERSION, nonce: this.challenge } });
  }

  /** A getter, so checks after an await are not narrowed away by the compiler. */
  get closed(): boolean {
    return this.state === 'closed';
  }

  get remoteAddress(): string {
    return this.channel.remoteAddress;
  }

  get transport(): 'tcp' | 'ws' {
    return this.channel.transport;
  }

  send(env: ControlEnvelope): void {
    if (this.state === 'closed') return;
    try {
      this.channel.send(env);
    } catch (err) {
      this.log.error('could not send to peer', { peer: this.peerId, error: (err as Error).message });
    }
  }

  /** Non-fatal notice: the message was refused, the connection stays. */
  notice(code: string, message: string): void {
    this.send({ error: { code, message, fatal: false } });
  }

  fail(code: string, message: string): void {
    if (this.state === 'closed') return;
    this.log.info('closing peer connection', { peer: this.peerId, remote: this.remoteAddress, code, message });
    this.channel.fail(code, message);
    this.onClose();
  }

  close(): void {
    this.channel.close();
    this.onClose();
  }

  private onMessage(bytes: Buffer): void {
    if (this.state === 'closed') return;
    if (!this.bucket.take())
      return this.fail('E_RATE_LIMITED', `more than ${this.limits.messagesPerSecondPerConnection} messages per second; slow down (a keep-alive every keepaliveMs is all an idle peer needs)`);
    this.resetIdle();
    this.lastHeard = Date.now();
    let env: ReturnType<typeof decodeControl>;
    try {
      env = decodeControl(bytes);
    } catch (err) {
      const e = err as PinholeError;
      return this.fail(e.code ?? 'E_WIRE_DECODE', e.message);
    }
    this.queue = this.queue.then(() => this.handle(env)).catch((err) => this.onHandlerError(err, env.kind));
  }

  private async handle(env: ControlEnvelope & { kind: keyof ControlEnvelope }): Promise<void> {
    if (this.state === 'closed') return;
    const kind = env.kind;
    if (MANAGER_ONLY.has(kind)) throw fatal('E_OUT_OF_ORDER', `${kind} is sent by the manager, never by a peer`);
    if (kind === 'error') {
      this.log.info('peer reported an error', { peer: this.peerId, ...env.error });
      return;
    }
    if (kind === 'hello') {
      // A raw-TCP peer opens with an empty Hello so the port's sniffer sees a frame and we can
      // answer with ours (a WebSocket peer's upgrade request does the same). Once, first.
      if (this.state !== 'hello' || this.helloSeen) throw fatal('E_OUT_OF_ORDER', 'Hello is the first message of a connection, sent once');
      this.helloSeen = true;
      return;
    }
    if (this.state === 'hello') {
      if (kind !== 'register') throw fatal('E_NOT_REGISTERED', `${kind} before Register: the first message on a connection must be Register`);
      this.state = 'registering';
      try {
        await this.handlers.register(this, env.register!);
      } finally {
        if (this.state === 'registering') this.state = 'hello';
      }
      // Registered in time: the slow-loris guard (Register within helloTimeoutMs) is done.
      if (this.closed === false && this.peerId !== undefined) clearTimeout(this.helloTimer);
      return;
    }
    if (kind === 'register') throw fatal('E_OUT_OF_ORDER', `this connection is already registered as "${this.peerId}"; open a new connection to register again`);
    switch (kind) {
      case 'keepAlive':
        return this.handlers.keepAlive(this, env.keepAlive!);
      case 'callRequest':
        return this.handlers.callRequest(this, env.callRequest!);
      case 'windowOpened':
        return this.handlers.windowOpened(this, env.windowOpened!);
      case 'reject':
        return this.handlers.reject(this, env.reject!);
      case 'hangup':
        return this.handlers.hangup(this, env.hangup!);
      case 'bye':
        return this.handlers.bye(this, env.bye!);
    }
  }

  private onHandlerError(err: unknown, kind: string): void {
    if (isFatal(err)) return this.fail((err as PinholeError).code, (err as Error).message);
    if (err instanceof PinholeError) return this.notice(err.code, err.message);
    this.log.error('manager fault while handling a message', { kind, peer: this.peerId, error: (err as Error)?.stack ?? String(err) });
    this.notice('E_INTERNAL', `the manager failed to handle ${kind}; it was logged on the manager`);
  }

  private resetIdle(): void {
    clearTimeout(this.idleTimer);
    this.idleTimer = setTimeout(
      () => this.fail('E_IDLE_TIMEOUT', `nothing received for ${this.limits.idleTimeoutMs} ms; send KeepAlive every keepaliveMs`),
      this.limits.idleTimeoutMs,
    );
    this.idleTimer.unref();
  }

  private onClose(): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    clearTimeout(this.helloTimer);
    clearTimeout(this.idleTimer);
    try {
      this.handlers.closed(this);
    } catch (err) {
      this.log.error('manager fault while closing a connection', { peer: this.peerId, error: (err as Error)?.message });
    }
  }
}
