import { generateKeyPairSync, sign, type KeyObject } from 'crypto';
import * as net from 'net';
import * as tls from 'tls';
import WebSocket from 'ws';
import { MemoryDirectory } from '@pinhole/directory-memory';
import { Ed25519Verifier, RegisterTaps } from '@pinhole/identity-ed25519';
import {
  createHooks,
  decodeControl,
  encodeControl,
  encodeFrame,
  fingerprint,
  FrameDecoder,
  fromCandidateMsg,
  fromPolicyMsg,
  registrationDigest,
  type ControlEnvelope,
  type ControlKind,
  type Hooks,
  type IdentityStore,
} from '@pinhole/core';
import { createTapApi } from '@pinhole/core/host';
import { PROTOCOL_VERSION, startManager, type ManagerLimits, type ManagerOptions, type RunningManager, type StartManagerOptions } from '@pinhole/manager-server';
import { pluginOptions } from './plugin-options';

export type Received = ControlEnvelope & { kind: ControlKind };

export const silentDirectory = () => MemoryDirectory.create(() => undefined);

/** An Ed25519 key as a raw-protocol test peer uses it. */
export class TestKey {
  readonly publicKey: Uint8Array;
  private readonly privateKey: KeyObject;
  constructor() {
    const pair = generateKeyPairSync('ed25519');
    this.privateKey = pair.privateKey;
    this.publicKey = new Uint8Array(Buffer.from(pair.publicKey.export({ format: 'jwk' }).x!, 'base64url'));
  }
  get fingerprint(): string {
    return fingerprint(this.publicKey);
  }
  sign(message: Uint8Array): Uint8Array {
    return new Uint8Array(sign(null, message, this.privateKey));
  }
}

/**
 * The manager side of the identity plugin on `hooks`: the real RegisterTaps, whose manager tap
 * checks key signatures (its client tap, the only user of the identity store, never runs here).
 */
export function withIdentityCheck(hooks: Hooks = createHooks()): Hooks {
  const noStore = { load: () => Promise.reject(new Error('not used on the manager')), knownPeers: () => Promise.reject(new Error('not used on the manager')) } as IdentityStore;
  new RegisterTaps(noStore, new Ed25519Verifier()).apply(createTapApi(hooks, 'identity-ed25519'));
  return hooks;
}

export type TestManagerOptions = Partial<Omit<StartManagerOptions, 'limits'>> & { limits?: Partial<ManagerLimits> };

/**
 * A manager on loopback with free ports, its own memory directory (closed with it) and the
 * identity check on its register hook; every other option is the plugin's manifest default
 * unless `opts` says otherwise. Plain TCP/WebSocket unless `opts.tls` is given (the
 * raw-protocol tests speak frames directly); TLS has its own tests.
 */
export async function testManager(opts: TestManagerOptions = {}): Promise<RunningManager & { directory: MemoryDirectory }> {
  const directory = (opts.directory as MemoryDirectory | undefined) ?? silentDirectory();
  const hooks = withIdentityCheck(opts.hooks);
  const { directory: _backend, directoryOptions: _o, ...defaults } = pluginOptions<ManagerOptions>('manager-server', { host: '127.0.0.1', port: 0, udpPort: 0 });
  const m = await startManager({ ...defaults, insecure: !opts.tls, ...opts, limits: { ...defaults.limits, ...opts.limits }, hooks, directory });
  return {
    ...m,
    directory,
    close: async () => {
      await m.close();
      if (!opts.directory) await directory.close();
    },
  };
}

/**
 * A protocol-level peer for manager tests: speaks raw frames (TCP) or WebSocket messages and
 * queues what the manager sends, so a test can await the next message of a kind.
 */
export class RawPeer {
  readonly received: Received[] = [];
  readonly closed: Promise<void>;
  /** The key the last register() used. */
  key?: TestKey;
  private hello?: Uint8Array;
  private waiters: Array<() => void> = [];
  private isClosed = false;

  private constructor(
    readonly socket: net.Socket | undefined,
    readonly websocket: WebSocket | undefined,
  ) {
    this.closed = new Promise((resolve) =>
      (socket ?? websocket)!.on('close', () => {
        this.isClosed = true;
        resolve();
        this.wake();
      }),
    );
  }

