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
  /**
   * The operator's PEM certificate and key (a CA-issued pair: the production setup). Without
   * it the manager serves TLS with its own self-signed certificate, which peers pin.
   */
  tls?: { cert: string | Buffer; key: string | Buffer };
  /** Where the self-signed certificate is kept so its pin survives restarts; absent: made in memory for this process. */
  selfSignedDir?: string;
  /** Plain TCP/WebSocket, no TLS: for debugging only (logged loudly). */
  insecure?: boolean;
  keepaliveMs?: number;
  expiryMs?: number;
  callTimeoutMs?: number;
  maxCallsPerPeer?: number;
  /** CallRequests per second per caller (burst twice this). */
  callsPerSecondPerPeer?: number;
  maxFrameBytes?: number;
  limits?: Partial<ManagerLimits>;
  directory: Directory;
  hooks?: Hooks;
  log?: Logger;
  /** This node's id for cross-node routing; random by default. */
  nodeId?: string;
}

export interface ResolvedOptions extends Required<Omit<StartManagerOptions, 'tls' | 'limits' | 'nodeId' | 'selfSignedDir'>> {
  tls?: StartManagerOptions['tls'];
  selfSignedDir?: string;
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
    selfSignedDir: o.selfSignedDir,
    insecure: o.insecure ?? false,
    keepaliveMs: o.keepaliveMs ?? 25000,
    expiryMs,
    callTimeoutMs: o.callTimeoutMs ?? 10000,
    maxCallsPerPeer: o.maxCallsPerPeer ?? 4,
    callsPerSecondPerPeer: o.callsPerSecondPerPeer ?? 5,
    maxFrameBytes: o.maxFrameBytes ?? 64 * 1024,
    limits: { ...DEFAULT_LIMITS, ...stripUndefined(o.limits ?? {}) },
    directory: o.directory,
    hooks: o.hooks ?? createHooks(),
    log: o.log ?? createLogger({ level: 'silent', events: false }),
    // A quarter of the expiry keeps the overshoot small without sweeping a big table too often.
    sweepMs: Math.max(10, Math.min(1000, Math.floor(expiryMs / 4))),
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
