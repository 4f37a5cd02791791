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
   * Second STUN port for NAT classification (RFC 5780): 0 = the STUN port + 1 (a free port when the
   * STUN port is 0), -1 = none. Default 0.
   */
  stunAltPort?: number;
  /** A second address of this host for RFC 5780 change-address tests; unset: ports only. */
  stunAltHost?: string;
  /** PEM certificate and key: serve TLS (port 443 style) with the same TCP/WebSocket sniffing inside. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  keepaliveMs?: number;
  expiryMs?: number;
  callTimeoutMs?: number;
  maxCallsPerPeer?: number;
  maxFrameBytes?: number;
  limits?: Partial<ManagerLimits>;
  directory: Directory;
  hooks?: Hooks;
  log?: Logger;
  /** This node's id for cross-node routing; random by default. */
  nodeId?: string;
}

export interface ResolvedOptions extends Required<Omit<StartManagerOptions, 'tls' | 'limits' | 'nodeId' | 'stunAltPort' | 'stunAltHost'>> {
  tls?: StartManagerOptions['tls'];
  /** The resolved alternate STUN port (0: any free one); undefined: no alternate. */
  stunAltPort?: number;
  stunAltHost?: string;
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
    stunAltPort: alternatePort(o.stunAltPort ?? 0, o.udpPort ?? 3478),
    stunAltHost: o.stunAltHost,
    tls: o.tls,
    keepaliveMs: o.keepaliveMs ?? 25000,
    expiryMs,
    callTimeoutMs: o.callTimeoutMs ?? 10000,
    maxCallsPerPeer: o.maxCallsPerPeer ?? 4,
    maxFrameBytes: o.maxFrameBytes ?? 64 * 1024,
    limits: { ...DEFAULT_LIMITS, ...stripUndefined(o.limits ?? {}) },
    directory: o.directory,
    hooks: o.hooks ?? createHooks(),
    log: o.log ?? createLogger({ level: 'silent', events: false }),
    // A quarter of the expiry keeps the overshoot small without sweeping a big table too often.
    sweepMs: Math.max(10, Math.min(1000, Math.floor(expiryMs / 4))),
  };
}

/** -1: none; 0: next to the STUN port (any free one if that is 0 or the last port); else as given. */
function alternatePort(alt: number, udpPort: number): number | undefined {
  if (alt < 0) return undefined;
  if (alt > 0) return alt;
  return udpPort > 0 && udpPort < 65535 ? udpPort + 1 : 0;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
