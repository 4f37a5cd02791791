import { createHooks, createLogger, type Directory, type Hooks, type Logger } from '@pinhole/core';

export interface ManagerLimits {
  /** Concurrent connections from one IP address. */
  maxConnectionsPerAddress: number;
  /** Token-bucket rate per connection; the burst is twice this. */
  messagesPerSecondPerConnection: number;
  /** The first complete message must arrive within this after accept (slow-loris guard). */
  helloTimeoutMs: number;
  /** A connection that sends nothing for this long is closed. */
  idleTimeoutMs: number;
}

export interface StartManagerOptions {
  host?: string;
  /** TCP + WebSocket port; default 8080, 0 picks a free one. */
  port?: number;
  udpHost?: string;
  /** STUN port; default 3478, 0 picks a free one. */
  udpPort?: number;
  /** PEM certificate and key: serve TLS (port 443 style) with the same TCP/WebSocket sniffing inside. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  keepaliveMs?: number;
  expiryMs?: number;
  callTimeoutMs?: number;
  maxCallsPerPeer?: number;
  maxFrameBytes?: number;
  limits?: Partial<ManagerLimits>;
  directory: Directory;
  /** The backend's name, for manager.ready and logs. */
  directoryName?: string;
  hooks?: Hooks;
  log?: Logger;
  /** This node's id for cross-node routing; random by default. */
  nodeId?: string;
}

export interface ResolvedOptions extends Required<Omit<StartManagerOptions, 'tls' | 'limits' | 'nodeId'>> {
  tls?: StartManagerOptions['tls'];
  limits: ManagerLimits;
  /** How often expired peers are swept from the directory. */
  sweepMs: number;
}

export const DEFAULT_LIMITS: ManagerLimits = {
  maxConnectionsPerAddress: 64,
  messagesPerSecondPerConnection: 50,
  helloTimeoutMs: 10000,
  idleTimeoutMs: 90000,
};

export function resolveOptions(o: StartManagerOptions): ResolvedOptions {
  const expiryMs = o.expiryMs ?? 60000;
  return {
    host: o.host ?? '0.0.0.0',
    port: o.port ?? 8080,
    udpHost: o.udpHost ?? o.host ?? '0.0.0.0',
    udpPort: o.udpPort ?? 3478,
    tls: o.tls,
    keepaliveMs: o.keepaliveMs ?? 25000,
    expiryMs,
    callTimeoutMs: o.callTimeoutMs ?? 10000,
    maxCallsPerPeer: o.maxCallsPerPeer ?? 4,
    maxFrameBytes: o.maxFrameBytes ?? 64 * 1024,
    limits: { ...DEFAULT_LIMITS, ...stripUndefined(o.limits ?? {}) },
    directory: o.directory,
    directoryName: o.directoryName ?? 'given',
    hooks: o.hooks ?? createHooks(),
    log: o.log ?? createLogger({ level: 'silent', events: false }),
    // A quarter of the expiry keeps the overshoot small without sweeping a big table too often.
    sweepMs: Math.max(10, Math.min(1000, Math.floor(expiryMs / 4))),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
