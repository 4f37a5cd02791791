import * as net from 'net';
import WebSocket from 'ws';
import { MemoryDirectory } from '@pinhole/directory-memory';
import { decodeControl, encodeControl, encodeFrame, FrameDecoder, type ControlEnvelope, type ControlKind } from '@pinhole/core';
import { startManager, type ManagerLimits, type ManagerOptions, type RunningManager, type StartManagerOptions } from '@pinhole/manager-server';
import { pluginOptions } from './plugin-options';

export type Received = ControlEnvelope & { kind: ControlKind };

export const silentDirectory = () => MemoryDirectory.create(() => undefined);

export type TestManagerOptions = Partial<Omit<StartManagerOptions, 'limits'>> & { limits?: Partial<ManagerLimits> };

/**
 * A manager on loopback with free ports and its own memory directory (closed with it); every
 * other option is the plugin's manifest default unless `opts` says otherwise.
 */
export async function testManager(opts: TestManagerOptions = {}): Promise<RunningManager & { directory: MemoryDirectory }> {
  const directory = (opts.directory as MemoryDirectory | undefined) ?? silentDirectory();
  const { directory: _backend, directoryOptions: _o, ...defaults } = pluginOptions<ManagerOptions>('manager-server', { host: '127.0.0.1', port: 0, udpPort: 0 });
  const m = await startManager({ ...defaults, ...opts, limits: { ...defaults.limits, ...opts.limits }, directory });
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

  static tcp(port: number, host = '127.0.0.1'): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host);
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
      s.once('connect', () => resolve(peer));
    });
  }

  static ws(url: string): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url);
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

  /** Registers and returns Registered; throws with the manager's Error code if refused. */
  async register(peerId: string, extra: Partial<NonNullable<ControlEnvelope['register']>> = {}): Promise<NonNullable<ControlEnvelope['registered']>> {
    this.send({ register: { peerId, protocolVersion: 1, candidates: [{ address: '127.0.0.1', port: 40000, kind: 0 }], ...extra } });
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
