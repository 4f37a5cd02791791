import { createHash } from 'crypto';
import * as net from 'net';
import * as tls from 'tls';
import WebSocket from 'ws';
import { CONTROL_PROTOCOL_VERSION, decodeControl, encodeControl, encodeFrame, FrameDecoder, MAX_CONTROL_BYTES, SignalError, type ControlEnvelope } from '@pinhole/core';
import type { Received } from '../protocol';
import type { ManagerAddress } from './manager-address';

/**
 * How the client decides to trust the manager's TLS certificate: a certificate that validates
 * against the system CAs (or `ca`, from --ca) for the host name is trusted; with `ca` given,
 * nothing else is. Otherwise `pin` decides by the certificate's key (known_peers, TOFU, or
 * --manager-fingerprint) and throws to refuse.
 */
export interface ManagerTrust {
  ca?: Buffer;
  pin(spkiSha256: Uint8Array): Promise<void>;
}

/**
 * The peer's control connection to the manager, over raw TCP frames or WebSocket messages.
 * Messages queue in an inbox until a handler is set, so none is lost between the
 * registration exchange (read with next()) and the client taking over.
 */
export class ControlConnection {
  private readonly inbox: Received[] = [];
  private handler?: (env: Received) => void;
  private waiter?: () => void;
  private closeHandlers: Array<(reason: string) => void> = [];
  private closeReason?: string;

  /** Made by connect(); public for the transports below. */
  constructor(
    readonly transport: 'tcp' | 'ws',
    /** Whether the connection is inside TLS. */
    readonly tls: boolean,
    /** The manager's IP as this connection reached it (where STUN probes go). */
    readonly remoteAddress: string,
    private readonly write: (bytes: Buffer) => void,
    private readonly end: () => void,
    /** Closes after what was written is flushed (used after Bye). */
    private readonly finish: () => void = end,
  ) {}

  /** Tells the manager we leave for good (it frees our id at once), then closes gracefully. */
  bye(reason: string): void {
    if (this.closed) return;
    try {
      this.send({ bye: { reason } });
    } catch {
      // already gone: nothing to say goodbye to
    }
    this.finish();
    this.markClosed('closed by us');
  }

  /** Connects within `timeoutMs` (TLS checked by `trust`); the error names the address and what to check. */
  static async connect(addr: ManagerAddress, timeoutMs: number, trust?: ManagerTrust): Promise<ControlConnection> {
    if (addr.tls && !trust) throw new SignalError('E_MANAGER_UNTRUSTED', `no way to check the TLS certificate of ${addr.text} was given`);
    return addr.transport === 'ws' ? connectWs(addr, timeoutMs, trust) : connectTcp(addr, timeoutMs, trust);
  }

  get closed(): boolean {
    return this.closeReason !== undefined;
  }

  send(env: ControlEnvelope): void {
    if (this.closed) throw new SignalError('E_MANAGER_LOST', 'the connection to the manager is closed; it is being re-established');
    this.write(encodeControl(env));
  }

