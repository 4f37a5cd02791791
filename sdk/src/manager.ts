import {
  formatHostPort,
  ManagerServerFactory,
  parseHostPort,
  PinholeError,
  type Disposable,
  type ManagerServer,
  type ManagerSnapshot,
} from '@pinhole/core';
import type { Host } from '@pinhole/core/host';
import { Events } from './events';
import { createHost, startOnHost, type HostInit } from './host';

export interface ManagerInit extends HostInit {
  /** Control port (TCP + WebSocket + dashboard), HOST:PORT; default 127.0.0.1:0 (loopback, a free port). */
  listen?: string;
  /** STUN port, HOST:PORT; default the listen host, a free port. */
  udp?: string;
  /** A PEM certificate and key (a CA-issued pair); default a self-signed one made for this process, which peers pin. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Keep the self-signed certificate in this folder, so its pin survives restarts. */
  certDir?: string;
  /** Plain TCP/WebSocket/HTTP, for debugging (peers need insecure too). */
  insecure?: boolean;
  /** Bearer token of the dashboard, /metrics and /api/status; default a random one (`adminToken`). */
  adminToken?: string;
  /** The directory backend (a plugin contributing directoryBackends); default "memory". */
  directory?: string;
  /** Aborting it closes the manager. */
  signal?: AbortSignal;
}

export interface ManagerEvents extends Record<string, unknown> {
  /** Something in the snapshot changed (a registration, a call, a refusal …). */
  change: ManagerSnapshot;
  error: unknown;
}

/** A running manager: what peers register with (pass it as createPeer's `manager`). */
export class Manager {
  readonly events = new Events<ManagerEvents>();
  private closing?: Promise<void>;
  private readonly sub: Disposable;

  private constructor(readonly host: Host, private readonly server: ManagerServer) {
    this.sub = server.onChange(() => this.events.emit('change', server.snapshot()));
  }

  /** @internal use createManager() */
  static async create(init: ManagerInit): Promise<Manager> {
    const listen = init.listen ? parseHostPort(init.listen, 'listen') : { host: '127.0.0.1', port: 0 };
    const udp = init.udp ? parseHostPort(init.udp, 'udp') : { host: listen.host, port: 0 };
    if (init.tls && init.insecure) throw new PinholeError('E_USAGE', 'insecure turns TLS off; it cannot go with tls');
    const config = init.directory
      ? { ...init.config, plugins: { ...init.config?.plugins, 'manager-server': { ...init.config?.plugins?.['manager-server'], options: { ...init.config?.plugins?.['manager-server']?.options, directory: init.directory } } } }
      : init.config;
    const host = createHost({ ...init, config });
    return startOnHost(host, init.signal, async () => {
      const factory = await host.services.load<ManagerServerFactory>(ManagerServerFactory, 'onManager', 'a manager needs the manager-server plugin');
      const server = await factory.start({ host: listen.host, port: listen.port, udpHost: udp.host, udpPort: udp.port, tls: init.tls, selfSignedDir: init.certDir, insecure: init.insecure, adminToken: init.adminToken });
      return new Manager(host, server);
    });
  }

  /** HOST:PORT of the control port (IPv6 in brackets): what peers are given. */
  get address(): string {
    const a = this.server.address().tcp;
    return formatHostPort(a.host, a.port);
  }
  /** The WebSocket URL (wss:// unless insecure). */
  get url(): string {
    return `${this.server.address().tls ? 'wss' : 'ws'}://${this.address}/`;
  }
  /** The dashboard (open it with #token=… or paste the admin token). */
  get dashboard(): string {
    return `${this.server.address().tls ? 'https' : 'http'}://${this.address}/`;
  }
  /** STUN's HOST:PORT. */
  get stun(): string {
    const a = this.server.address().udp;
    return formatHostPort(a.host, a.port);
  }
  /** The certificate's pin (`sha256:…`), undefined when insecure. */
  get pin(): string | undefined {
    return this.server.address().tls?.pin;
  }
  get adminToken(): string {
    return this.server.address().admin!.token;
  }
  get directory(): string | undefined {
    return this.server.address().directory;
  }

  /** Registered peers, live calls, setup times and counters, now. */
  status(): ManagerSnapshot {
    return this.server.snapshot();
  }

  on<K extends keyof ManagerEvents & string>(event: K, handler: (e: ManagerEvents[K]) => void): Disposable {
    return this.events.on(event, handler);
  }

  close(): Promise<void> {
    return (this.closing ??= (async () => {
      this.sub.dispose();
      await this.server.close();
      await this.host.dispose();
    })());
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** Starts a manager: `await createManager()` listens on loopback with a free port, TLS with its own certificate. */
export function createManager(init: ManagerInit = {}): Promise<Manager> {
  return Manager.create(init);
}