  /** Raw frames over TCP; with `tls`, inside TLS (its options: ca, servername …). */
  static tcp(port: number, host = '127.0.0.1', tlsOptions?: tls.ConnectionOptions): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = tlsOptions ? tls.connect({ port, host, ...tlsOptions }) : net.connect(port, host);
      const decoder = new FrameDecoder();
      const peer = new RawPeer(s, undefined);
      s.on('data', (c) => {
        try {
          for (const f of decoder.push(c)) peer.push(decodeControl(f));
        } catch {
          s.destroy();
        }
      });
      s.on('error', (e) => (peer.isClosed ? undefined : reject(e)));
      s.once(tlsOptions ? 'secureConnect' : 'connect', () => {
        // What a real client sends first on raw TCP (the port sniffs, then the manager says Hello).
        peer.send({ hello: { protocolVersion: PROTOCOL_VERSION, nonce: new Uint8Array(0) } });
        resolve(peer);
      });
    });
  }

  static ws(url: string, options?: WebSocket.ClientOptions): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, options);
      const peer = new RawPeer(undefined, ws);
      ws.on('message', (d) => peer.push(decodeControl(d as Buffer)));
      ws.on('error', (e) => (peer.isClosed ? undefined : reject(e)));
      ws.once('open', () => resolve(peer));
    });
  }

  get ended(): boolean {
    return this.isClosed;
  }

  send(env: ControlEnvelope): void {
    const bytes = encodeControl(env);
    if (this.socket) this.socket.write(encodeFrame(bytes));
    else this.websocket!.send(bytes);
  }

  /** Raw bytes on the wire (TCP: no framing added; WebSocket: one binary message). */
  sendRaw(bytes: Buffer): void {
    if (this.socket) this.socket.write(bytes);
    else this.websocket!.send(bytes);
  }

  /** The next message (of `kind`, if given; others before it are skipped and kept). */
  async next(kind?: ControlKind, timeoutMs = 2000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex((m) => !kind || m.kind === kind);
      if (i >= 0) return this.received.splice(i, 1)[0];
      if (this.isClosed) throw new Error(`connection closed while waiting for ${kind ?? 'a message'}; got ${JSON.stringify(this.received)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${kind ?? 'message'} within ${timeoutMs} ms; got ${JSON.stringify(this.received)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** This connection's Hello nonce (the manager sends Hello first). */
  async challenge(): Promise<Uint8Array> {
    if (!this.hello) {
      const first = await this.next(undefined);
      if (first.kind !== 'hello') throw Object.assign(new Error(`${first.error?.code ?? first.kind}: ${first.error?.message ?? 'instead of Hello'}`), { code: first.error?.code });
      this.hello = first.hello!.nonce;
    }
    return this.hello;
  }

  /**
   * Answers Hello with a Register signed by `key` (a fresh one by default) and returns
   * Registered; throws with the manager's Error code if refused. `sign: false` sends it unsigned.
   */
  async register(
    peerId: string,
    extra: Partial<NonNullable<ControlEnvelope['register']>> & { key?: TestKey; sign?: boolean } = {},
  ): Promise<NonNullable<ControlEnvelope['registered']>> {
    const { key = new TestKey(), sign = true, ...fields } = extra;
    this.key = key;
    const nonce = await this.challenge();
    const msg: NonNullable<ControlEnvelope['register']> = {
      peerId,
      protocolVersion: PROTOCOL_VERSION,
      candidates: [{ address: '127.0.0.1', port: 40000, kind: 0 }],
      publicKey: key.publicKey,
      ...fields,
    };
    if (sign && !fields.signature) msg.signature = key.sign(registrationDigest(nonce, asRegistration(msg)));
    this.send({ register: msg });
    const m = await this.next(undefined);
    if (m.kind === 'registered') return m.registered!;
    throw Object.assign(new Error(`${m.error?.code ?? m.kind}: ${m.error?.message ?? ''}`), { code: m.error?.code });
  }

  close(): void {
    if (this.socket) this.socket.destroy();
    else this.websocket!.terminate();
  }

  private push(env: Received): void {
    this.received.push(env);
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }
}

/** Resolves once `fn` is true (polling), or rejects after `timeoutMs`. */
export async function until(fn: () => boolean | Promise<boolean>, timeoutMs = 2000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`${what} not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/**
 * Raw peers opened by a test, all closed by `closeAll()` (call it from afterEach). `port` is read
 * at call time, so the pool can be made before the manager is started.
 */
export function rawPeerPool(port: () => number) {
  const open: RawPeer[] = [];
  const track = (p: RawPeer) => (open.push(p), p);
  return {
    tcp: async (p = port()) => track(await RawPeer.tcp(p)),
    ws: async (url = `ws://127.0.0.1:${port()}/`) => track(await RawPeer.ws(url)),
    closeAll: () => {
      for (const p of open.splice(0)) p.close();
    },
  };
}

/** The Registration the manager builds from a Register message (what the signature covers). */
function asRegistration(m: NonNullable<ControlEnvelope['register']>) {
  return {
    peerId: m.peerId,
    protocolVersion: m.protocolVersion,
    candidates: (m.candidates ?? []).map(fromCandidateMsg),
    payloadTypes: m.payloadTypes ?? [],
    meta: m.meta ?? {},
    identity: { publicKey: m.publicKey ?? new Uint8Array(0) },
    policy: fromPolicyMsg(m.policy),
  };
}