  /** The next message, for request/response exchanges before a handler is set. */
  async next(timeoutMs: number, what: string): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.inbox.shift();
      if (m) return m;
      if (this.closed) throw new SignalError('E_MANAGER_LOST', `the manager closed the connection while we waited for ${what} (${this.closeReason})`);
      const left = deadline - Date.now();
      if (left <= 0) throw new SignalError('E_MANAGER_TIMEOUT', `no ${what} from the manager within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiter = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  /** From now on every message goes to `handler` (queued ones first). */
  setHandler(handler: (env: Received) => void): void {
    this.handler = handler;
    for (const m of this.inbox.splice(0)) handler(m);
  }

  onClose(h: (reason: string) => void): void {
    if (this.closeReason !== undefined) h(this.closeReason);
    else this.closeHandlers.push(h);
  }

  close(): void {
    this.markDead('closed by us');
  }

  /** Drops the connection now (no goodbye): it is dead or abandoned for `reason`. */
  markDead(reason: string): void {
    this.end();
    this.markClosed(reason);
  }

  /** Called by the transport for each complete message. */
  receive(bytes: Buffer): void {
    let env: Received;
    try {
      env = decodeControl(bytes);
    } catch (err) {
      this.end();
      return this.markClosed(`undecodable message from the manager: ${(err as Error).message}`);
    }
    if (this.handler) return this.handler(env);
    this.inbox.push(env);
    this.waiter?.();
  }

  markClosed(reason: string): void {
    if (this.closeReason !== undefined) return;
    this.closeReason = reason;
    this.waiter?.();
    for (const h of this.closeHandlers.splice(0)) h(reason);
  }
}

function unreachable(addr: ManagerAddress, why: string): SignalError {
  return new SignalError('E_MANAGER_UNREACHABLE', `cannot reach the manager at ${addr.text}: ${why}; check the address and that the manager runs (pinhole manager)`);
}

/**
 * Checks a TLS socket against `trust` after the handshake: CA-validated (hostname included) is
 * trusted; with --ca nothing else is; otherwise the certificate's key pin decides.
 */
async function checkTls(socket: tls.TLSSocket, addr: ManagerAddress, trust: ManagerTrust): Promise<void> {
  if (socket.authorized) return;
  if (trust.ca)
    throw new SignalError('E_MANAGER_UNTRUSTED', `the TLS certificate of ${addr.text} does not validate against --ca (${socket.authorizationError}); check the CA file and the host name`);
  const cert = socket.getPeerX509Certificate();
  if (!cert) throw new SignalError('E_MANAGER_UNTRUSTED', `${addr.text} presented no TLS certificate`);
  await trust.pin(createHash('sha256').update(cert.publicKey.export({ type: 'spki', format: 'der' })).digest());
}

/** A connection failure whose cause is likely the other end's TLS setting: say so. */
function tlsHint(addr: ManagerAddress, why: string): string {
  if (!/EPROTO|ECONNRESET|wrong version|packet length|handshake|socket hang up|disconnected/i.test(why)) return why;
  return addr.tls
    ? `${why} (is the manager running with --insecure? then both ends must use it; better, run it with TLS)`
    : `${why} (the manager probably speaks TLS: drop --insecure)`;
}

function connectTcp(addr: ManagerAddress, timeoutMs: number, trust?: ManagerTrust): Promise<ControlConnection> {
  return new Promise((resolve, reject) => {
    const socket = addr.tls
      ? tls.connect({ host: addr.host, port: addr.port, servername: net.isIP(addr.host) ? undefined : addr.host, ca: trust?.ca, rejectUnauthorized: false })
      : net.connect(addr.port, addr.host);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(unreachable(addr, `no connection within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(unreachable(addr, tlsHint(addr, `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim())));
    });
    socket.once(addr.tls ? 'secureConnect' : 'connect', async () => {
      clearTimeout(timer);
      if (addr.tls) {
        try {
          await checkTls(socket as tls.TLSSocket, addr, trust!);
        } catch (err) {
          socket.destroy();
          return reject(err);
        }
      }
      socket.setNoDelay(true);
      const conn = new ControlConnection('tcp', addr.tls, socket.remoteAddress ?? addr.host, (b) => socket.write(encodeFrame(b)), () => socket.destroy(), () => {
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      });
      // First bytes from us: the manager's port tells raw frames from HTTP by them, then says Hello.
      conn.send({ hello: { protocolVersion: CONTROL_PROTOCOL_VERSION, nonce: new Uint8Array(0) } });
      const decoder = new FrameDecoder(MAX_CONTROL_BYTES);
      socket.on('data', (chunk: Buffer) => {
        let frames: Buffer[];
        try {
          frames = decoder.push(chunk);
        } catch (err) {
          socket.destroy();
          return conn.markClosed((err as Error).message);
        }
        for (const f of frames) conn.receive(f);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => conn.markClosed('connection closed'));
      resolve(conn);
    });
  });
}

function connectWs(addr: ManagerAddress, timeoutMs: number, trust?: ManagerTrust): Promise<ControlConnection> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(addr.url!, { handshakeTimeout: timeoutMs, maxPayload: MAX_CONTROL_BYTES, perMessageDeflate: false, ca: trust?.ca, rejectUnauthorized: false });
    ws.once('error', (err) => reject(unreachable(addr, tlsHint(addr, `${(err as NodeJS.ErrnoException).code ?? ''} ${err.message}`.trim()))));
    ws.once('unexpected-response', (_req, res) => {
      ws.terminate();
      reject(unreachable(addr, `HTTP ${res.statusCode} instead of a WebSocket upgrade`));
    });
    let remote = addr.host;
    let checked: Promise<void> = Promise.resolve();
    ws.once('upgrade', (res) => {
      remote = res.socket.remoteAddress ?? remote;
      if (addr.tls) checked = checkTls(res.socket as tls.TLSSocket, addr, trust!);
    });
    ws.once('open', async () => {
      // Listen at once (the manager's Hello may arrive while the certificate is still being
      // checked); the connection queues messages until someone reads them.
      const conn = new ControlConnection('ws', addr.tls, remote, (b) => ws.send(b, { binary: true }), () => ws.terminate(), () => ws.close(1000, 'bye'));
      ws.on('message', (data, isBinary) => {
        if (isBinary) conn.receive(Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]));
      });
      ws.on('error', () => undefined);
      ws.on('close', (code) => conn.markClosed(`WebSocket closed (${code})`));
      try {
        await checked;
      } catch (err) {
        ws.terminate();
        return reject(err);
      }
      resolve(conn);
    });
  });
}
